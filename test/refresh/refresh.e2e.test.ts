/**
 * Four nightly runs on Online Retail through the real CLI: discover as of
 * 2011-09-30, then `refresh` as of 2011-10-31, 2011-11-30 and 2011-12-09,
 * each publishing over the last (`--model OUT --out OUT`, the recommended
 * schedule). Then the ways a night can go wrong, each on a copy of a
 * published run: a re-run, a dry run, a failing publish check, a held lock,
 * a date going backwards, and a refresh killed while it publishes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { queryRows } from '../../src/db/query.ts';
import { quoteLiteral } from '../../src/db/quote.ts';
import { BIN, ROOT, runCli, type CliResult } from '../helpers/cli.ts';
import { readCsvFile } from '../helpers/csv.ts';

const RETAIL = join(ROOT, 'data', 'online_retail.csv.gz');
const NIGHTS = ['2011-09-30', '2011-10-31', '2011-11-30', '2011-12-09'] as const;
/** Few bootstrap resamples: the stability figure is not what these tests are about. */
const FAST = ['--stability-resamples', '2'];
/** The refresh stages, in order (pipelines/refresh.ts). */
const STAGES = ['ingest', 'staging', 'base', 'features', 'score', 'drift', 'model', 'value', 'checks', 'profile', 'migration', 'publish'];

function readCsv(path: string): Record<string, string>[] {
  return readCsvFile(path).rows;
}

function readJson(path: string) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** sha256 of every file under `dir`, by relative path: "unchanged" means this map is equal. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Runs in the warehouse file of one output, oldest first. */
async function warehouseRuns(file: string, pipeline: string): Promise<string[]> {
  if (!existsSync(file)) return [];
  const db = await openDatabase({ path: file });
  try {
    const rows = await queryRows<{ as_of: string }>(
      db.connection,
      "SELECT strftime(as_of, '%Y-%m-%d') AS as_of FROM runs WHERE pipeline = $pipeline ORDER BY as_of",
      { pipeline },
    );
    return rows.map((r) => r.as_of);
  } finally {
    db.close();
  }
}

describe('segmenta refresh: four nightly runs on Online Retail', () => {
  let root: string;
  let out: string;
  let warehouse: string;
  /** The run directory as published each night (copies). */
  const nights: string[] = [];
  const results: CliResult[] = [];

  const refreshArgs = (target: string, asOf: string, ...more: string[]) => [
    'refresh',
    '--input',
    RETAIL,
    '--model',
    target,
    '--out',
    target,
    '--as-of',
    asOf,
    '--warehouse',
    warehouse,
    ...FAST,
    ...more,
  ];

  /** A copy of the run published on night `i`, to break things on. */
  const copyOfNight = (i: number, name: string) => {
    const dir = join(root, name);
    cpSync(nights[i], dir, { recursive: true });
    return dir;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'segmenta-refresh-'));
    out = join(root, 'segments');
    warehouse = join(root, 'warehouse.duckdb');
    results.push(await runCli(['discover', '--input', RETAIL, '--out', out, '--as-of', NIGHTS[0], '--k', '4', '--currency', 'GBP', ...FAST]));
    for (const [i, night] of NIGHTS.entries()) {
      if (i > 0) results.push(await runCli(refreshArgs(out, night, ...(i === 2 ? ['--log-format', 'json'] : []))));
      nights.push(join(root, `night-${i}`));
      if (results[i].code === 0) cpSync(out, nights[i], { recursive: true });
    }
  }, 900_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('publishes every night and says what it did', () => {
    for (const [i, result] of results.entries()) {
      expect(result.code, `night ${NIGHTS[i]}: ${result.stderr}`).toBe(0);
    }
    expect(results[1].stdout).toMatch(/^refresh as of 2011-10-31, continuing the run as of 2011-09-30\nmodel (retrained|kept)/);
    expect(results[1].stdout).toContain(`run directory: ${out}`);
    expect(results[1].stdout).toContain(`warehouse: ${warehouse}`);
  });

  it('keeps the currency of the discover run (--currency GBP) without being told again', () => {
    expect(readJson(join(nights[0], 'model.json')).currency).toBe('GBP');
    for (const night of nights) {
      expect(readJson(join(night, 'manifest.json')).currency).toBe('GBP');
      expect(readFileSync(join(night, 'report.html'), 'utf8')).toContain('£');
    }
  });

  it('keeps segment names and ids stable across the nights', () => {
    const names = nights.map((dir) => readJson(join(dir, 'segments.json')).segments.map((s: { id: number; name: string }) => `${s.id}:${s.name}`));
    expect(names[0]).toHaveLength(4);
    for (const later of names.slice(1)) expect(later).toEqual(names[0]);
    // And every customer row carries one of them.
    const last = readCsv(join(nights[3], 'customers.csv'));
    expect(new Set(last.map((c) => `${c.segment_id}:${c.segment_name}`))).toEqual(new Set(names[0]));
  });

  it('retrains when drift passes the thresholds, keeps the model byte for byte otherwise, and matches names after a retrain', () => {
    const decisions = [1, 2, 3].map((i) => {
      const refresh = readJson(join(nights[i], 'manifest.json')).refresh;
      const { max_psi, max_centroid_shift, thresholds } = refresh.drift;
      expect(refresh.retrain.retrained).toBe(max_psi >= thresholds.psi || max_centroid_shift >= thresholds.centroid_shift);
      const model = readFileSync(join(nights[i], 'model.json'));
      if (refresh.retrain.retrained) {
        expect(readJson(join(nights[i], 'model.json')).as_of).toBe(NIGHTS[i]);
        expect(refresh.continuity.matches.every((m: { status: string }) => m.status === 'matched')).toBe(true);
      } else {
        expect(model.equals(readFileSync(join(nights[i - 1], 'model.json')))).toBe(true);
        expect(refresh.continuity.matches.every((m: { status: string }) => m.status === 'kept')).toBe(true);
      }
      return refresh.retrain.retrained as boolean;
    });
    // Online Retail drifts enough within a month to retrain at least once: label continuity is exercised.
    expect(decisions).toContain(true);
  });

  it('migrations add up to the customers present in both runs, cell by cell', () => {
    for (let i = 1; i < NIGHTS.length; i += 1) {
      const before = new Map(readCsv(join(nights[i - 1], 'customers.csv')).map((c) => [c.customer_id, c.segment_id]));
      const now = readCsv(join(nights[i], 'customers.csv'));
      const expected = new Map<string, number>();
      let inBoth = 0;
      for (const c of now) {
        const key = `${before.get(c.customer_id) ?? ''}>${c.segment_id}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
        if (before.has(c.customer_id)) inBoth += 1;
      }
      const cells = readCsv(join(nights[i], 'migration.csv'));
      const both = cells.filter((c) => c.previous_segment_id !== '' && c.segment_id !== '');
      expect(both).toHaveLength(16); // the full 4 × 4 matrix
      expect(both.reduce((a, c) => a + Number(c.customers), 0)).toBe(inBoth);
      for (const c of cells.filter((cell) => cell.segment_id !== '')) {
        expect(Number(c.customers), `${NIGHTS[i]} ${c.previous_segment_id}>${c.segment_id}`).toBe(expected.get(`${c.previous_segment_id}>${c.segment_id}`) ?? 0);
      }
      const summary = readJson(join(nights[i], 'manifest.json')).refresh.migration;
      expect(summary.in_both).toBe(inBoth);
      expect(summary.stayed + summary.moved).toBe(inBoth);
      expect(summary.new_customers).toBe(now.length - inBoth);
    }
  });

  it('gives every customer its previous segment', () => {
    const before = new Map(readCsv(join(nights[2], 'customers.csv')).map((c) => [c.customer_id, c]));
    const now = readCsv(join(nights[3], 'customers.csv'));
    expect(Object.keys(now[0]).slice(-2)).toEqual(['previous_segment_id', 'previous_segment']);
    let newCustomers = 0;
    for (const c of now) {
      const was = before.get(c.customer_id);
      if (!was) newCustomers += 1;
      expect(c.previous_segment_id).toBe(was?.segment_id ?? '');
      expect(c.previous_segment).toBe(was?.segment_name ?? '');
    }
    expect(newCustomers).toBeGreaterThan(0);
  });

  it('records drift for every clustering feature and every segment, and the publish checks it passed', () => {
    for (let i = 1; i < NIGHTS.length; i += 1) {
      const manifest = readJson(join(nights[i], 'manifest.json'));
      const features = readJson(join(nights[i], 'previous', 'model.json')).features;
      expect(manifest.command).toBe('refresh');
      expect(manifest.refresh.drift.psi.map((p: { feature: string }) => p.feature)).toEqual(features);
      for (const p of manifest.refresh.drift.psi) expect(p.psi).toBeGreaterThanOrEqual(0);
      expect(manifest.refresh.drift.centroid_shift).toHaveLength(4);
      expect(manifest.refresh.checks.map((c: { name: string; passed: boolean }) => [c.name, c.passed])).toEqual([
        ['segment_min_share', true],
        ['segment_max_share', true],
        ['customer_count', true],
        ['all_scored', true],
      ]);
      expect(manifest.refresh.previous.as_of).toBe(NIGHTS[i - 1]);
      expect(Object.keys(manifest.timings_ms)).toEqual(STAGES);
    }
  });

  it('writes the columns discover writes, lifetime value included: refitted with a retrain, scored by the saved model otherwise', () => {
    const header = (i: number) => readFileSync(join(nights[i], 'customers.csv'), 'utf8').split('\n')[0].split(',');
    for (let i = 1; i < NIGHTS.length; i += 1) {
      expect(header(i)).toEqual([...header(0), 'previous_segment_id', 'previous_segment']);
      const manifest = readJson(join(nights[i], 'manifest.json'));
      const model = readJson(join(nights[i], 'model.json'));
      expect(manifest.value.status).toBe(manifest.refresh.retrain.retrained ? 'fitted' : 'scored');
      expect(model.value.as_of).toBe(manifest.refresh.retrain.retrained ? NIGHTS[i] : manifest.refresh.model.as_of);
    }
    expect(header(0)).toContain('clv');
  });

  it('appends every night to the warehouse and plots segment growth in the report', async () => {
    expect(await warehouseRuns(warehouse, out)).toEqual([...NIGHTS]);
    const history = readCsv(join(nights[3], 'history.csv'));
    expect([...new Set(history.map((h) => h.as_of))]).toEqual([...NIGHTS]);
    expect(history).toHaveLength(16);
    // The history of a night ends with that night.
    expect([...new Set(readCsv(join(nights[2], 'history.csv')).map((h) => h.as_of))]).toEqual(NIGHTS.slice(0, 3));
    const sizes = readJson(join(nights[3], 'segments.json')).segments.map((s: { size: number }) => String(s.size));
    expect(history.filter((h) => h.as_of === NIGHTS[3]).map((h) => h.customers)).toEqual(sizes);
    const report = readFileSync(join(nights[3], 'report.html'), 'utf8');
    for (const chart of ['migration', 'growth', 'drift']) expect(report).toContain(`data-chart="${chart}"`);
    expect(report).toContain('<section id="refresh">');
  });

  it('--log-format json writes one JSON object per line: start, every stage, result', () => {
    const lines = results[2].stderr.trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ command: 'refresh', event: 'start', as_of: NIGHTS[2], dry_run: false });
    expect(events.filter((e) => e.event === 'stage_start').map((e) => e.stage)).toEqual(STAGES);
    expect(events.filter((e) => e.event === 'stage_finish').map((e) => e.stage)).toEqual(STAGES);
    const result = events.at(-1);
    expect(result).toMatchObject({ event: 'result', status: 'published', out, as_of: NIGHTS[2], k: 4 });
    expect(result.segments.map((s: { name: string }) => s.name)).toEqual(readJson(join(nights[2], 'segments.json')).segments.map((s: { name: string }) => s.name));
    for (const e of events) expect(Number.isNaN(Date.parse(e.time))).toBe(false);
  });

  it('is idempotent: the same as-of again gives the same output and no second warehouse row', async () => {
    const again = await runCli(refreshArgs(out, NIGHTS[3]));
    expect(again.code, again.stderr).toBe(0);
    for (const file of ['customers.csv', 'segments.json', 'migration.csv', 'history.csv', 'customers.parquet', 'previous/model.json']) {
      expect(readFileSync(join(out, file)).equals(readFileSync(join(nights[3], file))), file).toBe(true);
    }
    const { created_at: a, ...model } = readJson(join(out, 'model.json'));
    const { created_at: b, ...first } = readJson(join(nights[3], 'model.json'));
    void a;
    void b;
    expect(model).toEqual(first);
    expect(readJson(join(out, 'manifest.json')).refresh.rerun).toBe(true);
    expect(await warehouseRuns(warehouse, out)).toEqual([...NIGHTS]);
  }, 300_000);

  it('--dry-run prints what would change and publishes nothing', async () => {
    const dir = copyOfNight(2, 'dry');
    const before = fingerprint(dir);
    const result = await runCli(refreshArgs(dir, NIGHTS[3], '--dry-run'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^dry run, nothing was published: refresh as of 2011-12-09, continuing the run as of 2011-11-30\n/);
    for (const s of readJson(join(dir, 'segments.json')).segments) expect(result.stdout).toContain(`${s.name}: `);
    expect(result.stdout).toMatch(/\(was \d+\)/);
    expect(result.stdout).not.toContain('run directory:');
    expect(fingerprint(dir)).toEqual(before);
    expect(await warehouseRuns(warehouse, dir)).toEqual([]);
    expect(existsSync(`${dir}.lock`)).toBe(false);
  }, 300_000);

  it('a failing publish check keeps the last good output and exits 4 with the reason', async () => {
    // An upstream export cut down to one country: the customer count collapses.
    const partial = join(root, 'france.csv');
    const db = await openDatabase();
    try {
      await db.connection.run(
        `COPY (SELECT * FROM read_csv(${quoteLiteral(RETAIL)}, all_varchar = true) WHERE Country = 'France') TO ${quoteLiteral(partial)} (HEADER, DELIMITER ',')`,
      );
    } finally {
      db.close();
    }
    const dir = copyOfNight(2, 'failing');
    const before = fingerprint(dir);
    const result = await runCli(['refresh', '--input', partial, '--model', dir, '--out', dir, '--as-of', NIGHTS[3], '--warehouse', warehouse, ...FAST, '--log-format', 'json']);
    expect(result.code).toBe(4);
    const error = JSON.parse(result.stderr.trimEnd().split('\n').at(-1)!);
    expect(error).toMatchObject({ event: 'error', command: 'refresh', exit_code: 4 });
    expect(error.error).toMatch(new RegExp(`^publish checks failed, the last good output in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was kept: .*customer_count: \\d+ customers, \\d+\\.\\d+% of the previous run's \\d+`));
    expect(result.stderr.trimEnd().split('\n').every((line) => JSON.parse(line))).toBeTruthy();
    expect(fingerprint(dir)).toEqual(before);
    expect(readdirSync(root).filter((f) => f.startsWith('.failing.'))).toEqual([]);
    expect(await warehouseRuns(warehouse, dir)).toEqual([]);
  }, 300_000);

  it('another run holding the lock on the output is exit 3, naming its pid', async () => {
    const dir = copyOfNight(1, 'locked');
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }));
    try {
      const result = await runCli(refreshArgs(dir, NIGHTS[2]));
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`pid ${process.pid}`);
    } finally {
      rmSync(`${dir}.lock`, { force: true });
    }
  });

  it('an as-of before the published run is exit 2: a refresh only moves forward', async () => {
    const dir = copyOfNight(2, 'backwards');
    const result = await runCli(refreshArgs(dir, NIGHTS[1]));
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`segmenta: --as-of 2011-10-31 is before the run already in --out "${dir}" (as of 2011-11-30): a refresh only moves forward`);
  }, 300_000);

  it('--retrain never keeps the saved model and its names', async () => {
    const dir = copyOfNight(1, 'never');
    const result = await runCli(refreshArgs(dir, NIGHTS[3], '--retrain', 'never'));
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'model.json')).equals(readFileSync(join(nights[1], 'model.json')))).toBe(true);
    const manifest = readJson(join(dir, 'manifest.json'));
    expect(manifest.refresh.retrain).toEqual({ mode: 'never', retrained: false, reason: '--retrain never' });
    expect(readJson(join(dir, 'segments.json')).segments.map((s: { name: string }) => s.name)).toEqual(
      readJson(join(nights[1], 'model.json')).segments.map((s: { name: string }) => s.name),
    );
  }, 300_000);

  it('a retrain with more segments carries the names that continue and gives the extra segment a new one', async () => {
    const dir = copyOfNight(2, 'five');
    const previous = readJson(join(dir, 'segments.json')).segments.map((s: { id: number; name: string }) => `${s.id}:${s.name}`);
    const result = await runCli(refreshArgs(dir, NIGHTS[3], '--retrain', 'always', '--k', '5', '--no-report'));
    expect(result.code, result.stderr).toBe(0);
    const segments = readJson(join(dir, 'segments.json')).segments.map((s: { id: number; name: string }) => `${s.id}:${s.name}`);
    expect(segments).toHaveLength(5);
    expect(segments).toEqual(expect.arrayContaining(previous));
    const { continuity } = readJson(join(dir, 'manifest.json')).refresh;
    expect(continuity.new).toHaveLength(1);
    expect(continuity.vanished).toEqual([]);
    const fresh = continuity.new[0];
    expect(previous).not.toContain(`${fresh.id}:${fresh.name}`);
    expect(new Set(segments.map((s: string) => s.split(':')[1])).size).toBe(5);
    expect(result.stdout).toContain(`${fresh.name}: `);
    expect(result.stdout).toContain('(new segment)');
    // Nobody was in the new segment before: its migration column has only movers and new customers.
    const into = readCsv(join(dir, 'migration.csv')).filter((c) => c.segment_id === String(fresh.id));
    expect(into.reduce((a, c) => a + Number(c.customers), 0)).toBe(readJson(join(dir, 'segments.json')).segments[fresh.id].size);
  }, 300_000);

  it('a retrain with fewer segments reports the one that vanished', async () => {
    const dir = copyOfNight(2, 'three');
    const previous = readJson(join(dir, 'segments.json')).segments as Array<{ id: number; name: string; size: number }>;
    const result = await runCli(refreshArgs(dir, NIGHTS[3], '--retrain', 'always', '--k', '3', '--no-report'));
    expect(result.code, result.stderr).toBe(0);
    const segments = readJson(join(dir, 'segments.json')).segments as Array<{ id: number; name: string }>;
    const { continuity, migration } = readJson(join(dir, 'manifest.json')).refresh;
    expect(continuity.vanished).toHaveLength(1);
    const gone = continuity.vanished[0];
    expect(previous.find((p) => p.id === gone.id)).toMatchObject({ name: gone.name, size: gone.customers });
    expect(segments.map((s) => s.name)).not.toContain(gone.name);
    for (const s of segments) expect(previous.map((p) => p.name)).toContain(s.name);
    expect(result.stdout).toContain(`vanished: ${gone.name} (${gone.customers} customers in the previous run)`);
    // Its customers all went somewhere: the vanished segment's migration row adds up to its previous size.
    const out = readCsv(join(dir, 'migration.csv')).filter((c) => c.previous_segment_id === String(gone.id));
    expect(out.reduce((a, c) => a + Number(c.customers), 0)).toBe(gone.customers);
    expect(migration.moved).toBeGreaterThanOrEqual(gone.customers);
  }, 300_000);

  it('a refresh killed while it publishes leaves the last good output unchanged, and the next one recovers', async () => {
    const dir = copyOfNight(2, 'killed');
    const before = fingerprint(dir);
    const parent = dirname(dir);
    const staging = `.${basename(dir)}.tmp-`;
    const child = spawn(process.execPath, [BIN, ...refreshArgs(dir, NIGHTS[3])], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill it the moment its staging directory appears: it is writing the new run next to the old one.
    let seen = false;
    const deadline = Date.now() + 240_000;
    while (!seen && Date.now() < deadline && child.exitCode === null) {
      seen = readdirSync(parent).some((f) => f.startsWith(staging));
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(seen).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(fingerprint(dir)).toEqual(before);
    expect(readJson(join(dir, 'manifest.json')).as_of).toBe(NIGHTS[2]);
    expect(await warehouseRuns(warehouse, dir)).toEqual([]);

    // The dead run's lock and half-written directory are cleaned up by the next run.
    const next = await runCli(refreshArgs(dir, NIGHTS[3]));
    expect(next.code, next.stderr).toBe(0);
    expect(readdirSync(parent).filter((f) => f.startsWith(`.${basename(dir)}.`))).toEqual([]);
    expect(readJson(join(dir, 'manifest.json')).as_of).toBe(NIGHTS[3]);
    expect(readFileSync(join(dir, 'customers.csv')).equals(readFileSync(join(nights[3], 'customers.csv')))).toBe(true);
    expect(await warehouseRuns(warehouse, dir)).toEqual([NIGHTS[2], NIGHTS[3]]);
  }, 300_000);

  it('a refresh killed between the two renames of its publish is put back by the next run before it reads anything', async () => {
    const dir = copyOfNight(2, 'between');
    // What a kill right after "published run → backup" leaves: no --out, the old run beside it.
    renameSync(dir, join(root, `.between.old-${process.pid}-x`));
    const result = await runCli(refreshArgs(dir, NIGHTS[3], '--no-report'));
    expect(result.code, result.stderr).toBe(0);
    expect(readJson(join(dir, 'manifest.json')).refresh.previous).toMatchObject({ dir, as_of: NIGHTS[2] });
    expect(readFileSync(join(dir, 'customers.csv')).equals(readFileSync(join(nights[3], 'customers.csv')))).toBe(true);
    expect(readdirSync(root).filter((f) => f.startsWith('.between.'))).toEqual([]);
  }, 300_000);
});
