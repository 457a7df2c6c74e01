/**
 * What a refresh starts from: the saved model that scores the customers and
 * the previous run whose segments it continues.
 *
 * - The model is `--model DIR/model.json`.
 * - The previous run is the run already in `--out` when there is one (the
 *   last good output, which this run will replace), else the `--model`
 *   directory (the first refresh after a discover).
 * - A re-run of the as-of date already published in `--out` starts from the
 *   same state as the first attempt: the snapshot of its previous run in
 *   `--out/previous/` (and that snapshot's model when `--model` is `--out`),
 *   so running twice gives the same output.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile } from '../db/sqlFile.ts';
import { InputError, show } from '../errors.ts';
import { loadFittedChain, type FittedChain } from '../explain/clusteringSpace.ts';
import { checkModelDocument, type ModelDocument } from '../model/modelDocument.ts';
import type { RunManifest } from '../publish/manifest.ts';
import type { SegmentsDocument } from '../segments/types.ts';
import type { RunReference } from './types.ts';

/** The files of a run a refresh reads, and keeps a copy of in `previous/`. */
export const PREVIOUS_RUN_FILES = ['model.json', 'segments.json', 'manifest.json', 'customers.parquet'] as const;

/** The subdirectory of a refresh's output holding the run it started from. */
export const PREVIOUS_DIR = 'previous';

/** A run directory, read. */
export interface RunDirectory {
  dir: string;
  manifest: RunManifest;
  segments: SegmentsDocument;
  customersPath: string;
}

/** The model and the previous run of a refresh. */
export interface RefreshBase {
  modelDir: string;
  /** The saved model; a refresh that keeps it publishes it unchanged. */
  model: ModelDocument;
  /** Its estimators, restored. */
  chain: FittedChain;
  previous: RunDirectory;
  /** True when `--out` already holds a refresh for this as-of date. */
  rerun: boolean;
}

/**
 * Reads `model.json` of a run directory.
 *
 * @throws InputError when the directory or the file is missing, not JSON, or not a segmenta model.
 */
export function readModel(dir: string, flag = '--model'): ModelDocument {
  const path = join(dir, 'model.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${flag} ${show(dir)}: no such directory`);
  if (!existsSync(path)) throw new InputError(`${flag} ${show(dir)}: no model.json (expected a run directory written by discover or refresh)`);
  return checkModelDocument(readJson(path, flag), `${flag} ${show(dir)}: model.json`);
}

/** True when `dir` holds a complete run (the files a refresh reads). */
export function isRunDirectory(dir: string): boolean {
  return PREVIOUS_RUN_FILES.every((file) => existsSync(join(dir, file)));
}

/** Reads the parts of a run directory a refresh needs. */
export function readRunDirectory(dir: string, flag: string): RunDirectory {
  for (const file of PREVIOUS_RUN_FILES) {
    if (!existsSync(join(dir, file))) throw new InputError(`${flag} ${show(dir)}: not a run directory, ${file} is missing`);
  }
  const manifest = readJson(join(dir, 'manifest.json'), flag) as RunManifest;
  const segments = readJson(join(dir, 'segments.json'), flag) as SegmentsDocument;
  if (typeof manifest?.as_of !== 'string' || !Array.isArray(segments?.segments)) {
    throw new InputError(`${flag} ${show(dir)}: manifest.json or segments.json is not from a segmenta run`);
  }
  return { dir, manifest, segments, customersPath: join(dir, 'customers.parquet') };
}

/**
 * Decides where the model and the previous run come from for a refresh as
 * of `asOf`, and reads them.
 *
 * @throws InputError when `asOf` is before the run in `--out` (a refresh only moves forward),
 *   or when the model's features or lifecycle rules differ from the ones the options carry.
 */
export function resolveBase(
  options: { model: string; out: string; features?: string; inactiveDays: number; atRiskDays: number; newDays: number },
  asOf: string,
): RefreshBase {
  const out = resolve(options.out);
  let modelDir = resolve(options.model);
  let previousDir = modelDir;
  let previousFlag = '--model';
  let rerun = false;
  if (isRunDirectory(out)) {
    const current = readRunDirectory(out, '--out');
    const snapshot = join(out, PREVIOUS_DIR);
    if (current.manifest.as_of > asOf) {
      throw new InputError(`--as-of ${asOf} is before the run already in --out ${show(options.out)} (as of ${current.manifest.as_of}): a refresh only moves forward`);
    }
    if (current.manifest.command === 'refresh' && current.manifest.as_of === asOf && isRunDirectory(snapshot)) {
      rerun = true;
      previousDir = snapshot;
      if (modelDir === out) modelDir = snapshot;
    } else {
      previousDir = out;
    }
    previousFlag = '--out';
  }
  const model = readModel(modelDir);
  const chain = loadFittedChain(model, `--model ${show(options.model)}: model.json`);
  const expected = options.features?.split(',') ?? model.features;
  const lifecycle = model.lifecycle;
  if (
    expected.join(',') !== model.features.join(',') ||
    lifecycle.inactiveDays !== options.inactiveDays ||
    lifecycle.atRiskDays !== options.atRiskDays ||
    lifecycle.newDays !== options.newDays
  ) {
    throw new InputError(`--model ${show(options.model)}: ${modelDir}/model.json has other features or lifecycle rules than the run in --out; refresh one lineage per output`);
  }
  const previous = readRunDirectory(previousDir, previousFlag);
  if (previous.manifest.as_of > asOf) {
    throw new InputError(`--as-of ${asOf} is before the previous run ${previous.dir} (as of ${previous.manifest.as_of}): a refresh only moves forward`);
  }
  return { modelDir, model, chain, previous, rerun };
}

/** The previous run as the manifest records it. */
export function runReference(run: RunDirectory): RunReference {
  return { dir: run.dir, command: run.manifest.command, as_of: run.manifest.as_of, customers: run.manifest.customers };
}

/** Loads the previous run's customers (segment and revenue) into `previous_customers`. */
export async function loadPreviousCustomers(connection: DuckDBConnection, run: RunDirectory): Promise<void> {
  try {
    await connection.run(sqlFile('refresh/previous_customers'), { path: run.customersPath });
  } catch (error) {
    throw new InputError(`${run.customersPath}: cannot read the previous run's customers: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

function readJson(path: string, flag: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`${flag}: ${path} is not valid JSON (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
}
