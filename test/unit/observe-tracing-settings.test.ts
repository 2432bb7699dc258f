import { describe, expect, it } from 'vitest';
import { tracingSettings } from '../../src/observe/tracing-settings.js';

describe('tracingSettings', () => {
  it('is off, silently, when no OTLP endpoint is set', () => {
    expect(tracingSettings({})).toEqual({ enabled: false, endpoint: undefined, notes: [] });
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toEqual({ enabled: false, endpoint: undefined, notes: [] });
  });

  it('appends /v1/traces to the base endpoint and takes the traces endpoint as it is', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({ enabled: true, endpoint: 'http://collector:4318/v1/traces' });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).endpoint).toBe('http://collector:4318/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/custom/path' }).endpoint).toBe('https://b/custom/path');
  });

  it('is off when the SDK is disabled or the traces exporter is none', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toEqual({ enabled: false, endpoint: undefined, notes: [] });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toEqual({ enabled: false, endpoint: undefined, notes: [] });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'console,otlp' }).enabled).toBe(true);
  });

  it('says why when a setting cannot be honoured', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'zipkin' }).notes).toEqual([
      'tracing: OTEL_TRACES_EXPORTER=zipkin names no exporter the gateway has (only otlp); spans are not exported',
    ]);
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://[collector' })).toEqual({
      enabled: false,
      endpoint: undefined,
      notes: ['tracing: OTEL_EXPORTER_OTLP_ENDPOINT is not a URL ("http://[collector/v1/traces"); spans are not exported'],
    });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://c/v1/traces' }).notes).toEqual([
      'tracing: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL, got ftp:; spans are not exported',
    ]);
    const grpc = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(grpc.enabled).toBe(true);
    expect(grpc.notes).toEqual(['tracing: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported; exporting OTLP/HTTP with JSON bodies to http://c:4317']);
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).notes).toEqual([]);
  });
});
