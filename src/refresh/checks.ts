/**
 * Publish checks: what a refresh must satisfy before it may replace the last
 * good output. A nightly job runs unattended; a truncated upstream export or
 * a degenerate clustering must stop at this gate (exit 4) instead of
 * reaching marketing's audiences.
 */
import { PublishCheckError } from '../errors.ts';
import type { PublishCheck } from './types.ts';

/** Limits of the checks (`--min-segment-share`, `--max-segment-share`, `--min-customer-ratio`). */
export interface CheckLimits {
  /** A segment with a smaller share of customers fails, unless its previous segment was as small. Default 0.005. */
  minSegmentShare: number;
  /** A segment with a larger share fails, unless its previous segment was as large. Default 0.8. */
  maxSegmentShare: number;
  /** Fewer customers than this share of the previous run's fails (a collapsing input). Default 0.5. */
  minCustomerRatio: number;
}

/** What the checks look at. */
export interface CheckInput {
  /** Customers with a purchase in the window (rows of the feature table). */
  customers: number;
  /** Segment id per scored customer (k-means output, customer order). */
  segmentIds: ArrayLike<number>;
  /** Distance of each scored customer to its centroid. */
  distances: ArrayLike<number>;
  /** Segments of this run: id, display name, and the previous segment it continues (null: new). */
  segments: ReadonlyArray<{ id: number; name: string; previousId: number | null }>;
  /** The previous run: its customers and each segment's share. */
  previous: { customers: number; shares: ReadonlyMap<number, number> };
}

/**
 * Runs every check and returns all outcomes (not only the first failure),
 * so the manifest and the error message name everything that is wrong.
 */
export function runPublishChecks(input: CheckInput, limits: CheckLimits): PublishCheck[] {
  const n = input.segmentIds.length;
  const sizes = new Map<number, number>(input.segments.map((s) => [s.id, 0]));
  let unscored = 0;
  for (let i = 0; i < n; i += 1) {
    const id = input.segmentIds[i];
    if (!sizes.has(id) || !Number.isFinite(input.distances[i])) unscored += 1;
    else sizes.set(id, sizes.get(id)! + 1);
  }
  unscored += Math.max(0, input.customers - n);

  const tooSmall: string[] = [];
  const tooLarge: string[] = [];
  for (const segment of input.segments) {
    const share = n > 0 ? sizes.get(segment.id)! / n : 0;
    const before = segment.previousId === null ? undefined : input.previous.shares.get(segment.previousId);
    if (share < limits.minSegmentShare && !(before !== undefined && before < limits.minSegmentShare)) {
      tooSmall.push(`"${segment.name}" has ${pct(share)} of customers (< ${pct(limits.minSegmentShare)}${before === undefined ? ', a new segment' : `, ${pct(before)} before`})`);
    }
    if (share > limits.maxSegmentShare && !(before !== undefined && before > limits.maxSegmentShare)) {
      tooLarge.push(`"${segment.name}" has ${pct(share)} of customers (> ${pct(limits.maxSegmentShare)}${before === undefined ? ', a new segment' : `, ${pct(before)} before`})`);
    }
  }
  const ratio = input.previous.customers > 0 ? input.customers / input.previous.customers : 1;
  return [
    {
      name: 'segment_min_share',
      passed: tooSmall.length === 0,
      detail: tooSmall.length === 0 ? `every segment has at least ${pct(limits.minSegmentShare)} of customers, or had as few before` : tooSmall.join('; '),
    },
    {
      name: 'segment_max_share',
      passed: tooLarge.length === 0,
      detail: tooLarge.length === 0 ? `no segment has more than ${pct(limits.maxSegmentShare)} of customers, or it had as many before` : tooLarge.join('; '),
    },
    {
      name: 'customer_count',
      passed: ratio >= limits.minCustomerRatio,
      detail: `${input.customers} customers, ${pct(ratio)} of the previous run's ${input.previous.customers} (at least ${pct(limits.minCustomerRatio)} needed)`,
    },
    {
      name: 'all_scored',
      passed: unscored === 0 && n === input.customers,
      detail: unscored === 0 ? `all ${input.customers} customers have a segment` : `${unscored} of ${input.customers} customers have no segment`,
    },
  ];
}

/** Throws {@link PublishCheckError} (exit 4) naming every failed check; returns the checks when all passed. */
export function assertChecksPassed(checks: PublishCheck[], out: string): PublishCheck[] {
  const failed = checks.filter((c) => !c.passed);
  if (failed.length > 0) {
    throw new PublishCheckError(
      `publish checks failed, the last good output in ${out} was kept: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
    );
  }
  return checks;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;
}
