/**
 * Whether the standard OpenTelemetry environment asks for trace export, read
 * without loading any of OpenTelemetry. The gateway exports over OTLP/HTTP
 * with JSON bodies (what @opentelemetry/exporter-trace-otlp-http sends); the
 * SDK itself reads the rest of the OTEL_* variables (headers, timeout,
 * sampler, batch sizes, resource attributes).
 *
 * On when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT
 * is set, unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER names no
 * `otlp` exporter. Settings the gateway cannot honour come back as notes
 * for the log.
 */

export interface TracingSettings {
  enabled: boolean;
  /** Where spans go (the traces URL, as the exporter will use it). */
  endpoint: string | undefined;
  notes: string[];
}

export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const notes: string[] = [];
  const off = (note?: string): TracingSettings => ({ enabled: false, endpoint: undefined, notes: note ? [...notes, note] : notes });
  const signal = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (signal === undefined && base === undefined) return off();
  if (nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true') return off();
  const exporters = nonEmpty(env.OTEL_TRACES_EXPORTER)?.split(',').map((e) => e.trim().toLowerCase());
  if (exporters && !exporters.includes('otlp')) {
    return off(exporters.every((e) => e === 'none') ? undefined : `tracing: OTEL_TRACES_EXPORTER=${exporters.join(',')} names no exporter the gateway has (only otlp); spans are not exported`);
  }
  const name = signal !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  // The signal-specific variable is the full URL; the base one gets /v1/traces appended (OTLP exporter specification).
  const endpoint = signal ?? `${base!.replace(/\/+$/, '')}/v1/traces`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return off(`tracing: ${name} is not a URL (${JSON.stringify(endpoint.slice(0, 200))}); spans are not exported`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return off(`tracing: ${name} must be an http:// or https:// URL, got ${url.protocol}; spans are not exported`);
  const protocol = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL);
  if (protocol !== undefined && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    notes.push(`tracing: OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; exporting OTLP/HTTP with JSON bodies to ${url.origin}`);
  }
  return { enabled: true, endpoint: url.href, notes };
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}
