/**
 * The report's customer-value section and chart, from hand-made run
 * documents: what it says, in which order, escaped, and what it leaves out.
 */
import { describe, expect, it } from 'vitest';
import { segmentStyles } from '../../src/report/charts.ts';
import type { ReportInput, ReportSegment } from '../../src/report/loadRun.ts';
import { valueSection, valueVsSizeChart } from '../../src/report/valueChart.ts';
import type { ValueManifest } from '../../src/value/stage.ts';

const money = (value: unknown) => (typeof value === 'number' ? `£${Math.round(value)}` : '—');

function segment(id: number, name: string, size: number, value: Partial<NonNullable<ReportSegment['value']>> | null): ReportSegment {
  return {
    id,
    name,
    size,
    share: size / 1000,
    ...(value
      ? {
          value: {
            clv_sum: 0,
            clv_mean: 0,
            clv_share: 0,
            p_alive_mean: 0.8,
            churn_risk_mean: 0.2,
            expected_purchases_90d_sum: 10,
            fading_customers: 0,
            fading_clv: 0,
            ...value,
          },
        }
      : {}),
  };
}

function manifestValue(overrides: Partial<ValueManifest> = {}): ValueManifest {
  return {
    mode: 'auto',
    status: 'fitted',
    reason: null,
    model: 'bgnbd',
    time_unit: 'weeks',
    clv: { months: 12, discount_rate: 0.01 },
    customers: 1000,
    repeat_customers: 400,
    purchase_days: 3000,
    zero_price_lines: 0,
    transaction: { params: { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, standard_errors: null, log_likelihood: -9582 },
    spend: { params: { p: 6.25, q: 3.74, gamma: 15.44 }, standard_errors: null, log_likelihood: -4000 },
    frequency_spend_correlation: 0.11,
    fading: { clv_threshold: 120, p_alive_drop: 0.25 },
    warnings: [],
    ...overrides,
  };
}

function input(segments: ReportSegment[], value: ValueManifest | undefined): ReportInput {
  return {
    runDir: '/nowhere',
    segments: { segments },
    manifest: value ? { value } : {},
    customers: { source: null, customers: 0, rfmGrid: [], lifecycle: [], mapSample: [] },
  };
}

const SEGMENTS = [
  segment(0, 'Champions', 200, { clv_sum: 7000, clv_mean: 35, clv_share: 0.7, fading_customers: 12, fading_clv: 900 }),
  segment(1, 'Big <b>basket</b>', 300, { clv_sum: 2000, clv_mean: 6.67, clv_share: 0.2, fading_customers: 30, fading_clv: 1500 }),
  segment(2, 'Occasional', 500, { clv_sum: 1000, clv_mean: 2, clv_share: 0.1 }),
];

describe('the customer-value section', () => {
  it('puts the warnings first, then the figures, the fading callout led by the segment with most fading CLV, the table and the model', () => {
    const html = valueSection(
      input(SEGMENTS, manifestValue({ warnings: ['dropout is poorly identified (a = 0.003 ± 0.01)'] })),
      '<svg data-chart="value"></svg>',
      segmentStyles(SEGMENTS),
      money,
    );
    const order = ['Dropout is poorly identified', '£10000', 'Valuable but fading:', '<table', 'data-chart="value"', 'The model'].map((t) => html.indexOf(t));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('42 customers with a CLV of at least £120 (the top fifth)');
    expect(html).toContain('hold £2400 (24.0% of all CLV)');
    // The segment holding most fading CLV is named first, and names are escaped.
    expect(html).toContain('Big &lt;b&gt;basket&lt;/b&gt;</a> (30 customers, £1500)');
    expect(html).toContain('Champions</a> (12 customers, £900)');
    expect(html.indexOf('Big &lt;b&gt;basket&lt;/b&gt;</a> (30 customers, £1500)')).toBeLessThan(html.indexOf('Champions</a> (12 customers, £900)'));
    expect(html).not.toContain('<b>basket');
    expect(html).toContain('BG/NBD gives every customer without a repeat purchase P(alive) = 1');
  });

  it('says when nobody is fading, and leaves the BG/NBD caveat out for MBG/NBD', () => {
    const calm = SEGMENTS.map((s) => ({ ...s, value: { ...s.value!, fading_customers: 0, fading_clv: 0 } }));
    const html = valueSection(input(calm, manifestValue({ model: 'mbgnbd' })), null, segmentStyles(calm), money);
    expect(html).toContain('No customer is valuable but fading');
    expect(html).toContain('MBG/NBD (purchase days');
    expect(html).not.toContain('P(alive) = 1');
    expect(html).toContain('Not available for this run.');
  });

  it('says why there is no value, and is empty for runs from before the value stage', () => {
    const plain = SEGMENTS.map((s) => segment(s.id, s.name, s.size, null));
    const skipped = valueSection(input(plain, manifestValue({ status: 'skipped', reason: 'only 3 customers bought on more than one day' })), null, segmentStyles(plain), money);
    expect(skipped).toContain('was not computed for this run (skipped: only 3 customers bought on more than one day)');
    expect(valueSection(input(plain, undefined), null, segmentStyles(plain), money)).toBe('');
  });
});

describe('the value vs size chart', () => {
  it('draws one point per segment with value figures, and nothing without them', async () => {
    const svg = await valueVsSizeChart(SEGMENTS);
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('data-chart="value"');
    // The diagonal and three circles.
    expect((svg!.match(/<path/g) ?? []).length).toBeGreaterThanOrEqual(4);
    for (const name of ['Champions', 'Big &lt;b&gt;basket&lt;/b&gt;', 'Occasional']) expect(svg).toContain(name);
    expect(await valueVsSizeChart(SEGMENTS.map((s) => segment(s.id, s.name, s.size, null)))).toBeNull();
  });
});
