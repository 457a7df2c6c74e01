/**
 * Centroid labels on the customer map: placed in pixels on a domain the
 * chart fixes, so that close centres (Online Retail's lapsed one-timers and
 * returners) do not print their names over each other.
 */
import { describe, expect, it } from 'vitest';
import { niceDomain, pcaMap, placeCentroidLabels } from '../../src/report/charts.ts';

const frame = { x: [-6, 8] as [number, number], y: [-5, 5] as [number, number], width: 600, height: 420 };
const toPx = (l: { lx: number; ly: number }) => ({
  x: ((l.lx - frame.x[0]) / (frame.x[1] - frame.x[0])) * frame.width,
  y: frame.height - ((l.ly - frame.y[0]) / (frame.y[1] - frame.y[0])) * frame.height,
});
/** Label box as the placement estimates it: 7.2 px a character (+6), 15 px high. */
const box = (l: { lx: number; ly: number; segment: string }) => {
  const { x, y } = toPx(l);
  const w = l.segment.length * 7.2 + 6;
  return { x0: x - w / 2, x1: x + w / 2, y0: y - 7.5, y1: y + 7.5 };
};
const overlaps = (a: ReturnType<typeof box>, b: ReturnType<typeof box>) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

describe('niceDomain', () => {
  it('ends on round steps around the data', () => {
    expect(niceDomain(-6.1, 7.2)).toEqual([-8, 8]);
    expect(niceDomain(-4.1, 4.8)).toEqual([-5, 5]);
    expect(niceDomain(0.13, 0.87)).toEqual([0.1, 0.9]);
    expect(niceDomain(3, 3)).toEqual([2, 4]);
  });
});

describe('placeCentroidLabels', () => {
  it('keeps labels of close centres apart and off every diamond', () => {
    // The Online Retail layout: two centres 0.8 apart on a 14-unit axis, a third just below.
    const centroids = [
      { pc1: 1.9, pc2: 0.8, segment: 'Champions' },
      { pc1: 0.4, pc2: -1.3, segment: 'Everyday customers' },
      { pc1: -1.7, pc2: -0.1, segment: 'New one-time buyers' },
      { pc1: -1.8, pc2: 0.6, segment: 'Lapsed one-timers' },
      { pc1: -1.0, pc2: 0.6, segment: 'Returners' },
    ];
    const labels = placeCentroidLabels(centroids, frame);
    expect(labels.map((l) => l.segment)).toEqual(centroids.map((c) => c.segment));
    const boxes = labels.map(box);
    for (let i = 0; i < boxes.length; i += 1) {
      for (let j = i + 1; j < boxes.length; j += 1) expect(overlaps(boxes[i], boxes[j]), `${labels[i].segment} / ${labels[j].segment}`).toBe(false);
      for (const c of centroids) {
        const d = toPx({ lx: c.pc1, ly: c.pc2 });
        expect(overlaps(boxes[i], { x0: d.x - 10, x1: d.x + 10, y0: d.y - 10, y1: d.y + 10 }), `${labels[i].segment} on ${c.segment}`).toBe(false);
      }
      // Inside the plot.
      expect(boxes[i].x0).toBeGreaterThanOrEqual(0);
      expect(boxes[i].x1).toBeLessThanOrEqual(frame.width);
    }
    // A lone centre keeps the usual spot, just above its diamond.
    const [lone] = placeCentroidLabels([{ pc1: 0, pc2: 0, segment: 'Alone' }], frame);
    expect(toPx(lone).y).toBeCloseTo(toPx({ lx: 0, ly: 0 }).y - 18, 6);
    expect(lone.lx).toBeCloseTo(0, 9);
  });

  it('is what the map draws', async () => {
    const segments = [
      { id: 0, name: 'Lapsed one-timers', size: 10, pc: [-1.8, 0.6] as [number, number] },
      { id: 1, name: 'Returners', size: 10, pc: [-1.0, 0.6] as [number, number] },
    ];
    const svg = (await pcaMap(segments, [
      { pc1: -6.1, pc2: -4.9, segment_id: 0 },
      { pc1: 7.2, pc2: 4.9, segment_id: 1 },
    ]))!;
    // The label layer (drawn over its white outline) holds one text per centre, at different places.
    const layer = /<g class="mark-text role-mark layer_3_marks"[^>]*>(.*?)<\/g>/.exec(svg)![1];
    const labels = [...layer.matchAll(/<text[^>]*transform="translate\(([^)]*)\)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ at: m[1], name: m[2] }));
    expect(labels.map((l) => l.name)).toEqual(['Lapsed one-timers', 'Returners']);
    expect(labels[0].at).not.toEqual(labels[1].at);
    expect(layer).not.toContain('aria-label');
  });
});
