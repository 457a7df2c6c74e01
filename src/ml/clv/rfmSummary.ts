/**
 * Per-customer summary statistics of the buy-till-you-die models, from
 * per-transaction typed arrays: frequency, recency, T and monetary value with
 * the definitions of the BG/NBD papers and of Python `lifetimes`'
 * `summary_data_from_transaction_data` (daily periods), plus the repeat
 * purchases in a holdout period for validation.
 *
 * A "purchase" is a customer-day: several orders on one day count once and
 * their values are summed. The first purchase day only marks the start of the
 * relationship, so frequency counts the purchase days after it, and monetary
 * value is the mean over those repeat days (the first order is often atypical,
 * e.g. a welcome offer).
 */

import { InputError } from '../../errors.ts';
import { showValue } from './common.ts';

/** Unit of recency and T. */
export type TimeUnit = 'days' | 'weeks';

/** Days in one unit of each {@link TimeUnit}. */
export const DAYS_PER_TIME_UNIT: Readonly<Record<TimeUnit, number>> = { days: 1, weeks: 7 };

/** Options of {@link rfmSummary}. */
export interface RfmSummaryOptions {
  /** Last day of the observation (calibration) period, inclusive, as a day number since 1970-01-01. */
  asOfDay: number;
  /** Unit of recency and T. */
  timeUnit: TimeUnit;
}

/** Per-customer summary, one entry per customer with a purchase on or before the as-of day. */
export interface RfmSummary {
  /** Input customer index of each entry, ascending. */
  customer: Int32Array;
  /** Repeat purchase days: distinct purchase days after the first. */
  frequency: Float64Array;
  /** Last minus first purchase day, in time units. */
  recency: Float64Array;
  /** As-of day minus first purchase day, in time units. */
  T: Float64Array;
  /** Mean daily spend over the repeat purchase days; 0 when frequency is 0. */
  monetary_value: Float64Array;
  /** First purchase day (day number). */
  firstDay: Int32Array;
  asOfDay: number;
  timeUnit: TimeUnit;
}

/**
 * Builds the {@link RfmSummary} of every customer who bought on or before
 * `asOfDay`. Transactions after `asOfDay` are ignored; the input need not be
 * sorted. Runs in O(n log n) on typed arrays (one native sort of numeric keys).
 *
 * @param customer customer index per transaction (≥ 0)
 * @param day purchase day per transaction, days since 1970-01-01
 * @param value monetary value per transaction (finite; may be 0 or negative for adjustments)
 */
export function rfmSummary(customer: Int32Array, day: Int32Array, value: Float64Array, options: RfmSummaryOptions): RfmSummary {
  const { asOfDay, timeUnit } = options;
  checkTransactions(customer, day, value);
  checkDay('asOfDay', asOfDay);
  const unit = unitDays(timeUnit);
  const days = aggregateDays(customer, day, value, -Infinity, asOfDay);
  const m = days.customer.length;

  let customers = 0;
  for (let i = 0; i < m; i += 1) if (i === 0 || days.customer[i] !== days.customer[i - 1]) customers += 1;
  const out: RfmSummary = {
    customer: new Int32Array(customers),
    frequency: new Float64Array(customers),
    recency: new Float64Array(customers),
    T: new Float64Array(customers),
    monetary_value: new Float64Array(customers),
    firstDay: new Int32Array(customers),
    asOfDay,
    timeUnit,
  };
  let k = -1;
  let repeatSpend = 0;
  for (let i = 0; i < m; i += 1) {
    if (i === 0 || days.customer[i] !== days.customer[i - 1]) {
      if (k >= 0) finish(k, repeatSpend);
      k += 1;
      repeatSpend = 0;
      out.customer[k] = days.customer[i];
      out.firstDay[k] = days.day[i];
      out.T[k] = (asOfDay - days.day[i]) / unit;
    } else {
      out.frequency[k] += 1;
      repeatSpend += days.value[i];
      out.recency[k] = (days.day[i] - out.firstDay[k]) / unit;
    }
  }
  if (k >= 0) finish(k, repeatSpend);
  return out;

  function finish(index: number, spend: number): void {
    out.monetary_value[index] = out.frequency[index] > 0 ? spend / out.frequency[index] : 0;
  }
}

/** Options of {@link holdoutSummary}. */
export interface HoldoutOptions {
  /** Last day of the calibration period (inclusive); the holdout starts the day after. */
  calibrationEndDay: number;
  /** Last day of the holdout period (inclusive). */
  holdoutEndDay: number;
  timeUnit: TimeUnit;
}

/** Actual purchases of the calibration customers in the holdout period. */
export interface HoldoutSummary {
  /** Purchase days in (calibration end, holdout end], aligned with the calibration summary's customers. */
  frequency: Float64Array;
  /** Mean daily spend over those days; 0 when there are none. */
  monetary_value: Float64Array;
  /** Length of the holdout period in time units (the horizon t to predict for). */
  duration: number;
}

/**
 * Counts each calibration customer's purchase days in the holdout period
 * (calibration end, holdout end], the quantity the models' conditional
 * expectation `expectedPurchases(duration, frequency, recency, T)` predicts.
 * Every holdout purchase is a repeat purchase, since the customer's first
 * purchase lies in the calibration period.
 *
 * @param calibrationCustomers the `customer` array of the calibration {@link RfmSummary}
 */
export function holdoutSummary(
  customer: Int32Array,
  day: Int32Array,
  value: Float64Array,
  calibrationCustomers: Int32Array,
  options: HoldoutOptions,
): HoldoutSummary {
  const { calibrationEndDay, holdoutEndDay, timeUnit } = options;
  checkTransactions(customer, day, value);
  checkDay('calibrationEndDay', calibrationEndDay);
  checkDay('holdoutEndDay', holdoutEndDay);
  if (!(holdoutEndDay > calibrationEndDay)) {
    throw new InputError(
      `holdoutEndDay must be after calibrationEndDay; got holdoutEndDay=${holdoutEndDay}, calibrationEndDay=${calibrationEndDay}`,
    );
  }
  const unit = unitDays(timeUnit);
  let maxCustomer = -1;
  for (let i = 0; i < calibrationCustomers.length; i += 1) maxCustomer = Math.max(maxCustomer, calibrationCustomers[i]);
  const position = new Int32Array(maxCustomer + 1).fill(-1);
  for (let i = 0; i < calibrationCustomers.length; i += 1) position[calibrationCustomers[i]] = i;

  const frequency = new Float64Array(calibrationCustomers.length);
  const spend = new Float64Array(calibrationCustomers.length);
  const days = aggregateDays(customer, day, value, calibrationEndDay, holdoutEndDay);
  for (let i = 0; i < days.customer.length; i += 1) {
    const c = days.customer[i];
    const k = c <= maxCustomer ? position[c] : -1;
    if (k < 0) continue; // first purchase after the calibration period: not a calibration customer
    frequency[k] += 1;
    spend[k] += days.value[i];
  }
  const monetary = new Float64Array(calibrationCustomers.length);
  for (let k = 0; k < monetary.length; k += 1) monetary[k] = frequency[k] > 0 ? spend[k] / frequency[k] : 0;
  return { frequency, monetary_value: monetary, duration: (holdoutEndDay - calibrationEndDay) / unit };
}

/**
 * Collapses transactions with from < day ≤ to into customer-days, sorted by
 * customer then day, with values summed. Each transaction gets the exact
 * numeric key customer·span + (day − minDay); one native sort of the keys
 * orders them, and a binary search puts each value on its customer-day.
 */
function aggregateDays(
  customer: Int32Array,
  day: Int32Array,
  value: Float64Array,
  fromExclusive: number,
  toInclusive: number,
): { customer: Int32Array; day: Int32Array; value: Float64Array } {
  const n = customer.length;
  let minDay = Infinity;
  let maxDay = -Infinity;
  let maxCustomer = 0;
  let count = 0;
  for (let i = 0; i < n; i += 1) {
    const d = day[i];
    if (d <= fromExclusive || d > toInclusive) continue;
    count += 1;
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
    if (customer[i] > maxCustomer) maxCustomer = customer[i];
  }
  if (count === 0) return { customer: new Int32Array(0), day: new Int32Array(0), value: new Float64Array(0) };
  const span = maxDay - minDay + 1;
  if ((maxCustomer + 1) * span > Number.MAX_SAFE_INTEGER) {
    throw new InputError(`too many customers × days to index exactly: ${maxCustomer + 1} customers over ${span} days`);
  }
  const keys = new Float64Array(count);
  const rowKeys = new Float64Array(count);
  const rowValues = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < n; i += 1) {
    const d = day[i];
    if (d <= fromExclusive || d > toInclusive) continue;
    const key = customer[i] * span + (d - minDay);
    keys[j] = key;
    rowKeys[j] = key;
    rowValues[j] = value[i];
    j += 1;
  }
  keys.sort();
  let unique = 0;
  for (let i = 0; i < count; i += 1) if (i === 0 || keys[i] !== keys[i - 1]) keys[unique++] = keys[i];
  const sums = new Float64Array(unique);
  for (let i = 0; i < count; i += 1) sums[lowerBound(keys, unique, rowKeys[i])] += rowValues[i];
  const outCustomer = new Int32Array(unique);
  const outDay = new Int32Array(unique);
  for (let i = 0; i < unique; i += 1) {
    const c = Math.floor(keys[i] / span);
    outCustomer[i] = c;
    outDay[i] = keys[i] - c * span + minDay;
  }
  return { customer: outCustomer, day: outDay, value: sums };
}

function lowerBound(sorted: Float64Array, length: number, key: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkTransactions(customer: Int32Array, day: Int32Array, value: Float64Array): void {
  if (!(customer instanceof Int32Array) || !(day instanceof Int32Array) || !(value instanceof Float64Array)) {
    throw new InputError('transactions must be typed arrays: customer Int32Array, day Int32Array, value Float64Array');
  }
  if (customer.length !== day.length || customer.length !== value.length) {
    throw new InputError(
      `transaction arrays differ in length: customer ${customer.length}, day ${day.length}, value ${value.length}`,
    );
  }
  for (let i = 0; i < customer.length; i += 1) {
    if (customer[i] < 0) throw new InputError(`customer index must be ≥ 0; got ${customer[i]} at transaction ${i}`);
    if (!Number.isFinite(value[i])) throw new InputError(`value must be finite; got ${value[i]} at transaction ${i}`);
  }
}

function checkDay(name: string, value: number): void {
  if (!Number.isInteger(value)) throw new InputError(`${name} must be an integer day number; got ${showValue(value)}`);
}

function unitDays(timeUnit: TimeUnit): number {
  const unit = DAYS_PER_TIME_UNIT[timeUnit];
  if (unit === undefined || !Object.hasOwn(DAYS_PER_TIME_UNIT, timeUnit)) {
    throw new InputError(`timeUnit must be "days" or "weeks"; got ${showValue(timeUnit)}`);
  }
  return unit;
}
