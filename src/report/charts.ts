/**
 * The report's charts, rendered to SVG strings at build time with Vega-Lite,
 * so the page needs no script and no network to show them.
 *
 * Every chart function returns a complete `<svg>` element, or `null` when the
 * run has nothing to draw (e.g. an older run without principal components);
 * the page then says so instead of showing empty axes.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import { escapeHtml } from './escape.ts';
import type { KScanEntry } from '../segments/types.ts';
import type { LifecycleCount, MapPoint, ReportInput, ReportSegment, RfmCell } from './loadRun.ts';
import { valueVsSizeChart } from './valueChart.ts';
import { loadRefreshReport, type RefreshReport } from './migrationChart.ts';

/** Generic system font stack: the report ships no web font. */
export const FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/**
 * Segment colours: Okabe-Ito (colour-blind safe) without its yellow and black,
 * which read poorly as small points on white, then Paul Tol's muted colours
 * for runs with more than six segments. Colours repeat only past 12 segments.
 */
export const SEGMENT_PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#56B4E9',
  '#CC79A7',
  '#882255',
  '#44AA99',
  '#999933',
  '#332288',
  '#DDCC77',
  '#888888',
] as const;

/** Lifecycle stages in the order they are stacked, with their labels and colours (Tol muted/light). */
export const LIFECYCLE_STYLE: ReadonlyArray<{ stage: string; label: string; color: string }> = [
  { stage: 'new', label: 'New', color: '#88CCEE' },
  { stage: 'active', label: 'Active', color: '#44AA99' },
  { stage: 'reactivated', label: 'Reactivated', color: '#999933' },
  { stage: 'at_risk', label: 'At risk', color: '#DDCC77' },
  { stage: 'inactive', label: 'Inactive', color: '#BBBBBB' },
];

/** Below this bootstrap stability a segment is flagged as unstable. */
export const STABILITY_THRESHOLD = 0.6;

/** Human labels of the known customer features; unknown ones fall back to their name. */
const FEATURE_LABELS: Record<string, string> = {
  recency_days: 'Days since last order',
  frequency: 'Orders',
  revenue: 'Revenue',
  avg_order_value: 'Avg order value',
  tenure_days: 'Tenure (days)',
  distinct_products: 'Distinct products',
  units_per_order: 'Units per order',
  return_rate: 'Return rate',
  days_between_orders: 'Days between orders',
  recent_order_share: 'Recent order share',
  rfm_r: 'RFM recency',
  rfm_f: 'RFM frequency',
  rfm_m: 'RFM monetary',
};

/** A readable label for a feature column name. */
export function featureLabel(feature: string): string {
  const known = FEATURE_LABELS[feature];
  if (known) return known;
  const spaced = feature.replace(/_/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** The label and colour every chart and table uses for one segment. */
export interface SegmentStyle {
  id: number;
  label: string;
  color: string;
}

/**
 * Gives each segment a unique label and a colour, in segment-id order, so a
 * segment has the same colour in every chart and in the tables. Names are
 * unique in current runs; a duplicate gets its id appended so two segments can
 * never merge into one bar.
 */
export function segmentStyles(segments: readonly ReportSegment[]): SegmentStyle[] {
  const ordered = [...segments].sort((a, b) => a.id - b.id);
  const counts = new Map<string, number>();
  for (const s of ordered) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  return ordered.map((s, i) => ({
    id: s.id,
    label: (counts.get(s.name) ?? 0) > 1 ? `${s.name} (#${s.id})` : s.name,
    color: SEGMENT_PALETTE[i % SEGMENT_PALETTE.length],
  }));
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

const AXIS_COLOR = '#4a4a4a';

const CONFIG: Config = {
  font: FONT_STACK,
  background: 'white',
  padding: 8,
  view: { stroke: null },
  axis: {
    labelColor: AXIS_COLOR,
    titleColor: AXIS_COLOR,
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: 600,
    domainColor: '#9a9a9a',
    tickColor: '#9a9a9a',
    gridColor: '#e8e8e8',
    labelLimit: 240,
  },
  legend: { labelColor: AXIS_COLOR, titleColor: AXIS_COLOR, labelFontSize: 12, titleFontSize: 12, labelLimit: 240 },
  header: { labelColor: '#222', labelFontSize: 13, labelFontWeight: 600, titleFontSize: 13 },
  text: { fontSize: 12, color: '#222' },
};

/** Vega's SVG renderer numbers clip paths and gradients with process-wide counters. */
const ID_ATTRIBUTE = /\bid="([^"]+)"/g;

/**
 * Renames every id inside one chart's SVG to `<prefix>-<n>`. Without it, two
 * inline SVGs in one page could both define `clip1` and clip each other's
 * marks, and the ids would depend on how many charts the process drew before
 * (so the same run would not give the same file twice).
 */
function namespaceIds(svg: string, prefix: string): string {
  const renamed = new Map<string, string>();
  for (const match of svg.matchAll(ID_ATTRIBUTE)) {
    if (!renamed.has(match[1])) renamed.set(match[1], `${prefix}-${renamed.size + 1}`);
  }
  if (renamed.size === 0) return svg;
  return svg
    .replace(ID_ATTRIBUTE, (whole, id: string) => `id="${renamed.get(id) ?? id}"`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) => (renamed.has(id) ? `url(#${renamed.get(id)})` : whole))
    .replace(/href="#([^"]+)"/g, (whole, id: string) => (renamed.has(id) ? `href="#${renamed.get(id)}"` : whole));
}

/**
 * Rounds the coordinates in `d` and `transform` attributes to two decimals
 * (a hundredth of a pixel): Vega writes float noise such as
 * 288.96000000000004, which only makes the map's thousands of points heavier.
 * Text content is left alone, so a digit in a segment name is never touched.
 */
function roundGeometry(svg: string): string {
  return svg.replace(/ (d|transform)="([^"]*)"/g, (whole, attr: string, value: string) => {
    const rounded = value.replace(/-?\d+\.\d{3,}(?:e-?\d+)?/g, (number) => String(Math.round(Number(number) * 100) / 100));
    return ` ${attr}="${rounded}"`;
  });
}

/**
 * Compiles a Vega-Lite spec and renders it headlessly to an SVG string.
 * `renderer: 'none'` skips the DOM and canvas: text widths are estimated,
 * which is deterministic and needs no native canvas package.
 */
export async function renderSvg(name: string, description: string, spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await loadVega();
  const vegaSpec = compile({ ...spec, config: CONFIG } as TopLevelSpec, {
    // Vega-Lite warns on the console for harmless things (e.g. dropped
    // encodings); the report build should stay quiet and fail on real errors.
    logger: quietLogger,
  }).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', logLevel: VEGA_LOG_ERRORS });
  try {
    const svg = await view.toSVG();
    const labelled = svg.replace(
      /^<svg /,
      `<svg role="img" aria-label="${escapeHtml(description)}" data-chart="${escapeHtml(name)}" `,
    );
    return namespaceIds(roundGeometry(labelled), `chart-${name}`);
  } finally {
    view.finalize();
  }
}

/**
 * Vega and Vega-Lite, loaded on first use: a large import that only report
 * rendering needs. Calling it early lets the load overlap other waiting.
 */
export function loadVega(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  return Promise.all([import('vega'), import('vega-lite')]);
}

type CompileLogger = NonNullable<NonNullable<Parameters<typeof import('vega-lite').compile>[1]>['logger']>;

/** Vega log level 1 (errors only): Vega warns on the console about harmless things. */
const VEGA_LOG_ERRORS = 1;

/**
 * Vega-Lite's logger for the build: warnings (e.g. an encoding it drops) are
 * kept off the console, where they would be noise for the person running the
 * pipeline; an error is thrown so a broken chart fails the build.
 */
const quietLogger: CompileLogger = {
  level(level?: number) {
    return level === undefined ? 0 : quietLogger;
  },
  error(...args: unknown[]) {
    throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
  },
  warn() {
    return quietLogger;
  },
  info() {
    return quietLogger;
  },
  debug() {
    return quietLogger;
  },
};

/** The colour encoding that keeps a segment's colour the same in every chart. */
function segmentColor(styles: readonly SegmentStyle[], legend: boolean) {
  return {
    field: 'segment',
    type: 'nominal' as const,
    title: 'Segment',
    scale: { domain: styles.map((s) => s.label), range: styles.map((s) => s.color) },
    legend: legend ? { orient: 'right' as const, symbolType: 'circle', symbolSize: 120 } : null,
  };
}

function bandHeight(n: number): number {
  return Math.max(1, n) * 30;
}

/**
 * Segment sizes and revenue shares as two bar panels side by side: where a
 * segment's revenue bar is longer than its customer bar, its customers are
 * worth more than the average customer.
 */
export async function sizeShareChart(segments: readonly ReportSegment[]): Promise<string | null> {
  const styles = segmentStyles(segments);
  const byId = new Map(segments.map((s) => [s.id, s]));
  const totalSize = segments.reduce((sum, s) => sum + (isFiniteNumber(s.size) ? s.size : 0), 0);
  const totalRevenue = segments.reduce((sum, s) => sum + (isFiniteNumber(s.revenue) ? s.revenue : 0), 0);
  const rows: Array<{ segment: string; measure: string; share: number }> = [];
  for (const style of styles) {
    const s = byId.get(style.id)!;
    const share = isFiniteNumber(s.share) ? s.share : totalSize > 0 ? s.size / totalSize : null;
    if (share !== null) rows.push({ segment: style.label, measure: 'Share of customers', share });
  }
  for (const style of styles) {
    const s = byId.get(style.id)!;
    const share = isFiniteNumber(s.revenue_share)
      ? s.revenue_share
      : isFiniteNumber(s.revenue) && totalRevenue > 0
        ? s.revenue / totalRevenue
        : null;
    if (share !== null) rows.push({ segment: style.label, measure: 'Share of revenue', share });
  }
  if (rows.length === 0) return null;
  // Room on the right of the longest bar for its percentage label.
  const max = Math.max(...rows.map((r) => r.share), 0.01) * 1.2;
  return renderSvg('sizes', 'Share of customers and share of revenue per segment', {
    data: { values: rows },
    facet: {
      column: {
        field: 'measure',
        type: 'nominal',
        title: null,
        sort: ['Share of customers', 'Share of revenue'],
      },
    },
    spec: {
      width: 300,
      height: bandHeight(styles.length),
      encoding: {
        y: { field: 'segment', type: 'nominal', sort: styles.map((s) => s.label), title: null },
        x: {
          field: 'share',
          type: 'quantitative',
          title: null,
          scale: { domain: [0, max] },
          axis: { format: '.0%', tickCount: 4 },
        },
      },
      layer: [
        { mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.7 } }, encoding: { color: segmentColor(styles, false) } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'share', type: 'quantitative', format: '.1%' } } },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  });
}

/**
 * Profile heatmap: one row per segment, one column per feature, coloured by
 * the segment's z-score on a diverging scale clipped at ±2 so one extreme
 * segment does not wash out the others; the cell text keeps the true value.
 */
export async function profileHeatmap(segments: readonly ReportSegment[], features?: readonly string[]): Promise<string | null> {
  const styles = segmentStyles(segments);
  const byId = new Map(segments.map((s) => [s.id, s]));
  const candidates = features && features.length > 0 ? [...features] : [...new Set(segments.flatMap((s) => Object.keys(s.z ?? {})))];
  const used = candidates.filter((f) => segments.some((s) => isFiniteNumber(s.z?.[f])));
  const rows: Array<{ segment: string; feature: string; z: number; clipped: number }> = [];
  for (const style of styles) {
    const z = byId.get(style.id)!.z ?? {};
    for (const feature of used) {
      const value = z[feature];
      if (isFiniteNumber(value)) {
        // Rounded here so a tiny negative value does not print as "−0.0".
        const z = Math.round(value * 10) / 10 || 0;
        rows.push({ segment: style.label, feature: featureLabel(feature), z, clipped: Math.max(-2, Math.min(2, value)) });
      }
    }
  }
  if (rows.length === 0) return null;
  const featureLabels = used.map(featureLabel);
  return renderSvg('profile', 'Heatmap of segment z-scores per feature', {
    data: { values: rows },
    width: Math.max(320, 64 * used.length),
    height: Math.max(60, 34 * styles.length),
    encoding: {
      x: { field: 'feature', type: 'nominal', sort: featureLabels, title: null, axis: { orient: 'top', labelAngle: -35, labelAlign: 'left', domain: false, ticks: false } },
      y: { field: 'segment', type: 'nominal', sort: styles.map((s) => s.label), title: null, axis: { domain: false, ticks: false } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: {
            field: 'clipped',
            type: 'quantitative',
            title: ['z-score', '(clipped at ±2)'],
            scale: { scheme: 'blueorange', domain: [-2, 2], domainMid: 0 },
            legend: { gradientLength: 160, values: [-2, -1, 0, 1, 2] },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'z', type: 'quantitative', format: '+.1f' },
          color: { condition: { test: 'abs(datum.clipped) > 1.3', value: 'white' }, value: '#222' },
        },
      },
    ],
  });
}

/**
 * 2-D map of the sampled customers on their first two principal components,
 * coloured by segment, with each centroid (when the run wrote `pc`) as a
 * labelled diamond.
 */
export async function pcaMap(segments: readonly ReportSegment[], sample: readonly MapPoint[]): Promise<string | null> {
  const styles = segmentStyles(segments);
  const labelOf = new Map(styles.map((s) => [s.id, s.label]));
  const points = sample
    .filter((p) => labelOf.has(p.segment_id) && isFiniteNumber(p.pc1) && isFiniteNumber(p.pc2))
    .map((p) => ({ pc1: p.pc1, pc2: p.pc2, segment: labelOf.get(p.segment_id)! }));
  if (points.length === 0) return null;
  const centroids = styles.flatMap((style) => {
    const pc = segments.find((s) => s.id === style.id)?.pc;
    return Array.isArray(pc) && isFiniteNumber(pc[0]) && isFiniteNumber(pc[1]) ? [{ pc1: pc[0], pc2: pc[1], segment: style.label }] : [];
  });
  // The domains are fixed here rather than left to Vega, so the labels below
  // can be placed in pixels: Vega's own "nice" would move the mapping.
  const all = [...points, ...centroids];
  const xDomain = niceDomain(Math.min(...all.map((p) => p.pc1)), Math.max(...all.map((p) => p.pc1)));
  const yDomain = niceDomain(Math.min(...all.map((p) => p.pc2)), Math.max(...all.map((p) => p.pc2)));
  const x = { field: 'pc1', type: 'quantitative' as const, title: 'Principal component 1', scale: { domain: xDomain, nice: false, zero: false } };
  const y = { field: 'pc2', type: 'quantitative' as const, title: 'Principal component 2', scale: { domain: yDomain, nice: false, zero: false } };
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      data: { values: points },
      // Per-point ARIA labels would add ~150 bytes per customer and no value to a screen reader.
      mark: { type: 'circle', size: 16, opacity: 0.55, aria: false },
      encoding: { x, y, color: segmentColor(styles, true) },
    },
  ];
  if (centroids.length > 0) {
    const labels = placeCentroidLabels(centroids, { x: xDomain, y: yDomain, width: MAP_SIZE.width, height: MAP_SIZE.height });
    const lx = { ...x, field: 'lx' };
    const ly = { ...y, field: 'ly' };
    layers.push(
      {
        data: { values: centroids },
        mark: { type: 'point', shape: 'diamond', size: 260, filled: true, stroke: '#111', strokeWidth: 1.5, opacity: 1 },
        encoding: { x, y, color: segmentColor(styles, false) },
      },
      // A white outline under the label keeps it readable over dense points.
      {
        data: { values: labels },
        // aria: false, as the diamonds already describe each centre (with its true coordinates, not the label's).
        mark: { type: 'text', baseline: 'middle', fontWeight: 600, fontSize: 12, stroke: 'white', strokeWidth: 4, strokeJoin: 'round', opacity: 0.9, aria: false },
        encoding: { x: lx, y: ly, text: { field: 'segment' } },
      },
      {
        data: { values: labels },
        mark: { type: 'text', baseline: 'middle', fontWeight: 600, fontSize: 12, color: '#111', aria: false },
        encoding: { x: lx, y: ly, text: { field: 'segment' } },
      },
    );
  }
  return renderSvg('map', 'Customers on the first two principal components, coloured by segment', {
    ...MAP_SIZE,
    layer: layers,
  } as TopLevelSpec);
}

/** Plot area of the customer map, in pixels. */
const MAP_SIZE = { width: 600, height: 420 } as const;

/**
 * A domain around [min, max] that ends on round numbers (steps of 1, 2 or 5
 * times a power of ten, about ten of them), as an axis would choose.
 */
export function niceDomain(min: number, max: number): [number, number] {
  if (!(max > min)) return [min - 1, max + 1];
  const rough = (max - min) / 10;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  return [Math.floor(min / step) * step, Math.ceil(max / step) * step];
}

/** A centroid label with its position in data units (the label's centre). */
export interface PlacedLabel {
  segment: string;
  lx: number;
  ly: number;
}

/** Approximate width of one character of the 12 px semibold label, in pixels (the SVG is rendered without a font engine). */
const LABEL_CHAR_WIDTH = 7.2;
const LABEL_HEIGHT = 15;
/** Half the diamond's size: labels keep clear of every centre marker. */
const DIAMOND_HALF = 10;

/**
 * Places each centroid's label next to its diamond without covering another
 * label or diamond: above, below, right, left, then further out, taking the
 * first free spot (or the least covered one). Segments' centres can sit
 * close together in the first two components — in Online Retail the lapsed
 * one-timers and the returners do — and labels drawn at a fixed offset then
 * print over each other.
 */
export function placeCentroidLabels(
  centroids: ReadonlyArray<{ pc1: number; pc2: number; segment: string }>,
  frame: { x: [number, number]; y: [number, number]; width: number; height: number },
): PlacedLabel[] {
  const toPx = (c: { pc1: number; pc2: number }) => ({
    px: ((c.pc1 - frame.x[0]) / (frame.x[1] - frame.x[0])) * frame.width,
    py: frame.height - ((c.pc2 - frame.y[0]) / (frame.y[1] - frame.y[0])) * frame.height,
  });
  type Box = { x0: number; y0: number; x1: number; y1: number };
  const overlap = (a: Box, b: Box) => Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const taken: Box[] = centroids.map((c) => {
    const { px, py } = toPx(c);
    return { x0: px - DIAMOND_HALF, y0: py - DIAMOND_HALF, x1: px + DIAMOND_HALF, y1: py + DIAMOND_HALF };
  });
  return centroids.map((c) => {
    const { px, py } = toPx(c);
    const w = c.segment.length * LABEL_CHAR_WIDTH + 6;
    const h = LABEL_HEIGHT;
    const side = w / 2 + DIAMOND_HALF + 4;
    const candidates = [
      [0, -18],
      [0, 19],
      [side, 0],
      [-side, 0],
      [0, -34],
      [0, 35],
      [side, -18],
      [-side, -18],
      [side, 19],
      [-side, 19],
    ];
    let best = { dx: 0, dy: -18, cost: Infinity };
    for (const [dx, dy] of candidates) {
      const cx = Math.min(Math.max(px + dx, w / 2), frame.width - w / 2);
      const cy = Math.min(Math.max(py + dy, h / 2), frame.height - h / 2);
      const box = { x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 };
      const cost = taken.reduce((sum, t) => sum + overlap(box, t), 0);
      if (cost < best.cost) best = { dx: cx - px, dy: cy - py, cost };
      if (cost === 0) break;
    }
    const cx = px + best.dx;
    const cy = py + best.dy;
    taken.push({ x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 });
    return {
      segment: c.segment,
      lx: frame.x[0] + (cx / frame.width) * (frame.x[1] - frame.x[0]),
      ly: frame.y[0] + ((frame.height - cy) / frame.height) * (frame.y[1] - frame.y[0]),
    };
  });
}

/**
 * RFM grid: customers per recency score (rows, 5 = most recent at the top)
 * and frequency score (columns, 5 = most frequent on the right).
 */
export async function rfmGridChart(cells: readonly RfmCell[]): Promise<string | null> {
  const values = cells.filter((c) => isFiniteNumber(c.r) && isFiniteNumber(c.f) && isFiniteNumber(c.customers));
  if (values.length === 0) return null;
  const max = Math.max(...values.map((c) => c.customers));
  const scores = [...new Set(values.flatMap((c) => [c.r, c.f]).concat([1, 2, 3, 4, 5]))].sort((a, b) => a - b);
  // The threshold is a number computed here, never data text, so the test expression stays fixed.
  const darkAbove = Number((max * 0.55).toFixed(3));
  return renderSvg('rfm', 'Customers per recency and frequency score', {
    data: { values },
    width: 340,
    height: 300,
    encoding: {
      x: { field: 'f', type: 'ordinal', title: 'Frequency score (5 = most orders)', scale: { domain: scores }, axis: { labelAngle: 0, domain: false, ticks: false } },
      y: { field: 'r', type: 'ordinal', title: 'Recency score (5 = most recent)', scale: { domain: [...scores].reverse() }, axis: { domain: false, ticks: false } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: { color: { field: 'customers', type: 'quantitative', title: 'Customers', scale: { scheme: 'blues', zero: true } } },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          text: { field: 'customers', type: 'quantitative', format: ',d' },
          color: { condition: { test: `datum.customers > ${darkAbove}`, value: 'white' }, value: '#222' },
        },
      },
    ],
  });
}

/**
 * Lifecycle stages per segment as 100 % stacked bars, so small and large
 * segments can be compared; shares of 8 % or more are written on the bar.
 */
export async function lifecycleChart(segments: readonly ReportSegment[], counts: readonly LifecycleCount[]): Promise<string | null> {
  const styles = segmentStyles(segments);
  const labelOf = new Map(styles.map((s) => [s.id, s.label]));
  const known = new Map(LIFECYCLE_STYLE.map((s, i) => [s.stage, { ...s, order: i }]));
  const extraStages = [...new Set(counts.map((c) => c.stage).filter((stage) => !known.has(stage)))].sort();
  const stageStyles = [
    ...LIFECYCLE_STYLE.filter((s) => counts.some((c) => c.stage === s.stage)),
    ...extraStages.map((stage, i) => ({ stage, label: featureLabel(stage), color: ['#332288', '#882255', '#117733'][i % 3] })),
  ];
  const orderOf = new Map(stageStyles.map((s, i) => [s.stage, i]));
  const totals = new Map<number, number>();
  for (const c of counts) {
    if (labelOf.has(c.segment_id) && c.customers > 0) totals.set(c.segment_id, (totals.get(c.segment_id) ?? 0) + c.customers);
  }
  const rows = counts
    .filter((c) => labelOf.has(c.segment_id) && c.customers > 0)
    .map((c) => ({
      segment: labelOf.get(c.segment_id)!,
      stage: stageStyles[orderOf.get(c.stage)!].label,
      order: orderOf.get(c.stage)!,
      customers: c.customers,
      share: c.customers / totals.get(c.segment_id)!,
    }));
  if (rows.length === 0) return null;
  const shownSegments = styles.filter((s) => totals.has(s.id)).map((s) => s.label);
  const x = { field: 'share', type: 'quantitative' as const, stack: 'zero' as const, title: 'Share of the segment’s customers', axis: { format: '.0%' }, scale: { domain: [0, 1] } };
  return renderSvg('lifecycle', 'Lifecycle stages within each segment', {
    data: { values: rows },
    width: 560,
    height: bandHeight(shownSegments.length),
    encoding: {
      y: { field: 'segment', type: 'nominal', sort: shownSegments, title: null },
      x,
      order: { field: 'order', type: 'quantitative' },
    },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.72 }, stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'stage',
            type: 'nominal',
            title: 'Lifecycle stage',
            sort: stageStyles.map((s) => s.label),
            scale: { domain: stageStyles.map((s) => s.label), range: stageStyles.map((s) => s.color) },
            legend: { orient: 'bottom', direction: 'horizontal' },
          },
        },
      },
      {
        transform: [{ filter: 'datum.share >= 0.08' }],
        mark: { type: 'text', align: 'right', dx: -4, fontSize: 11 },
        encoding: { text: { field: 'share', type: 'quantitative', format: '.0%' } },
      },
    ],
  });
}

/** The k-scan metrics, in the order they are drawn, with which way is better. */
const K_SCAN_METRICS: ReadonlyArray<{ key: keyof Omit<KScanEntry, 'k'>; label: string }> = [
  { key: 'silhouette', label: 'Silhouette ↑' },
  { key: 'calinski_harabasz', label: 'Calinski-Harabasz ↑' },
  { key: 'davies_bouldin', label: 'Davies-Bouldin ↓' },
  { key: 'inertia', label: 'Inertia (elbow)' },
  { key: 'stability', label: 'Stability ↑' },
];

/**
 * Small multiples of the clustering quality against k, one panel per metric
 * with its own y scale, and the chosen k marked in every panel. Needs at least
 * two scanned k values; returns null otherwise.
 */
export async function kScanChart(kScan: readonly Partial<KScanEntry>[] | undefined, chosenK?: number): Promise<string | null> {
  const entries = (kScan ?? []).filter((e): e is Partial<KScanEntry> & { k: number } => isFiniteNumber(e.k));
  if (new Set(entries.map((e) => e.k)).size < 2) return null;
  const rows: Array<{ k: number; metric: string; value: number; chosen: boolean }> = [];
  for (const metric of K_SCAN_METRICS) {
    for (const e of entries) {
      const value = e[metric.key];
      if (isFiniteNumber(value)) rows.push({ k: e.k, metric: metric.label, value, chosen: e.k === chosenK });
    }
  }
  if (rows.length === 0) return null;
  const metrics = K_SCAN_METRICS.map((m) => m.label).filter((label) => rows.some((r) => r.metric === label));
  const ks = [...new Set(entries.map((e) => e.k))].sort((a, b) => a - b);
  const kAxis = { type: 'quantitative' as const, title: 'k (segments)', scale: { domain: [ks[0] - 0.4, ks[ks.length - 1] + 0.4], nice: false, zero: false }, axis: { values: ks, format: 'd', labelOverlap: false, grid: false } };
  const x = { field: 'k', ...kAxis };
  const y = { field: 'value', type: 'quantitative' as const, title: null, scale: { zero: false } };
  const chosenRule = isFiniteNumber(chosenK)
    ? [{ mark: { type: 'rule' as const, color: '#D55E00', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { ...kAxis, datum: chosenK } } }]
    : [];
  const layer = [
    ...chosenRule,
    { mark: { type: 'line' as const, color: '#0072B2', strokeWidth: 2 }, encoding: { x, y } },
    {
      mark: { type: 'point' as const, filled: true },
      encoding: {
        x,
        y,
        color: { condition: { test: 'datum.chosen', value: '#D55E00' }, value: '#0072B2' },
        size: { condition: { test: 'datum.chosen', value: 110 }, value: 40 },
      },
    },
  ];
  return renderSvg('kscan', 'Clustering quality for each number of segments k, chosen k marked', {
    data: { values: rows },
    facet: { field: 'metric', type: 'nominal', title: null, sort: metrics, header: { labelFontSize: 12 } },
    // One row of panels: a second row would leave an empty panel with a stray axis.
    columns: metrics.length,
    spec: { width: 145, height: 130, layer },
    resolve: { scale: { y: 'independent' } },
  });
}

/**
 * Bootstrap stability per segment against the 0.6 line below which a
 * segment is not reliably reproduced and is flagged as unstable.
 */
export async function stabilityChart(segments: readonly ReportSegment[]): Promise<string | null> {
  const styles = segmentStyles(segments);
  const byId = new Map(segments.map((s) => [s.id, s]));
  const rows = styles.flatMap((style) => {
    const s = byId.get(style.id)!;
    if (!isFiniteNumber(s.stability)) return [];
    const unstable = s.unstable ?? s.stability < STABILITY_THRESHOLD;
    return [{ segment: style.label, stability: s.stability, text: `${s.stability.toFixed(2)}${unstable ? ' · unstable' : ''}` }];
  });
  if (rows.length === 0) return null;
  const y = { field: 'segment', type: 'nominal' as const, sort: rows.map((r) => r.segment), title: null };
  const x = { field: 'stability', type: 'quantitative' as const };
  // The 0.6 line can run through a label: a white outline drawn under the text keeps it legible.
  const label = (outline: { stroke?: string; strokeWidth?: number }) => ({
    data: { values: rows },
    mark: { type: 'text' as const, align: 'left' as const, dx: 4, strokeJoin: 'round' as const, ...outline },
    encoding: { y, x, text: { field: 'text' } },
  });
  return renderSvg('stability', 'Bootstrap stability per segment with the 0.6 threshold', {
    width: 520,
    height: bandHeight(rows.length),
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', height: { band: 0.7 }, cornerRadiusEnd: 2 },
        encoding: {
          y,
          x: { ...x, title: 'Stability (mean Jaccard over bootstrap resamples)', scale: { domain: [0, 1.15] }, axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1] } },
          color: segmentColor(styles, false),
        },
      },
      {
        data: { values: [{ threshold: STABILITY_THRESHOLD }] },
        mark: { type: 'rule', color: '#D55E00', strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'threshold', type: 'quantitative' } },
      },
      label({ stroke: 'white', strokeWidth: 4 }),
      label({}),
    ],
  });
}

/** Every chart of the report, in page order; `null` where the run has nothing to draw. */
export interface ReportCharts {
  sizes: string | null;
  profile: string | null;
  map: string | null;
  rfm: string | null;
  lifecycle: string | null;
  kScan: string | null;
  stability: string | null;
  /** Segment value vs size (src/report/valueChart.ts); absent or null when the run has no value figures. */
  value?: string | null;
  /** The refresh section's data and charts (src/report/migrationChart.ts); absent for runs that are not refreshes. */
  refresh?: RefreshReport | null;
}

/**
 * Renders all charts of a run. Lifecycle counts come from the customer table
 * when it has the column, otherwise from the per-segment counts in
 * segments.json, so older runs still get the chart when they can.
 */
export async function renderCharts(input: ReportInput): Promise<ReportCharts> {
  const segments = input.segments.segments;
  const lifecycle =
    input.customers.lifecycle.length > 0
      ? input.customers.lifecycle
      : segments.flatMap((s) =>
          Object.entries(s.lifecycle ?? {})
            .filter(([, customers]) => isFiniteNumber(customers))
            .map(([stage, customers]) => ({ segment_id: s.id, stage, customers })),
        );
  // One after the other: rendering is CPU-bound, so running them together would gain nothing.
  const value = await valueVsSizeChart(segments);
  const refresh = await loadRefreshReport(input, segmentStyles(segments));
  return {
    sizes: await sizeShareChart(segments),
    profile: await profileHeatmap(segments, Array.isArray(input.segments.features) ? input.segments.features : undefined),
    map: await pcaMap(segments, input.customers.mapSample),
    rfm: await rfmGridChart(input.customers.rfmGrid),
    lifecycle: await lifecycleChart(segments, lifecycle),
    kScan: await kScanChart(Array.isArray(input.segments.k_scan) ? input.segments.k_scan : [], input.segments.k_choice?.chosen ?? input.segments.k),
    stability: await stabilityChart(segments),
    // Only runs with value figures have the chart (src/report/valueChart.ts).
    ...(value ? { value } : {}),
    // Only refresh runs have the refresh section (src/report/migrationChart.ts).
    ...(refresh ? { refresh } : {}),
  };
}
