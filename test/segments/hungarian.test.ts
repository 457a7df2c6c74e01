import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hungarian } from '../../src/segments/naming.ts';

/** The optimum by trying every injective assignment of the smaller side (small matrices only). */
function bruteForce(cost: number[][]): number {
  const rows = cost.length;
  const cols = cost[0].length;
  const transpose = rows > cols;
  const m = transpose ? cols : rows;
  const n = transpose ? rows : cols;
  const at = (i: number, j: number) => (transpose ? cost[j][i] : cost[i][j]);
  let best = Infinity;
  const used = new Array<boolean>(n).fill(false);
  const walk = (i: number, sum: number) => {
    if (i === m) {
      best = Math.min(best, sum);
      return;
    }
    for (let j = 0; j < n; j++) {
      if (used[j]) continue;
      used[j] = true;
      walk(i + 1, sum + at(i, j));
      used[j] = false;
    }
  };
  walk(0, 0);
  return best;
}

function checkValid(cost: number[][], assignment: number[]): void {
  const rows = cost.length;
  const cols = cost[0].length;
  const assigned = assignment.filter((j) => j >= 0);
  expect(assigned.length).toBe(Math.min(rows, cols));
  expect(new Set(assigned).size).toBe(assigned.length);
  for (const j of assigned) expect(j).toBeLessThan(cols);
}

describe('hungarian', () => {
  it('solves a textbook 3×3 matrix', () => {
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    const result = hungarian(cost);
    expect(result.assignment).toEqual([1, 0, 2]);
    expect(result.total).toBe(5);
  });

  it('solves a 4×4 job assignment', () => {
    // Worker/job example with optimum 140: w0→j2 (69), w1→j1 (37), w2→j0 (11), w3→j3 (23).
    const cost = [
      [82, 83, 69, 92],
      [77, 37, 49, 92],
      [11, 69, 5, 86],
      [8, 9, 98, 23],
    ];
    const result = hungarian(cost);
    expect(result.total).toBe(140);
    expect(result.assignment).toEqual([2, 1, 0, 3]);
  });

  it('assigns every row of a wide matrix to a distinct column', () => {
    const cost = [
      [10, 1, 10, 10],
      [10, 10, 10, 2],
    ];
    expect(hungarian(cost)).toEqual({ assignment: [1, 3], total: 3 });
  });

  it('leaves the costliest rows of a tall matrix unassigned', () => {
    const cost = [
      [5, 9],
      [1, 8],
      [7, 2],
    ];
    const result = hungarian(cost);
    expect(result.assignment).toEqual([-1, 0, 1]);
    expect(result.total).toBe(3);
  });

  it('prefers the global optimum over greedy choices', () => {
    // Greedy row by row takes (0,0)=1 then (1,1)=100: 101. Optimal: 2 + 3 = 5.
    const cost = [
      [1, 2],
      [3, 100],
    ];
    expect(hungarian(cost)).toEqual({ assignment: [1, 0], total: 5 });
  });

  it('handles negative costs, ties and the empty matrix', () => {
    expect(hungarian([[-1, -5], [-3, -2]]).total).toBe(-8);
    const tied = hungarian([[1, 1], [1, 1]]);
    expect(tied.total).toBe(2);
    expect(hungarian([[1, 1], [1, 1]])).toEqual(tied);
    expect(hungarian([])).toEqual({ assignment: [], total: 0 });
    expect(hungarian([[], []])).toEqual({ assignment: [-1, -1], total: 0 });
  });

  it('rejects ragged matrices and non-finite costs', () => {
    expect(() => hungarian([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => hungarian([[1, Number.NaN]])).toThrow(RangeError);
    expect(() => hungarian([[Infinity]])).toThrow(RangeError);
  });

  it('matches brute force on random rectangular matrices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((rows) =>
          fc.integer({ min: 1, max: 6 }).chain((cols) =>
            fc.array(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: cols, maxLength: cols }), {
              minLength: rows,
              maxLength: rows,
            }),
          ),
        ),
        (cost) => {
          const result = hungarian(cost);
          checkValid(cost, result.assignment);
          const sum = result.assignment.reduce((s, j, i) => (j >= 0 ? s + cost[i][j] : s), 0);
          expect(result.total).toBe(sum);
          expect(result.total).toBe(bruteForce(cost));
        },
      ),
      { numRuns: 300, seed: 20240611 },
    );
  });
});
