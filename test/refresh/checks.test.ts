import { describe, expect, it } from 'vitest';
import { ExitCode, PublishCheckError } from '../../src/errors.ts';
import { assertChecksPassed, runPublishChecks, type CheckInput, type CheckLimits } from '../../src/refresh/checks.ts';

const limits: CheckLimits = { minSegmentShare: 0.005, maxSegmentShare: 0.8, minCustomerRatio: 0.5 };

/** `sizes[id]` customers in segment id, every one scored. */
function input(sizes: number[], options: { previousCustomers?: number; previousShares?: number[]; previousIds?: (number | null)[] } = {}): CheckInput {
  const segmentIds = sizes.flatMap((n, id) => new Array<number>(n).fill(id));
  const total = segmentIds.length;
  return {
    customers: total,
    segmentIds,
    distances: new Array<number>(total).fill(1),
    segments: sizes.map((_, id) => ({ id, name: `S${id}`, previousId: options.previousIds ? options.previousIds[id] : id })),
    previous: {
      customers: options.previousCustomers ?? total,
      shares: new Map((options.previousShares ?? sizes.map((n) => n / total)).map((share, id) => [id, share])),
    },
  };
}

function failed(checks: ReturnType<typeof runPublishChecks>): string[] {
  return checks.filter((c) => !c.passed).map((c) => c.name);
}

describe('publish checks', () => {
  it('pass for a healthy result', () => {
    const checks = runPublishChecks(input([500, 300, 190, 10]), limits);
    expect(checks.map((c) => c.name)).toEqual(['segment_min_share', 'segment_max_share', 'customer_count', 'all_scored']);
    expect(failed(checks)).toEqual([]);
    expect(assertChecksPassed(checks, '/out')).toBe(checks);
  });

  it('fail a segment under the minimum share unless it was that small before', () => {
    expect(failed(runPublishChecks(input([996, 4], { previousShares: [0.9, 0.1] }), limits))).toEqual(['segment_min_share']);
    expect(failed(runPublishChecks(input([996, 4], { previousShares: [0.997, 0.003] }), limits))).toEqual([]);
    // A new segment (no previous one) has nothing to excuse it.
    const fresh = runPublishChecks(input([996, 4], { previousIds: [0, null] }), limits);
    expect(failed(fresh)).toEqual(['segment_min_share']);
    expect(fresh[0].detail).toMatch(/"S1" has 0\.40% of customers \(< 0\.50%, a new segment\)/);
  });

  it('fail a segment over the maximum share unless it was that large before', () => {
    expect(failed(runPublishChecks(input([850, 150], { previousShares: [0.6, 0.4] }), limits))).toEqual(['segment_max_share']);
    expect(failed(runPublishChecks(input([850, 150], { previousShares: [0.82, 0.18] }), limits))).toEqual([]);
  });

  it('fail when customers collapse against the previous run', () => {
    const checks = runPublishChecks(input([60, 40], { previousCustomers: 201 }), limits);
    expect(failed(checks)).toEqual(['customer_count']);
    expect(checks[2].detail).toBe("100 customers, 49.8% of the previous run's 201 (at least 50.0% needed)");
    expect(failed(runPublishChecks(input([60, 40], { previousCustomers: 200 }), limits))).toEqual([]);
  });

  it('fail when a customer has no segment or no distance', () => {
    const unscored = input([50, 50]);
    expect(failed(runPublishChecks({ ...unscored, customers: 101 }, limits))).toEqual(['all_scored']);
    const distances = [...(unscored.distances as number[])];
    distances[7] = NaN;
    expect(failed(runPublishChecks({ ...unscored, distances }, limits))).toEqual(['all_scored']);
  });

  it('throw exit 4 naming every failed check and the output that was kept', () => {
    const checks = runPublishChecks(input([998, 2], { previousCustomers: 5000, previousShares: [0.5, 0.5] }), limits);
    try {
      assertChecksPassed(checks, '/srv/segments');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PublishCheckError);
      expect((error as PublishCheckError).exitCode).toBe(ExitCode.publishCheckFailed);
      expect((error as Error).message).toMatch(/^publish checks failed, the last good output in \/srv\/segments was kept: segment_min_share: .*; segment_max_share: .*; customer_count: /);
    }
  });
});
