import { describe, expect, it } from 'vitest';
import {
  LATEST_LEGACY_VERSION,
  LEGACY_VERSIONS,
  LOG_LEVELS,
  META,
  MODERN_VERSION,
  SUPPORTED_VERSIONS,
  VERSION_WITHOUT_HEADER,
  allowsBatches,
  eraOf,
  isLegacyVersion,
  isLogLevel,
  isSupportedVersion,
  logPasses,
  negotiateLegacy,
  resourceNotFoundCode,
} from '../../src/mcp/versions.js';

describe('protocol revisions', () => {
  it('lists the modern revision and the legacy ones newest first', () => {
    expect(MODERN_VERSION).toBe('2026-07-28');
    expect(LEGACY_VERSIONS).toEqual(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']);
    expect(LATEST_LEGACY_VERSION).toBe(LEGACY_VERSIONS[0]);
    expect(SUPPORTED_VERSIONS).toEqual(['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']);
    expect(VERSION_WITHOUT_HEADER).toBe('2025-03-26');
  });

  it('tells the era of a revision; anything unknown counts as legacy', () => {
    expect(eraOf('2026-07-28')).toBe('modern');
    expect(eraOf('2025-11-25')).toBe('legacy');
    expect(eraOf('2099-01-01')).toBe('legacy');
  });

  it('knows which revisions it speaks', () => {
    expect(isSupportedVersion('2026-07-28')).toBe(true);
    expect(isSupportedVersion('2024-11-05')).toBe(true);
    expect(isSupportedVersion('2024-10-07')).toBe(false);
    expect(isLegacyVersion('2025-06-18')).toBe(true);
    expect(isLegacyVersion('2026-07-28')).toBe(false);
  });

  it('negotiates a legacy initialize: the client version when spoken, else the newest legacy one', () => {
    expect(negotiateLegacy('2025-03-26')).toBe('2025-03-26');
    expect(negotiateLegacy('2024-11-05')).toBe('2024-11-05');
    expect(negotiateLegacy('2026-07-28')).toBe('2025-11-25');
    expect(negotiateLegacy('1999-01-01')).toBe('2025-11-25');
    expect(negotiateLegacy(20250618)).toBe('2025-11-25');
    expect(negotiateLegacy(undefined)).toBe('2025-11-25');
  });

  it('allows batches only before 2025-06-18', () => {
    expect(LEGACY_VERSIONS.filter(allowsBatches)).toEqual(['2025-03-26', '2024-11-05']);
    expect(allowsBatches(MODERN_VERSION)).toBe(false);
  });

  it('uses -32002 for an unknown resource through 2025-11-25 and -32602 from 2026-07-28', () => {
    expect(resourceNotFoundCode('2025-11-25')).toBe(-32002);
    expect(resourceNotFoundCode('2024-11-05')).toBe(-32002);
    expect(resourceNotFoundCode('2026-07-28')).toBe(-32602);
  });

  it('names the reserved _meta keys under io.modelcontextprotocol/', () => {
    expect(Object.values(META).every((k) => k.startsWith('io.modelcontextprotocol/'))).toBe(true);
    expect(META.protocolVersion).toBe('io.modelcontextprotocol/protocolVersion');
    expect(META.clientCapabilities).toBe('io.modelcontextprotocol/clientCapabilities');
  });
});

describe('log levels', () => {
  it('lists the RFC 5424 levels least severe first', () => {
    expect(LOG_LEVELS).toEqual(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']);
  });

  it('recognises only those strings', () => {
    expect(isLogLevel('warning')).toBe(true);
    expect(isLogLevel('warn')).toBe(false);
    expect(isLogLevel('ERROR')).toBe(false);
    expect(isLogLevel(3)).toBe(false);
  });

  it('passes a message at or above the threshold', () => {
    expect(logPasses('warning', 'warning')).toBe(true);
    expect(logPasses('error', 'warning')).toBe(true);
    expect(logPasses('info', 'warning')).toBe(false);
    expect(logPasses('emergency', 'debug')).toBe(true);
    expect(logPasses('debug', 'emergency')).toBe(false);
  });

  it('passes a message whose level it cannot read rather than silently dropping it', () => {
    expect(logPasses('verbose', 'emergency')).toBe(true);
    expect(logPasses(undefined, 'error')).toBe(true);
  });
});
