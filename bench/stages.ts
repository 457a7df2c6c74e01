/**
 * Where `segmenta discover` spends its time and memory, statement by
 * statement: runs the real discover pipeline in this process (the same
 * stages, in the same order, as the CLI) with every DuckDB statement timed
 * and attributed to its stage, and the process RSS and DuckDB's own memory
 * read after each stage.
 *
 *   node bin/run-ts.mjs bench/stages.ts --input bench/data/retail_1m.csv [--k 6] [--top 6] [--operators] [--json FILE]
 *
 * `--operators` turns on DuckDB's profiler and lists the costliest operators
 * of every slow statement (a little overhead on every statement).
 *
 * For the JavaScript side of a stage, add a CPU profile:
 *   node --cpu-prof --cpu-prof-dir=DIR bin/run-ts.mjs bench/stages.ts --input …
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { discoverPipeline, type DiscoverCatalog } from '../pipelines/discover.ts';
import { runPipeline } from '../pipelines/runner.ts';
import { parseDiscoverOptions } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import type { Progress } from '../src/cli/progress.ts';

/** One operator of a statement's physical plan, from DuckDB's profiler. */
export interface OperatorTiming {
  /** e.g. WINDOW, HASH_GROUP_BY, ORDER_BY, READ_CSV. */
  operator: string;
  /** CPU seconds summed over threads, as DuckDB reports operator_timing, in ms. */
  ms: number;
  rows: number;
  /** What it works on (sort keys, window, function), shortened. */
  detail: string;
}

/** One timed SQL statement. */
export interface StatementTiming {
  stage: string;
  ms: number;
  /** The statement's first meaningful line, whitespace collapsed. */
  sql: string;
  /** The most expensive operators of a statement that took ≥ {@link OPERATOR_THRESHOLD_MS}. */
  operators?: OperatorTiming[];
}

/** Statements at least this slow get their operators read from DuckDB's profiler. */
export const OPERATOR_THRESHOLD_MS = 100;

interface ProfilerNode {
  operator_type?: string;
  operator_timing?: number;
  operator_cardinality?: number;
  extra_info?: Record<string, unknown>;
  children?: ProfilerNode[];
}

/** The costliest operators of the last profiled statement (DuckDB's JSON profile), costliest first. */
function topOperators(path: string, top = 3): OperatorTiming[] {
  let root: ProfilerNode;
  try {
    root = JSON.parse(readFileSync(path, 'utf8')) as ProfilerNode;
  } catch {
    return [];
  }
  const all: OperatorTiming[] = [];
  const walk = (node: ProfilerNode) => {
    if (node.operator_type) {
      const info = node.extra_info ?? {};
      const detail = ['Function', 'Order By', 'Projections', 'Groups', 'Aggregates', 'Partitions', 'Conditions', 'Table']
        .filter((k) => k in info)
        .map((k) => `${k}: ${JSON.stringify(info[k])}`)
        .join('; ');
      all.push({ operator: node.operator_type, ms: (node.operator_timing ?? 0) * 1000, rows: node.operator_cardinality ?? 0, detail: detail.length > 140 ? `${detail.slice(0, 137)}…` : detail });
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(root);
  return all.sort((a, b) => b.ms - a.ms).slice(0, top);
}

/** A stage's wall time split into SQL and the rest (JavaScript, file I/O), with memory after it. */
export interface StageProfile {
  stage: string;
  ms: number;
  sql_ms: number;
  other_ms: number;
  /** Process RSS after the stage, MiB (DuckDB's buffers included). */
  rss_mib: number;
  /** Peak RSS of the process so far, MiB. */
  peak_rss_mib: number;
  /** DuckDB's memory in use after the stage (duckdb_memory()), MiB. */
  duckdb_mib: number;
  statements: StatementTiming[];
}

/** The first line of a statement that says what it does (skips comments), shortened. */
function describeSql(sql: string): string {
  const line = sql
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('--'))
    .join(' ')
    .replace(/\s+/g, ' ');
  return line.length > 110 ? `${line.slice(0, 107)}…` : line;
}

/**
 * Wraps the connection's `run` and `runAndReadAll` so every statement is
 * timed under the stage `current()` names. Only the statement's execution is
 * timed: reading chunks of a result afterwards counts as the stage's own work.
 */
function instrument(connection: DuckDBConnection, current: () => string, sink: StatementTiming[], profilePath: string | null): void {
  for (const method of ['run', 'runAndReadAll'] as const) {
    const original = (connection[method] as (...args: unknown[]) => Promise<unknown>).bind(connection);
    (connection as unknown as Record<string, unknown>)[method] = async (sql: string, ...rest: unknown[]) => {
      const started = performance.now();
      try {
        return await original(sql, ...rest);
      } finally {
        const ms = performance.now() - started;
        const entry: StatementTiming = { stage: current(), ms, sql: describeSql(sql) };
        // Only statements that finish inside run() have written their profile by now (not streamed queries).
        if (profilePath && ms >= OPERATOR_THRESHOLD_MS && /^\s*(CREATE|COPY|INSERT)/i.test(entry.sql)) entry.operators = topOperators(profilePath);
        sink.push(entry);
      }
    };
  }
}

async function duckdbMemoryMib(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll('SELECT sum(memory_usage_bytes)::DOUBLE FROM duckdb_memory()');
  return Math.round(Number(reader.getRows()[0][0]) / 2 ** 20);
}

/** Runs discover on `input` and returns the per-stage profile (the run directory is thrown away). */
export async function profileDiscover(input: string, flags: Record<string, unknown> = {}, options_: { operators?: boolean } = {}): Promise<StageProfile[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'segmenta-stages-'));
  const options = parseDiscoverOptions({ input, out: join(scratch, 'run'), ...flags });
  const db = await openDatabase({ memoryLimit: options.memoryLimit, tempDirectory: options.tempDirectory, threads: options.threads });
  const statements: StatementTiming[] = [];
  let stage = '(setup)';
  let profilePath: string | null = null;
  if (options_.operators) {
    // DuckDB's profiler writes each statement's plan with per-operator timings over the previous one.
    profilePath = join(scratch, 'duckdb-profile.json');
    await db.connection.run("SET enable_profiling = 'json'");
    await db.connection.run(`SET profiling_output = '${profilePath.replace(/'/g, "''")}'`);
  }
  instrument(db.connection, () => stage, statements, profilePath);
  const stages: StageProfile[] = [];
  let started = 0;
  // The runner reports stage starts and ends through Progress: that is where the profile hooks in.
  const progress: Progress = {
    stageStarted(name: string) {
      stage = name;
      started = performance.now();
    },
    stageFinished(name: string) {
      const ms = performance.now() - started;
      const own = statements.filter((s) => s.stage === name);
      const sqlMs = own.reduce((a, s) => a + s.ms, 0);
      const usage = process.resourceUsage();
      stages.push({
        stage: name,
        ms,
        sql_ms: sqlMs,
        other_ms: ms - sqlMs,
        rss_mib: Math.round(process.memoryUsage().rss / 2 ** 20),
        peak_rss_mib: Math.round(usage.maxRSS / 1024),
        duckdb_mib: -1,
        statements: [...own].sort((a, b) => b.ms - a.ms),
      });
    },
    stageFailed() {},
    task: () => ({ tick() {}, done() {} }),
  } as unknown as Progress;
  try {
    const initial: Partial<DiscoverCatalog> = { options: { ...options, out: options.out }, db };
    // DuckDB's memory is read at the end of each stage by wrapping the stage's run.
    const duckdbMib = new Map<string, number>();
    const measured = discoverPipeline.map((s) => ({
      ...s,
      run: async (inputs: never, context: never) => {
        const outputs = await s.run(inputs, context);
        duckdbMib.set(s.name, await duckdbMemoryMib(db.connection));
        return outputs;
      },
    }));
    await runPipeline(measured, initial, { progress });
    // The duckdb_memory() reads were timed as part of their stages: take them out again.
    for (const p of stages) {
      p.duckdb_mib = duckdbMib.get(p.stage) ?? -1;
      const probes = p.statements.filter((s) => s.sql.includes('duckdb_memory()'));
      p.statements = p.statements.filter((s) => !probes.includes(s));
      const probeMs = probes.reduce((a, s) => a + s.ms, 0);
      p.sql_ms -= probeMs;
      p.ms -= probeMs;
    }
    return stages;
  } finally {
    db.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const input = flag(args, 'input');
  if (!input) {
    console.error('usage: bench/stages.ts --input FILE [--k 6] [--top 6] [--operators] [--json FILE]');
    process.exit(2);
  }
  const top = Number(flag(args, 'top') ?? 6);
  const t0 = performance.now();
  const stages = await profileDiscover(resolve(input), { k: flag(args, 'k') ?? '6' }, { operators: args.includes('--operators') });
  const total = performance.now() - t0;
  const ms = (v: number) => String(Math.round(v)).padStart(7);
  console.log(`discover on ${input}: ${Math.round(total)} ms in process (peak RSS ${stages.at(-1)?.peak_rss_mib} MiB)`);
  console.log('stage        ms    SQL ms  other ms  RSS MiB  DuckDB MiB');
  for (const s of stages) {
    console.log(`${s.stage.padEnd(10)} ${ms(s.ms)} ${ms(s.sql_ms)} ${ms(s.other_ms)}  ${String(s.rss_mib).padStart(7)}  ${String(s.duckdb_mib).padStart(10)}`);
    for (const st of s.statements.slice(0, top)) {
      console.log(`             ${ms(st.ms)}  ${st.sql}`);
      for (const op of st.operators ?? []) console.log(`                      ${op.operator} ${Math.round(op.ms)} ms CPU, ${op.rows} rows  ${op.detail}`);
    }
  }
  const json = flag(args, 'json');
  if (json) writeFileSync(json, `${JSON.stringify({ input, total_ms: total, stages }, null, 2)}\n`);
  process.exit(0);
}
