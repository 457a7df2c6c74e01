import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.ts';

const RETAIL = join(ROOT, 'data', 'online_retail.csv.gz');
const FLAGS = ['--k', '4', '--stability-resamples', '0', '--n-init', '3'];

function fingerprint(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]),
  );
}

describe('a run killed while publishing', () => {
  const root = mkdtempSync(join(tmpdir(), 'segmenta-kill-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('leaves the previous run directory intact, and the next run takes over the stale lock', async () => {
    const out = join(root, 'run');
    const good = await runCli(['discover', '--input', RETAIL, '--out', out, ...FLAGS]);
    expect(good.code).toBe(0);
    const before = fingerprint(out);

    // Second run with another seed; SIGKILL it the moment its staging directory appears.
    const child = spawn(process.execPath, [BIN, 'discover', '--input', RETAIL, '--out', out, ...FLAGS, '--seed', '7'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let killedDuringPublish = false;
    for (let i = 0; i < 3000; i += 1) {
      if (readdirSync(root).some((f) => f.startsWith('.run.tmp-'))) {
        child.kill('SIGKILL');
        killedDuringPublish = true;
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(killedDuringPublish).toBe(true);
    expect(await exited).toBe('SIGKILL');

    // The old output is untouched; the dead run's lock and staging directory are still there.
    expect(fingerprint(out)).toEqual(before);
    expect(existsSync(`${out}.lock`)).toBe(true);

    const next = await runCli(['discover', '--input', RETAIL, '--out', out, ...FLAGS]);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    expect(readdirSync(root).sort()).toEqual(['run']);
    expect(fingerprint(out)['customers.csv']).toBe(before['customers.csv']);
  }, 300_000);

  it('a second run on the same output while one is running exits 3 naming the pid', async () => {
    const out = join(root, 'busy');
    const child = spawn(process.execPath, [BIN, 'discover', '--input', RETAIL, '--out', out, ...FLAGS], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 1000 && !existsSync(`${out}.lock`); i += 1) await new Promise((r) => setTimeout(r, 10));
    const second = await runCli(['discover', '--input', RETAIL, '--out', out, ...FLAGS]);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(new RegExp(`another run \\(pid ${child.pid} `));
    await exited;
  }, 300_000);
});
