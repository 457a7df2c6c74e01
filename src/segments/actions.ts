/**
 * Recommended actions: 2–3 short imperative sentences per segment, from
 * documented rules over its archetype (see naming.ts), its lifecycle mix and
 * its RFM mix.
 *
 * Every rule has a trigger — archetypes that call for it, and/or a condition
 * on the mix — and an action in English and German. Selection:
 * 1. Take every rule whose trigger fires, in priority order ({@link ACTION_RULES}
 *    is listed most urgent first: protecting revenue at risk before growth,
 *    growth before upkeep).
 * 2. Drop discount-led rules below a selected rule that rules discounts out:
 *    Champions need none, heavy returners should be kept out of discount
 *    pushes, and low-value lapsed customers are not worth the spend.
 * 3. Keep the first three, but always at least one rule its archetype calls for,
 *    so the actions match the name the segment carries.
 * Each archetype calls for two rules, one without a discount, so there are
 * always at least two actions.
 */

import { DEFAULT_LIFECYCLE, type LifecycleStage, type LifecycleThresholds } from '../rules/lifecycle.ts';
import { MAJORITY_SHARE } from './features.ts';
import type { Lang, Localized } from './i18n.ts';
import { ARCHETYPE_IDS, type ArchetypeId } from './naming.ts';
import type { RfmSegmentName } from './rfmSegments.ts';
import type { SegmentValue } from './types.ts';

/** What the rules look at (a subset of `SegmentProfile`, plus the archetype naming chose). */
export interface ActionInput {
  archetype: ArchetypeId;
  size: number;
  /** Standardised deviation of the segment mean from all customers, per feature (`return_rate` is used). */
  z: Record<string, number>;
  /** Customers per lifecycle stage. */
  lifecycle: Record<string, number>;
  /** Customers per RFM segment name. */
  rfm_segments: Record<string, number>;
  /** The segment's lifetime-value figures, when the run fitted the value models (docs/value.md). */
  value?: Pick<SegmentValue, 'clv_sum' | 'fading_customers' | 'fading_clv'>;
}

/** Options of {@link recommendActions}. */
export interface ActionOptions {
  /** The run's lifecycle thresholds, quoted in the action texts (default: {@link DEFAULT_LIFECYCLE}). */
  lifecycle?: LifecycleThresholds;
}

/**
 * The constants of the rules, in one place.
 * - `maxActions`/`minActions`: what a marketer can act on per segment.
 * - `majority`: a lifecycle stage or RFM group "dominates" above this share.
 * - `valuableLapsingShare`: share of At Risk + Can't Lose Them (good F/M,
 *   low R) from which a personal call pays; lower than a majority because
 *   each of these customers is worth a call.
 * - `highReturnZ`: return rate this many standard deviations above average
 *   triggers the returns rule even when the archetype is not Returners.
 * - `onboardingWindowDays`: a second purchase is most likely right after the
 *   first; the incentive should land within this window.
 * - `fadingValueShare`: share of a segment's expected lifetime value held by
 *   its valuable-but-fading customers (top-fifth CLV, P(alive) down by a
 *   quarter or more since their last purchase) from which they get their own
 *   action; a fifth is a third of the share that makes a pattern a majority,
 *   and value is concentrated, so few customers can carry it.
 */
export const ACTION_THRESHOLDS = {
  maxActions: 3,
  minActions: 2,
  majority: MAJORITY_SHARE,
  valuableLapsingShare: 0.3,
  highReturnZ: 1,
  onboardingWindowDays: 30,
  fadingValueShare: 0.2,
} as const;

/** Ids of the action rules. */
export const ACTION_RULE_IDS = [
  'personal_call',
  'rescue_fading_value',
  'review_returns',
  'vip_programme',
  'low_cost_only',
  'win_back',
  'onboarding',
  'welcome_back',
  'lapse_reminder',
  'volume_pricing',
  'account_care',
  'advocacy',
  'loyalty_invite',
  'loyalty_reward',
  'cross_sell',
  'anniversary',
  'bundles',
  'new_arrivals',
  'favourite_incentive',
  'collect_preferences',
  'fix_listings',
  'exit_survey',
  'seasonal_email',
  'newsletter',
] as const;

/** An action rule id. */
export type ActionRuleId = (typeof ACTION_RULE_IDS)[number];

/** Shares of the segment's customers, the view the mix conditions take. */
export interface ActionMix {
  /** Share of customers in a lifecycle stage. */
  stage(stage: LifecycleStage): number;
  /** Share of customers in any of the given RFM segments. */
  rfm(...names: RfmSegmentName[]): number;
  /** z of a feature (0 when missing). */
  z(feature: string): number;
  /** Share of the segment's CLV held by its valuable-but-fading customers (0 without value figures). */
  fadingValueShare(): number;
}

/** One rule of the table. */
export interface ActionRule {
  id: ActionRuleId;
  /** Archetypes whose segments always get this rule considered. */
  archetypes: readonly ArchetypeId[];
  /** A condition on the lifecycle/RFM/feature mix that also triggers the rule. */
  when?: { test: (mix: ActionMix) => boolean; text: Localized };
  /** The action leads with a discount or incentive. */
  discount: boolean;
  /** Drop discount-led rules ranked below this one when it is selected. */
  noDiscounts: boolean;
  /** The action; takes the run's lifecycle thresholds for the figures it quotes. */
  action: (lifecycle: LifecycleThresholds) => Localized;
}

const T = ACTION_THRESHOLDS;
const percent = (share: number) => `${Math.round(share * 100)}`;

/** The rule table, most urgent first. */
export const ACTION_RULES: readonly ActionRule[] = [
  {
    id: 'personal_call',
    archetypes: ['fading_high_spenders'],
    when: {
      test: (mix) => mix.rfm('At Risk', "Can't Lose Them") >= T.valuableLapsingShare,
      text: {
        en: `at least ${percent(T.valuableLapsingShare)}% in RFM At Risk or Can't Lose Them`,
        de: `mindestens ${percent(T.valuableLapsingShare)} % in RFM „Gefährdet“ oder „Nicht verlieren“`,
      },
    },
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Have the account manager call them personally before they move to a competitor.',
      de: 'Den Kundenbetreuer persönlich anrufen lassen, bevor sie zur Konkurrenz wechseln.',
    }),
  },
  {
    id: 'rescue_fading_value',
    archetypes: [],
    when: {
      test: (mix) => mix.fadingValueShare() >= T.fadingValueShare,
      text: {
        en: `valuable-but-fading customers hold at least ${percent(T.fadingValueShare)}% of the segment's CLV`,
        de: `wertvolle, aber nachlassende Kunden halten mindestens ${percent(T.fadingValueShare)} % des CLV des Segments`,
      },
    },
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Contact the valuable customers who are fading (top-fifth CLV, P(alive) down by a quarter or more) first, personally and without a discount; sort customers.csv by clv and p_alive to find them.',
      de: 'Die wertvollen, aber nachlassenden Kunden (oberstes Fünftel beim CLV, P(aktiv) um ein Viertel oder mehr gesunken) zuerst persönlich und ohne Rabatt ansprechen; customers.csv nach clv und p_alive sortieren, um sie zu finden.',
    }),
  },
  {
    id: 'review_returns',
    archetypes: ['returners'],
    when: {
      test: (mix) => mix.z('return_rate') >= T.highReturnZ,
      text: { en: `return rate z ≥ ${T.highReturnZ}`, de: `Retourenquote z ≥ ${T.highReturnZ}` },
    },
    discount: false,
    noDiscounts: true,
    action: () => ({
      en: 'Review product fit and sizing information, and exclude them from discount pushes.',
      de: 'Passform- und Größenangaben prüfen und sie von Rabattaktionen ausschließen.',
    }),
  },
  {
    id: 'vip_programme',
    archetypes: ['champions'],
    when: {
      test: (mix) => mix.rfm('Champions') > T.majority,
      text: { en: 'mostly RFM Champions', de: 'überwiegend RFM „Champions“' },
    },
    discount: false,
    noDiscounts: true,
    action: () => ({
      en: 'Enrol them in the VIP programme with early access and referral asks; no discounts needed.',
      de: 'Ins VIP-Programm aufnehmen, mit frühem Zugang und Bitte um Weiterempfehlung; Rabatte sind unnötig.',
    }),
  },
  {
    id: 'low_cost_only',
    archetypes: ['lapsed_one_timers'],
    when: {
      test: (mix) => mix.rfm('Lost', 'Hibernating') > T.majority,
      text: { en: 'mostly RFM Lost or Hibernating', de: 'überwiegend RFM „Verloren“ oder „Im Winterschlaf“' },
    },
    discount: false,
    // Low-cost only: an incentive would cost more than these customers bring.
    noDiscounts: true,
    action: () => ({
      en: 'Contact them through low-cost channels only (email), or suppress them to save budget.',
      de: 'Nur über günstige Kanäle (E-Mail) ansprechen oder ganz ausschließen, um Budget zu sparen.',
    }),
  },
  {
    id: 'win_back',
    archetypes: ['dormant'],
    // Low-value lapsed customers get low_cost_only instead, which suppresses this offer.
    when: { test: (mix) => mix.stage('inactive') > T.majority, text: { en: 'mostly inactive', de: 'überwiegend inaktiv' } },
    discount: true,
    noDiscounts: false,
    action: (lc) => ({
      en: `Run a reactivation campaign with a win-back offer for everyone with no order for ${lc.inactiveDays}+ days.`,
      de: `Eine Reaktivierungskampagne mit Rückgewinnungsangebot an alle ohne Bestellung seit ${lc.inactiveDays}+ Tagen senden.`,
    }),
  },
  {
    id: 'onboarding',
    archetypes: ['new_one_time_buyers', 'promising_newcomers'],
    when: { test: (mix) => mix.stage('new') > T.majority, text: { en: 'mostly new', de: 'überwiegend neu' } },
    discount: true,
    noDiscounts: false,
    action: () => ({
      en: `Start an onboarding series with a second-purchase incentive within ${T.onboardingWindowDays} days.`,
      de: `Eine Willkommensstrecke mit Anreiz zum zweiten Kauf innerhalb von ${T.onboardingWindowDays} Tagen starten.`,
    }),
  },
  {
    id: 'welcome_back',
    archetypes: [],
    when: { test: (mix) => mix.stage('reactivated') > T.majority, text: { en: 'mostly reactivated', de: 'überwiegend reaktiviert' } },
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: `Welcome them back with a personal follow-up within ${T.onboardingWindowDays} days of the return purchase.`,
      de: `Sie innerhalb von ${T.onboardingWindowDays} Tagen nach dem Wiederkauf persönlich willkommen heißen.`,
    }),
  },
  {
    id: 'lapse_reminder',
    archetypes: ['cooling_regulars'],
    when: { test: (mix) => mix.stage('at_risk') > T.majority, text: { en: 'mostly at risk', de: 'überwiegend gefährdet' } },
    discount: false,
    noDiscounts: false,
    action: (lc) => ({
      en: `Remind them of their usual products before they reach ${lc.inactiveDays} days without an order.`,
      de: `An ihre üblichen Produkte erinnern, bevor sie ${lc.inactiveDays} Tage ohne Bestellung sind.`,
    }),
  },
  {
    id: 'volume_pricing',
    archetypes: ['big_basket_wholesalers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Offer volume pricing and a quick reorder path with saved baskets.',
      de: 'Staffelpreise und eine schnelle Nachbestellung über gespeicherte Warenkörbe anbieten.',
    }),
  },
  {
    id: 'account_care',
    archetypes: ['big_basket_wholesalers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Give them a named contact and trade account terms.',
      de: 'Einen festen Ansprechpartner und Geschäftskundenkonditionen anbieten.',
    }),
  },
  {
    id: 'advocacy',
    archetypes: ['champions'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Ask them for reviews and invite them to test new products first.',
      de: 'Um Bewertungen bitten und neue Produkte zuerst testen lassen.',
    }),
  },
  {
    id: 'loyalty_invite',
    archetypes: ['promising_newcomers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Invite them to the loyalty programme now that they have come back.',
      de: 'Jetzt, da sie wiedergekommen sind, ins Treueprogramm einladen.',
    }),
  },
  {
    id: 'loyalty_reward',
    archetypes: ['loyal_regulars', 'frequent_small_baskets', 'variety_seekers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Thank them with loyalty points or a small gift.',
      de: 'Mit Treuepunkten oder einem kleinen Geschenk danken.',
    }),
  },
  {
    id: 'cross_sell',
    archetypes: ['loyal_regulars', 'long_standing_steady_buyers', 'everyday_customers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Recommend categories they have not bought yet.',
      de: 'Kategorien empfehlen, in denen sie noch nicht gekauft haben.',
    }),
  },
  {
    id: 'anniversary',
    archetypes: ['long_standing_steady_buyers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Recognise the long relationship with an anniversary mailing.',
      de: 'Die lange Kundenbeziehung mit einem Jubiläumsmailing würdigen.',
    }),
  },
  {
    id: 'bundles',
    archetypes: ['frequent_small_baskets', 'occasional_low_spenders'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Raise basket size with bundles and a free-shipping threshold just above their usual order.',
      de: 'Den Warenkorb mit Bundles und einer Versandkostengrenze knapp über der üblichen Bestellung vergrößern.',
    }),
  },
  {
    id: 'new_arrivals',
    archetypes: ['variety_seekers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Feature new arrivals and curated collections in a regular newsletter.',
      de: 'Neuheiten und kuratierte Kollektionen in einem regelmäßigen Newsletter zeigen.',
    }),
  },
  {
    id: 'favourite_incentive',
    archetypes: ['fading_high_spenders', 'cooling_regulars'],
    discount: true,
    noDiscounts: false,
    action: () => ({
      en: 'Offer an incentive on their favourite categories to restart ordering.',
      de: 'Einen Anreiz in ihren Lieblingskategorien bieten, damit sie wieder bestellen.',
    }),
  },
  {
    id: 'collect_preferences',
    archetypes: ['new_one_time_buyers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Ask for their preferences in the welcome emails to personalise later offers.',
      de: 'In den Willkommens-E-Mails Vorlieben abfragen, um spätere Angebote zu personalisieren.',
    }),
  },
  {
    id: 'fix_listings',
    archetypes: ['returners'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Find the products they return most and fix those listings.',
      de: 'Die am häufigsten retournierten Produkte finden und deren Produktseiten verbessern.',
    }),
  },
  {
    id: 'exit_survey',
    archetypes: ['dormant', 'lapsed_one_timers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Ask in a one-question survey why they stopped buying.',
      de: 'In einer Ein-Fragen-Umfrage erfragen, warum sie nicht mehr kaufen.',
    }),
  },
  {
    id: 'seasonal_email',
    archetypes: ['occasional_low_spenders'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Keep them in low-cost seasonal email campaigns, without paid media.',
      de: 'In günstigen saisonalen E-Mail-Kampagnen halten, ohne bezahlte Medien.',
    }),
  },
  {
    id: 'newsletter',
    archetypes: ['everyday_customers'],
    discount: false,
    noDiscounts: false,
    action: () => ({
      en: 'Keep them in the regular newsletter rhythm.',
      de: 'Im regulären Newsletter-Rhythmus halten.',
    }),
  },
];

function mixOf(input: ActionInput): ActionMix {
  const total = (counts: Record<string, number>) =>
    input.size > 0 ? input.size : Object.values(counts).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const share = (counts: Record<string, number>, names: readonly string[]) => {
    const denominator = total(counts);
    if (denominator <= 0) return 0;
    return names.reduce((sum, name) => sum + (Number.isFinite(counts[name]) ? counts[name] : 0), 0) / denominator;
  };
  return {
    stage: (stage) => share(input.lifecycle, [stage]),
    rfm: (...names) => share(input.rfm_segments, names),
    z: (feature) => (Number.isFinite(input.z[feature]) ? input.z[feature] : 0),
    fadingValueShare: () => {
      const value = input.value;
      if (!value || !(value.clv_sum > 0) || !(value.fading_customers > 0)) return 0;
      return value.fading_clv / value.clv_sum;
    },
  };
}

/**
 * The rules that apply to a segment, in the order they are shown (language-independent).
 *
 * @throws {RangeError} for an unknown archetype id.
 */
export function selectActionRules(input: ActionInput): ActionRuleId[] {
  if (!(ARCHETYPE_IDS as readonly string[]).includes(input.archetype)) {
    throw new RangeError(`unknown archetype ${String(input.archetype)}`);
  }
  const mix = mixOf(input);
  const fired = ACTION_RULES.filter((rule) => rule.archetypes.includes(input.archetype) || (rule.when?.test(mix) ?? false));

  const kept: ActionRule[] = [];
  let noDiscounts = false;
  for (const rule of fired) {
    if (rule.discount && noDiscounts) continue;
    kept.push(rule);
    if (rule.noDiscounts) noDiscounts = true;
  }

  const chosen = kept.slice(0, T.maxActions);
  const own = (rule: ActionRule) => rule.archetypes.includes(input.archetype);
  if (!chosen.some(own)) {
    const firstOwn = kept.find(own);
    if (firstOwn) chosen[chosen.length - 1] = firstOwn;
  }
  return chosen.map((rule) => rule.id);
}

/**
 * 2–3 recommended actions for a segment, as short imperative sentences in `lang`.
 *
 * @throws {RangeError} for an unknown archetype id.
 */
export function recommendActions(input: ActionInput, lang: Lang, options: ActionOptions = {}): string[] {
  const lifecycle = options.lifecycle ?? DEFAULT_LIFECYCLE;
  return selectActionRules(input).map((id) => ACTION_RULES.find((rule) => rule.id === id)!.action(lifecycle)[lang]);
}

/** Renders the rule table (priority, trigger, action) as markdown for the README, with the default lifecycle thresholds. */
export function renderActionRulesMarkdown(lang: Lang, lifecycle: LifecycleThresholds = DEFAULT_LIFECYCLE): string {
  const header = lang === 'en' ? ['#', 'rule', 'when', 'action'] : ['#', 'Regel', 'Wann', 'Maßnahme'];
  const archetypeWord = lang === 'en' ? 'archetype' : 'Archetyp';
  const or = lang === 'en' ? ' or ' : ' oder ';
  const lines = [header, header.map(() => '---')].map((cells) => `| ${cells.join(' | ')} |`);
  ACTION_RULES.forEach((rule, index) => {
    const triggers = [
      ...(rule.archetypes.length > 0 ? [`${archetypeWord} ${rule.archetypes.map((a) => `\`${a}\``).join(', ')}`] : []),
      ...(rule.when ? [rule.when.text[lang]] : []),
    ];
    const flags = [
      ...(rule.discount ? [lang === 'en' ? 'discount-led' : 'rabattbasiert'] : []),
      ...(rule.noDiscounts ? [lang === 'en' ? 'suppresses discount-led rules' : 'unterdrückt rabattbasierte Regeln'] : []),
    ];
    const cells = [
      String(index + 1),
      `\`${rule.id}\``,
      triggers.join(or) + (flags.length > 0 ? ` (${flags.join('; ')})` : ''),
      rule.action(lifecycle)[lang],
    ];
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  });
  return lines.join('\n') + '\n';
}
