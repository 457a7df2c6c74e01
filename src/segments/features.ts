/**
 * The customer feature registry: the one place that says what every customer
 * feature means, how it is labelled in English and German, how it enters the
 * clustering, and how it reads in descriptions. The README's feature table is
 * rendered from here ({@link renderFeatureTableMarkdown}), so the two cannot
 * drift apart.
 *
 * The features themselves are computed upstream in SQL, one row per customer.
 */

import { InputError, show } from '../errors.ts';
import type { LifecycleStage } from '../rules/lifecycle.ts';
import type { Lang, Localized } from './i18n.ts';

/** Names of the numeric customer features, in registry order. */
export const FEATURE_NAMES = [
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
] as const;

/** A numeric customer feature. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** What a feature is measured in; decides how its figures are formatted. */
export type FeatureUnit = 'days' | 'orders' | 'currency' | 'ratio' | 'count';

/**
 * How a feature is transformed before standardisation and clustering.
 * - `log1p`: for right-skewed counts and money, where a handful of wholesalers
 *   sit orders of magnitude above everyone else. Without it k-means spends its
 *   clusters on those few customers and lumps the other 99 % together. Applied
 *   as the signed `sign(x)·log1p(|x|)` (see {@link applyTransform}) because net
 *   revenue is negative for customers whose returns exceed their purchases.
 * - `none`: for days and ratios, which are bounded (by the data window, or by
 *   0 and 1) and already spread over their range.
 */
export type FeatureTransform = 'log1p' | 'none';

/**
 * Which way a feature is "good" from the business's point of view. Reports use
 * it to colour deviations (green/red) and texts to choose between neutral and
 * evaluative wording; it does not influence the clustering.
 */
export type FeatureDirection = 'higher_is_better' | 'higher_is_worse' | 'neutral';

/**
 * A feature's wording as a name suffix (nominative phrases): `high`/`low` for
 * above/below the average customer, `higher`/`lower` in comparison with
 * segments that share the same name.
 */
export interface FeatureTrait {
  high: Localized;
  low: Localized;
  higher: Localized;
  lower: Localized;
}

/** Everything the pipeline and the texts need to know about one feature. */
export interface FeatureDefinition {
  name: FeatureName;
  /** Column-header label. */
  label: Localized;
  unit: FeatureUnit;
  /** One-line definition for the README and the report's glossary. */
  definition: Localized;
  transform: FeatureTransform;
  /** Part of the default clustering feature set (see {@link DEFAULT_CLUSTER_FEATURES}). */
  cluster: boolean;
  direction: FeatureDirection;
  /** How the feature reads when it sets a segment apart ("high return rate"). */
  trait: FeatureTrait;
}

/**
 * Length of the window behind `recent_order_share`, in days. The feature SQL
 * gets the same number as a parameter (src/features/build.ts imports this constant).
 */
export const RECENT_WINDOW_DAYS = 90;

/**
 * The registry, in {@link FEATURE_NAMES} order.
 *
 * Default clustering set — the eight features with `cluster: true`:
 * recency, frequency, revenue, average order value and tenure describe the
 * value and life of a relationship (RFM plus its age and basket size);
 * distinct products, units per order and return rate describe *how* a
 * customer buys (breadth, wholesale-sized baskets, returns), which RFM alone
 * cannot see and which marketing acts on differently.
 *
 * Left out by default:
 * - `days_between_orders` is nearly a function of the others (≈ (tenure −
 *   recency) / (frequency − 1)) and is undefined for one-order customers —
 *   often a third of the base — so clustering on it would mean inventing a
 *   value for them.
 * - `recent_order_share` is 0 or 1 for the many one- and two-order customers,
 *   so it mostly adds a step that duplicates recency.
 * Both stay in the profiles and descriptions, where they read well.
 */
export const FEATURES: Readonly<Record<FeatureName, FeatureDefinition>> = {
  recency_days: {
    name: 'recency_days',
    label: { en: 'Recency (days)', de: 'Letzter Kauf vor (Tagen)' },
    unit: 'days',
    definition: {
      en: 'Days from the last purchase to the as-of date.',
      de: 'Tage vom letzten Kauf bis zum Stichtag.',
    },
    transform: 'none',
    cluster: true,
    direction: 'higher_is_worse',
    trait: {
      high: { en: 'long inactive', de: 'lange inaktiv' },
      low: { en: 'recently active', de: 'kürzlich aktiv' },
      higher: { en: 'longer inactive', de: 'länger inaktiv' },
      lower: { en: 'more recently active', de: 'kürzer inaktiv' },
    },
  },
  frequency: {
    name: 'frequency',
    label: { en: 'Orders', de: 'Bestellungen' },
    unit: 'orders',
    definition: {
      en: 'Number of distinct purchase orders (returns do not count).',
      de: 'Anzahl verschiedener Kaufbestellungen (Retouren zählen nicht).',
    },
    transform: 'log1p',
    cluster: true,
    direction: 'higher_is_better',
    trait: {
      high: { en: 'frequent orders', de: 'häufige Bestellungen' },
      low: { en: 'few orders', de: 'wenige Bestellungen' },
      higher: { en: 'more orders', de: 'mehr Bestellungen' },
      lower: { en: 'fewer orders', de: 'weniger Bestellungen' },
    },
  },
  revenue: {
    name: 'revenue',
    label: { en: 'Net revenue', de: 'Nettoumsatz' },
    unit: 'currency',
    definition: {
      en: 'Net revenue: value of purchases minus value of returns.',
      de: 'Nettoumsatz: Wert der Käufe abzüglich Wert der Retouren.',
    },
    transform: 'log1p',
    cluster: true,
    direction: 'higher_is_better',
    trait: {
      high: { en: 'high revenue', de: 'hoher Umsatz' },
      low: { en: 'low revenue', de: 'niedriger Umsatz' },
      higher: { en: 'higher revenue', de: 'höherer Umsatz' },
      lower: { en: 'lower revenue', de: 'niedrigerer Umsatz' },
    },
  },
  avg_order_value: {
    name: 'avg_order_value',
    label: { en: 'Average order value', de: 'Durchschnittlicher Bestellwert' },
    unit: 'currency',
    definition: {
      en: 'Gross purchase value divided by the number of orders.',
      de: 'Bruttokaufwert geteilt durch die Anzahl der Bestellungen.',
    },
    transform: 'log1p',
    cluster: true,
    direction: 'higher_is_better',
    trait: {
      high: { en: 'high order value', de: 'hoher Bestellwert' },
      low: { en: 'low order value', de: 'niedriger Bestellwert' },
      higher: { en: 'higher order value', de: 'höherer Bestellwert' },
      lower: { en: 'lower order value', de: 'niedrigerer Bestellwert' },
    },
  },
  tenure_days: {
    name: 'tenure_days',
    label: { en: 'Tenure (days)', de: 'Kunde seit (Tagen)' },
    unit: 'days',
    definition: {
      en: 'Days from the first purchase to the as-of date.',
      de: 'Tage vom ersten Kauf bis zum Stichtag.',
    },
    transform: 'none',
    cluster: true,
    // A long relationship is neither good nor bad on its own: new customers are
    // the growth, old ones the base.
    direction: 'neutral',
    trait: {
      high: { en: 'long-standing', de: 'langjährig' },
      low: { en: 'recently acquired', de: 'neu gewonnen' },
      higher: { en: 'longer-standing', de: 'länger dabei' },
      lower: { en: 'more recently acquired', de: 'kürzer dabei' },
    },
  },
  distinct_products: {
    name: 'distinct_products',
    label: { en: 'Distinct products', de: 'Verschiedene Produkte' },
    unit: 'count',
    definition: {
      en: 'Number of different products bought.',
      de: 'Anzahl verschiedener gekaufter Produkte.',
    },
    transform: 'log1p',
    cluster: true,
    direction: 'higher_is_better',
    trait: {
      high: { en: 'broad assortment', de: 'breites Sortiment' },
      low: { en: 'narrow assortment', de: 'schmales Sortiment' },
      higher: { en: 'broader assortment', de: 'breiteres Sortiment' },
      lower: { en: 'narrower assortment', de: 'schmaleres Sortiment' },
    },
  },
  units_per_order: {
    name: 'units_per_order',
    label: { en: 'Units per order', de: 'Stück pro Bestellung' },
    unit: 'count',
    definition: {
      en: 'Units bought divided by the number of orders.',
      de: 'Gekaufte Stückzahl geteilt durch die Anzahl der Bestellungen.',
    },
    transform: 'log1p',
    cluster: true,
    // Big baskets are a way of buying (wholesale), not a quality.
    direction: 'neutral',
    trait: {
      high: { en: 'many units per order', de: 'viele Stück pro Bestellung' },
      low: { en: 'few units per order', de: 'wenige Stück pro Bestellung' },
      higher: { en: 'more units per order', de: 'mehr Stück pro Bestellung' },
      lower: { en: 'fewer units per order', de: 'weniger Stück pro Bestellung' },
    },
  },
  return_rate: {
    name: 'return_rate',
    label: { en: 'Return rate', de: 'Retourenquote' },
    unit: 'ratio',
    definition: {
      en: 'Value of returns divided by gross purchase value.',
      de: 'Wert der Retouren geteilt durch den Bruttokaufwert.',
    },
    transform: 'none',
    cluster: true,
    direction: 'higher_is_worse',
    trait: {
      high: { en: 'high return rate', de: 'hohe Retourenquote' },
      low: { en: 'low return rate', de: 'niedrige Retourenquote' },
      higher: { en: 'higher return rate', de: 'höhere Retourenquote' },
      lower: { en: 'lower return rate', de: 'niedrigere Retourenquote' },
    },
  },
  days_between_orders: {
    name: 'days_between_orders',
    label: { en: 'Days between orders', de: 'Tage zwischen Bestellungen' },
    unit: 'days',
    definition: {
      en: 'Mean gap in days between consecutive purchase orders; empty for one-order customers.',
      de: 'Mittlerer Abstand in Tagen zwischen aufeinanderfolgenden Bestellungen; leer bei Einmalkäufern.',
    },
    transform: 'none',
    cluster: false,
    direction: 'higher_is_worse',
    trait: {
      high: { en: 'long gaps between orders', de: 'lange Bestellabstände' },
      low: { en: 'short gaps between orders', de: 'kurze Bestellabstände' },
      higher: { en: 'longer gaps between orders', de: 'längere Bestellabstände' },
      lower: { en: 'shorter gaps between orders', de: 'kürzere Bestellabstände' },
    },
  },
  recent_order_share: {
    name: 'recent_order_share',
    label: { en: 'Recent order share', de: 'Anteil jüngster Bestellungen' },
    unit: 'ratio',
    definition: {
      en: `Share of the customer's orders placed in the last ${RECENT_WINDOW_DAYS} days.`,
      de: `Anteil der Bestellungen des Kunden in den letzten ${RECENT_WINDOW_DAYS} Tagen.`,
    },
    transform: 'none',
    cluster: false,
    direction: 'higher_is_better',
    trait: {
      high: { en: 'mostly recent orders', de: 'überwiegend junge Bestellungen' },
      low: { en: 'few recent orders', de: 'wenige junge Bestellungen' },
      higher: { en: 'more recent orders', de: 'mehr junge Bestellungen' },
      lower: { en: 'fewer recent orders', de: 'weniger junge Bestellungen' },
    },
  },
};

/** The features clustered on when the user names none, in registry order. */
export const DEFAULT_CLUSTER_FEATURES: readonly FeatureName[] = FEATURE_NAMES.filter((name) => FEATURES[name].cluster);

/** True when `name` is a registered feature. */
export function isFeatureName(name: string): name is FeatureName {
  return (FEATURE_NAMES as readonly string[]).includes(name);
}

/**
 * Looks a feature up by name (for a user-given feature list).
 *
 * @throws {InputError} for an unknown name, listing the known ones.
 */
export function featureByName(name: string): FeatureDefinition {
  if (!isFeatureName(name)) {
    throw new InputError(`feature ${show(name)} is unknown; expected one of: ${FEATURE_NAMES.join(', ')}`);
  }
  return FEATURES[name];
}

/**
 * Applies a feature transform to one value. `log1p` is sign-symmetric —
 * `sign(x)·log1p(|x|)` — so it equals `log1p(x)` for x ≥ 0, stays monotone, and
 * is defined for negative net revenue.
 */
export function applyTransform(transform: FeatureTransform, value: number): number {
  if (transform === 'none') return value;
  return Math.sign(value) * Math.log1p(Math.abs(value));
}

/** Lifecycle stage wording; works both as a table label and after "most are …". */
export const LIFECYCLE_LABELS: Readonly<Record<LifecycleStage, Localized>> = {
  new: { en: 'new', de: 'neu' },
  active: { en: 'active', de: 'aktiv' },
  reactivated: { en: 'reactivated', de: 'reaktiviert' },
  at_risk: { en: 'at risk', de: 'gefährdet' },
  inactive: { en: 'inactive', de: 'inaktiv' },
};

/**
 * A share above which a group "mostly" is something: a lifecycle stage or RFM
 * segment dominates a segment, descriptions say "most are …", and action rules
 * fire. A strict majority, so at most one stage can dominate.
 */
export const MAJORITY_SHARE = 0.5;

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

const UNIT_LABELS: Readonly<Record<FeatureUnit, Localized>> = {
  days: { en: 'days', de: 'Tage' },
  orders: { en: 'orders', de: 'Bestellungen' },
  currency: { en: 'currency', de: 'Währung' },
  ratio: { en: 'ratio', de: 'Anteil' },
  count: { en: 'count', de: 'Anzahl' },
};

const DIRECTION_LABELS: Readonly<Record<FeatureDirection, Localized>> = {
  higher_is_better: { en: 'higher is better', de: 'höher ist besser' },
  higher_is_worse: { en: 'higher is worse', de: 'höher ist schlechter' },
  neutral: { en: 'neutral', de: 'neutral' },
};

/** Renders the registry as a markdown table (for the README and the report glossary). */
export function renderFeatureTableMarkdown(lang: Lang): string {
  const header =
    lang === 'en'
      ? ['feature', 'label', 'unit', 'definition', 'transform', 'clustered by default', 'direction']
      : ['Merkmal', 'Bezeichnung', 'Einheit', 'Definition', 'Transformation', 'standardmäßig geclustert', 'Richtung'];
  const yesNo = (value: boolean) => (value ? (lang === 'en' ? 'yes' : 'ja') : lang === 'en' ? 'no' : 'nein');
  const rows = FEATURE_NAMES.map((name) => {
    const f = FEATURES[name];
    return [
      `\`${f.name}\``,
      f.label[lang],
      UNIT_LABELS[f.unit][lang],
      f.definition[lang],
      `\`${f.transform}\``,
      yesNo(f.cluster),
      DIRECTION_LABELS[f.direction][lang],
    ];
  });
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`).join('\n') + '\n';
}
