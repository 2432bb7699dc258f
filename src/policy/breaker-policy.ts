/**
 * The circuit-breaker policy as a function around a backend call: admit,
 * send, record. Composes with the other policies the same way.
 */
import { isBackendFault, type CircuitBreakers } from './circuit-breaker.js';

export type Send<T> = () => Promise<T>;

export function withBreaker<T>(breakers: CircuitBreakers, backend: string, send: Send<T>): Send<T> {
  return async () => {
    await breakers.admit(backend);
    try {
      const result = await send();
      void breakers.record(backend, true);
      return result;
    } catch (err) {
      if (isBackendFault(err)) void breakers.record(backend, false);
      else void breakers.record(backend, true);
      throw err;
    }
  };
}
