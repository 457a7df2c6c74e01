import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MATCH_MAX_DISTANCE, finalNames, keptContinuity, matchSegments, relabelClustering, type PreviousSegment } from '../../src/refresh/continuity.ts';
import type { Clustering } from '../../src/segmentation/cluster.ts';

const previous: PreviousSegment[] = [
  { id: 0, name: 'Champions', size: 100, centre: [2, 1, 0] },
  { id: 1, name: 'New one-time buyers', size: 80, centre: [-1, 2, 0] },
  { id: 2, name: 'Lapsed one-timers', size: 90, centre: [-1, -2, 1] },
  { id: 3, name: 'Returners', size: 10, centre: [0, 0, 5] },
];

describe('matchSegments', () => {
  it('gives retrained segments the ids and names of the previous segments they continue', () => {
    // Clustered in another order (a retrain orders by revenue anew), each moved a little.
    const centres = [
      [-1.1, -2, 1.1],
      [0.1, 0, 4.8],
      [2.2, 1.1, 0],
      [-0.9, 2.1, 0],
    ];
    const { idOf, carriedNames, continuity } = matchSegments(previous, centres);
    expect(idOf).toEqual([2, 3, 0, 1]);
    expect(carriedNames).toEqual(['Champions', 'New one-time buyers', 'Lapsed one-timers', 'Returners']);
    expect(continuity.vanished).toEqual([]);
    expect(continuity.matches.map((m) => [m.segment_id, m.previous_segment_id, m.status])).toEqual([
      [0, 0, 'matched'],
      [1, 1, 'matched'],
      [2, 2, 'matched'],
      [3, 3, 'matched'],
    ]);
    expect(continuity.matches[3].distance).toBeCloseTo(Math.hypot(0.1, 0, 0.2), 6);
  });

  it('takes the optimal assignment, not the greedy one', () => {
    // Nearest pair first would give new 0 → A (distance 1) and leave new 1 → B (4.5), 5.5 in all;
    // the optimum pairs new 0 → B (2) and new 1 → A (1.5), 3.5 in all.
    const two: PreviousSegment[] = [
      { id: 0, name: 'A', size: 1, centre: [0] },
      { id: 1, name: 'B', size: 1, centre: [3] },
    ];
    const { idOf, continuity } = matchSegments(two, [[1], [-1.5]], 10);
    expect(idOf).toEqual([1, 0]);
    expect(continuity.matches.map((m) => m.distance)).toEqual([1.5, 2]);
  });

  it('treats a match farther than the limit as a new segment and reports the previous one as vanished', () => {
    const centres = [
      [2, 1, 0],
      [-1, 2, 0],
      [-1, -2, 1],
      [9, 9, 9], // nothing like the returners
    ];
    const { idOf, carriedNames, continuity } = matchSegments(previous, centres);
    expect(idOf).toEqual([0, 1, 2, 3]);
    expect(carriedNames).toEqual(['Champions', 'New one-time buyers', 'Lapsed one-timers', null]);
    expect(continuity.matches[3]).toMatchObject({ segment_id: 3, previous_segment_id: null, status: 'new', distance: null });
    expect(continuity.vanished).toEqual([{ id: 3, name: 'Returners', customers: 10 }]);
    expect(continuity.max_distance).toBe(MATCH_MAX_DISTANCE);
  });

  it('keeps ids within 0..k−1 when k shrinks, and lets a new segment take a free id when k grows', () => {
    const shrunk = matchSegments(previous, [
      [0, 0, 5],
      [-1, 2, 0],
    ]);
    // Returners (id 3) continue but 3 ≥ k = 2: they get the free id 0, their name carries.
    expect(shrunk.idOf).toEqual([0, 1]);
    expect(shrunk.carriedNames).toEqual(['Returners', 'New one-time buyers']);
    expect(shrunk.continuity.vanished.map((v) => v.name)).toEqual(['Champions', 'Lapsed one-timers']);

    const grown = matchSegments(previous, [...previous.map((p) => p.centre), [5, -5, 0]]);
    expect(grown.idOf).toEqual([0, 1, 2, 3, 4]);
    expect(grown.carriedNames[4]).toBeNull();
  });

  it('recovers any permutation of slightly moved centres (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (k, seed) => {
          let state = seed;
          const next = () => {
            state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
            return state / 2 ** 32;
          };
          // Centres on a grid 3 sd apart, moved by less than 0.3 sd: the identity is the only sensible answer.
          const before: PreviousSegment[] = Array.from({ length: k }, (_, id) => ({ id, name: `s${id}`, size: 1, centre: [3 * id, 3 * (id % 2), 0] }));
          const order = before.map((_, i) => i).sort(() => next() - 0.5);
          const centres = order.map((i) => before[i].centre.map((x) => x + (next() - 0.5) * 0.3));
          const { idOf } = matchSegments(before, centres);
          expect(idOf).toEqual(order);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('keptContinuity', () => {
  it('keeps the model’s segments and reports previous segments the model does not have', () => {
    const model = [
      { id: 0, name: 'Champions' },
      { id: 1, name: 'Lapsed' },
    ];
    const before = [
      { id: 0, name: 'Champions', size: 5 },
      { id: 1, name: 'Something else', size: 3 },
    ];
    const { idOf, carriedNames, continuity } = keptContinuity(model, before);
    expect(idOf).toEqual([0, 1]);
    expect(carriedNames).toEqual(['Champions', 'Lapsed']);
    expect(continuity.matches.every((m) => m.status === 'kept')).toBe(true);
    expect(continuity.vanished).toEqual([{ id: 1, name: 'Something else', customers: 3 }]);
  });
});

describe('relabelClustering', () => {
  it('renumbers customers, the label mapping and the stability by the same permutation', () => {
    const clustering = {
      k: 3,
      segmentIds: Int32Array.of(0, 1, 2, 2),
      labelToSegment: [2, 0, 1],
      segmentStability: [0.9, 0.8, 0.7],
    } as unknown as Clustering;
    const relabelled = relabelClustering(clustering, [1, 2, 0]);
    expect(Array.from(relabelled.segmentIds)).toEqual([1, 2, 0, 0]);
    expect(relabelled.labelToSegment).toEqual([0, 1, 2]);
    expect(relabelled.segmentStability).toEqual([0.7, 0.9, 0.8]);
  });
});

describe('finalNames', () => {
  it('keeps carried names and gives a new segment its archetype name', () => {
    expect(finalNames(['Champions', null], ['Big spenders', 'Bargain hunters'], [], '2011-12-09')).toEqual(['Champions', 'Bargain hunters']);
  });

  it('never reuses a carried or vanished name for a new segment', () => {
    const names = finalNames([null, 'Champions', null], ['Champions', 'Loyal', 'Returners'], ['Returners'], '2011-12-09');
    expect(names).toEqual(['Champions (new 2011-12-09)', 'Champions', 'Returners (new 2011-12-09)']);
    expect(new Set(names).size).toBe(3);
  });
});
