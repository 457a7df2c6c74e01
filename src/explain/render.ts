/**
 * The terminal rendering of a {@link CustomerExplanation}: a few lines on
 * why, then the feature table, the distances, RFM and lifecycle. Plain text
 * that reads the same in a pipe or a log; bold headings only on a terminal.
 */
import type { FeatureUnit } from '../segments/features.ts';
import type { CustomerExplanation, FeatureComparison } from './explainCustomer.ts';
import type { PrototypeExplanation, PrototypeValues } from './prototypes.ts';
import { valueLine } from '../value/explain.ts';

/** How many features the "decides between" line names. */
const DECIDING_SHOWN = 4;

const DASH = '—';
const NBSP = '\u00a0';
const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const SIGNIFICANT = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/** Formats a feature value in its unit: whole days, orders to one decimal, money to cents, ratios as percent. */
export function formatFeatureValue(value: number | null, unit: FeatureUnit | null): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  switch (unit) {
    case 'days':
      return Number.isInteger(value) ? INTEGER.format(value) : ONE.format(value);
    case 'orders':
    case 'count':
      return ONE.format(value);
    case 'currency':
      return MONEY.format(value);
    case 'ratio':
      return `${ONE.format(value * 100)}%`;
    default:
      return SIGNIFICANT.format(value);
  }
}

/** A signed figure with a real minus sign: +1.23, −0.91. */
function signed(value: number | null, digits = 2): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  const rounded = Number(value.toFixed(digits));
  if (rounded === 0) return (0).toFixed(digits);
  return `${rounded > 0 ? '+' : '−'}${Math.abs(rounded).toFixed(digits)}`;
}

/** Keeps a label and its figure on one line when wrapping. */
function unbroken(label: string): string {
  return label.replaceAll(' ', NBSP);
}

function percent(share: number): string {
  return `${signed(share * 100, 0)}%`;
}

/** Wraps text at `width` columns, indenting every line. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  // Split on plain spaces only: a no-break space keeps a figure and its unit together.
  for (const word of text.split(/[ \t\n]+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.map((l) => l.replaceAll(NBSP, ' '));
}

/** A table with a header row: first column left-aligned, the rest right-aligned. */
function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    indent + cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

const INPUT_SHORT: Readonly<Record<string, string>> = { wz_section: 'industry', size_class: 'size', state: 'state' };

function shortInput(name: string): string {
  return INPUT_SHORT[name] ?? name;
}

/** "WZ C, small, BY, 30 employees, 2.1 M EUR turnover" (unknown parts say so). */
function firmographicWords(v: PrototypeValues): string {
  const money = (x: number) => (x >= 1e6 ? `${ONE.format(x / 1e6)} M` : x >= 1e3 ? `${ONE.format(x / 1e3)} k` : INTEGER.format(x));
  return [
    v.wz_section && v.wz_section !== 'unknown' ? `WZ section ${v.wz_section}` : 'industry unknown',
    v.size_class && v.size_class !== 'unknown' ? v.size_class : 'size unknown',
    v.state === 'abroad' ? 'abroad' : v.state && v.state !== 'unknown' ? `state ${v.state}` : 'state unknown',
    v.employees === null ? 'employees unknown' : `${INTEGER.format(v.employees)} employee${INTEGER.format(v.employees) === '1' ? '' : 's'}`,
    v.annual_revenue === null ? 'turnover unknown' : `${money(v.annual_revenue)} EUR turnover`,
  ].join(', ');
}

/** The sentence on how k-prototypes distances are made. */
function prototypeSpace(p: PrototypeExplanation): string {
  const numbers = p.numeric.map((n) => (n === 'log_employees' ? 'employees' : n === 'log_annual_revenue' ? 'annual revenue' : n));
  const parts = [
    numbers.length > 0 ? `${numbers.join(' and ')} (ln(1 + x), standardised on the training customers)` : null,
    p.behaviour ? `the ${p.behaviour.components} behavioural principal component${p.behaviour.components === 1 ? '' : 's'} (scaled by ${p.behaviour.scale.toFixed(3)})` : null,
  ].filter(Boolean);
  return (
    `Segments were found with k-prototypes on ${p.segment_on === 'both' ? 'firmographics and behaviour' : 'firmographics'}: ` +
    `distance² is the squared distance on ${parts.join(' and ') || 'no numbers'}, plus γ${NBSP}=${NBSP}${p.gamma} for each of ` +
    `${p.categorical.map((c) => shortInput(c)).join(', ')} where the customer differs from the prototype.`
  );
}

/**
 * Renders an explanation for a terminal or a log.
 *
 * @param options.color - bold headings (ANSI); use only when writing to a terminal.
 * @param options.width - wrap width for the description; 80 by default.
 */
export function renderExplanation(e: CustomerExplanation, options: { color?: boolean; width?: number } = {}): string {
  const width = options.width ?? 80;
  const bold = (s: string) => (options.color ? `\x1b[1m${s}\x1b[22m` : s);
  const out: string[] = [];
  const s = e.segment;
  out.push(bold(`Customer ${e.customer_id} — segment ${s.id} “${s.name}”`));
  // The description starts with the segment's size and share, so they are not repeated here.
  if (s.description) out.push(...wrap(s.description, width, '  '));
  else out.push(`  ${INTEGER.format(s.size)} customers (${ONE.format(s.share * 100)}% of all)`);
  if (s.stability !== null) {
    out.push(
      s.unstable
        ? `  Unstable segment: bootstrap stability ${s.stability.toFixed(2)} (below 0.6); treat the assignment as tentative.`
        : `  Bootstrap stability of the segment: ${s.stability.toFixed(2)}.`,
    );
  }

  out.push('', bold('Why this segment'));
  const centre = e.method === 'k-prototypes' ? 'prototype' : 'centroid';
  if (e.distances && e.distances.length > 0) {
    const own = e.distances.find((d) => d.assigned)!;
    const nearest = e.distances[0];
    if (nearest.assigned) {
      out.push(
        ...wrap(
          `Its nearest ${centre} is “${own.name}” at ${own.distance.toFixed(3)}` +
            (e.runner_up ? `; next is “${e.runner_up.name}” at ${e.runner_up.distance.toFixed(3)} (${signed(e.runner_up.margin, 3)}).` : '.'),
          width,
          '  ',
        ),
      );
    } else {
      // Rounded features (customers.csv keeps cents and 4–6 decimals) can tip a customer on the border.
      out.push(
        `  It sits on the border: “${nearest.name}” is nearer by ${(own.distance - nearest.distance).toFixed(3)} from the published figures,`,
        `  but the run assigned it to “${own.name}” (distance ${own.distance.toFixed(3)}) from the unrounded ones.`,
      );
    }
    const deciding = e.deciding_features.filter((d) => Math.abs(d.share) >= 0.005).slice(0, DECIDING_SHOWN);
    if (e.runner_up && deciding.length > 0) {
      out.push(
        ...wrap(
          `What puts it in “${s.name}” rather than “${e.runner_up.name}” (share of the margin; negative pulls the other way): ` +
            deciding.map((d) => `${unbroken(d.label)}${NBSP}${percent(d.share)}`).join(', ') + '.',
          width,
          '  ',
        ),
      );
    }
    if (e.prototypes) {
      out.push(...wrap(prototypeSpace(e.prototypes), width, '  '));
      out.push(...wrap(`The customer: ${firmographicWords(e.prototypes.customer)}.`, width, '  '));
    } else if (e.space) {
      out.push(
        ...wrap(
          `Distances are in the clustering space: ${e.space.features.length} features, log-transformed where skewed, winsorised and standardised, ` +
            `on ${e.space.components} principal component${e.space.components === 1 ? '' : 's'} keeping ${ONE.format(e.space.explained_variance * 100)}% of the variance.`,
          width,
          '  ',
        ),
      );
    }
  } else {
    out.push(`  Distances are not available: ${e.space_note ?? 'the model cannot be applied'}.`);
  }
  const standouts = e.features
    .filter((f) => f.z !== null && Math.abs(f.z) >= 0.5)
    .sort((a, b) => Math.abs(b.z!) - Math.abs(a.z!))
    .slice(0, 4);
  if (standouts.length > 0) {
    out.push(...wrap(`Stands out from all customers on: ${standouts.map((f) => `${unbroken(f.label)}${NBSP}${signed(f.z, 1)}${NBSP}sd`).join(', ')}.`, width, '  '));
  }

  const used = e.method === 'k-prototypes' ? 'used through the principal components' : 'used by the clustering';
  out.push('', bold('Features') + `  (* = ${used}; z and percentile against all customers)`);
  out.push(
    ...table(
      ['', 'customer', 'z', 'pctl', 'seg. median', 'seg. mean', 'seg. z'],
      e.features.map((f: FeatureComparison) => [
        `${f.clustered ? '*' : ' '} ${f.label}`,
        formatFeatureValue(f.value, f.unit),
        signed(f.z),
        f.percentile === null ? DASH : INTEGER.format(f.percentile),
        formatFeatureValue(f.segment_median, f.unit),
        formatFeatureValue(f.segment_mean, f.unit),
        signed(f.segment_z),
      ]),
    ),
  );

  if (e.prototypes && e.prototypes.prototypes.length > 0) {
    const p = e.prototypes;
    const own = p.prototypes.find((d) => d.segment_id === s.id) ?? p.prototypes[0];
    out.push('', bold('Distance to each segment prototype') + `  (nearest first; distance² = numbers² + ${p.gamma} × mismatches)`);
    out.push(
      ...table(
        ['segment', 'distance', 'vs own', ...(p.behaviour ? ['behaviour²'] : []), 'firmogr.²', 'mismatches'],
        p.prototypes.map((d) => [
          `${String(d.segment_id).padStart(2)}  ${d.name}`,
          d.distance.toFixed(3),
          d.segment_id === s.id ? '← assigned' : signed(d.distance - own.distance, 3),
          ...(p.behaviour ? [(d.behaviour ?? 0).toFixed(3)] : []),
          d.numeric.toFixed(3),
          d.mismatches.length === 0 ? DASH : d.mismatches.map(shortInput).join(', '),
        ]),
      ),
    );
    out.push('  The prototypes:', ...p.prototypes.map((d) => `  ${String(d.segment_id).padStart(2)}  ${firmographicWords(d.values)}`));
  } else if (e.distances && e.distances.length > 0) {
    const own = e.distances.find((d) => d.assigned)!;
    out.push('', bold('Distance to each segment centroid') + '  (nearest first)');
    out.push(
      ...table(
        ['segment', 'distance', 'vs own'],
        e.distances.map((d) => [
          `${String(d.segment_id).padStart(2)}  ${d.name}`,
          d.distance.toFixed(3),
          d.assigned ? '← assigned' : signed(d.distance - own.distance, 3),
        ]),
      ),
    );
  }

  out.push('');
  const rfm = e.rfm;
  const scores =
    rfm.r !== null && rfm.f !== null && rfm.m !== null ? `R ${rfm.r} · F ${rfm.f} · M ${rfm.m} (FM ${rfm.fm})` : 'not scored (too many ties)';
  out.push(`${bold('RFM')}        ${scores}${rfm.segment ? ` → ${rfm.segment}` : ''}`);
  out.push(`${bold('Lifecycle')}  ${e.lifecycle.stage ?? DASH}${e.lifecycle.reason ? `: ${e.lifecycle.reason}` : ''}`);
  const where = [e.country, e.first_order_date ? `first order ${e.first_order_date}` : null, e.last_order_date ? `last order ${e.last_order_date}` : null]
    .filter(Boolean)
    .join(' · ');
  if (where) out.push(`${bold('Customer')}   ${where}`);
  if (e.value) {
    const [first, ...rest] = wrap(valueLine(e.value), width, ' '.repeat(11));
    out.push(`${bold('Value')}      ${first.trimStart()}`, ...rest);
  }
  if (s.actions.length > 0) {
    out.push('', bold('Recommended for the segment'));
    for (const action of s.actions) out.push(...wrap(action, width, '    ').map((l, i) => (i === 0 ? `  - ${l.trimStart()}` : l)));
  }
  return `${out.join('\n')}\n`;
}
