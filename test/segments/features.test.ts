import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import {
  DEFAULT_CLUSTER_FEATURES,
  FEATURES,
  FEATURE_NAMES,
  LIFECYCLE_LABELS,
  applyTransform,
  featureByName,
  isFeatureName,
  renderFeatureTableMarkdown,
} from '../../src/segments/features.ts';
import { LANGS } from '../../src/segments/i18n.ts';
import { LIFECYCLE_STAGES } from '../../src/rules/lifecycle.ts';

// The features computed upstream in SQL, as the brief lists them.
const UPSTREAM = [
  'recency_days',
  'frequency',
  'revenue',
  'avg_order_value',
  'tenure_days',
  'distinct_products',
  'units_per_order',
  'return_rate',
  'days_between_orders',
  'recent_order_share',
];

describe('feature registry', () => {
  it('lists every upstream feature exactly once, keyed by its own name', () => {
    expect([...FEATURE_NAMES].sort()).toEqual([...UPSTREAM].sort());
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    for (const name of FEATURE_NAMES) expect(FEATURES[name].name).toBe(name);
    expect(Object.keys(FEATURES).sort()).toEqual([...FEATURE_NAMES].sort());
  });

  it('has a label, definition and trait wording in every language', () => {
    for (const name of FEATURE_NAMES) {
      const f = FEATURES[name];
      for (const lang of LANGS) {
        expect(f.label[lang].length, `${name} label ${lang}`).toBeGreaterThan(0);
        expect(f.definition[lang], `${name} definition ${lang}`).toMatch(/\.$/);
        expect(f.definition[lang]).not.toContain('\n');
        for (const wording of ['high', 'low', 'higher', 'lower'] as const) expect(f.trait[wording][lang].length).toBeGreaterThan(0);
      }
    }
  });

  it('log-transforms the skewed counts and money, nothing else', () => {
    const logged = FEATURE_NAMES.filter((name) => FEATURES[name].transform === 'log1p').sort();
    expect(logged).toEqual(['avg_order_value', 'distinct_products', 'frequency', 'revenue', 'units_per_order']);
    for (const name of logged) expect(['orders', 'currency', 'count']).toContain(FEATURES[name].unit);
  });

  it('clusters on the eight documented default features', () => {
    expect([...DEFAULT_CLUSTER_FEATURES].sort()).toEqual(
      ['avg_order_value', 'distinct_products', 'frequency', 'recency_days', 'return_rate', 'revenue', 'tenure_days', 'units_per_order'],
    );
  });

  it('gives recency and returns "higher is worse"', () => {
    expect(FEATURES.recency_days.direction).toBe('higher_is_worse');
    expect(FEATURES.return_rate.direction).toBe('higher_is_worse');
    expect(FEATURES.revenue.direction).toBe('higher_is_better');
  });

  it('applies log1p symmetrically so negative net revenue stays defined', () => {
    expect(applyTransform('log1p', 0)).toBe(0);
    expect(applyTransform('log1p', Math.E - 1)).toBeCloseTo(1, 12);
    expect(applyTransform('log1p', -(Math.E - 1))).toBeCloseTo(-1, 12);
    expect(applyTransform('none', -5)).toBe(-5);
  });

  it('looks features up and names the known ones on a typo', () => {
    expect(featureByName('revenue').unit).toBe('currency');
    expect(isFeatureName('revenue')).toBe(true);
    expect(isFeatureName('Revenue')).toBe(false);
    expect(() => featureByName('revenu')).toThrow(InputError);
    expect(() => featureByName('revenu')).toThrow(/recency_days/);
  });

  it('labels every lifecycle stage in both languages', () => {
    for (const { stage } of LIFECYCLE_STAGES) {
      for (const lang of LANGS) expect(LIFECYCLE_LABELS[stage][lang].length).toBeGreaterThan(0);
    }
  });

  it('renders a markdown table with one row per feature', () => {
    for (const lang of LANGS) {
      const table = renderFeatureTableMarkdown(lang).trimEnd().split('\n');
      expect(table).toHaveLength(2 + FEATURE_NAMES.length);
      for (const name of FEATURE_NAMES) expect(table.some((row) => row.startsWith(`| \`${name}\` |`))).toBe(true);
      for (const row of table) expect(row.split(' | ')).toHaveLength(7);
    }
    expect(renderFeatureTableMarkdown('de')).toContain('Retourenquote');
    expect(renderFeatureTableMarkdown('en')).toContain('| `revenue` | Net revenue | currency |');
  });
});
