/**
 * The ledger kills only what it recorded: a pid whose start time no longer
 * matches (the number was reused) is left alone, a live owner's ledger is
 * not touched, and only the gateway's own kind of temp folder is removed.
 * Real processes (sleep), real files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChildLedger, RECLAIMABLE_DIR_PREFIX, processStartTime } from '../../src/primary/child-ledger.js';
import { alive } from '../helpers/process-table.js';

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) c.kill('SIGKILL');
});

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['60'], { stdio: 'ignore' });
  started.push(c);
  return c;
}

async function untilDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

/** A primary that existed and is gone: a process started and reaped, its pid and start time recorded. */
async function deadOwner(): Promise<{ pid: number; start: string }> {
  const c = spawn('sleep', ['0'], { stdio: 'ignore' });
  await new Promise((r) => c.once('spawn', r));
  const start = processStartTime(c.pid!) ?? '1';
  await new Promise((r) => c.once('exit', r));
  return { pid: c.pid!, start };
}

describe('ChildLedger', () => {
  it('reclaims a dead primary\'s children whose pid and start time match, and its temp folders of the gateway\'s kind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o1m-ledger-'));
    const recorded = sleeper();
    const reused = sleeper();
    await new Promise((r) => setTimeout(r, 50));
    const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), RECLAIMABLE_DIR_PREFIX));
    const foreignDir = fs.mkdtempSync(path.join(os.tmpdir(), 'someone-else-'));
    const owner = await deadOwner();
    fs.writeFileSync(
      path.join(dir, `primary-${owner.pid}-${owner.start}.json`),
      JSON.stringify({
        owner,
        children: [
          { pid: recorded.pid, start: processStartTime(recorded.pid!), kind: 'stdio', name: 'a' },
          // The same pid number, another process: its start time differs.
          { pid: reused.pid, start: '1', kind: 'redis', name: 'b' },
        ],
        dirs: [redisDir, foreignDir],
      }),
    );

    const ledger = new ChildLedger();
    const reclaimed = ledger.open(dir);
    expect(reclaimed.killed.map((e) => e.pid)).toEqual([recorded.pid]);
    expect(await untilDead(recorded.pid!)).toBe(true);
    expect(alive(reused.pid!)).toBe(true);
    expect(fs.existsSync(redisDir)).toBe(false);
    expect(fs.existsSync(foreignDir)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([`primary-${process.pid}-${processStartTime(process.pid)}.json`]);

    ledger.close();
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(foreignDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a live primary\'s ledger and children alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o1m-ledger-'));
    const livePrimary = sleeper();
    const child = sleeper();
    await new Promise((r) => setTimeout(r, 50));
    const file = path.join(dir, `primary-${livePrimary.pid}-x.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({ owner: { pid: livePrimary.pid, start: processStartTime(livePrimary.pid!) }, children: [{ pid: child.pid, start: processStartTime(child.pid!), kind: 'stdio', name: 'a' }], dirs: [] }),
    );
    const ledger = new ChildLedger();
    expect(ledger.open(dir).killed).toEqual([]);
    expect(alive(child.pid!)).toBe(true);
    expect(fs.existsSync(file)).toBe(true);
    ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records children while they run and forgets them when they end', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o1m-ledger-'));
    const ledger = new ChildLedger();
    ledger.open(dir);
    const c = sleeper();
    ledger.add(c.pid, 'stdio', 'x');
    const file = path.join(dir, fs.readdirSync(dir)[0]!);
    const read = () => JSON.parse(fs.readFileSync(file, 'utf8')) as { children: Array<{ pid: number; start: string }> };
    expect(read().children).toEqual([{ pid: c.pid, start: processStartTime(c.pid!), kind: 'stdio', name: 'x' }]);
    ledger.remove(c.pid);
    expect(read().children).toEqual([]);
    ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
