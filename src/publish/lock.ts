import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { LockedError } from '../errors.ts';

/** A held lock; release it in `finally`. */
export interface Lock {
  readonly path: string;
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

/**
 * Takes the lock for an output directory: a file `<dir>.lock` beside it,
 * created exclusively. A lock whose process is gone (same host, pid not
 * running) is stale and taken over; a live one ends the run with exit 3.
 */
export function acquireLock(target: string): Lock {
  const path = `${target.replace(/[/\\]+$/, '')}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
      writeSync(fd, JSON.stringify(owner));
      closeSync(fd);
      return {
        path,
        release() {
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(path);
      if (owner && isAlive(owner)) {
        throw new LockedError(`--out ${target}: another run (pid ${owner.pid} on ${owner.host}, since ${owner.started}) holds the lock ${path}`);
      }
      // Stale: the process that wrote it is gone. Remove and try again.
      rmSync(path, { force: true });
    }
  }
  throw new LockedError(`--out ${target}: could not take the lock ${path}`);
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : null;
  } catch {
    // Being written right now, or garbage: treat a half-written lock as held once.
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // can't check another machine: assume it is running
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
