/**
 * piscina task: parse a large JSON body and/or hash it, off the worker's
 * event loop. The input bytes are transferred (moved, not copied) in; the
 * parsed value is structured-cloned back, which costs less than JSON.parse
 * on the event loop only above a size the benchmark measures
 * (bench/results/piscina.json, docs/performance.md).
 */
import { createHash } from 'node:crypto';

export interface JsonTask {
  op: 'parse' | 'hash' | 'parse-hash';
  bytes: Uint8Array;
}

export default function run(task: JsonTask): unknown {
  const buf = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  switch (task.op) {
    case 'parse':
      return { value: JSON.parse(buf.toString('utf8')) as unknown };
    case 'hash':
      return { hash: createHash('sha256').update(buf).digest('base64url') };
    case 'parse-hash':
      return { value: JSON.parse(buf.toString('utf8')) as unknown, hash: createHash('sha256').update(buf).digest('base64url') };
  }
}
