/**
 * The analyst report of a run: `report.html`, one self-contained page with
 * the summary, data quality, segment table and profiles, and the charts.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadVega, renderCharts, type ReportCharts } from './charts.ts';
import { renderReport } from './html.ts';
import { loadReportInput, loadReportManifest, loadReportSegments, readCustomerAggregates, type CustomerAggregates, type ReportInput, type ReportSegments } from './loadRun.ts';

export { escapeHtml } from './escape.ts';
export { renderCharts, type ReportCharts } from './charts.ts';
export { renderReport } from './html.ts';
export { loadReportInput, MAP_SAMPLE_LIMIT, type ReportInput } from './loadRun.ts';

/**
 * Reads a run directory and renders its report (its charts and aggregates
 * taken from `prepared` when given).
 *
 * @returns the complete HTML page.
 * @throws InputError when the run's JSON documents are missing or unusable.
 */
export async function buildReport(runDir: string, prepared?: PreparedReport): Promise<string> {
  if (prepared) {
    const input: ReportInput = { runDir, segments: prepared.segments, manifest: await loadReportManifest(runDir), customers: prepared.customers };
    return renderReport(input, prepared.charts);
  }
  const input = await loadReportInput(runDir);
  return renderReport(input, await renderCharts(input));
}

/** What {@link prepareReport} computed: everything of a report but its page. */
export interface PreparedReport {
  segments: ReportSegments;
  customers: CustomerAggregates;
  charts: ReportCharts;
}

/**
 * The report's segments, customer aggregates and charts, before the run's
 * manifest.json exists: a publish renders them (CPU-bound, in this thread)
 * while DuckDB still writes the remaining files (on its own threads).
 * Charts read the manifest only for a refresh's section, so this is for runs
 * without one; `seed` must be the one the manifest will record.
 *
 * @param runDir - directory already holding `segments.json` and `customers.parquet` (or `customers.csv`).
 */
export async function prepareReport(runDir: string, seed: number): Promise<PreparedReport> {
  // The chart modules load while DuckDB aggregates the customer table.
  const vega = loadVega();
  vega.catch(() => undefined);
  const segments = await loadReportSegments(runDir);
  const customers = await readCustomerAggregates(runDir, seed);
  await vega;
  const charts = await renderCharts({ runDir, segments, manifest: {}, customers });
  return { segments, customers, charts };
}

/**
 * Builds the report and writes it atomically: the page goes to a temporary
 * file beside the target and is renamed over it, so a reader (or a web server
 * publishing the run) never sees half a page, and a failed build leaves the
 * previous report in place.
 *
 * @param outFile - where to write; `report.html` in the run directory by default.
 * @param prepared - the run's {@link prepareReport}, when it was started earlier.
 * @returns the path written.
 */
export async function writeReport(runDir: string, outFile: string = join(runDir, 'report.html'), prepared?: PreparedReport): Promise<string> {
  const html = await buildReport(runDir, prepared);
  // Same directory, so the rename stays on one file system and is atomic.
  const temp = join(dirname(outFile), `.${basename(outFile)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(temp, html, 'utf8');
    await rename(temp, outFile);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return outFile;
}
