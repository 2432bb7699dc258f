import { describe, expect, it } from 'vitest';
import { parameterTypes, queryValues } from '../../src/context/value-types.js';

describe('value types', () => {
  it('reads parameter types from names and formats', () => {
    const schema = { type: 'object', properties: { file_path: { type: 'string' }, target: { type: 'string', format: 'uri' }, latitude: { type: 'number' }, q: { type: 'string' } } };
    expect([...parameterTypes(schema)].sort()).toEqual(['coordinates', 'path', 'url']);
  });

  it('recognises values in a query and replaces them by what they imply', () => {
    const v = queryValues('Save the report to /root/markdown/report.md and read https://www.youtube.com/watch?v=1');
    expect([...v.types].sort()).toEqual(['path', 'url']);
    expect(v.text).not.toContain('/root');
    expect(v.text).toContain('markdown');
    expect(v.text).toContain('youtube');
    expect(v.text).toContain('file');
  });

  it('recognises domains, e-mail addresses, file names and base64 blobs', () => {
    expect([...queryValues('Is amaz0n.com official?').types]).toEqual(['domain', 'url']);
    expect([...queryValues('write to bob@example.org').types]).toEqual(['email']);
    expect(queryValues('open deck.pptx').text).toContain('presentation');
    expect([...queryValues(`decode ${'QUJD'.repeat(30)}`).types]).toEqual(['base64']);
  });
});
