import { describe, expect, it } from 'vitest';
import { CLIENT_METHODS, missingCapability, refusal } from '../../src/gateway/client-capabilities.js';
import { UpstreamRpcError } from '../../src/backends/rpc-connection.js';

describe('missingCapability', () => {
  it('needs sampling for sampling/createMessage', () => {
    expect(missingCapability('sampling/createMessage', {}, { sampling: {} })).toBeUndefined();
    expect(missingCapability('sampling/createMessage', {}, {})).toEqual({ sampling: {} });
    expect(missingCapability('sampling/createMessage', {}, { sampling: true })).toEqual({ sampling: {} });
  });

  it('needs roots for roots/list', () => {
    expect(missingCapability('roots/list', undefined, { roots: { listChanged: true } })).toBeUndefined();
    expect(missingCapability('roots/list', undefined, { sampling: {} })).toEqual({ roots: {} });
  });

  it('reads an empty elicitation object as form support only (the 2025-06-18 shape)', () => {
    expect(missingCapability('elicitation/create', { message: 'x' }, { elicitation: {} })).toBeUndefined();
    expect(missingCapability('elicitation/create', { mode: 'form' }, { elicitation: {} })).toBeUndefined();
    expect(missingCapability('elicitation/create', { mode: 'url' }, { elicitation: {} })).toEqual({ elicitation: { url: {} } });
  });

  it('needs the declared mode when elicitation lists modes', () => {
    expect(missingCapability('elicitation/create', { mode: 'url' }, { elicitation: { url: {} } })).toBeUndefined();
    expect(missingCapability('elicitation/create', {}, { elicitation: { url: {} } })).toEqual({ elicitation: { form: {} } });
    expect(missingCapability('elicitation/create', { mode: 'url' }, { elicitation: { form: {} } })).toEqual({ elicitation: { url: {} } });
    expect(missingCapability('elicitation/create', { mode: 'form' }, { elicitation: { form: {}, url: {} } })).toBeUndefined();
  });

  it('takes an unknown mode as form', () => {
    expect(missingCapability('elicitation/create', { mode: 'telepathy' }, { elicitation: { url: {} } })).toEqual({ elicitation: { form: {} } });
  });

  it('asks for elicitation (with url when that mode was asked) when none was declared', () => {
    expect(missingCapability('elicitation/create', {}, {})).toEqual({ elicitation: {} });
    expect(missingCapability('elicitation/create', { mode: 'url' }, {})).toEqual({ elicitation: { url: {} } });
  });

  it('needs nothing for ping or any other method', () => {
    expect(missingCapability('ping', undefined, {})).toBeUndefined();
    expect(missingCapability('tools/call', undefined, {})).toBeUndefined();
  });
});

describe('refusal', () => {
  it('is a -32601 the backend receives as the client would have sent it', () => {
    const err = refusal('sampling/createMessage', { sampling: {} });
    expect(err).toBeInstanceOf(UpstreamRpcError);
    expect(err.toJsonRpc()).toEqual({ code: -32601, message: 'The client did not declare the sampling capability needed for sampling/createMessage' });
  });

  it('names the top-level capability for nested requirements', () => {
    expect(refusal('elicitation/create', { elicitation: { url: {} } }).message).toBe('The client did not declare the elicitation capability needed for elicitation/create');
  });
});

describe('CLIENT_METHODS', () => {
  it('lists exactly the requests a client can be asked', () => {
    expect([...CLIENT_METHODS].sort()).toEqual(['elicitation/create', 'ping', 'roots/list', 'sampling/createMessage']);
  });
});
