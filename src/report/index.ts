/**
 * The analyst report of a run: `report.html`, one self-contained page with
 * the summary, data quality, segment table and profiles, and the charts.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { renderCharts } from './charts.ts';
import { renderReport } from './html.ts';
import { loadReportInput } from './loadRun.ts';

export { escapeHtml } from './escape.ts';
export { renderCharts, type ReportCharts } from './charts.ts';
export { renderReport } from './html.ts';
export { loadReportInput, MAP_SAMPLE_LIMIT, type ReportInput } from './loadRun.ts';

/**
 * Reads a run directory and renders its report.
 *
 * @returns the complete HTML page.
 * @throws InputError when the run's JSON documents are missing or unusable.
 */
export async function buildReport(runDir: string): Promise<string> {
  const input = await loadReportInput(runDir);
  return renderReport(input, await renderCharts(input));
}

/**
 * Builds the report and writes it atomically: the page goes to a temporary
 * file beside the target and is renamed over it, so a reader (or a web server
 * publishing the run) never sees half a page, and a failed build leaves the
 * previous report in place.
 *
 * @param outFile - where to write; `report.html` in the run directory by default.
 * @returns the path written.
 */
export async function writeReport(runDir: string, outFile: string = join(runDir, 'report.html')): Promise<string> {
  const html = await buildReport(runDir);
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
