import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DiscoverOptions } from '../config.ts';
import type { Database } from '../db/database.ts';
import { quoteIdentifier, quoteLiteral } from '../db/quote.ts';
import type { IngestedInput } from '../ingest/index.ts';
import type { StagedLines } from '../staging/index.ts';
import type { CustomerFeatureMatrix } from '../features/build.ts';
import type { TransformChain } from '../segmentation/transformChain.ts';
import type { Clustering } from '../segmentation/cluster.ts';
import type { SegmentsDocument } from '../segments/types.ts';
import { buildModelDocument } from '../segmentation/modelFile.ts';
import type { ModelDocument } from '../model/modelDocument.ts';
import { SEGMENTA_VERSION } from '../version.ts';
import { publishDirectory } from './atomicDirectory.ts';
import { runCurrency, type RunManifest } from './manifest.ts';
import { prepareReport, writeReport, type PreparedReport } from '../report/index.ts';
import { reportSeed } from '../report/loadRun.ts';
import type { ValueResult } from '../value/stage.ts';
import { customerMasterManifest, masterRejectTextColumns, masterTextColumns, type CustomerMaster } from '../customers/master.ts';
import { firmographicModelSection, isFirmographicClustering } from '../segmentation/firmographicClustering.ts';

/** The files of a run directory, in the order they are written. */
export const RUN_FILES = [
  'customers.csv',
  'customers.parquet',
  'rejects.csv',
  'segments.json',
  'model.json',
  'manifest.json',
  'report.html',
] as const;

/** The customer master's rejects, written beside rejects.csv when the run has a master. */
export const CUSTOMERS_REJECTS_FILE = 'customers_rejects.csv';

/** What `publish` produced. */
export interface PublishedRun {
  dir: string;
  files: string[];
  manifest: RunManifest;
}

/** Text columns of customers.csv that are neutralised against CSV injection. */
const CUSTOMER_TEXT_COLUMNS = ['customer_id', 'segment_name', 'rfm_segment', 'lifecycle_stage', 'country'];
/** Text columns of rejects.csv (all of them come from the input). */
const REJECT_TEXT_COLUMNS = ['detail', 'customer_id', 'order_id', 'order_date', 'product_id', 'quantity', 'unit_price', 'amount'];

/**
 * Writes every file of the run directory into a staging directory and swaps
 * it into place: a failed run never leaves a half-written directory where a
 * good one was.
 */
export async function publishRun(
  run: {
    options: DiscoverOptions;
    db: Database;
    input: IngestedInput;
    staged: StagedLines;
    features: CustomerFeatureMatrix & { counts: { onlyReturns: number; orders: number; countries: Record<string, number> } };
    transformed: TransformChain;
    clustering: Clustering;
    segments: SegmentsDocument;
    /** The value stage's result: its fitted models go into model.json, what it did into the manifest. */
    value?: ValueResult;
    /** The customer master: its rejects go to customers_rejects.csv, its counts into the manifest (docs/b2b.md). */
    master?: CustomerMaster | null;
  },
  timing: { timingsMs: Record<string, number>; startedAt: Date },
  publish: PublishOptions = {},
): Promise<PublishedRun> {
  const { timingsMs, startedAt } = timing;
  const started = performance.now();
  const connection = run.db.connection;
  let manifest: RunManifest | undefined;
  const files: string[] = [...RUN_FILES];
  await publishDirectory(run.options.out, async (dir) => {
    // DuckDB writes the customer and reject files on its own threads while this
    // thread builds model.json and the report's charts. A statement without
    // parameters runs to the end without calling back into this thread, so
    // each is prepared first (the order checks, the SQL) and the COPYs are
    // handed over in two calls: the Parquet file, which the report reads, then
    // the CSV files as one multi-statement call.
    const textColumns = [...CUSTOMER_TEXT_COLUMNS, ...(publish.customerTextColumns ?? []), ...(run.master ? masterTextColumns(run.master) : [])];
    const parquetSql = await customerParquetSql(connection, join(dir, 'customers.parquet'));
    const csvSql = [
      await copyTableCsvSql(connection, 'customers_out', textColumns, join(dir, 'customers.csv'), 'customer_id'),
      await copyTableCsvSql(connection, 'stg_rejects', REJECT_TEXT_COLUMNS, join(dir, 'rejects.csv'), 'row_number'),
      ...(run.master
        ? [copyCsvSql('SELECT * FROM customers_rejects', masterRejectTextColumns(run.master), join(dir, CUSTOMERS_REJECTS_FILE), 'row_number')]
        : []),
    ];
    const parquet = connection.run(parquetSql);
    let tables: Promise<unknown> = parquet;
    // Handled here so a failure while this thread is busy is not an unhandled rejection; awaited below.
    parquet.catch(() => undefined);
    let report: PreparedReport | undefined;
    try {
      writeJson(join(dir, 'segments.json'), run.segments);
      const model = publish.model ?? {
        ...buildModelDocument(run),
        ...(run.value?.section ? { value: run.value.section } : {}),
        ...(isFirmographicClustering(run.clustering) ? { firmographics: firmographicModelSection(run.clustering) } : {}),
      };
      writeJson(join(dir, 'model.json'), model);
      await parquet;
      tables = connection.run(csvSql.join(';\n'));
      tables.catch(() => undefined);
      // The charts read neither the manifest nor later files, except a refresh's section
      // (publish.manifest, extraFiles): those runs render the whole report at the end.
      if (run.options.report && publish.manifest === undefined && publish.extraFiles === undefined) {
        report = await prepareReport(dir, reportSeed({ seed: run.options.seed }));
      }
    } finally {
      // Never leave DuckDB writing into a directory that is being thrown away.
      await tables.catch(() => undefined);
    }
    await tables;
    if (run.master) files.push(CUSTOMERS_REJECTS_FILE);
    manifest = {
      format: 'segmenta.manifest/v1',
      command: publish.command ?? 'discover',
      input: {
        path: run.input.path,
        sha256: run.input.sha256,
        bytes: run.input.bytes,
        format: run.input.format,
        columns: run.input.mapping as Record<string, string>,
      },
      as_of: run.staged.asOf,
      rows: run.staged.rows,
      customers: run.features.n,
      k: run.segments.k,
      seed: run.options.seed,
      versions: { segmenta: SEGMENTA_VERSION, node: process.versions.node, duckdb: await duckdbVersion(connection) },
      timings_ms: { ...timingsMs, publish: Math.round(performance.now() - started) },
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      currency: runCurrency(run.options.currency, run.staged.dataQuality) ?? null,
      data_quality: {
        ...run.staged.dataQuality,
        countries: run.features.counts.countries,
        customers_only_returns: run.features.counts.onlyReturns,
        orders: run.features.counts.orders,
      },
      ...(run.value ? { value: run.value.manifest } : {}),
      ...(run.master ? { customer_master: await customerMasterManifest(connection, run.master) } : {}),
      ...publish.manifest,
    };
    writeJson(join(dir, 'manifest.json'), manifest);
    // Before the report, which may read them.
    if (publish.extraFiles) files.push(...(await publish.extraFiles(dir)));
    if (run.options.report) await writeReport(dir, undefined, report);
  });
  return { dir: run.options.out, files, manifest: manifest! };
}

/**
 * What another command publishes differently from `discover`; every field
 * is optional and `discover` uses none.
 */
export interface PublishOptions {
  /** The command recorded in the manifest (default `discover`). */
  command?: string;
  /** The model document to write instead of the one built from the fitted chain (a refresh that kept its model). */
  model?: ModelDocument;
  /** More manifest fields, written after the common ones. */
  manifest?: Partial<RunManifest>;
  /** Text columns of `customers_out` beyond discover's, neutralised against CSV injection too. */
  customerTextColumns?: readonly string[];
  /** Writes more files into the staging directory, after the manifest and before the report; returns their names. */
  extraFiles?: (dir: string) => Promise<string[]>;
}

/** The COPY of `customers_out` to customers.parquet, without the sort when the table is stored in order. */
async function customerParquetSql(connection: DuckDBConnection, path: string): Promise<string> {
  const sorted = await scansInOrder(connection, 'customers_out', 'customer_id');
  return `COPY (SELECT * FROM customers_out${sorted ? '' : ' ORDER BY customer_id'}) TO ${quoteLiteral(path)}
     (FORMAT parquet, COMPRESSION zstd${sorted ? ', PRESERVE_ORDER true' : ''})`;
}

/**
 * {@link copyCsv} of a whole table, without the sort when a scan of the table
 * already returns its rows in that order (tables built with `ORDER BY`, such
 * as `customers_out` and `stg_rejects`): the file is the same either way.
 */
export async function copyTableCsv(connection: DuckDBConnection, table: string, textColumns: readonly string[], path: string, orderBy: string): Promise<void> {
  await connection.run(await copyTableCsvSql(connection, table, textColumns, path, orderBy));
}

/** The statement {@link copyTableCsv} runs (the order check runs now). */
async function copyTableCsvSql(connection: DuckDBConnection, table: string, textColumns: readonly string[], path: string, orderBy: string): Promise<string> {
  // copyCsv sorts on the written value, which for a text column is the neutralised one.
  const key = textColumns.includes(orderBy) ? `csv_safe(${quoteIdentifier(orderBy)})` : quoteIdentifier(orderBy);
  if (!(await scansInOrder(connection, table, key))) return copyCsvSql(`SELECT * FROM ${quoteIdentifier(table)}`, textColumns, path, orderBy);
  const replace = textColumns.map((c) => `csv_safe(${c}) AS ${c}`).join(', ');
  return `COPY (SELECT * REPLACE (${replace}) FROM ${quoteIdentifier(table)}) TO ${quoteLiteral(path)}
     (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', PRESERVE_ORDER true)`;
}

/**
 * Whether a scan of `table` returns its rows ordered by `key` (ascending, no
 * NULL keys), so a COPY without `ORDER BY` (with `PRESERVE_ORDER`, which keeps
 * the scan's order whatever the plan) writes what a sort would. Holds only
 * while DuckDB preserves insertion order; each row is compared with the next
 * by position, one linear pass instead of a sort.
 */
export async function scansInOrder(connection: DuckDBConnection, table: string, key: string): Promise<boolean> {
  const setting = await connection.runAndReadAll("SELECT current_setting('preserve_insertion_order') AS v");
  if (setting.getRows()[0][0] !== true) return false;
  const t = quoteIdentifier(table);
  const reader = await connection.runAndReadAll(
    `SELECT count(*) FILTER (WHERE a.k IS NULL OR a.k > b.k) AS out_of_order
     FROM (SELECT ${key} AS k FROM ${t}) a
     POSITIONAL JOIN (SELECT ${key} AS k FROM ${t} OFFSET 1) b`,
  );
  return Number(reader.getRows()[0][0]) === 0;
}

/**
 * Writes a query to CSV with its text columns neutralised against CSV
 * injection (the `csv_safe` macro), sorted for byte-identical output.
 */
export async function copyCsv(
  connection: DuckDBConnection,
  query: string,
  textColumns: readonly string[],
  path: string,
  orderBy: string,
): Promise<void> {
  await connection.run(copyCsvSql(query, textColumns, path, orderBy));
}

/** The statement {@link copyCsv} runs. */
function copyCsvSql(query: string, textColumns: readonly string[], path: string, orderBy: string): string {
  const replace = textColumns.map((c) => `csv_safe(${c}) AS ${c}`).join(', ');
  return `COPY (SELECT * REPLACE (${replace}) FROM (${query}) ORDER BY ${orderBy}) TO ${quoteLiteral(path)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"')`;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function duckdbVersion(connection: DuckDBConnection): Promise<string> {
  const reader = await connection.runAndReadAll('SELECT version() AS v');
  return String(reader.getRows()[0][0]);
}
