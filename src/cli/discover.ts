import { resolve, join } from 'node:path';
import type { Command } from 'commander';
import { parseDiscoverOptions, AUTO_K } from '../config.ts';
import { DEFAULT_MEMORY_LIMIT, openDatabase } from '../db/database.ts';
import { acquireLock } from '../publish/lock.ts';
import { discoverPipeline, type DiscoverCatalog } from '../../pipelines/discover.ts';
import { runPipeline } from '../../pipelines/runner.ts';
import { terminalProgress } from './progress.ts';
import { VALUE_DEFAULTS } from '../value/options.ts';
import { valueSummaryLine } from '../value/stage.ts';

/** `segmenta discover`: registers the command and its flags. */
export function registerDiscover(program: Command, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  program
    .command('discover')
    .description('find customer segments in a purchase file and write a run directory')
    .requiredOption('--input <file>', 'purchase transactions: CSV (any delimiter, optionally .gz), Parquet, JSON or NDJSON')
    .requiredOption('--out <dir>', 'run directory to write (replaced atomically)')
    .option('--map <pairs>', 'map canonical columns to source columns: customer_id=Kunde,order_date=Datum')
    .option('--as-of <date>', 'close the observation window at the end of this day (YYYY-MM-DD); default: the latest order date')
    .option('--k <k>', `number of segments: auto (${AUTO_K.min}..${AUTO_K.max}), N, or MIN..MAX`, 'auto')
    .option('--seed <n>', 'random seed: same input, flags and seed give byte-identical results', '42')
    .option('--n-init <n>', 'k-means restarts per k (best inertia wins)', '10')
    .option('--pca-variance <share>', 'keep principal components up to this share of variance', '0.9')
    .option('--features <list>', 'clustering features, comma-separated (default: the registry default set)')
    .option('--silhouette-sample <n>', 'customers sampled for the silhouette (exact below this)', '10000')
    .option('--stability-resamples <n>', 'bootstrap resamples for stability (0 = skip)', '20')
    .option('--inactive-days <n>', 'lifecycle: no purchase for this many days → inactive', '180')
    .option('--at-risk-days <n>', 'lifecycle: no purchase for this many days → at risk', '90')
    .option('--new-days <n>', 'lifecycle: first purchase within this many days → new', '90')
    .option('--delimiter <char>', 'CSV delimiter (default: detected); "tab", or "whitespace" for columns separated by runs of spaces')
    .option('--encoding <name>', 'CSV encoding: utf-8, utf-16 or latin-1')
    .option('--no-header', 'the CSV has no header line (columns are column0, column1, …)')
    .option('--currency <code>', 'ISO 4217 code of the amounts, for the texts (default: the input\'s currency column when it has one value)')
    .option('--memory-limit <size>', `DuckDB memory limit; beyond it DuckDB spills to disk (default ${DEFAULT_MEMORY_LIMIT}: 10M lines stay under 2 GB of RAM; more, e.g. 8GB, runs faster on a machine that has it)`)
    .option('--temp-directory <dir>', 'where DuckDB spills beyond the memory limit (default: a directory of its own under the OS temp directory, removed afterwards)')
    .option('--threads <n>', 'DuckDB worker threads (default: all cores)')
    .option('--value <mode>', 'customer lifetime value, P(alive), churn risk: off, on, or auto (on when enough customers repeat)', VALUE_DEFAULTS.value)
    .option('--value-model <model>', 'value transaction model: bgnbd or mbgnbd', VALUE_DEFAULTS.valueModel)
    .option('--value-time-unit <unit>', 'time unit the value models are fitted in: days or weeks', VALUE_DEFAULTS.valueTimeUnit)
    .option('--clv-months <n>', 'CLV horizon in months', String(VALUE_DEFAULTS.clvMonths))
    .option('--discount-rate <rate>', 'monthly discount rate of the CLV (0.01 = 1%)', String(VALUE_DEFAULTS.discountRate))
    .option('--customers <file>', 'customer master, one row per customer (CSV, Parquet, JSON): industry_code (WZ 2008), employees, annual_revenue, postal_code, country, …')
    .option('--map-customers <pairs>', 'map the master\'s columns: industry_code=Branche,postal_code=PLZ')
    .option('--customers-encoding <name>', 'CSV encoding of the customer master: utf-8, utf-16 or latin-1')
    .option('--include-company-name', 'write the master\'s company_name into customers.csv and customers_rejects.csv (left out by default)')
    .option('--segment-on <what>', 'find segments on behaviour, firmographics (needs --customers) or both', 'behaviour')
    .option('--no-report', 'skip report.html')
    .option('--debug', 'show stack traces')
    .action(async (flags: Record<string, unknown>) => {
      const options = parseDiscoverOptions(flags);
      const out = resolve(options.out);
      const lock = acquireLock(out);
      try {
        const db = await openDatabase({ memoryLimit: options.memoryLimit, tempDirectory: options.tempDirectory, threads: options.threads });
        try {
          const initial: Partial<DiscoverCatalog> = { options: { ...options, out }, db };
          const { catalog } = await runPipeline(discoverPipeline, initial, { progress: terminalProgress() });
          const segments = catalog.segments!;
          const rows = catalog.staged!.rows;
          io.stdout.write(
            `${segments.k} segments for ${catalog.features!.n} customers (as of ${segments.as_of}; ${rows.used} of ${rows.read} rows used, ${rows.rejected} rejected, ${rows.out_of_window} after the as-of date)\n` +
              `run directory: ${out}\n` +
              (options.report ? `report: ${join(out, 'report.html')}\n` : ''),
          );
          const valueLine = valueSummaryLine(catalog.value!);
          if (valueLine) io.stdout.write(`${valueLine}\n`);
        } finally {
          db.close();
        }
      } finally {
        lock.release();
      }
    });
}
