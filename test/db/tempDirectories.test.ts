import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTempDirectories } from '../../src/db/database.ts';
import { tempDir } from '../helpers/files.ts';

/** The id of a process that has exited (and so cannot own a directory any more). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('spill directories of killed runs', () => {
  it('are removed; those of running processes and other files stay', () => {
    const dir = tempDir();
    const dead = join(dir, `segmenta-duckdb-${deadPid()}-0f1e`);
    const alive = join(dir, `segmenta-duckdb-${process.pid}-a1b2`);
    const other = join(dir, 'segmenta-duckdb-notapid');
    for (const path of [dead, alive, other]) mkdirSync(path);
    writeFileSync(join(dead, 'duckdb_temp_storage-0.tmp'), 'spilled');

    expect(removeStaleTempDirectories(dir)).toEqual([dead.split('/').at(-1)]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });

  it('a missing directory is not an error', () => {
    expect(removeStaleTempDirectories(join(tempDir(), 'none'))).toEqual([]);
  });
});
