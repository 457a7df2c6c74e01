import { describe, expect, it } from 'vitest';
import { LANGS } from '../../src/segments/i18n.ts';
import {
  RFM_GRID,
  RFM_SEGMENTS,
  RFM_SEGMENT_NAMES,
  fmScore,
  isRfmSegmentName,
  renderRfmGridMarkdown,
  renderRfmSegmentsMarkdown,
  rfmSegmentName,
} from '../../src/segments/rfmSegments.ts';

// The agreed grid, written out independently of the implementation:
// rows R = 5 … 1, columns FM = 1 … 5.
const EXPECTED: Record<number, string[]> = {
  5: ['New', 'Potential Loyalist', 'Potential Loyalist', 'Champions', 'Champions'],
  4: ['Promising', 'Potential Loyalist', 'Potential Loyalist', 'Loyal', 'Champions'],
  3: ['About to Sleep', 'About to Sleep', 'Need Attention', 'Loyal', 'Loyal'],
  2: ['Hibernating', 'Hibernating', 'At Risk', 'At Risk', "Can't Lose Them"],
  1: ['Lost', 'Lost', 'Hibernating', 'At Risk', "Can't Lose Them"],
};

describe('RFM grid', () => {
  it('maps all 25 R × FM cells as agreed', () => {
    for (const r of [1, 2, 3, 4, 5]) {
      for (const fm of [1, 2, 3, 4, 5]) {
        // F = M = fm gives FM = fm without rounding.
        expect(rfmSegmentName(r, fm, fm), `R${r} FM${fm}`).toBe(EXPECTED[r][fm - 1]);
      }
    }
  });

  it('exports the same table as data', () => {
    for (const r of [1, 2, 3, 4, 5] as const) expect([...RFM_GRID[r]]).toEqual(EXPECTED[r]);
  });

  it('uses all eleven named segments and nothing else', () => {
    const used = new Set(Object.values(EXPECTED).flat());
    expect(used.size).toBe(11);
    expect([...RFM_SEGMENT_NAMES].sort()).toEqual([...used].sort());
  });

  it('rounds (F + M) / 2 half up', () => {
    const cases: Array<[number, number, number]> = [
      [1, 1, 1], [1, 2, 2], [2, 1, 2], [1, 3, 2], [2, 3, 3], [3, 2, 3],
      [1, 4, 3], [3, 4, 4], [4, 5, 5], [5, 4, 5], [1, 5, 3], [2, 5, 4], [5, 5, 5],
    ];
    for (const [f, m, fm] of cases) expect(fmScore(f, m), `F${f} M${m}`).toBe(fm);
  });

  it('classifies every one of the 125 score triples through the rounded FM', () => {
    for (const r of [1, 2, 3, 4, 5]) {
      for (const f of [1, 2, 3, 4, 5]) {
        for (const m of [1, 2, 3, 4, 5]) {
          const fm = Math.floor((f + m) / 2 + 0.5);
          expect(rfmSegmentName(r, f, m)).toBe(EXPECTED[r][fm - 1]);
        }
      }
    }
    // A half rounds up: R5, F3, M4 → FM 4 → Champions, not Potential Loyalist.
    expect(rfmSegmentName(5, 3, 4)).toBe('Champions');
    expect(rfmSegmentName(2, 4, 5)).toBe("Can't Lose Them");
  });

  it('rejects scores outside 1–5 or not whole', () => {
    expect(() => rfmSegmentName(0, 3, 3)).toThrow(RangeError);
    expect(() => rfmSegmentName(3, 6, 3)).toThrow(/F score/);
    expect(() => rfmSegmentName(3, 3, 2.5)).toThrow(/M score/);
    expect(() => fmScore(Number.NaN, 1)).toThrow(RangeError);
  });

  it('gives every segment a meaning and an action in both languages', () => {
    for (const name of RFM_SEGMENT_NAMES) {
      const info = RFM_SEGMENTS[name];
      expect(info.name).toBe(name);
      for (const lang of LANGS) {
        expect(info.label[lang].length).toBeGreaterThan(0);
        expect(info.meaning[lang]).toMatch(/\.$/);
        expect(info.action[lang]).toMatch(/\.$/);
      }
    }
    expect(isRfmSegmentName("Can't Lose Them")).toBe(true);
    expect(isRfmSegmentName('Whales')).toBe(false);
  });

  it('renders the grid for the README', () => {
    const en = renderRfmGridMarkdown('en').trimEnd().split('\n');
    expect(en).toHaveLength(7);
    expect(en[0]).toBe('| R \\ FM | 1 | 2 | 3 | 4 | 5 |');
    expect(en[2]).toBe('| 5 | New | Potential Loyalist | Potential Loyalist | Champions | Champions |');
    expect(en[6]).toBe("| 1 | Lost | Lost | Hibernating | At Risk | Can't Lose Them |");
    const de = renderRfmGridMarkdown('de');
    expect(de).toContain('| 1 | Verloren | Verloren | Im Winterschlaf | Gefährdet | Nicht verlieren |');
  });

  it('renders meanings and actions for the README', () => {
    for (const lang of LANGS) {
      const rows = renderRfmSegmentsMarkdown(lang).trimEnd().split('\n');
      expect(rows).toHaveLength(2 + RFM_SEGMENT_NAMES.length);
    }
    expect(renderRfmSegmentsMarkdown('en')).toContain(RFM_SEGMENTS.Champions.action.en);
  });
});
