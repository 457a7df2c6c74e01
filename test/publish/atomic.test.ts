import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishDirectory, recoverInterruptedPublish } from '../../src/publish/atomicDirectory.ts';
import { acquireLock } from '../../src/publish/lock.ts';
import { LockedError } from '../../src/errors.ts';
import { tempDir } from '../helpers/files.ts';

describe('atomic publish', () => {
  it('replaces the directory whole', async () => {
    const root = tempDir();
    const target = join(root, 'run');
    await publishDirectory(target, async (dir) => writeFileSync(join(dir, 'a.txt'), 'one'));
    await publishDirectory(target, async (dir) => writeFileSync(join(dir, 'b.txt'), 'two'));
    expect(readdirSync(target)).toEqual(['b.txt']);
    expect(readdirSync(root)).toEqual(['run']);
  });

  it('keeps the previous directory when filling fails', async () => {
    const root = tempDir();
    const target = join(root, 'run');
    await publishDirectory(target, async (dir) => writeFileSync(join(dir, 'good.txt'), 'good'));
    await expect(
      publishDirectory(target, async (dir) => {
        writeFileSync(join(dir, 'half.txt'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readdirSync(target)).toEqual(['good.txt']);
    expect(readdirSync(root)).toEqual(['run']);
  });

  it('restores the backup when a run died between the two renames', () => {
    const root = tempDir();
    const backup = join(root, '.run.old-123-abc');
    mkdirSync(backup);
    writeFileSync(join(backup, 'good.txt'), 'good');
    mkdirSync(join(root, '.run.tmp-123-abc'));
    recoverInterruptedPublish(join(root, 'run'));
    expect(readFileSync(join(root, 'run', 'good.txt'), 'utf8')).toBe('good');
    expect(readdirSync(root)).toEqual(['run']);
  });
});

describe('output lock', () => {
  it('refuses a second holder and names the pid', () => {
    const target = join(tempDir(), 'run');
    const lock = acquireLock(target);
    try {
      expect(() => acquireLock(target)).toThrow(LockedError);
      expect(() => acquireLock(target)).toThrow(new RegExp(`pid ${process.pid}`));
    } finally {
      lock.release();
    }
    acquireLock(target).release();
  });

  it('takes over a stale lock of a dead process', async () => {
    const target = join(tempDir(), 'run');
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((resolve) => child.on('exit', resolve));
    writeFileSync(`${target}.lock`, JSON.stringify({ pid, host: (await import('node:os')).hostname(), started: 'then' }));
    const lock = acquireLock(target);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});
