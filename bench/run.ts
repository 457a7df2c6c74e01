/**
 * `npm run bench`: segmenta against the alternatives, in one run on one
 * machine (issue 4).
 *
 *   npm run bench                         k-means, PCA and end to end at 1M and 10M lines
 *   npm run bench -- --quick              1M lines only, fewer repeats (a smoke test)
 *   npm run bench -- --only kmeans,pca    some workloads only (kmeans, pca, e2e)
 *
 * Every implementation runs in its own subprocess (fresh JIT, its own peak
 * RSS). Inputs are generated deterministically under bench/data/ (kept
 * between runs, rebuilt when the generator changes). Writes
 * reports/bench/<YYYY-MM-DD>.json and .md, and reports/bench/latest.md.
 *
 * Installs nothing: without Debian's python3-sklearn and python3-pandas it
 * says so in one line and leaves the scikit-learn and pandas columns empty.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { hotSpots } from './cpuprofile.ts';
import { ensureDataset, type Dataset } from './generate.ts';
import { KMEANS_IMPLS, PCA_IMPLS, type KMeansResult, type PcaResult } from './kernels.ts';
import { describeMachine, revision } from './machine.ts';
import { LATEST_FULL_JSON, updateReadmeBench } from './readme.ts';
import { ensureKMeansInput, ensurePcaInput } from './matrices.ts';
import { lastJson, PYTHON, PYTHON_INSTALL_HINT, pythonAvailable, pythonEnv, runMeasured, type Measured } from './measure.ts';
import type { StageProfile } from './stages.ts';
import {
  checkTargets,
  renderMarkdown,
  type BenchReport,
  type E2ESize,
  type ProcessCost,
  type ReferenceRun,
  type SegmentaRun,
  type SklearnKMeans,
  type SklearnPca,
} from './report.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));
const REPORT_DIR = fileURLToPath(new URL('../reports/bench/', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../bin/run-ts.mjs', import.meta.url));
const SEGMENTA = fileURLToPath(new URL('../bin/segmenta.mjs', import.meta.url));
const KERNELS_TS = fileURLToPath(new URL('./kernels.ts', import.meta.url));
const SKLEARN_PY = fileURLToPath(new URL('./sklearn_kernels.py', import.meta.url));
const REFERENCE_PY = fileURLToPath(new URL('./reference_pipeline.py', import.meta.url));
const STAGES_TS = fileURLToPath(new URL('./stages.ts', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));


/**
 * The functions whose CPU time the stage profile breaks down: the
 * JavaScript work of discover. Synchronous ones only: an async function's
 * continuations do not sit under it in the sampled stacks.
 */
const PROFILED_FUNCTIONS = ['fitValueModels', 'fitTransformChain', 'clusterCustomers', 'profileSegments', 'renderCharts'];

const WORKLOADS = ['kmeans', 'pca', 'e2e'] as const;
type Workload = (typeof WORKLOADS)[number];

/** End-to-end inputs: lines and customers with an id, as issue 4 sets them. */
const SIZES = [
  { name: 'retail_1m', lines: 1_000_000, customers: 100_000 },
  { name: 'retail_10m', lines: 10_000_000, customers: 1_000_000 },
] as const;

/** Repeats and sizes per mode. */
const MODES = {
  full: { kernelRepeats: 5, kmeansIters: 20, sizes: SIZES, e2eRepeats: { retail_1m: 3, retail_10m: 2 } },
  quick: { kernelRepeats: 2, kmeansIters: 10, sizes: SIZES.slice(0, 1), e2eRepeats: { retail_1m: 1, retail_10m: 1 } },
} as const;

/** The seed and k every end-to-end run uses. */
const E2E_K = 6;
const E2E_SEED = 42;
const E2E_N_INIT = 10;
/** A generous ceiling so a hung subprocess cannot stall the benchmark forever. */
const TIMEOUT_MS = 90 * 60_000;

function parseArgs(argv: string[]): { mode: 'full' | 'quick'; workloads: Workload[] } {
  let mode: 'full' | 'quick' = 'full';
  let workloads: Workload[] = [...WORKLOADS];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--quick') mode = 'quick';
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !(WORKLOADS as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length > 0) usage(`--only takes some of ${WORKLOADS.join(',')}, got ${JSON.stringify(value ?? '')}`);
      workloads = WORKLOADS.filter((w) => names.includes(w));
    } else usage(`unknown argument ${JSON.stringify(arg)}`);
  }
  return { mode, workloads };
}

function usage(message: string): never {
  console.error(`bench: ${message}\nusage: npm run bench [-- --quick] [-- --only kmeans,pca,e2e]`);
  process.exit(2);
}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

const cost = (m: Measured): ProcessCost => ({ peak_rss_kb: m.peakRssKb, wall_ms: m.wallMs });
const node = (script: string, args: string[]) => runMeasured(process.execPath, [RUN_TS, script, ...args], { cwd: ROOT, timeoutMs: TIMEOUT_MS });
const python = (script: string, args: string[]) => runMeasured(PYTHON, [script, ...args], { cwd: ROOT, env: pythonEnv(), timeoutMs: TIMEOUT_MS });

async function benchKMeans(repeats: number, iters: number, withPython: boolean, errors: string[]): Promise<BenchReport['kmeans']> {
  const [n, d, k] = [1_000_000, 8, 8];
  const input = ensureKMeansInput(DATA_DIR, n, d, k);
  const args = ['--data', input.points.path, '--centroids', input.centroids.path, '--n', String(n), '--d', String(d), '--k', String(k), '--iters', String(iters)];
  const results: Array<KMeansResult & ProcessCost> = [];
  for (const impl of Object.keys(KMEANS_IMPLS)) {
    // ml-kmeans is ~10× slower per iteration than the rest; best of 2 is enough to show it.
    const r = impl === 'ml-kmeans' ? Math.min(repeats, 2) : repeats;
    log(`k-means: ${impl}`);
    try {
      const m = await node(KERNELS_TS, ['kmeans', impl, ...args, '--repeats', String(r)]);
      results.push({ ...lastJson<KMeansResult>(m, `k-means ${impl}`), ...cost(m) });
    } catch (error) {
      errors.push(`k-means ${impl}: ${(error as Error).message}`);
    }
  }
  let sklearn: SklearnKMeans | null = null;
  if (withPython) {
    log('k-means: scikit-learn');
    try {
      const m = await python(SKLEARN_PY, ['kmeans', ...args, '--repeats', String(repeats)]);
      sklearn = { ...lastJson<Omit<SklearnKMeans, keyof ProcessCost>>(m, 'sklearn k-means'), ...cost(m) };
    } catch (error) {
      errors.push(`scikit-learn k-means: ${(error as Error).message}`);
    }
  }
  return { n, d, k, iters, repeats, node: results, sklearn };
}

async function benchPca(repeats: number, withPython: boolean, errors: string[]): Promise<BenchReport['pca']> {
  const [n, d] = [1_000_000, 12];
  const input = ensurePcaInput(DATA_DIR, n, d);
  const args = ['--data', input.path, '--n', String(n), '--d', String(d)];
  const results: Array<PcaResult & ProcessCost> = [];
  for (const impl of Object.keys(PCA_IMPLS)) {
    // ml-pca takes seconds to minutes per fit at 1M rows: once is enough to place it.
    const r = impl === 'segmenta-pca' ? repeats : 1;
    log(`PCA: ${impl}`);
    try {
      const m = await node(KERNELS_TS, ['pca', impl, ...args, '--repeats', String(r)]);
      results.push({ ...lastJson<PcaResult>(m, `PCA ${impl}`), ...cost(m) });
    } catch (error) {
      errors.push(`PCA ${impl}: ${(error as Error).message}`);
    }
  }
  let sklearn: SklearnPca | null = null;
  if (withPython) {
    log('PCA: scikit-learn');
    try {
      const m = await python(SKLEARN_PY, ['pca', ...args, '--repeats', String(repeats)]);
      sklearn = { ...lastJson<Omit<SklearnPca, keyof ProcessCost>>(m, 'sklearn PCA'), ...cost(m) };
    } catch (error) {
      errors.push(`scikit-learn PCA: ${(error as Error).message}`);
    }
  }
  return { n, d, repeats, node: results, sklearn };
}

async function runSegmenta(dataset: Dataset, input: 'csv' | 'parquet'): Promise<SegmentaRun> {
  const out = `${DATA_DIR}runs/${dataset.name}-segmenta-${input}`;
  rmSync(out, { recursive: true, force: true });
  const m = await runMeasured(
    process.execPath,
    [SEGMENTA, 'discover', '--input', input === 'csv' ? dataset.csv : dataset.parquet, '--out', out, '--k', String(E2E_K), '--seed', String(E2E_SEED), '--n-init', String(E2E_N_INIT)],
    { cwd: ROOT, timeoutMs: TIMEOUT_MS },
  );
  if (m.code !== 0) throw new Error(`segmenta discover (${input}) exited with ${m.code}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const manifest = JSON.parse(readFileSync(`${out}/manifest.json`, 'utf8')) as { timings_ms: Record<string, number>; customers: number };
  rmSync(out, { recursive: true, force: true });
  const inStages = Object.values(manifest.timings_ms).reduce((a, b) => a + b, 0);
  return { input, ...cost(m), stages_ms: manifest.timings_ms, outside_stages_ms: m.wallMs - inStages, customers: manifest.customers };
}

async function runReference(dataset: Dataset): Promise<ReferenceRun> {
  const out = `${DATA_DIR}runs/${dataset.name}-reference`;
  rmSync(out, { recursive: true, force: true });
  const m = await python(REFERENCE_PY, ['--input', dataset.csv, '--out', out, '--k', String(E2E_K), '--n-init', String(E2E_N_INIT), '--seed', String(E2E_SEED)]);
  rmSync(out, { recursive: true, force: true });
  const r = lastJson<{ timings_ms: Record<string, number>; total_ms: number; customers: number; components: number; n_iter: number }>(m, 'reference pipeline');
  return { ...cost(m), stages_ms: r.timings_ms, outside_stages_ms: m.wallMs - r.total_ms, customers: r.customers, components: r.components, n_iter: r.n_iter };
}

/**
 * One more discover run, in process with every DuckDB statement timed per
 * stage (bench/stages.ts) and under the V8 CPU profiler, to say where the
 * time goes. Not a timed run: the profiler and the probes slow it slightly.
 */
async function profileStages(dataset: Dataset): Promise<E2ESize['profile']> {
  const dir = mkdtempSync(join(tmpdir(), 'segmenta-bench-prof-'));
  try {
    const json = join(dir, 'stages.json');
    const m = await runMeasured(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${dir}`, RUN_TS, STAGES_TS, '--input', dataset.csv, '--k', String(E2E_K), '--operators', '--json', json],
      { cwd: ROOT, timeoutMs: TIMEOUT_MS },
    );
    if (m.code !== 0) throw new Error(`bench/stages.ts exited with ${m.code}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const stages = (JSON.parse(readFileSync(json, 'utf8')) as { stages: StageProfile[] }).stages;
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
    const main = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0');
    return { stages, hot_spots: main ? hotSpots(join(dir, main), PROFILED_FUNCTIONS) : [], peak_rss_kb: m.peakRssKb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fastest run, with the largest peak RSS seen over all of them (memory is a ceiling, not a best case). */
function bestRun<T extends ProcessCost>(runs: T[]): T | null {
  if (runs.length === 0) return null;
  const fastest = runs.reduce((a, b) => (b.wall_ms < a.wall_ms ? b : a));
  const rss = runs.map((r) => r.peak_rss_kb).filter((v): v is number => v != null);
  return { ...fastest, peak_rss_kb: rss.length ? Math.max(...rss) : null };
}

async function benchE2E(mode: keyof typeof MODES, withPython: boolean, errors: string[]): Promise<BenchReport['e2e']> {
  const sizes: E2ESize[] = [];
  for (const size of MODES[mode].sizes) {
    log(`end to end: ${size.name}: data (generated once, then reused from bench/data/)`);
    const dataset = await ensureDataset(DATA_DIR, size.name, { lines: size.lines, customers: size.customers, seed: 1 });
    if (dataset.generatedMs > 0) log(`generated ${size.name} in ${(dataset.generatedMs / 1000).toFixed(1)} s`);
    const repeats = MODES[mode].e2eRepeats[size.name];
    const runs = { segmenta: [] as SegmentaRun[], segmenta_parquet: [] as SegmentaRun[], reference: [] as ReferenceRun[] };
    const attempt = async <T>(what: string, run: () => Promise<T>, into: T[]) => {
      log(`end to end: ${size.name}: ${what}`);
      try {
        into.push(await run());
      } catch (error) {
        errors.push(`${size.name} ${what}: ${(error as Error).message}`);
      }
    };
    // Interleaved, so a slow spell of the machine hits both sides alike.
    for (let r = 0; r < repeats; r += 1) {
      await attempt(`segmenta discover (CSV), run ${r + 1}/${repeats}`, () => runSegmenta(dataset, 'csv'), runs.segmenta);
      if (withPython) await attempt(`reference pipeline, run ${r + 1}/${repeats}`, () => runReference(dataset), runs.reference);
    }
    // Parquet once: it shows what a typed, columnar input saves in ingest.
    await attempt('segmenta discover (Parquet)', () => runSegmenta(dataset, 'parquet'), runs.segmenta_parquet);
    const profiles: NonNullable<E2ESize['profile']>[] = [];
    await attempt('stage profile (bench/stages.ts under --cpu-prof)', async () => (await profileStages(dataset))!, profiles);
    const segmenta = bestRun(runs.segmenta);
    const reference = bestRun(runs.reference);
    sizes.push({
      name: size.name,
      lines: size.lines,
      file_customers: dataset.stats.customers,
      csv_mb: Math.round(statSync(dataset.csv).size / 1e6),
      repeats,
      segmenta,
      segmenta_parquet: bestRun(runs.segmenta_parquet),
      reference,
      ratio: segmenta && reference ? segmenta.wall_ms / reference.wall_ms : null,
      runs,
      profile: profiles[0] ?? null,
    });
  }
  rmSync(`${DATA_DIR}runs`, { recursive: true, force: true });
  return { k: E2E_K, seed: E2E_SEED, sizes };
}

async function main(): Promise<void> {
  const { mode, workloads } = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const py = pythonAvailable();
  const withPython = py.ok;
  const pythonSkipped = py.ok ? null : `${py.reason}; install with: ${PYTHON_INSTALL_HINT}`;
  if (!py.ok) console.log(`scikit-learn/pandas not available (${py.reason}): their columns are skipped; install with: ${PYTHON_INSTALL_HINT}`);
  const errors: string[] = [];
  const machine = await describeMachine(withPython);
  const settings = MODES[mode];
  log(`${mode} run: ${workloads.join(', ')} on ${machine.cpu} (${machine.cores} cores), load ${machine.load_average_start.join(' ')}`);

  const kmeans = workloads.includes('kmeans') ? await benchKMeans(settings.kernelRepeats, settings.kmeansIters, withPython, errors) : null;
  const pca = workloads.includes('pca') ? await benchPca(settings.kernelRepeats, withPython, errors) : null;
  const e2e = workloads.includes('e2e') ? await benchE2E(mode, withPython, errors) : null;

  machine.load_average_end = loadavg().map((v) => Math.round(v * 100) / 100);
  machine.revision_end = revision();
  const finishedAt = new Date();
  // The date of the run in local time, as people name days.
  const date = `${startedAt.getFullYear()}-${String(startedAt.getMonth() + 1).padStart(2, '0')}-${String(startedAt.getDate()).padStart(2, '0')}`;
  const partial: Omit<BenchReport, 'targets'> = {
    format: 'segmenta.bench/v1',
    date,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    mode,
    workloads,
    machine,
    python_skipped: pythonSkipped,
    kmeans,
    pca,
    e2e,
    errors,
  };
  const report: BenchReport = { ...partial, targets: checkTargets(partial) };
  mkdirSync(REPORT_DIR, { recursive: true });
  const jsonPath = `${REPORT_DIR}${date}.json`;
  const mdPath = `${REPORT_DIR}${date}.md`;
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(report);
  writeFileSync(mdPath, markdown);
  copyFileSync(mdPath, `${REPORT_DIR}latest.md`);
  console.log(markdown);
  console.log(`written: ${jsonPath}, ${mdPath}, ${REPORT_DIR}latest.md`);
  // Only a full run of every workload speaks for the project in the README.
  if (mode === 'full' && WORKLOADS.every((w) => workloads.includes(w)) && errors.length === 0) {
    copyFileSync(jsonPath, LATEST_FULL_JSON);
    writeFileSync(README, updateReadmeBench(readFileSync(README, 'utf8'), report));
    console.log(`written: ${LATEST_FULL_JSON}; README.md benchmark section updated`);
  }
  if (errors.length > 0) process.exitCode = 1;
}

await main();
