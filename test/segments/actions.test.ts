import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTION_RULES,
  ACTION_RULE_IDS,
  ACTION_THRESHOLDS,
  recommendActions,
  renderActionRulesMarkdown,
  selectActionRules,
  type ActionInput,
  type ActionRuleId,
} from '../../src/segments/actions.ts';
import { LANGS } from '../../src/segments/i18n.ts';
import { ARCHETYPE_IDS, type ArchetypeId } from '../../src/segments/naming.ts';
import { RFM_SEGMENT_NAMES } from '../../src/segments/rfmSegments.ts';

/** A segment of 100 customers with a neutral mix unless told otherwise. */
function input(archetype: ArchetypeId, mix: Partial<Pick<ActionInput, 'lifecycle' | 'rfm_segments' | 'z' | 'value'>> = {}): ActionInput {
  return {
    archetype,
    size: 100,
    z: mix.z ?? {},
    lifecycle: mix.lifecycle ?? { active: 40, new: 20, at_risk: 20, inactive: 20 },
    rfm_segments: mix.rfm_segments ?? { Loyal: 30, 'Need Attention': 30, Promising: 40 },
    ...(mix.value ? { value: mix.value } : {}),
  };
}

const rule = (id: ActionRuleId) => ACTION_RULES.find((r) => r.id === id)!;

describe('action rule table', () => {
  it('lists every rule once, in the documented order', () => {
    expect(ACTION_RULES.map((r) => r.id)).toEqual([...ACTION_RULE_IDS]);
    for (const r of ACTION_RULES) {
      for (const lang of LANGS) expect(r.action({ inactiveDays: 180, atRiskDays: 90, newDays: 90 })[lang]).toMatch(/^[A-ZÄÖÜ].*\.$/);
      expect(r.archetypes.length > 0 || r.when !== undefined).toBe(true);
    }
  });

  it('gives every archetype two rules of its own, one without a discount', () => {
    for (const archetype of ARCHETYPE_IDS) {
      const own = ACTION_RULES.filter((r) => r.archetypes.includes(archetype));
      expect(own.length, archetype).toBeGreaterThanOrEqual(2);
      expect(own.some((r) => !r.discount), archetype).toBe(true);
    }
  });

  it('puts every rule that rules discounts out above the discount-led rules', () => {
    const lastSuppressor = Math.max(...ACTION_RULES.map((r, i) => (r.noDiscounts ? i : -1)));
    const firstDiscount = ACTION_RULES.findIndex((r) => r.discount);
    expect(lastSuppressor).toBeLessThan(firstDiscount);
  });

  it('renders the table for the README', () => {
    for (const lang of LANGS) {
      const rows = renderActionRulesMarkdown(lang).trimEnd().split('\n');
      expect(rows).toHaveLength(2 + ACTION_RULES.length);
    }
    const en = renderActionRulesMarkdown('en');
    expect(en).toContain('| 1 | `personal_call` | archetype `fading_high_spenders` or at least 30% in RFM At Risk or Can\'t Lose Them |');
    expect(en).toContain('no order for 180+ days');
    expect(renderActionRulesMarkdown('de', { inactiveDays: 365, atRiskDays: 120, newDays: 60 })).toContain('seit 365+ Tagen');
  });
});

describe('selectActionRules: archetype rules', () => {
  const expected: Record<ArchetypeId, ActionRuleId[]> = {
    champions: ['vip_programme', 'advocacy'],
    loyal_regulars: ['loyalty_reward', 'cross_sell'],
    big_basket_wholesalers: ['volume_pricing', 'account_care'],
    promising_newcomers: ['onboarding', 'loyalty_invite'],
    new_one_time_buyers: ['onboarding', 'collect_preferences'],
    fading_high_spenders: ['personal_call', 'favourite_incentive'],
    lapsed_one_timers: ['low_cost_only', 'exit_survey'],
    occasional_low_spenders: ['bundles', 'seasonal_email'],
    returners: ['review_returns', 'fix_listings'],
    long_standing_steady_buyers: ['cross_sell', 'anniversary'],
    dormant: ['win_back', 'exit_survey'],
    everyday_customers: ['cross_sell', 'newsletter'],
    frequent_small_baskets: ['loyalty_reward', 'bundles'],
    variety_seekers: ['loyalty_reward', 'new_arrivals'],
    cooling_regulars: ['lapse_reminder', 'favourite_incentive'],
  };

  it.each(Object.entries(expected))('%s with a neutral mix gets its own two rules', (archetype, rules) => {
    expect(selectActionRules(input(archetype as ArchetypeId))).toEqual(rules);
  });
});

describe('selectActionRules: mix rules', () => {
  it('calls valuable lapsing customers personally', () => {
    const rules = selectActionRules(input('everyday_customers', { rfm_segments: { 'At Risk': 20, "Can't Lose Them": 10, Loyal: 70 } }));
    expect(rules[0]).toBe('personal_call');
    expect(selectActionRules(input('everyday_customers', { rfm_segments: { 'At Risk': 29, Loyal: 71 } }))).not.toContain('personal_call');
  });

  it('contacts valuable-but-fading customers first when they hold a fifth of the segment\'s lifetime value', () => {
    const value = (fadingClv: number, fadingCustomers = 12) => ({ clv_sum: 100_000, fading_customers: fadingCustomers, fading_clv: fadingClv });
    expect(selectActionRules(input('everyday_customers', { value: value(20_000) }))).toEqual(['rescue_fading_value', 'cross_sell', 'newsletter']);
    expect(selectActionRules(input('everyday_customers', { value: value(19_999) }))).toEqual(['cross_sell', 'newsletter']);
    // No fading customers, no value figures, or an empty segment: the rule stays quiet.
    expect(selectActionRules(input('everyday_customers', { value: value(50_000, 0) }))).not.toContain('rescue_fading_value');
    expect(selectActionRules(input('everyday_customers', { value: { clv_sum: 0, fading_customers: 3, fading_clv: 0 } }))).not.toContain('rescue_fading_value');
    expect(selectActionRules(input('everyday_customers'))).not.toContain('rescue_fading_value');
    // A personal call for lapsing RFM customers still comes first.
    const both = selectActionRules(input('everyday_customers', { rfm_segments: { 'At Risk': 40, Loyal: 60 }, value: value(40_000) }));
    expect(both).toEqual(['personal_call', 'rescue_fading_value', 'cross_sell']);
    expect(recommendActions(input('everyday_customers', { value: value(30_000) }), 'de')[0]).toMatch(/^Die wertvollen, aber nachlassenden Kunden/);
  });

  it('reviews returns for a high return rate and drops discount-led actions', () => {
    const rules = selectActionRules(input('dormant', { z: { return_rate: 1.5 }, lifecycle: { inactive: 90, at_risk: 10 } }));
    expect(rules).toEqual(['review_returns', 'exit_survey']);
    expect(selectActionRules(input('dormant', { z: { return_rate: 0.9 }, lifecycle: { inactive: 90 } }))).toEqual(['win_back', 'exit_survey']);
  });

  it('treats mostly-Champions segments as VIPs, without discounts', () => {
    const rules = selectActionRules(input('loyal_regulars', { rfm_segments: { Champions: 60, Loyal: 40 }, lifecycle: { new: 60, active: 40 } }));
    expect(rules).toEqual(['vip_programme', 'loyalty_reward', 'cross_sell']);
    expect(rules).not.toContain('onboarding');
  });

  it('sends low-value lapsed customers to cheap channels instead of a win-back offer', () => {
    const rules = selectActionRules(input('dormant', { lifecycle: { inactive: 95, at_risk: 5 }, rfm_segments: { Lost: 40, Hibernating: 20, 'At Risk': 40 } }));
    expect(rules).toContain('low_cost_only');
    expect(rules).not.toContain('win_back');
  });

  it('runs a win-back campaign for mostly inactive segments of some value', () => {
    const rules = selectActionRules(input('long_standing_steady_buyers', { lifecycle: { inactive: 60, active: 40 } }));
    expect(rules).toEqual(['win_back', 'cross_sell', 'anniversary']);
  });

  it('onboards mostly new segments', () => {
    expect(selectActionRules(input('big_basket_wholesalers', { lifecycle: { new: 70, active: 30 } }))).toEqual(['onboarding', 'volume_pricing', 'account_care']);
    expect(selectActionRules(input('big_basket_wholesalers', { lifecycle: { new: 50, active: 50 } }))).not.toContain('onboarding');
  });

  it('welcomes back mostly reactivated segments and reminds mostly at-risk ones', () => {
    expect(selectActionRules(input('everyday_customers', { lifecycle: { reactivated: 80, active: 20 } }))[0]).toBe('welcome_back');
    expect(selectActionRules(input('everyday_customers', { lifecycle: { at_risk: 80, active: 20 } }))[0]).toBe('lapse_reminder');
  });

  it('keeps at least one action of the archetype when urgent rules fill the list', () => {
    const rules = selectActionRules(
      input('everyday_customers', {
        rfm_segments: { Champions: 55, 'At Risk': 45 },
        z: { return_rate: 2 },
      }),
    );
    expect(rules).toEqual(['personal_call', 'review_returns', 'cross_sell']);
  });

  it('always gives 2–3 distinct actions with one of the archetype (property)', () => {
    const counts = (names: readonly string[]) =>
      fc.tuple(...names.map(() => fc.integer({ min: 0, max: 100 }))).map((values) => Object.fromEntries(names.map((n, i) => [n, values[i]])));
    fc.assert(
      fc.property(
        fc.constantFrom(...ARCHETYPE_IDS),
        counts(['new', 'active', 'reactivated', 'at_risk', 'inactive']),
        counts([...RFM_SEGMENT_NAMES]),
        fc.double({ min: -3, max: 5, noNaN: true }),
        (archetype, lifecycle, rfm, returnZ) => {
          const size = Math.max(1, Object.values(lifecycle).reduce((a, b) => a + b, 0));
          const rules = selectActionRules({ archetype, size, lifecycle, rfm_segments: rfm, z: { return_rate: returnZ } });
          expect(rules.length).toBeGreaterThanOrEqual(ACTION_THRESHOLDS.minActions);
          expect(rules.length).toBeLessThanOrEqual(ACTION_THRESHOLDS.maxActions);
          expect(new Set(rules).size).toBe(rules.length);
          expect(rules.some((id) => rule(id).archetypes.includes(archetype))).toBe(true);
          const noDiscounts = rules.some((id) => rule(id).noDiscounts);
          if (noDiscounts) expect(rules.some((id) => rule(id).discount)).toBe(false);
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it('rejects an unknown archetype', () => {
    expect(() => selectActionRules({ ...input('dormant'), archetype: 'whales' as ArchetypeId })).toThrow(RangeError);
  });
});

describe('recommendActions', () => {
  it('writes short imperative sentences in English and German', () => {
    const segment = input('dormant', { lifecycle: { inactive: 90, at_risk: 10 } });
    expect(recommendActions(segment, 'en')).toEqual([
      'Run a reactivation campaign with a win-back offer for everyone with no order for 180+ days.',
      'Ask in a one-question survey why they stopped buying.',
    ]);
    expect(recommendActions(segment, 'de')).toEqual([
      'Eine Reaktivierungskampagne mit Rückgewinnungsangebot an alle ohne Bestellung seit 180+ Tagen senden.',
      'In einer Ein-Fragen-Umfrage erfragen, warum sie nicht mehr kaufen.',
    ]);
  });

  it('quotes the run’s lifecycle thresholds', () => {
    const actions = recommendActions(input('dormant'), 'en', { lifecycle: { inactiveDays: 365, atRiskDays: 120, newDays: 60 } });
    expect(actions[0]).toContain('no order for 365+ days');
  });

  it('recommends the VIP programme for Champions', () => {
    expect(recommendActions(input('champions'), 'en')[0]).toBe(
      'Enrol them in the VIP programme with early access and referral asks; no discounts needed.',
    );
  });
});
