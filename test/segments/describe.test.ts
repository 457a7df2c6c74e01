import { describe, expect, it } from 'vitest';
import { DESCRIBE, describeSegment, distinguishingFeatures, dominantLifecycleStage, largestRfmSegment, type DescribeInput, type PopulationFigures } from '../../src/segments/describe.ts';
import { InputError } from '../../src/errors.ts';

const NBSP = '\u00a0';

const ALL: PopulationFigures = {
  n: 4372,
  revenue: 1_000_000,
  mean: { avg_order_value: 300, revenue: 1950, return_rate: 0.02, distinct_products: 25, units_per_order: 100, frequency: 4 },
};

// A champions-like segment: frequent, big orders, recent.
const CHAMPIONS: DescribeInput = {
  size: 312,
  revenue: 410_000,
  profile: { avg_order_value: 1230, revenue: 8000, return_rate: 0.01, distinct_products: 80, units_per_order: 120, frequency: 20 },
  median: { recency_days: 12, frequency: 14, days_between_orders: 21, avg_order_value: 1234.5, revenue: 12_400, tenure_days: 700, distinct_products: 85, units_per_order: 110 },
  z: { recency_days: -0.7, frequency: 1.9, avg_order_value: 1.5, revenue: 1.2, tenure_days: 0.1, distinct_products: 0.4, return_rate: -0.1 },
  lifecycle: { active: 250, at_risk: 40, new: 22 },
  rfm_segments: { Champions: 200, Loyal: 100, 'At Risk': 12 },
};

describe('describeSegment in English', () => {
  const text = describeSegment(CHAMPIONS, ALL, 'en', { currency: 'GBP' });

  it('opens with size, share of customers and share of revenue', () => {
    expect(text.startsWith('312 customers (7% of all) who bring 41% of revenue. ')).toBe(true);
  });

  it('names the top traits by |z| with typical figures and ratios', () => {
    // |z|: frequency 1.9 > avg_order_value 1.5 > revenue 1.2.
    expect(text).toContain(
      'They order about every 3 weeks, spend 4.1× the average per order (typically £1,235), and are worth 4.1× the average customer (typically £12,400); most are active.',
    );
    expect(text).not.toContain('last ordered');
  });

  it('mentions the dominant RFM segment', () => {
    expect(text.endsWith('In the RFM grid, most fall into “Champions” (64%).')).toBe(true);
  });

  it('prints amounts without a unit when the currency is unknown', () => {
    const plain = describeSegment(CHAMPIONS, ALL, 'en');
    expect(plain).toContain('(typically 1,235)');
    expect(plain).not.toContain('£');
  });

  it('is the same text for the same input', () => {
    expect(describeSegment(CHAMPIONS, ALL, 'en', { currency: 'GBP' })).toBe(text);
  });
});

describe('describeSegment in German', () => {
  const text = describeSegment(CHAMPIONS, ALL, 'de', { currency: 'GBP' });

  it('writes German sentences with German number formatting', () => {
    expect(text).toBe(
      `312 Kunden (7${NBSP}% aller Kunden), die 41${NBSP}% des Umsatzes bringen. ` +
        `Sie bestellen etwa alle 3 Wochen, geben pro Bestellung das 4,1-Fache des Durchschnitts aus (typischerweise 1.235${NBSP}£) ` +
        `und sind umsatzmäßig das 4,1-Fache eines Durchschnittskunden wert (typischerweise 12.400${NBSP}£); die meisten sind aktiv. ` +
        `Im RFM-Raster fallen die meisten in „Champions“ (64${NBSP}%).`,
    );
  });

  it('uses singular grammar for a one-customer segment', () => {
    const one = describeSegment({ ...CHAMPIONS, size: 1, lifecycle: { active: 1 }, rfm_segments: { Loyal: 1 } }, ALL, 'de', { currency: 'EUR' });
    expect(one).toContain('1 Kunde (<0,1');
    expect(one).toContain(', der 41');
    expect(one).toContain('bringt.');
    expect(one).toContain('Der Kunde bestellt etwa alle 3 Wochen, gibt pro Bestellung');
    expect(one).toContain('; er ist aktiv.');
    expect(one).toContain('Im RFM-Raster fällt er in „Treue Kunden“.');
    expect(one).not.toContain('typischerweise');
  });
});

describe('describeSegment wording rules', () => {
  it('uses words for natural shares and "almost all" for a strong majority', () => {
    const text = describeSegment(
      { ...CHAMPIONS, size: 1457, revenue: 500_000, lifecycle: { inactive: 1400, at_risk: 57 } },
      ALL,
      'en',
    );
    expect(text.startsWith('1,457 customers (a third of all) who bring half of revenue.')).toBe(true);
    expect(text).toContain('; almost all are inactive.');
  });

  it('says nothing about lifecycle when no stage has a majority', () => {
    const text = describeSegment({ ...CHAMPIONS, lifecycle: { active: 150, at_risk: 150, new: 12 } }, ALL, 'en');
    expect(text).not.toMatch(/most are|almost all|all are/);
  });

  it('names the largest RFM group when none has a majority', () => {
    const en = describeSegment({ ...CHAMPIONS, rfm_segments: { Loyal: 120, Champions: 100, 'At Risk': 92 } }, ALL, 'en');
    expect(en).toContain('In the RFM grid, the largest group is “Loyal” (38%).');
    const de = describeSegment({ ...CHAMPIONS, rfm_segments: { Loyal: 120, Champions: 100, 'At Risk': 92 } }, ALL, 'de');
    expect(de).toContain(`Im RFM-Raster ist „Treue Kunden“ mit 38${NBSP}% die größte Gruppe.`);
  });

  it('describes one-time buyers, recency and tenure', () => {
    const lapsed: DescribeInput = {
      size: 500,
      revenue: 30_000,
      profile: { return_rate: 0.02 },
      median: { recency_days: 250, frequency: 1, tenure_days: 260 },
      z: { recency_days: 1.7, frequency: -0.4, tenure_days: 0.5, recent_order_share: -0.9 },
      lifecycle: { inactive: 400, at_risk: 100 },
      rfm_segments: { Lost: 350, Hibernating: 150 },
    };
    const en = describeSegment(lapsed, ALL, 'en');
    // recent_order_share is left out: "last ordered …" already says it.
    expect(en).toContain('They last ordered 8 months ago, have been customers for 9 months, and mostly ordered only once; most are inactive.');
    const de = describeSegment(lapsed, ALL, 'de');
    expect(de).toContain('Sie haben zuletzt vor 8 Monaten bestellt, sind seit 9 Monaten Kunden und haben meist nur einmal bestellt; die meisten sind inaktiv.');
  });

  it('describes low spenders and returners against the average', () => {
    const returners: DescribeInput = {
      size: 80,
      revenue: 4000,
      profile: { return_rate: 0.25, avg_order_value: 120 },
      median: { avg_order_value: 110, return_rate: 0 },
      z: { return_rate: 4, avg_order_value: -0.6 },
      lifecycle: {},
      rfm_segments: {},
    };
    const en = describeSegment(returners, ALL, 'en', { currency: 'EUR' });
    expect(en).toBe(
      '80 customers (2% of all) who bring 0.4% of revenue. They return on average 25% of what they buy (13× the average) and spend 60% less than the average per order (typically €110).',
    );
    const de = describeSegment(returners, ALL, 'de', { currency: 'EUR' });
    expect(de).toContain(`Sie schicken im Schnitt 25${NBSP}% des Warenwerts zurück (das 13-Fache des Durchschnitts) und geben pro Bestellung 60${NBSP}% weniger aus als der Durchschnitt (typischerweise 110${NBSP}€).`);
  });

  it('handles net-negative and zero revenue', () => {
    const negative = describeSegment({ ...CHAMPIONS, size: 30, revenue: -841 }, ALL, 'en', { currency: 'GBP' });
    expect(negative.startsWith('30 customers (0.7% of all) whose returns outweigh their purchases (net revenue -£841).')).toBe(true);
    const german = describeSegment({ ...CHAMPIONS, size: 30, revenue: -841 }, ALL, 'de', { currency: 'GBP' });
    expect(german).toContain(`, deren Retouren die Käufe übersteigen (Nettoumsatz -841${NBSP}£).`);
    expect(describeSegment({ ...CHAMPIONS, revenue: 0 }, ALL, 'en')).toContain('who bring no net revenue.');
  });

  it('rejects a bad currency code', () => {
    expect(() => describeSegment(CHAMPIONS, ALL, 'en', { currency: 'pound' })).toThrow(InputError);
  });
});

describe('trait selection', () => {
  it('takes the largest |z|, one per phrase group, two always and a third only if it matters', () => {
    expect(distinguishingFeatures(CHAMPIONS)).toEqual(['frequency', 'avg_order_value', 'revenue']);
    const weak: DescribeInput = { ...CHAMPIONS, z: { recency_days: 0.2, tenure_days: -0.15, revenue: 0.1 } };
    expect(distinguishingFeatures(weak)).toEqual(['recency_days', 'tenure_days']);
    const cadence: DescribeInput = { ...CHAMPIONS, z: { frequency: 2, days_between_orders: -1.9, revenue: 1 } };
    expect(distinguishingFeatures(cadence)).toEqual(['frequency', 'revenue']);
    expect(DESCRIBE.maxTraits).toBe(3);
  });

  it('skips features whose figures are missing', () => {
    expect(distinguishingFeatures(CHAMPIONS, (f) => f !== 'frequency')).toEqual(['avg_order_value', 'revenue', 'recency_days']);
  });

  it('finds the dominant lifecycle stage and the largest RFM group', () => {
    expect(dominantLifecycleStage(CHAMPIONS)).toEqual({ stage: 'active', share: 250 / 312 });
    expect(dominantLifecycleStage({ size: 10, lifecycle: { active: 5, new: 5 } })).toBeNull();
    expect(largestRfmSegment(CHAMPIONS)).toEqual({ name: 'Champions', share: 200 / 312 });
    // Ties go to the grid-listing order.
    expect(largestRfmSegment({ size: 10, rfm_segments: { Lost: 5, Loyal: 5 } })?.name).toBe('Loyal');
    expect(largestRfmSegment({ size: 10, rfm_segments: {} })).toBeNull();
  });
});
