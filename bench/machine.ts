/**
 * What the benchmark ran on: figures are only comparable on the same
 * machine, so every report carries it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { openDatabase } from '../src/db/database.ts';
import { queryValue } from '../src/db/query.ts';
import { lastJson, OPENBLAS_OVERRIDES, PYTHON, pythonEnv, rssMethod, runMeasured } from './measure.ts';

/** The Python side's versions and thread pools (threadpoolctl), as sklearn_kernels.py info reports them. */
export interface PythonInfo {
  python: string;
  numpy: string;
  pandas: string;
  sklearn: string;
  threadpools: Array<Record<string, string | number | null>> | null;
}

/** The machine section of the report. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gib: number;
  kernel: string;
  /** The segmenta commit measured, with "+changes" when the work tree differs from it (several people work in it). */
  revision: string;
  /** The revision when the benchmark ended: subprocesses load the tree as it is when they start. */
  revision_end?: string;
  node: string;
  duckdb: string;
  /** Load average (1, 5, 15 min) when the benchmark started: other work on the machine skews figures. */
  load_average_start: number[];
  load_average_end?: number[];
  rss_method: string;
  python: PythonInfo | null;
  /** OpenBLAS overrides found in the environment; the Python subprocesses ran without them. */
  openblas_overrides_unset: Record<string, string>;
}

/** The checked-out commit, marked when src/, pipelines/ or bin/ have uncommitted changes. */
export function revision(): string {
  const git = (args: string[]) => spawnSync('git', args, { cwd: new URL('../', import.meta.url), encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'pipelines', 'bin']).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? ' +changes in src/' : ''}`;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux: fall through to what Node knows
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** Collects the machine description; `python` is null when the Python columns are skipped. */
export async function describeMachine(withPython: boolean): Promise<MachineInfo> {
  const db = await openDatabase();
  let duckdb: string;
  try {
    duckdb = String(await queryValue(db.connection, 'SELECT version()'));
  } finally {
    db.close();
  }
  let python: PythonInfo | null = null;
  if (withPython) {
    const measured = await runMeasured(PYTHON, [new URL('./sklearn_kernels.py', import.meta.url).pathname, 'info'], { env: pythonEnv() });
    python = lastJson<PythonInfo>(measured, 'sklearn_kernels.py info');
  }
  const overrides: Record<string, string> = {};
  for (const name of OPENBLAS_OVERRIDES) if (process.env[name] !== undefined) overrides[name] = process.env[name]!;
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    revision: revision(),
    node: process.versions.node,
    duckdb,
    load_average_start: loadavg().map((v) => Math.round(v * 100) / 100),
    rss_method: rssMethod(),
    python,
    openblas_overrides_unset: overrides,
  };
}

/** One line on the BLAS numpy runs, e.g. "openblas 0.3.21 (Cooperlake kernel, pthreads, 2 threads)". */
export function blasSummary(python: PythonInfo | null): string {
  const pools = python?.threadpools;
  if (!pools) return python ? 'threadpoolctl not installed' : 'n/a';
  return pools
    .map((p) => {
      const details = [p.architecture && `${p.architecture} kernel`, p.threading_layer, p.num_threads != null && `${p.num_threads} threads`].filter(Boolean);
      return `${p.internal_api} ${p.version ?? ''}`.trim() + (details.length ? ` (${details.join(', ')})` : '');
    })
    .join('; ');
}
