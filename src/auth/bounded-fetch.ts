/**
 * HTTP requests the identity layer makes to identity providers (JWKS,
 * token exchange): a time limit, a body size limit, and no redirects (the
 * configured URL is the one trusted). Node's fetch; these run off the data
 * path (a key refresh, or once per caller and token lifetime).
 */

export interface BoundedResponse {
  readonly status: number;
  readonly text: string;
}

export async function fetchBounded(url: string, init: RequestInit, limits: { timeoutMs: number; maxBytes: number }): Promise<BoundedResponse> {
  const response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(limits.timeoutMs) });
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader !== undefined) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limits.maxBytes) {
      await reader.cancel();
      throw new Error(`the response is larger than ${limits.maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return { status: response.status, text: Buffer.concat(chunks).toString('utf8') };
}
