/**
 * A customer's value figures for `segmenta explain`: read from the value
 * columns of the run's customer table, next to its segment's means.
 */
import type { SegmentValue } from '../segments/types.ts';

/** The customer's CLV, P(alive), expected purchases and churn risk, with its segment's means. */
export interface CustomerValueExplanation {
  clv: number;
  p_alive: number;
  expected_purchases_90d: number;
  churn_risk: number;
  /** The segment's mean CLV and P(alive), when segments.json has them. */
  segment_clv_mean: number | null;
  segment_p_alive_mean: number | null;
}

/**
 * The value figures of one customer-table row; null when the run has no
 * value columns (value stage off, skipped or failed, or an older run).
 */
export function customerValueOf(row: Record<string, unknown>, segment: { value?: SegmentValue }): CustomerValueExplanation | null {
  const number = (name: string) => (typeof row[name] === 'number' && Number.isFinite(row[name]) ? (row[name] as number) : null);
  const clv = number('clv');
  const pAlive = number('p_alive');
  const expected = number('expected_purchases_90d');
  const churn = number('churn_risk');
  if (clv === null || pAlive === null || expected === null || churn === null) return null;
  return {
    clv,
    p_alive: pAlive,
    expected_purchases_90d: expected,
    churn_risk: churn,
    segment_clv_mean: segment.value?.clv_mean ?? null,
    segment_p_alive_mean: segment.value?.p_alive_mean ?? null,
  };
}

/** One line for the plain-text explanation: "Value  CLV 36.30 (segment mean 85.79) · P(alive) 72.7% …". */
export function valueLine(value: CustomerValueExplanation): string {
  const money = (x: number) => x.toFixed(2);
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
  const clv = `CLV ${money(value.clv)}${value.segment_clv_mean === null ? '' : ` (segment mean ${money(value.segment_clv_mean)})`}`;
  const alive = `P(alive) ${percent(value.p_alive)}${value.segment_p_alive_mean === null ? '' : ` (segment ${percent(value.segment_p_alive_mean)})`}`;
  return `${clv} · ${alive} · churn risk ${percent(value.churn_risk)} · ${value.expected_purchases_90d.toFixed(2)} purchases expected in 90 days`;
}
