/**
 * The run directory as the export reads it: the customer table (Parquet, the
 * typed copy of customers.csv), the segment profiles, the manifest and the
 * lifecycle thresholds the run used.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError, show } from '../errors.ts';
import { manifestCurrency, type RunManifest } from '../publish/manifest.ts';
import { DEFAULT_LIFECYCLE, type LifecycleThresholds } from '../rules/lifecycle.ts';
import type { SegmentsDocument } from '../segments/types.ts';

/** The files an export needs from a run directory. */
export const REQUIRED_RUN_FILES = ['customers.parquet', 'segments.json', 'manifest.json'] as const;

/** A run directory opened for export. */
export interface ExportRun {
  /** Absolute path of the run directory. */
  dir: string;
  /** Absolute path of customers.parquet. */
  customersPath: string;
  segments: SegmentsDocument;
  manifest: RunManifest;
  /** Thresholds from model.json, else the defaults (older runs without a model). */
  lifecycle: LifecycleThresholds;
  /** The run's currency when its input named exactly one, for the texts. */
  currency: string | undefined;
}

/**
 * Opens a run directory written by `discover` or `refresh`.
 *
 * @throws {InputError} when the directory or one of its files is missing or unreadable.
 */
export function openRun(path: string): ExportRun {
  const dir = resolve(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--run ${show(path)}: no such run directory`);
  for (const file of REQUIRED_RUN_FILES) {
    if (!existsSync(join(dir, file))) throw new InputError(`--run ${show(path)}: not a run directory, ${file} is missing`);
  }
  const segments = readJson<SegmentsDocument>(path, dir, 'segments.json');
  if (!Array.isArray(segments?.segments)) throw new InputError(`--run ${show(path)}: segments.json has no segments list`);
  const manifest = readJson<RunManifest>(path, dir, 'manifest.json');
  const model = existsSync(join(dir, 'model.json')) ? readJson<{ lifecycle?: LifecycleThresholds }>(path, dir, 'model.json') : undefined;
  return {
    dir,
    customersPath: join(dir, 'customers.parquet'),
    segments,
    manifest,
    lifecycle: model?.lifecycle ?? DEFAULT_LIFECYCLE,
    currency: manifestCurrency(manifest),
  };
}

/**
 * Refuses an export path inside the run directory: discover and refresh
 * replace that directory as a whole, so a file written there would overwrite
 * a run file or silently disappear with the next run.
 *
 * @throws {InputError} naming `--out` when `out` is the run directory or lies inside it.
 */
export function assertOutsideRun(given: string, out: string, runDir: string): void {
  const within = relative(realPath(runDir), realPath(out));
  if (within === '' || (!within.startsWith('..') && !isAbsolute(within))) {
    throw new InputError(
      `--out ${show(given)}: is inside the run directory ${runDir}, which the next discover or refresh replaces as a whole; write the export elsewhere`,
    );
  }
}

/** The path with symlinks resolved as far as it exists (the file itself may not exist yet). */
function realPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
}

function readJson<T>(given: string, dir: string, file: string): T {
  try {
    return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
  } catch (error) {
    throw new InputError(`--run ${show(given)}: ${file} is not valid JSON (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
}
