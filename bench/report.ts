/**
 * The benchmark's result document (`reports/bench/<date>.json`) and its
 * Markdown rendering (`<date>.md`, `latest.md`).
 */
import type { HotSpots } from './cpuprofile.ts';
import type { KMeansResult, PcaResult } from './kernels.ts';
import type { StageProfile } from './stages.ts';
import { blasSummary, type MachineInfo } from './machine.ts';

/** One subprocess's cost, added to every implementation's figures. */
export interface ProcessCost {
  peak_rss_kb: number | null;
  wall_ms: number;
}

/** scikit-learn's k-means figures (sklearn_kernels.py kmeans). */
export interface SklearnKMeans extends ProcessCost {
  fit_ms_per_iter: number;
  step_ms_per_iter?: number;
  n_iter: number;
  inertia: number;
  openmp_threads?: number;
}

/** scikit-learn's PCA figures (sklearn_kernels.py pca). */
export interface SklearnPca extends ProcessCost {
  fit_ms: number;
  fit_transform_ms: number;
  components: number;
  svd_solver: string;
}

/** One end-to-end run of segmenta discover. */
export interface SegmentaRun extends ProcessCost {
  input: 'csv' | 'parquet';
  /** manifest.json timings_ms: milliseconds per pipeline stage. */
  stages_ms: Record<string, number>;
  /** Wall time outside the timed stages: process start, module loading, report.html, exit. */
  outside_stages_ms: number;
  customers: number;
}

/** One end-to-end run of the reference pipeline. */
export interface ReferenceRun extends ProcessCost {
  stages_ms: Record<string, number>;
  /** Wall time outside its timed stages: interpreter start and imports. */
  outside_stages_ms: number;
  customers: number;
  components: number;
  n_iter: number;
}

/** End-to-end figures for one input size. */
export interface E2ESize {
  name: string;
  lines: number;
  file_customers: number;
  csv_mb: number;
  repeats: number;
  /** Best (fastest) run of each; peak RSS is the largest seen over the repeats. */
  segmenta: SegmentaRun | null;
  segmenta_parquet: SegmentaRun | null;
  reference: ReferenceRun | null;
  /** segmenta wall time ÷ reference wall time (CSV both). */
  ratio: number | null;
  runs: { segmenta: SegmentaRun[]; segmenta_parquet: SegmentaRun[]; reference: ReferenceRun[] };
  /** One profiled discover run (bench/stages.ts): SQL statements per stage, memory after each, JS hot spots. */
  profile: null | { stages: StageProfile[]; hot_spots: HotSpots[]; peak_rss_kb: number | null };
}

/** A target of issue 4 and how the run measured against it. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

/** The whole result document. */
export interface BenchReport {
  format: 'segmenta.bench/v1';
  date: string;
  started_at: string;
  finished_at: string;
  mode: 'full' | 'quick';
  workloads: string[];
  machine: MachineInfo;
  /** Why the scikit-learn / pandas columns are missing, when they are. */
  python_skipped: string | null;
  kmeans: null | {
    n: number;
    d: number;
    k: number;
    iters: number;
    repeats: number;
    node: Array<KMeansResult & ProcessCost>;
    sklearn: SklearnKMeans | null;
  };
  pca: null | {
    n: number;
    d: number;
    repeats: number;
    node: Array<PcaResult & ProcessCost>;
    sklearn: SklearnPca | null;
  };
  e2e: null | { k: number; seed: number; sizes: E2ESize[] };
  targets: TargetCheck[];
  errors: string[];
}

const fmt = (v: number | null | undefined, digits = 1): string => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a == null || b == null || !(b > 0) ? '–' : `${(a / b).toFixed(2)}×`);
const mib = (kb: number | null | undefined): string => (kb == null ? '–' : `${Math.round(kb / 1024)} MiB`);
const seconds = (ms: number | null | undefined): string => (ms == null ? '–' : (ms / 1000).toFixed(1));
const count = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n));

/**
 * Stage names in pipeline order, as the runs reported them (manifest.json
 * lists segmenta's in the order they ran), so a stage added to the pipeline
 * shows up without a change here.
 */
function stageNames(timings: Array<Record<string, number> | undefined>): string[] {
  const names: string[] = [];
  for (const t of timings) for (const name of Object.keys(t ?? {})) if (!names.includes(name)) names.push(name);
  return names;
}

/** Evaluates the issue's targets against the figures. */
export function checkTargets(report: Omit<BenchReport, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const km = report.kmeans;
  if (km?.sklearn) {
    const byImpl = new Map(km.node.map((r) => [r.impl, r]));
    const kernels = ['segmenta-wasm-1t', 'segmenta-wasm-mt', 'segmenta-js-kernel'].map((id) => byImpl.get(id as never)).filter(Boolean);
    const bestKernel = kernels.reduce((a, b) => (a && b && b.ms_per_iter < a.ms_per_iter ? b : a), kernels[0]);
    if (bestKernel) {
      const r = bestKernel.ms_per_iter / km.sklearn.fit_ms_per_iter;
      checks.push({
        target: 'k-means ≤ 0.7× scikit-learn per iteration (best segmenta kernel vs KMeans.fit)',
        measured: `${r.toFixed(2)}× (${fmt(bestKernel.ms_per_iter)} vs ${fmt(km.sklearn.fit_ms_per_iter)} ms/iter; ${bestKernel.label})`,
        met: r <= 0.7,
      });
    }
    const asDiscover = byImpl.get('segmenta-kmeans-wasm');
    if (asDiscover) {
      const r = asDiscover.ms_per_iter / km.sklearn.fit_ms_per_iter;
      checks.push({
        target: 'k-means ≤ 0.7× scikit-learn per iteration (KMeans on the resident wasm kernel pool, as the cluster stage runs it)',
        measured: `${r.toFixed(2)}× (${fmt(asDiscover.ms_per_iter)} vs ${fmt(km.sklearn.fit_ms_per_iter)} ms/iter)`,
        met: r <= 0.7,
      });
    }
  }
  const pca = report.pca;
  const ours = pca?.node.find((r) => r.impl === 'segmenta-pca');
  if (pca?.sklearn && ours) {
    const r = ours.fit_transform_ms / pca.sklearn.fit_transform_ms;
    checks.push({
      target: 'PCA ≤ 0.2× scikit-learn (fit + transform, 1M×12)',
      measured: `${r.toFixed(2)}× (${fmt(ours.fit_transform_ms, 0)} vs ${fmt(pca.sklearn.fit_transform_ms, 0)} ms)`,
      met: r <= 0.2,
    });
  }
  const sizes = report.e2e?.sizes ?? [];
  const largest = sizes.reduce<E2ESize | null>((a, s) => (a === null || s.lines > a.lines ? s : a), null);
  if (largest?.ratio != null) {
    checks.push({
      target: `end-to-end discover ≤ 0.3× the reference pipeline at 10M lines (measured at ${count(largest.lines)})`,
      measured: `${largest.ratio.toFixed(2)}× (${seconds(largest.segmenta?.wall_ms)} s vs ${seconds(largest.reference?.wall_ms)} s)`,
      met: largest.lines >= 10_000_000 ? largest.ratio <= 0.3 : null,
    });
  }
  if (largest?.segmenta?.peak_rss_kb != null) {
    const gib = largest.segmenta.peak_rss_kb / 2 ** 20;
    checks.push({
      target: `10M lines in under 2 GB peak RSS (measured at ${count(largest.lines)})`,
      measured: `${gib.toFixed(2)} GiB`,
      met: largest.lines >= 10_000_000 ? largest.segmenta.peak_rss_kb * 1024 < 2e9 : null,
    });
  }
  const small = sizes.find((s) => s !== largest);
  if (small?.segmenta && largest?.segmenta) {
    const growth = largest.segmenta.wall_ms / small.segmenta.wall_ms;
    const lines = largest.lines / small.lines;
    checks.push({
      target: `time linear in lines (${count(small.lines)} → ${count(largest.lines)}: ≤ ${lines}× time)`,
      measured: `${growth.toFixed(1)}× time for ${lines}× lines`,
      met: growth <= lines * 1.1,
    });
  }
  return checks;
}

/** Renders the report as Markdown: machine, one table per workload, stages, growth and targets. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const out: string[] = [];
  out.push(`# segmenta benchmark, ${report.date}`, '');
  out.push(
    `\`npm run bench${report.mode === 'quick' ? ' -- --quick' : ''}\` (${report.workloads.join(', ')}). ` +
      'Ratios are segmenta ÷ the alternative: below 1 segmenta is faster. Best of the repeats; peak RSS is the largest over them.',
    '',
  );
  out.push('| machine | |', '|---|---|');
  out.push(`| CPU | ${m.cpu}, ${m.cores} cores |`);
  out.push(`| memory | ${m.memory_gib} GiB |`);
  out.push(`| segmenta revision | ${m.revision}${m.revision_end && m.revision_end !== m.revision ? ` at start, ${m.revision_end} at the end (the tree changed during the run)` : ''} |`);
  out.push(`| Node / DuckDB | ${m.node} / ${m.duckdb} |`);
  if (m.python) {
    out.push(`| Python / numpy / pandas / scikit-learn | ${m.python.python} / ${m.python.numpy} / ${m.python.pandas} / ${m.python.sklearn} |`);
    out.push(`| BLAS / OpenMP (threadpoolctl) | ${blasSummary(m.python)} |`);
  }
  const unset = Object.entries(m.openblas_overrides_unset);
  out.push(`| OpenBLAS overrides | ${unset.length ? `${unset.map(([k, v]) => `${k}=${v}`).join(', ')} unset for the Python runs` : 'none set'} |`);
  out.push(`| load average at start / end | ${m.load_average_start.join(', ')} / ${m.load_average_end?.join(', ') ?? '–'} |`);
  out.push(`| peak RSS from | ${m.rss_method} |`);
  out.push('');
  const busiest = Math.max(m.load_average_start[0], m.load_average_end?.[0] ?? 0);
  if (busiest > m.cores) {
    out.push(
      `> The load average (up to ${busiest}) was above the ${m.cores} cores: other processes competed for the CPU during this run, so ` +
        'absolute times are inflated and vary between repeats; OpenMP code (scikit-learn) suffers most from it. Compare ratios, and prefer a run on an idle machine.',
      '',
    );
  }
  if (report.python_skipped) out.push(`> scikit-learn / pandas columns skipped: ${report.python_skipped}`, '');

  const km = report.kmeans;
  if (km) {
    const sk = km.sklearn;
    out.push(`## k-means: Lloyd iterations, n = ${count(km.n)}, d = ${km.d}, k = ${km.k}`, '');
    out.push(`${km.iters} iterations from the same fixed centroids (tol 0), best of ${km.repeats}; ms per iteration.`, '');
    out.push('| implementation | ms/iter | × sklearn KMeans.fit | × sklearn Lloyd step | threads | iterations | inertia | peak RSS |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of km.node) {
      const note = [r.setup_ms != null ? `+${fmt(r.setup_ms, 0)} ms once to copy X in` : '', r.subset_rows ? `subset of ${count(r.subset_rows)} rows` : '']
        .filter(Boolean)
        .join('; ');
      out.push(
        `| ${r.label}${note ? ` (${note})` : ''} | ${fmt(r.ms_per_iter)} | ${ratio(r.ms_per_iter, sk?.fit_ms_per_iter)} | ${ratio(r.ms_per_iter, sk?.step_ms_per_iter)} | ${r.threads} | ${r.n_iter} | ${r.inertia.toPrecision(10)} | ${mib(r.peak_rss_kb)} |`,
      );
    }
    if (sk) {
      out.push(`| scikit-learn KMeans(algorithm="lloyd").fit | ${fmt(sk.fit_ms_per_iter)} | 1.00× | | ${sk.openmp_threads ?? ''} | ${sk.n_iter} | ${sk.inertia.toPrecision(10)} | ${mib(sk.peak_rss_kb)} |`);
      if (sk.step_ms_per_iter != null) out.push(`| scikit-learn lloyd_iter_chunked_dense (bare step) | ${fmt(sk.step_ms_per_iter)} | | 1.00× | ${sk.openmp_threads ?? ''} | ${sk.n_iter} | | |`);
    }
    out.push('');
  }

  const pca = report.pca;
  if (pca) {
    const sk = pca.sklearn;
    out.push(`## PCA(0.9) on ${count(pca.n)}×${pca.d}`, '');
    out.push(`Fit, and fit + projection onto the kept components; best of ${pca.repeats} (ml-pca: fewer, it is slow).`, '');
    out.push('| implementation | fit ms | fit + transform ms | × sklearn (fit + transform) | components | peak RSS |', '|---|---:|---:|---:|---:|---:|');
    for (const r of pca.node) {
      const note = r.extrapolated ? ` (on ${count(r.subset_rows!)} rows, scaled ×${pca.n / r.subset_rows!})` : '';
      out.push(`| ${r.label}${note} | ${fmt(r.fit_ms, 0)} | ${fmt(r.fit_transform_ms, 0)} | ${ratio(r.fit_transform_ms, sk?.fit_transform_ms)} | ${r.components} | ${mib(r.peak_rss_kb)} |`);
    }
    if (sk) out.push(`| scikit-learn PCA(0.9) (svd_solver=${sk.svd_solver}) | ${fmt(sk.fit_ms, 0)} | ${fmt(sk.fit_transform_ms, 0)} | 1.00× | ${sk.components} | ${mib(sk.peak_rss_kb)} |`);
    out.push('');
  }

  const e2e = report.e2e;
  if (e2e && e2e.sizes.length > 0) {
    out.push(`## End to end: \`segmenta discover --k ${e2e.k}\` vs the reference pipeline (pandas + scikit-learn)`, '');
    out.push('Whole subprocess wall time (start to exit), best of the repeats; the reference writes only customers.csv, segmenta its whole run directory and report.html.', '');
    out.push('| input | customers | segmenta CSV s | segmenta Parquet s | reference s | ratio (CSV) | segmenta peak RSS | reference peak RSS |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of e2e.sizes) {
      out.push(
        `| ${count(s.lines)} lines (${s.csv_mb} MB CSV), ${s.repeats}× | ${s.segmenta?.customers ?? s.reference?.customers ?? '–'} | ${seconds(s.segmenta?.wall_ms)} | ${seconds(s.segmenta_parquet?.wall_ms)} | ${seconds(s.reference?.wall_ms)} | ${s.ratio == null ? '–' : `${s.ratio.toFixed(2)}×`} | ${mib(s.segmenta?.peak_rss_kb)} | ${mib(s.reference?.peak_rss_kb)} |`,
      );
    }
    out.push('');
    out.push('### Where the time goes (ms per stage, the fastest run)', '');
    const cols = e2e.sizes.filter((s) => s.segmenta || s.reference);
    out.push(`| stage | ${cols.map((s) => `${count(s.lines)}: ms (share)`).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
    const stageRows = (label: string, pick: (s: E2ESize) => { stages: Record<string, number>; outside: number; wall: number } | null, names: string[]) => {
      for (const name of [...names, '(outside stages)']) {
        const cells = cols.map((s) => {
          const p = pick(s);
          if (!p) return '–';
          const ms = name === '(outside stages)' ? p.outside : p.stages[name];
          return ms == null ? '–' : `${Math.round(ms)} (${Math.round((ms / p.wall) * 100)} %)`;
        });
        out.push(`| ${label} ${name} | ${cells.join(' | ')} |`);
      }
    };
    const segmentaStages = stageNames(cols.map((s) => s.segmenta?.stages_ms));
    stageRows('segmenta', (s) => (s.segmenta ? { stages: s.segmenta.stages_ms, outside: s.segmenta.outside_stages_ms, wall: s.segmenta.wall_ms } : null), segmentaStages);
    stageRows('reference', (s) => (s.reference ? { stages: s.reference.stages_ms, outside: s.reference.outside_stages_ms, wall: s.reference.wall_ms } : null), stageNames(cols.map((s) => s.reference?.stages_ms)));
    out.push('');
    if (cols.length >= 2) {
      const [a, b] = [cols[0], cols[cols.length - 1]];
      out.push(`### Growth from ${count(a.lines)} to ${count(b.lines)} lines (${b.lines / a.lines}× the lines)`, '');
      out.push('| | time × | peak RSS × |', '|---|---:|---:|');
      const grow = (label: string, x: ProcessCost | null, y: ProcessCost | null) =>
        out.push(`| ${label} | ${x && y ? (y.wall_ms / x.wall_ms).toFixed(1) : '–'} | ${x?.peak_rss_kb && y?.peak_rss_kb ? (y.peak_rss_kb / x.peak_rss_kb).toFixed(1) : '–'} |`);
      grow('segmenta (CSV)', a.segmenta, b.segmenta);
      grow('segmenta (Parquet)', a.segmenta_parquet, b.segmenta_parquet);
      grow('reference', a.reference, b.reference);
      for (const stage of stageNames([a.segmenta?.stages_ms, b.segmenta?.stages_ms])) {
        const x = a.segmenta?.stages_ms[stage];
        const y = b.segmenta?.stages_ms[stage];
        out.push(`| segmenta ${stage} | ${x && y ? (y / x).toFixed(1) : '–'} | |`);
      }
      out.push('');
    }
  }

  for (const s of e2e?.sizes ?? []) {
    const p = s.profile;
    if (!p) continue;
    out.push(`### Inside the stages at ${count(s.lines)} lines (one profiled run: bench/stages.ts under --cpu-prof)`, '');
    out.push('| stage | ms | in SQL | other | RSS after | DuckDB memory after | heaviest statements (ms) |', '|---|---:|---:|---:|---:|---:|---|');
    for (const st of p.stages) {
      const cell = (text: string) => text.replace(/\|/g, '\\|');
      const heavy = st.statements
        .slice(0, 3)
        .map((x) => {
          const ops = (x.operators ?? []).slice(0, 2).map((o) => `${o.operator} ${Math.round(o.ms)} ms CPU${o.detail ? ` (${cell(o.detail.slice(0, 60))})` : ''}`);
          return `${Math.round(x.ms)}: \`${cell(x.sql.slice(0, 60))}…\`${ops.length ? ` — ${ops.join(', ')}` : ''}`;
        })
        .join('<br>');
      // Negative "other": SQL ran while JS did too (ingest hashes the file during the load).
      const other = st.other_ms < 0 ? '0 (overlapped)' : String(Math.round(st.other_ms));
      out.push(`| ${st.stage} | ${Math.round(st.ms)} | ${Math.round(st.sql_ms)} | ${other} | ${st.rss_mib} MiB | ${st.duckdb_mib} MiB | ${heavy} |`);
    }
    out.push('');
    for (const h of p.hot_spots) {
      if (h.total_ms === 0) continue;
      out.push(`\`${h.root}\`: ${h.total_ms} ms of CPU on the main thread; the most expensive calls under it (inclusive ms, self ms): ` +
        h.functions.map((f) => `${f.name} ${f.inclusive_ms}/${f.self_ms}`).join(' · '), '');
    }
  }

  if (report.targets.length > 0) {
    out.push('## Targets (issue 4)', '');
    out.push('| target | measured | met |', '|---|---|---|');
    for (const t of report.targets) out.push(`| ${t.target} | ${t.measured} | ${t.met === null ? 'n/a at this size' : t.met ? 'yes' : 'no'} |`);
    out.push('');
  }
  if (report.errors.length > 0) {
    out.push('## Errors', '');
    for (const e of report.errors) out.push(`- ${e}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
