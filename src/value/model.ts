/**
 * The value models of a run: a BG/NBD-family transaction model and the
 * Gamma-Gamma spend model, fitted on the customers' purchase-day summaries,
 * serialised as the `value` section of model.json, and used to score
 * customers — at discover time and by a refresh that keeps the model.
 */
import { InputError } from '../errors.ts';
import {
  BetaGeoFitter,
  DAYS_PER_TIME_UNIT,
  GammaGammaFitter,
  ModifiedBetaGeoFitter,
  type BetaGeoDocument,
  type BetaGeoFamilyFitter,
  type GammaGammaDocument,
  type TimeUnit,
} from '../ml/clv/index.ts';
import type { ValueModelName } from './options.ts';
import { groupHistories, inTimeUnit, type ValueHistories, type ValueSummaries } from './summaries.ts';

/** Format tag of the `value` section of model.json. */
export const VALUE_SECTION_FORMAT = 'segmenta.value/v1';

/** Horizon of `expected_purchases_90d`, in days. */
export const EXPECTED_PURCHASES_DAYS = 90;

/** Days in a month for the CLV's monthly steps (a calendar year over twelve). */
export const DAYS_PER_MONTH = 365.25 / 12;

/**
 * "Valuable but fading": a customer in the top fifth by CLV whose P(alive)
 * has fallen by at least this much since their last purchase.
 */
export const FADING_P_ALIVE_DROP = 0.25;
/** Quantile of CLV above which a customer counts as valuable for the fading callout. */
export const VALUABLE_CLV_QUANTILE = 0.8;

/** How the models are fitted and CLV is computed. */
export interface ValueSettings {
  model: ValueModelName;
  timeUnit: TimeUnit;
  /** CLV horizon in months. */
  clvMonths: number;
  /** Monthly discount rate. */
  discountRate: number;
}

/** The `value` section of model.json: everything needed to score customers with the fitted models. */
export interface ModelValueSection {
  format: typeof VALUE_SECTION_FORMAT;
  /** Transaction model: `bgnbd` or `mbgnbd`. */
  model: ValueModelName;
  /** Unit of recency and T the parameters are in. */
  time_unit: TimeUnit;
  /** End of the period the models were fitted on. */
  as_of: string;
  clv: { months: number; discount_rate: number; days_per_month: number };
  expected_purchases_days: number;
  /** The transaction model (format `segmenta.bgnbd/v1` or `segmenta.mbgnbd/v1`): parameters, standard errors, log-likelihood. */
  transaction: BetaGeoDocument;
  /** The Gamma-Gamma model (format `segmenta.gammagamma/v1`), with the frequency–spend correlation. */
  spend: GammaGammaDocument;
  /** Customers the transaction model was fitted on, and those with a repeat purchase. */
  customers: number;
  repeat_customers: number;
  /** Repeat customers left out of the spend fit because their mean repeat spend is 0 (only free repeat orders). */
  spend_excluded: number;
  /** Pearson ρ of frequency and mean repeat spend over repeat customers (the Gamma-Gamma assumes 0). */
  frequency_spend_correlation: number | null;
  /** The thresholds of the "valuable but fading" flag. */
  fading: { clv_quantile: number; clv_threshold: number; p_alive_drop: number };
  /** Non-fatal remarks of both fits. */
  warnings: string[];
}

/** Per-customer value figures, aligned with the summaries' customers. */
export interface CustomerValues {
  clv: Float64Array;
  p_alive: Float64Array;
  expected_purchases_90d: Float64Array;
  churn_risk: Float64Array;
  /** P(alive) right after the customer's last purchase minus P(alive) now. */
  p_alive_drop: Float64Array;
  /** 1 for customers with a top-fifth CLV whose P(alive) fell by ≥ {@link FADING_P_ALIVE_DROP}, else 0. */
  fading: Float64Array;
}

/** Per-history value figures, aligned with the summaries' histories. */
export interface HistoryValues {
  p_alive: Float64Array;
  expected_purchases_90d: Float64Array;
  churn_risk: Float64Array;
  p_alive_drop: Float64Array;
  /** Σ over the CLV months of the discounted expected purchases: CLV = E(spend) × this. */
  discounted_purchases: Float64Array;
}

/** Customers' scores, and the per-history figures they were taken from. */
export interface ValueScores {
  values: CustomerValues;
  histories: HistoryValues;
}

/** What scoring reads of the summaries; the histories are grouped in the process when absent. */
export type ScoringInput = Pick<ValueSummaries, 'frequency' | 'recencyDays' | 'tDays' | 'monetary'> &
  Partial<Pick<ValueSummaries, 'history' | 'histories'>>;

function newTransactionModel(model: ValueModelName): BetaGeoFamilyFitter {
  return model === 'mbgnbd' ? new ModifiedBetaGeoFitter() : new BetaGeoFitter();
}

/**
 * Fits the BG/NBD or MBG/NBD model on every customer's frequency, recency and T in `timeUnit`:
 * on the distinct histories weighted by their customers, which gives the fit on the customers.
 *
 * @throws InputError when there are no repeat customers or the fit fails
 */
export function fitTransactionModel(
  summaries: Pick<ValueSummaries, 'frequency' | 'recencyDays' | 'tDays'> & Partial<Pick<ValueSummaries, 'histories'>>,
  model: ValueModelName,
  timeUnit: TimeUnit,
): BetaGeoFamilyFitter {
  const histories = summaries.histories ?? groupHistories(summaries).histories;
  const { recency, T } = inTimeUnit(histories, timeUnit);
  return newTransactionModel(model).fit(histories.frequency, recency, T, histories.customers);
}

function restoreTransactionModel(section: Pick<ModelValueSection, 'model' | 'transaction'>): BetaGeoFamilyFitter {
  return section.model === 'mbgnbd' ? ModifiedBetaGeoFitter.fromJSON(section.transaction) : BetaGeoFitter.fromJSON(section.transaction);
}

/**
 * Fits the transaction model on every customer and the Gamma-Gamma model on
 * the repeat customers with a positive mean repeat spend.
 *
 * @throws InputError when a fit fails (no repeat customers, no convergence, a
 *   parameter running off) or q ≤ 1 leaves one-time buyers without an expected spend
 */
export function fitValueModels(summaries: ValueSummaries, settings: ValueSettings): ModelValueSection {
  return fitAndScoreValueModels(summaries, settings).section;
}

/**
 * {@link fitValueModels}, with the scores of the customers it was fitted on
 * (as {@link scoreValueWithHistories} gives them with the fitted section).
 *
 * @throws InputError like {@link fitValueModels}
 */
export function fitAndScoreValueModels(summaries: ValueSummaries, settings: ValueSettings): { section: ModelValueSection; scores: ValueScores } {
  const transaction = fitTransactionModel(summaries, settings.model, settings.timeUnit);
  // Repeat customers whose repeat orders were all free carry no spend information the
  // Gamma-Gamma can use (its mean spend must be positive): fit spend without them.
  const spendFrequency = Float64Array.from(summaries.frequency);
  let excluded = 0;
  for (let i = 0; i < spendFrequency.length; i += 1) {
    if (spendFrequency[i] > 0 && !(summaries.monetary[i] > 0)) {
      spendFrequency[i] = 0;
      excluded += 1;
    }
  }
  const spend = new GammaGammaFitter().fit(spendFrequency, summaries.monetary);
  const { q } = spend.params;
  if (!(q > 1)) {
    throw new InputError(
      `Gamma-Gamma: q = ${q.toPrecision(4)} ≤ 1 makes the mean spend of customers without a repeat purchase infinite, so their CLV is undefined`,
    );
  }
  const section: ModelValueSection = {
    format: VALUE_SECTION_FORMAT,
    model: settings.model,
    time_unit: settings.timeUnit,
    as_of: summaries.asOf,
    clv: { months: settings.clvMonths, discount_rate: settings.discountRate, days_per_month: DAYS_PER_MONTH },
    expected_purchases_days: EXPECTED_PURCHASES_DAYS,
    transaction: transaction.toJSON(),
    spend: spend.toJSON(),
    customers: transaction.nCustomers,
    repeat_customers: transaction.nRepeaters,
    spend_excluded: excluded,
    frequency_spend_correlation: Number.isFinite(spend.frequencySpendCorrelation) ? spend.frequencySpendCorrelation : null,
    fading: { clv_quantile: VALUABLE_CLV_QUANTILE, clv_threshold: 0, p_alive_drop: FADING_P_ALIVE_DROP },
    warnings: [...transaction.warnings, ...dropoutWarnings(transaction), ...spend.warnings],
  };
  // The CLV threshold of "valuable" is the fitted population's, kept in the section so a
  // refresh scoring with it flags customers by the same bar.
  // Scored with threshold 0 (nobody fading); the flag is set once the threshold is known.
  const scores = scoreValueWithHistories(section, summaries);
  section.fading.clv_threshold = round(quantile(scores.values.clv, VALUABLE_CLV_QUANTILE), 2);
  markFading(section, scores.values);
  return { section, scores };
}

/**
 * Scores customers with a fitted `value` section of model.json: CLV over the
 * section's horizon and discount rate (lifetimes' discounted-cash-flow
 * formula), P(alive), expected purchases in the next 90 days, churn risk
 * = 1 − P(alive), and the "valuable but fading" flag.
 *
 * A refresh that keeps its model calls this with the summaries of its own
 * data (see {@link buildValueSummaries}); the customers' histories are
 * measured up to the refresh's as-of date, the parameters stay the model's.
 *
 * @throws InputError when the section is not a value section this version can read
 */
export function scoreValue(section: ModelValueSection, summaries: ScoringInput): CustomerValues {
  return scoreValueWithHistories(section, summaries).values;
}

/**
 * {@link scoreValue}, with the per-history figures the customers' scores were
 * taken from. Everything but the spend depends on a customer's history
 * (x, tₓ, T) alone, so it is computed once per distinct history; the
 * hypergeometric sums of the expected purchases depend on (x, T) alone and are
 * computed once per distinct (x, T) and horizon.
 *
 * @throws InputError when the section is not a value section this version can read
 */
export function scoreValueWithHistories(section: ModelValueSection, summaries: ScoringInput): ValueScores {
  checkValueSection(section);
  const transaction = restoreTransactionModel(section);
  const spend = GammaGammaFitter.fromJSON(section.spend);
  const grouped =
    summaries.history !== undefined && summaries.histories !== undefined
      ? { history: summaries.history, histories: summaries.histories }
      : groupHistories(summaries);
  const histories = scoreHistories(section, transaction, grouped.histories);
  const { history } = grouped;
  const n = summaries.frequency.length;
  const values: CustomerValues = {
    clv: new Float64Array(n),
    p_alive: new Float64Array(n),
    expected_purchases_90d: new Float64Array(n),
    churn_risk: new Float64Array(n),
    p_alive_drop: new Float64Array(n),
    fading: new Float64Array(n),
  };
  for (let i = 0; i < n; i += 1) {
    const h = history[i];
    const x = summaries.frequency[i];
    const spendMonetary = summaries.monetary[i] > 0 ? summaries.monetary[i] : 0;
    const spendFrequency = summaries.monetary[i] > 0 ? x : 0;
    values.clv[i] = spend.conditionalExpectedAverageProfit(spendFrequency, spendMonetary) * histories.discounted_purchases[h];
    values.p_alive[i] = histories.p_alive[h];
    values.churn_risk[i] = histories.churn_risk[h];
    values.expected_purchases_90d[i] = histories.expected_purchases_90d[h];
    values.p_alive_drop[i] = histories.p_alive_drop[h];
  }
  markFading(section, values);
  // Every per-customer figure but clv and fading is a history's: checking those covers the customers.
  const checks: Array<[string, Float64Array]> = [
    ['clv', values.clv],
    ['p_alive', histories.p_alive],
    ['expected_purchases_90d', histories.expected_purchases_90d],
    ['churn_risk', histories.churn_risk],
    ['p_alive_drop', histories.p_alive_drop],
  ];
  for (const [name, array] of checks) {
    if (!allFinite(array)) throw new InputError(`value model: ${name} is not finite for every customer`);
  }
  return { values, histories };
}

/** P(alive), expected purchases, churn risk, P(alive) drop and discounted purchases of each history. */
function scoreHistories(section: ModelValueSection, transaction: BetaGeoFamilyFitter, histories: ValueHistories): HistoryValues {
  const unitDays = DAYS_PER_TIME_UNIT[section.time_unit];
  const { recency, T } = inTimeUnit(histories, section.time_unit);
  const monthLength = section.clv.days_per_month / unitDays;
  const horizon = section.expected_purchases_days / unitDays;
  const { months, discount_rate: discountRate } = section.clv;
  // Horizons: the 90-day one, then the end of each CLV month.
  const horizons = Float64Array.from({ length: months + 1 }, (_, m) => (m === 0 ? horizon : m * monthLength));
  const discount = Float64Array.from({ length: months + 1 }, (_, m) => (1 + discountRate) ** m);
  const factors = new Map<number, Map<number, Float64Array>>();
  const m = histories.frequency.length;
  const out: HistoryValues = {
    p_alive: new Float64Array(m),
    expected_purchases_90d: new Float64Array(m),
    churn_risk: new Float64Array(m),
    p_alive_drop: new Float64Array(m),
    discounted_purchases: new Float64Array(m),
  };
  for (let h = 0; h < m; h += 1) {
    const x = histories.frequency[h];
    let byT = factors.get(x);
    if (byT === undefined) {
      byT = new Map();
      factors.set(x, byT);
    }
    let factor = byT.get(histories.tDays[h]);
    if (factor === undefined) {
      factor = Float64Array.from(horizons, (t) => transaction.expectedPurchasesIfAlive(t, x, T[h]));
      byT.set(histories.tDays[h], factor);
    }
    const alive = transaction.probabilityAlive(x, recency[h], T[h]);
    const aliveAtLast = transaction.probabilityAlive(x, recency[h], recency[h]);
    // expectedPurchases(t, …) = max(0, factor × P(alive)), as the model computes it.
    let discounted = 0;
    let previous = 0;
    for (let month = 1; month <= months; month += 1) {
      const cumulative = Math.max(0, factor[month] * alive);
      discounted += (cumulative - previous) / discount[month];
      previous = cumulative;
    }
    out.p_alive[h] = alive;
    out.churn_risk[h] = 1 - alive;
    out.expected_purchases_90d[h] = Math.max(0, factor[0] * alive);
    out.p_alive_drop[h] = Math.max(0, aliveAtLast - alive);
    out.discounted_purchases[h] = discounted;
  }
  return out;
}

/** Sets the "valuable but fading" flag of every customer by the section's thresholds. */
function markFading(section: ModelValueSection, values: CustomerValues): void {
  const threshold = section.fading.clv_threshold;
  const drop = section.fading.p_alive_drop;
  for (let i = 0; i < values.clv.length; i += 1) {
    values.fading[i] = threshold > 0 && values.clv[i] >= threshold && values.p_alive_drop[i] >= drop ? 1 : 0;
  }
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i += 1) if (!Number.isFinite(values[i])) return false;
  return true;
}

/**
 * A warning when the data hardly identifies dropout: a standard error of a or
 * b larger than the estimate. Then the fit puts the dropout probability near
 * 0, P(alive) is close to 1 for everyone and churn risk says little — typical
 * of one year of regular (e.g. wholesale) buyers, where few have visibly left.
 */
function dropoutWarnings(transaction: BetaGeoFamilyFitter): string[] {
  const { a, b } = transaction.params;
  const se = transaction.standardErrors;
  const poor = (value: number, error: number | undefined) => error === undefined || !Number.isFinite(error) || error > value;
  if (se !== null && !poor(a, se.a) && !poor(b, se.b)) return [];
  const figures = `a = ${a.toPrecision(3)} ± ${se ? se.a.toPrecision(3) : '?'}, b = ${b.toPrecision(3)} ± ${se ? se.b.toPrecision(3) : '?'}`;
  return [
    `dropout is poorly identified (${figures}; mean dropout probability per purchase ${(a / (a + b)).toPrecision(2)}): ` +
      'P(alive) and churn risk are unreliable and CLV may overstate lapsed customers; the history may be too short to see customers leave',
  ];
}

/** Checks what scoring reads from a value section that came from a file. */
function checkValueSection(section: ModelValueSection): void {
  const where = 'model.json value section';
  if (section?.format !== VALUE_SECTION_FORMAT) {
    throw new InputError(`${where}: expected format ${VALUE_SECTION_FORMAT}, got ${JSON.stringify(section?.format)}`);
  }
  if (section.model !== 'bgnbd' && section.model !== 'mbgnbd') throw new InputError(`${where}: model must be bgnbd or mbgnbd, got ${JSON.stringify(section.model)}`);
  if (!Object.hasOwn(DAYS_PER_TIME_UNIT, section.time_unit)) {
    throw new InputError(`${where}: time_unit must be days or weeks, got ${JSON.stringify(section.time_unit)}`);
  }
  const numbers: Array<[string, unknown, (x: number) => boolean]> = [
    ['clv.months', section.clv?.months, (x) => Number.isInteger(x) && x >= 1],
    ['clv.discount_rate', section.clv?.discount_rate, (x) => x >= 0],
    ['clv.days_per_month', section.clv?.days_per_month, (x) => x > 0],
    ['expected_purchases_days', section.expected_purchases_days, (x) => x > 0],
    ['fading.clv_threshold', section.fading?.clv_threshold, (x) => x >= 0],
    ['fading.p_alive_drop', section.fading?.p_alive_drop, (x) => x >= 0],
  ];
  for (const [name, value, ok] of numbers) {
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) throw new InputError(`${where}: ${name} is not valid: ${JSON.stringify(value)}`);
  }
}

/** The q-quantile of the values (linear interpolation, NaN for none). */
function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
