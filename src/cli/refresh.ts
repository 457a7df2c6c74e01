import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { AUTO_K, parseRefreshFlags, refreshOptions, RETRAIN_MODES } from '../config.ts';
import { DEFAULT_MEMORY_LIMIT, openDatabase } from '../db/database.ts';
import { recoverInterruptedPublish } from '../publish/atomicDirectory.ts';
import { acquireLock } from '../publish/lock.ts';
import { readModel } from '../refresh/base.ts';
import { modelSegmentOn, requireMasterForModel } from '../refresh/firmographics.ts';
import { jsonLog, textLog, type RunLog } from '../refresh/log.ts';
import { refreshPipeline, type RefreshCatalog, type RefreshResult } from '../../pipelines/refresh.ts';
import { runPipeline } from '../../pipelines/runner.ts';
import type { SegmentsDocument } from '../segments/types.ts';
import { terminalProgress } from './progress.ts';

/** `segmenta refresh`: registers the command and its flags. */
export function registerRefresh(program: Command, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  program
    .command('refresh')
    .description('score new purchases with a saved model, retrain when they drifted, keep segment names, check the result and publish it')
    .requiredOption('--input <file>', 'purchase transactions: CSV (any delimiter, optionally .gz), Parquet, JSON or NDJSON')
    .requiredOption('--model <dir>', 'run directory whose model.json scores the customers (may be --out itself)')
    .requiredOption('--out <dir>', 'run directory to write (replaced atomically, only when the publish checks pass)')
    .option('--as-of <date>', 'close the observation window at the end of this day (YYYY-MM-DD); default: the latest order date')
    .option('--retrain <mode>', `${RETRAIN_MODES.join(' | ')}: auto refits when drift passes the thresholds`, 'auto')
    .option('--warehouse <file>', 'DuckDB file every published run is appended to', 'data/warehouse.duckdb')
    .option('--log-format <format>', 'text, or json: one JSON object per line on stderr (for schedulers)', 'text')
    .option('--dry-run', 'do everything but publish: print what would change')
    .option('--k <k>', `segments of a retrain: N, MIN..MAX or auto (${AUTO_K.min}..${AUTO_K.max}); default: the model's k`)
    .option('--seed <n>', "random seed of a retrain (default: the model's)")
    .option('--n-init <n>', 'k-means restarts per k of a retrain', '10')
    .option('--pca-variance <share>', 'PCA variance kept by a retrain', '0.9')
    .option('--silhouette-sample <n>', 'customers sampled for the silhouette', '10000')
    .option('--stability-resamples <n>', 'bootstrap resamples for the stability of a retrain (0 = skip)', '20')
    .option('--min-segment-share <share>', 'publish check: smallest share of customers in a segment (unless it was as small before)', '0.005')
    .option('--max-segment-share <share>', 'publish check: largest share of customers in a segment (unless it was as large before)', '0.8')
    .option('--min-customer-ratio <ratio>', 'publish check: fewest customers as a share of the previous run', '0.5')
    .option('--map <pairs>', 'map canonical columns to source columns: customer_id=Kunde,order_date=Datum')
    .option('--currency <code>', "ISO 4217 code of the amounts, for the texts (default: the model's, else the input's currency column when it has one value)")
    .option('--delimiter <char>', 'CSV delimiter (default: detected)')
    .option('--encoding <name>', 'CSV encoding: utf-8, utf-16 or latin-1')
    .option('--no-header', 'the CSV has no header line (columns are column0, column1, …)')
    .option('--memory-limit <size>', `DuckDB memory limit; beyond it DuckDB spills to disk (default ${DEFAULT_MEMORY_LIMIT}: 10M lines stay under 2 GB of RAM; more, e.g. 8GB, runs faster on a machine that has it)`)
    .option('--temp-directory <dir>', 'where DuckDB spills beyond the memory limit (default: a directory of its own under the OS temp directory, removed afterwards)')
    .option('--threads <n>', 'DuckDB worker threads (default: all cores)')
    .option('--customers <file>', 'customer master (CSV, Parquet, JSON), read as discover reads it; required when the model segments on firmographics')
    .option('--map-customers <pairs>', 'map the master\'s columns: industry_code=Branche,postal_code=PLZ')
    .option('--customers-encoding <name>', 'CSV encoding of the customer master: utf-8, utf-16 or latin-1')
    .option('--include-company-name', 'write the master\'s company_name into customers.csv and customers_rejects.csv (left out by default)')
    .option('--no-report', 'skip report.html')
    .option('--debug', 'show stack traces')
    .action(async (flags: Record<string, unknown>) => {
      const parsed = parseRefreshFlags(flags);
      const out = resolve(parsed.out);
      const log: RunLog = parsed.logFormat === 'json' ? jsonLog(io.stderr, 'refresh') : textLog(terminalProgress());
      log.event('start', {
        input: resolve(parsed.input),
        model: resolve(parsed.model),
        out,
        as_of: parsed.asOf ?? null,
        retrain: parsed.retrain,
        dry_run: parsed.dryRun,
        customers: parsed.customers ? resolve(parsed.customers) : null,
      });
      // The lock comes first: --model may be --out, which a running refresh is about to replace.
      const lock = acquireLock(out);
      try {
        // A run killed between the two renames of its publish left --out as a backup: put it back before reading it.
        recoverInterruptedPublish(out);
        const model = readModel(resolve(parsed.model));
        // Before the database opens: a firmographic model without its master cannot score anyone.
        requireMasterForModel(model, parsed.customers, parsed.model);
        const options = refreshOptions({ ...parsed, out, model: resolve(parsed.model), warehouse: resolve(parsed.warehouse) }, {
          k: model.segments.length,
          seed: model.seed,
          features: model.features,
          lifecycle: model.lifecycle,
          segmentOn: modelSegmentOn(model),
          currency: model.currency,
        });
        const db = await openDatabase({ memoryLimit: options.memoryLimit, tempDirectory: options.tempDirectory, threads: options.threads });
        try {
          const { catalog } = await runPipeline(refreshPipeline, { options, db } as Partial<RefreshCatalog>, { progress: log });
          const result = catalog.published!;
          log.event('result', resultEvent(result, catalog.segments!));
          io.stdout.write(summary(result, catalog.segments!, catalog.base!.previous.segments, options.report));
        } finally {
          db.close();
        }
      } finally {
        lock.release();
      }
    });
}

/** The `result` event of the JSON log: what a scheduler alerts or graphs on. */
function resultEvent(result: RefreshResult, segments: SegmentsDocument): Record<string, unknown> {
  const r = result.refresh;
  return {
    status: result.dryRun ? 'dry_run' : 'published',
    out: result.dir,
    as_of: segments.as_of,
    customers: segments.segments.reduce((a, s) => a + s.size, 0),
    k: segments.k,
    retrained: r.retrain.retrained,
    retrain_reason: r.retrain.reason,
    max_psi: r.drift.max_psi,
    max_centroid_shift: r.drift.max_centroid_shift,
    moved: r.migration.moved,
    new_customers: r.migration.new_customers,
    new_segments: r.continuity.new.map((s) => s.name),
    vanished_segments: r.continuity.vanished.map((s) => s.name),
    segments: segments.segments.map((s) => ({ id: s.id, name: s.name, customers: s.size })),
  };
}

/** " on firmographics and behaviour (k-prototypes)" for a run found on firmographics, else nothing. */
function foundOn(segments: SegmentsDocument): string {
  const mode = segments.segment_on?.mode;
  return mode ? ` on ${mode === 'both' ? 'firmographics and behaviour' : 'firmographics'} (k-prototypes)` : '';
}

/** The lines on stdout: what happened, and with --dry-run what would change. */
function summary(result: RefreshResult, segments: SegmentsDocument, previous: SegmentsDocument, report: boolean): string {
  const r = result.refresh;
  const customers = segments.segments.reduce((a, s) => a + s.size, 0);
  const previousSize = new Map(previous.segments.map((s) => [s.id, s.size]));
  const lines = [
    `${result.dryRun ? 'dry run, nothing was published: ' : ''}refresh as of ${segments.as_of}, continuing the run as of ${r.previous.as_of}`,
    `model ${r.retrain.retrained ? 'retrained' : `kept (trained as of ${r.model.as_of})`}${foundOn(segments)}: ${r.retrain.reason}`,
    `${segments.k} segments for ${customers} customers; ${r.migration.in_both} in both runs, ${r.migration.moved} moved segment, ${r.migration.new_customers} new, ${r.migration.gone_customers} gone`,
  ];
  for (const s of segments.segments) {
    const match = r.continuity.matches.find((m) => m.segment_id === s.id);
    const before = match?.previous_segment_id ?? null;
    const was = match?.status === 'new' ? 'new segment' : before !== null && previousSize.has(before) ? `was ${previousSize.get(before)}` : null;
    lines.push(`  ${String(s.id).padStart(2)} ${s.name}: ${s.size} customers${was ? ` (${was})` : ''}`);
  }
  for (const v of r.continuity.vanished) lines.push(`  vanished: ${v.name} (${v.customers} customers in the previous run)`);
  if (!result.dryRun) {
    lines.push(`run directory: ${result.dir}`);
    if (report) lines.push(`report: ${join(result.dir, 'report.html')}`);
    if (r.warehouse) lines.push(`warehouse: ${r.warehouse}`);
  }
  return `${lines.join('\n')}\n`;
}
