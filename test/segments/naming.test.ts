import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../src/segments/features.ts';
import {
  ARCHETYPES,
  ARCHETYPE_IDS,
  NAMING,
  archetypeById,
  archetypeCost,
  nameSegments,
  renderArchetypeTableMarkdown,
  type ArchetypeId,
  type NamingInput,
} from '../../src/segments/naming.ts';

function segment(id: number, z: Record<string, number>, options: { orders?: number; lifecycle?: Record<string, number>; size?: number } = {}): NamingInput {
  const size = options.size ?? 100;
  return { id, size, z, median: { frequency: options.orders ?? 3 }, lifecycle: options.lifecycle ?? {} };
}

// Hand-made profiles of the archetypes as a marketer would describe them
// (raw-feature z, as the profiles compute them).
const PROFILES: Record<string, NamingInput> = {
  champions: segment(0, { recency_days: -1.2, frequency: 2.5, revenue: 2.5, distinct_products: 1.5, tenure_days: 0.6 }, { orders: 12, lifecycle: { active: 90, at_risk: 10 } }),
  big_basket_wholesalers: segment(1, { avg_order_value: 2.5, units_per_order: 2.5, revenue: 0.8, frequency: -0.1 }, { orders: 2 }),
  lapsed_one_timers: segment(2, { recency_days: 2, frequency: -0.6, revenue: -0.3, distinct_products: -0.5, tenure_days: 0.8 }, { orders: 1, lifecycle: { inactive: 95, at_risk: 5 } }),
  returners: segment(3, { return_rate: 3, revenue: -0.1 }, { orders: 2 }),
  new_one_time_buyers: segment(4, { recency_days: -1, tenure_days: -1.5, frequency: -0.6, revenue: -0.3 }, { orders: 1, lifecycle: { new: 85, active: 15 } }),
  everyday_customers: segment(5, { recency_days: 0.05, frequency: -0.05, revenue: 0.02, avg_order_value: 0.03, tenure_days: -0.05 }, { orders: 3 }),
  dormant: segment(6, { recency_days: 2, tenure_days: 1.2, frequency: -0.2 }, { orders: 3, lifecycle: { inactive: 90, at_risk: 10 } }),
  fading_high_spenders: segment(7, { revenue: 1.5, recency_days: 0.9, avg_order_value: 0.4, tenure_days: 0.5 }, { orders: 5, lifecycle: { at_risk: 70, inactive: 30 } }),
  frequent_small_baskets: segment(8, { frequency: 1, avg_order_value: -1, units_per_order: -0.8, recency_days: -0.4 }, { orders: 9 }),
  variety_seekers: segment(9, { distinct_products: 2.5, units_per_order: -0.3, frequency: 0.2 }, { orders: 4 }),
  promising_newcomers: segment(10, { recency_days: -1, tenure_days: -1.2, avg_order_value: 0.4 }, { orders: 2, lifecycle: { new: 90, active: 10 } }),
  long_standing_steady_buyers: segment(11, { tenure_days: 1, frequency: 0.3, recency_days: -0.3, revenue: 0.2 }, { orders: 6, lifecycle: { active: 80, at_risk: 20 } }),
};

function randomProfiles(k: number, seed: number): NamingInput[] {
  // A small deterministic generator, so failures reproduce.
  let state = seed;
  const next = () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
  return Array.from({ length: k }, (_, id) => ({
    id,
    size: 10 + Math.floor(next() * 500),
    z: Object.fromEntries(FEATURE_NAMES.map((f) => [f, Math.round((next() * 6 - 3) * 100) / 100])),
    median: { frequency: 1 + Math.floor(next() * 8) },
    lifecycle: { new: Math.floor(next() * 50), active: Math.floor(next() * 50), inactive: Math.floor(next() * 50) },
  }));
}

describe('archetypes', () => {
  it('has at least twelve archetypes with unique ids and names in both languages', () => {
    expect(ARCHETYPES.length).toBeGreaterThanOrEqual(12);
    expect(ARCHETYPES.map((a) => a.id)).toEqual([...ARCHETYPE_IDS]);
    expect(new Set(ARCHETYPES.map((a) => a.name.en)).size).toBe(ARCHETYPES.length);
    expect(new Set(ARCHETYPES.map((a) => a.name.de)).size).toBe(ARCHETYPES.length);
    for (const a of ARCHETYPES) expect(Object.keys(a.pattern).length).toBeGreaterThan(0);
    expect(archetypeById('returners').name.de).toBe('Vielretournierer');
  });

  it('fits a profile to its own archetype better than to any other', () => {
    for (const [expected, profile] of Object.entries(PROFILES)) {
      const ranked = ARCHETYPES.map((a) => ({ id: a.id, cost: archetypeCost(profile, a) })).sort((a, b) => a.cost - b.cost);
      expect(ranked[0].id, `${expected}: ${JSON.stringify(ranked.slice(0, 3))}`).toBe(expected);
    }
  });

  it('names each hand-made profile after its archetype, alone and all together', () => {
    for (const [expected, profile] of Object.entries(PROFILES)) {
      expect(nameSegments([profile], 'en')[0].archetype, expected).toBe(expected);
    }
    const all = nameSegments(Object.values(PROFILES), 'en');
    for (const [expected, profile] of Object.entries(PROFILES)) {
      const named = all.find((n) => n.id === profile.id)!;
      expect(named.archetype, expected).toBe(expected);
      expect(named.trait).toBeNull();
    }
    expect(all.find((n) => n.id === 0)!.name).toBe('Champions');
    expect(all.find((n) => n.id === 1)!.name).toBe('Big-basket wholesalers');
  });

  it('keeps one-time names off repeat buyers', () => {
    const lapsedZ = PROFILES.lapsed_one_timers.z;
    const repeat = segment(0, lapsedZ, { orders: 4, lifecycle: { inactive: 95 } });
    const once = segment(0, lapsedZ, { orders: 1, lifecycle: { inactive: 95 } });
    const lapsed = archetypeById('lapsed_one_timers');
    expect(archetypeCost(repeat, lapsed) - archetypeCost(once, lapsed)).toBeCloseTo(NAMING.buyerPenalty, 12);
    expect(nameSegments([repeat], 'en')[0].archetype).not.toBe('lapsed_one_timers');
    expect(nameSegments([once], 'en')[0].archetype).toBe('lapsed_one_timers');
  });

  it('treats a missing feature as average and an unknown lifecycle as no evidence', () => {
    const withZero = segment(0, { ...PROFILES.returners.z, recency_days: 0 });
    const without = segment(0, PROFILES.returners.z);
    for (const a of ARCHETYPES) expect(archetypeCost(without, a)).toBeCloseTo(archetypeCost(withZero, a), 12);
    const noLifecycle = segment(0, PROFILES.dormant.z, { orders: 3 });
    expect(Number.isFinite(archetypeCost(noLifecycle, archetypeById('dormant')))).toBe(true);
  });

  it('renders the archetype table', () => {
    const rows = renderArchetypeTableMarkdown('en').trimEnd().split('\n');
    expect(rows).toHaveLength(2 + ARCHETYPES.length);
    expect(rows[2]).toContain('| Champions |');
    expect(renderArchetypeTableMarkdown('de')).toContain('Abwandernde Top-Kunden');
  });
});

describe('nameSegments', () => {
  it('gives unique names for every k up to 12', () => {
    for (let k = 1; k <= 12; k++) {
      for (const seed of [1, 2, 3, 4, 5]) {
        for (const lang of ['en', 'de'] as const) {
          const names = nameSegments(randomProfiles(k, seed * 100 + k), lang).map((n) => n.name);
          expect(new Set(names).size, `k=${k} seed=${seed} ${lang}: ${names.join(' / ')}`).toBe(k);
        }
      }
    }
  });

  it('gives unique names without numbers when k exceeds the archetypes', () => {
    const k = ARCHETYPES.length + 5;
    const named = nameSegments(randomProfiles(k, 42), 'en');
    const names = named.map((n) => n.name);
    expect(new Set(names).size).toBe(k);
    for (const name of names) expect(name).not.toMatch(/\d/);
    const reused = named.filter((n) => n.trait !== null);
    // Five surplus segments share archetypes: at least six segments (all five on one archetype plus its first holder) carry a trait.
    expect(reused.length).toBeGreaterThanOrEqual(6);
    for (const n of reused) expect(n.name).toMatch(/^.+ \(.+\)$/);
  });

  it('gives the same names for the same input, in any order and any language', () => {
    const profiles = randomProfiles(9, 7);
    const first = nameSegments(profiles, 'en');
    expect(nameSegments(profiles, 'en')).toEqual(first);
    const reversed = nameSegments([...profiles].reverse(), 'en');
    expect(reversed.map((n) => n.id)).toEqual([...profiles].reverse().map((p) => p.id));
    for (const n of reversed) expect(n).toEqual(first.find((f) => f.id === n.id));
    const german = nameSegments(profiles, 'de');
    expect(german.map((n) => n.archetype)).toEqual(first.map((n) => n.archetype));
    expect(german.map((n) => n.trait)).toEqual(first.map((n) => n.trait));
  });

  it('keeps names unique and deterministic on random inputs (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 10_000 }), (k, seed) => {
        const profiles = randomProfiles(k, seed);
        const a = nameSegments(profiles, 'de');
        expect(new Set(a.map((n) => n.name)).size).toBe(k);
        expect(nameSegments([...profiles].reverse(), 'de').sort((x, y) => x.id - y.id)).toEqual([...a].sort((x, y) => x.id - y.id));
      }),
      { numRuns: 60, seed: 99 },
    );
  });

  it('breaks ties by id: identical profiles get distinct names, the lower id choosing first', () => {
    const twin = PROFILES.champions.z;
    const named = nameSegments([segment(5, twin, { orders: 12 }), segment(2, twin, { orders: 12 })], 'en');
    const [five, two] = named;
    // Both fit Champions far better than anything else, so they share it; the
    // lower id picks its trait first (frequency and revenue tie at |z| 2.5,
    // registry order decides).
    expect(two.name).toBe('Champions (frequent orders)');
    expect(five.name).toBe('Champions (high revenue)');
    expect(nameSegments([segment(2, twin, { orders: 12 }), segment(5, twin, { orders: 12 })], 'en')).toEqual([two, five]);
  });

  it('breaks ties by id: of two identical profiles the lower id gets the earlier-listed archetype', () => {
    // Close to Champions and Loyal regulars (less than the reuse penalty apart),
    // so the twins get one each, and both assignments cost the same.
    const z = { recency_days: -0.4, frequency: 0.6, revenue: 0.4, distinct_products: 0.4, tenure_days: 0.4 };
    const twin = (id: number) => segment(id, z, { orders: 8 });
    const champions = archetypeCost(twin(0), archetypeById('champions'));
    const loyal = archetypeCost(twin(0), archetypeById('loyal_regulars'));
    expect(loyal - champions).toBeLessThan(NAMING.reusePenalty);
    for (const [low, high] of [[2, 5], [1, 9], [0, 1], [7, 3]]) {
      const lo = Math.min(low, high);
      const hi = Math.max(low, high);
      const named = nameSegments([twin(low), twin(high)], 'en');
      expect(named.find((n) => n.id === lo)!.name, `ids ${low}, ${high}`).toBe('Champions');
      expect(named.find((n) => n.id === hi)!.name, `ids ${low}, ${high}`).toBe('Loyal regulars');
    }
  });

  it('reuses an archetype with a trait when the alternative fits much worse', () => {
    // Two lapsed one-timer groups, one buying many units per order, one few.
    const base = PROFILES.lapsed_one_timers;
    const a = segment(0, { ...base.z, units_per_order: 0.8 }, { orders: 1, lifecycle: { inactive: 95 } });
    const b = segment(1, { ...base.z, units_per_order: -0.8 }, { orders: 1, lifecycle: { inactive: 95 } });
    const [na, nb] = nameSegments([a, b], 'en');
    expect(na.archetype).toBe('lapsed_one_timers');
    expect(nb.archetype).toBe('lapsed_one_timers');
    expect(na.name).toBe('Lapsed one-timers (many units per order)');
    expect(nb.name).toBe('Lapsed one-timers (few units per order)');
    expect(na.trait).toEqual({ feature: 'units_per_order', wording: 'high', distance: 1.6 });
    const [da, db] = nameSegments([a, b], 'de');
    expect(da.name).toBe('Abgewanderte Einmalkäufer (viele Stück pro Bestellung)');
    expect(db.name).toBe('Abgewanderte Einmalkäufer (wenige Stück pro Bestellung)');
  });

  it('words a trait comparatively when it is only true relative to the sibling', () => {
    // Both groups are long-standing; only the first is *more* so.
    const base = PROFILES.lapsed_one_timers;
    const a = segment(0, { ...base.z, tenure_days: 1.4 }, { orders: 1, lifecycle: { inactive: 95 } });
    const b = segment(1, { ...base.z, tenure_days: 0.4 }, { orders: 1, lifecycle: { inactive: 95 } });
    const [na, nb] = nameSegments([a, b], 'en');
    expect([na.archetype, nb.archetype]).toEqual(['lapsed_one_timers', 'lapsed_one_timers']);
    expect(na.name).toBe('Lapsed one-timers (long-standing)');
    expect(nb.name).toBe('Lapsed one-timers (more recently acquired)');
    expect(nameSegments([a, b], 'de')[1].name).toBe('Abgewanderte Einmalkäufer (kürzer dabei)');
  });

  it('validates ids and accepts an empty list', () => {
    expect(nameSegments([], 'en')).toEqual([]);
    expect(() => nameSegments([segment(1, {}), segment(1, {})], 'en')).toThrow(/not unique/);
    expect(() => nameSegments([segment(1.5, {})], 'en')).toThrow(/integer/);
  });

  it('returns every archetype id as a known id', () => {
    const ids = new Set<ArchetypeId>(ARCHETYPE_IDS);
    for (const n of nameSegments(randomProfiles(20, 3), 'en')) expect(ids.has(n.archetype)).toBe(true);
  });
});
