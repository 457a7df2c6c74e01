import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Publishes a directory whole or not at all. `fill` writes every file into a
 * fresh sibling directory; only when it succeeds does that directory replace
 * the target, by rename. A failure at any point leaves the previous target
 * untouched, and a half-written sibling is removed.
 *
 * The swap is two renames (target → backup, new → target). Should the process
 * die between them, {@link recoverInterruptedPublish} (run before every
 * publish) puts the backup back.
 */
export async function publishDirectory(target: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const absolute = resolve(target);
  const parent = dirname(absolute);
  mkdirSync(parent, { recursive: true });
  recoverInterruptedPublish(absolute);
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const staging = join(parent, `.${basename(absolute)}.tmp-${suffix}`);
  const backup = join(parent, `.${basename(absolute)}.old-${suffix}`);
  mkdirSync(staging);
  try {
    await fill(staging);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const hadTarget = existsSync(absolute);
  if (hadTarget) renameSync(absolute, backup);
  try {
    renameSync(staging, absolute);
  } catch (error) {
    if (hadTarget) renameSync(backup, absolute);
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  if (hadTarget) rmSync(backup, { recursive: true, force: true });
}

/**
 * Cleans up after a run that died while publishing: restores a backup when
 * the target is missing, and removes leftover staging and backup directories.
 */
export function recoverInterruptedPublish(target: string): void {
  const absolute = resolve(target);
  const parent = dirname(absolute);
  if (!existsSync(parent)) return;
  const name = basename(absolute);
  const leftovers = readdirSync(parent).filter((f) => f.startsWith(`.${name}.tmp-`) || f.startsWith(`.${name}.old-`));
  const backups = leftovers.filter((f) => f.startsWith(`.${name}.old-`)).sort();
  if (!existsSync(absolute) && backups.length > 0) {
    renameSync(join(parent, backups[backups.length - 1]), absolute);
  }
  for (const leftover of leftovers) rmSync(join(parent, leftover), { recursive: true, force: true });
}
