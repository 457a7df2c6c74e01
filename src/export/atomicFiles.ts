/**
 * Writes a set of files so that readers never see a half-written one: each
 * is written to a temporary sibling and renamed into place once all of them
 * are complete. A rename within one directory is atomic, so a scheduler that
 * picks up `audience.csv` gets the old file or the new one, never a torn one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** A temporary path beside `target` (same directory, hence same file system). */
export function temporarySibling(target: string): string {
  const absolute = resolve(target);
  return join(dirname(absolute), `.${basename(absolute)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Calls `fill` with one temporary path per target, then renames every
 * temporary file onto its target, in order. When `fill` throws, the temporary
 * files are removed and the targets are left as they were.
 */
export async function writeFilesAtomically<T>(targets: readonly string[], fill: (temporary: string[]) => Promise<T>): Promise<T> {
  for (const target of targets) mkdirSync(dirname(resolve(target)), { recursive: true });
  const temporary = targets.map(temporarySibling);
  try {
    const result = await fill(temporary);
    targets.forEach((target, i) => renameSync(temporary[i], resolve(target)));
    return result;
  } finally {
    for (const path of temporary) rmSync(path, { force: true });
  }
}

/** sha256 of a file as lower-case hex, streamed (audience files can be large). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
