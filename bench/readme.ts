/**
 * The README's benchmark section, rendered from a full run's result document
 * (`reports/bench/latest.json`). `npm run bench` rewrites it after a full run;
 * a test checks the README shows what the committed document says.
 */
import { fileURLToPath } from 'node:url';
import type { BenchReport, E2ESize } from './report.ts';

/** The last full run's result document: what the README's benchmark section shows. */
export const LATEST_FULL_JSON = fileURLToPath(new URL('../reports/bench/latest.json', import.meta.url));

/** Markers around the section in README.md. */
export const BENCH_SECTION_START = '<!-- generated:bench -->';
export const BENCH_SECTION_END = '<!-- /generated:bench -->';

const seconds = (ms: number | null | undefined): string => (ms == null ? '–' : (ms / 1000).toFixed(1));
const gib = (kb: number | null | undefined): string => (kb == null ? '–' : `${(kb / 2 ** 20).toFixed(2)} GiB`);
const times = (a: number | null | undefined, b: number | null | undefined): string => (a == null || b == null || !(b > 0) ? '–' : `${(a / b).toFixed(2)}×`);
const lines = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${Math.round(n / 1e3)}k`);

/** Renders the section body (between the markers) from a benchmark result. */
export function renderReadmeBench(report: BenchReport): string {
  const m = report.machine;
  const py = m.python;
  const out: string[] = [];
  out.push(
    `Measured with \`npm run bench\` on ${report.date}: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB; ` +
      `Node ${m.node}, DuckDB ${m.duckdb}` +
      (py ? `; Python ${py.python}, pandas ${py.pandas}, scikit-learn ${py.sklearn}` : '') +
      `. Both sides run in the same benchmark, one after the other, each in its own process; best of the repeats. ` +
      'Ratios are segmenta ÷ the alternative (below 1: segmenta is faster). ' +
      'Every figure, the per-stage breakdown and the hot spots: [reports/bench/latest.md](reports/bench/latest.md).',
    '',
  );
  const sizes: E2ESize[] = report.e2e?.sizes ?? [];
  if (sizes.length > 0) {
    out.push(
      `End to end, \`segmenta discover --k ${report.e2e!.k}\` (whole run directory and report) against the reference pipeline ` +
        '(pandas `read_csv` → cleaning → RFM features → log1p → `StandardScaler` → `PCA(0.9)` → `KMeans`, writing customers.csv; `bench/reference_pipeline.py`):',
      '',
      '| input | customers | segmenta CSV s | segmenta Parquet s | pandas + scikit-learn s | ratio | segmenta peak RSS | reference peak RSS |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const size of sizes) {
      out.push(
        `| ${lines(size.lines)} lines | ${size.segmenta?.customers ?? size.file_customers} | ${seconds(size.segmenta?.wall_ms)} | ${seconds(size.segmenta_parquet?.wall_ms)} | ` +
          `${seconds(size.reference?.wall_ms)} | ${times(size.segmenta?.wall_ms, size.reference?.wall_ms)} | ${gib(size.segmenta?.peak_rss_kb)} | ${gib(size.reference?.peak_rss_kb)} |`,
      );
    }
    out.push('');
  }
  if (report.targets.length > 0) {
    out.push('| target | measured | met |', '|---|---|---|');
    for (const t of report.targets) out.push(`| ${t.target} | ${t.measured} | ${t.met === null ? '–' : t.met ? 'yes' : 'no'} |`);
  }
  return out.join('\n');
}

/**
 * Replaces the README's benchmark section with the rendering of `report`.
 *
 * @throws {Error} when the README has no benchmark markers.
 */
export function updateReadmeBench(readme: string, report: BenchReport): string {
  const start = readme.indexOf(BENCH_SECTION_START);
  const end = readme.indexOf(BENCH_SECTION_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BENCH_SECTION_START} … ${BENCH_SECTION_END} section`);
  return `${readme.slice(0, start + BENCH_SECTION_START.length)}\n${renderReadmeBench(report)}\n${readme.slice(end)}`;
}
