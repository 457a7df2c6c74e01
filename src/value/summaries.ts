/**
 * The per-customer inputs of the value models, shaped in DuckDB from the
 * staged lines (`int_lines`, and the orders `int_orders` when the features
 * stage has built them): purchase days (`value_purchase_days`), per customer
 * frequency, recency, T, mean repeat spend and holdout purchases
 * (`value_customers`), and the distinct histories with their customer counts
 * (`value_histories`). Only the numbers leave DuckDB, column-wise.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readNumericColumns, readTextColumn } from '../db/columns.ts';
import { queryOne } from '../db/query.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { DAYS_PER_TIME_UNIT, type TimeUnit } from '../ml/clv/index.ts';

/**
 * The distinct (frequency, recency, T) histories of a set of customers, in
 * the order of their first customer, with the customers sharing each.
 */
export interface ValueHistories {
  frequency: Float64Array;
  recencyDays: Float64Array;
  tDays: Float64Array;
  /** Customers with this history. */
  customers: Float64Array;
}

/**
 * Sufficient statistics of every customer with a purchase day on or before
 * the as-of date, in customer_id order, times in days.
 */
export interface ValueSummaries {
  /** Last day of the observation (calibration) period, YYYY-MM-DD. */
  asOf: string;
  /** Number of customers (the length of every per-customer array). */
  customers: number;
  /** Repeat purchase days (purchase days after the first). */
  frequency: Float64Array;
  /** Last minus first purchase day, in days. */
  recencyDays: Float64Array;
  /** As-of day minus first purchase day, in days. */
  tDays: Float64Array;
  /** Mean spend over the repeat purchase days; 0 without any. */
  monetary: Float64Array;
  /** Purchase days in the holdout period (all 0 without one). */
  holdoutPurchases: Float64Array;
  /** Each customer's index into `histories`. */
  history: Int32Array;
  /** The distinct histories (see {@link ValueHistories}). */
  histories: ValueHistories;
  /** Purchase days counted, and the lines among them rejected elsewhere only for a zero price. */
  events: { purchaseDays: number; zeroPriceLines: number };
}

/**
 * Builds `value_purchase_days`, `value_customers` and `value_histories` and
 * reads the summaries out.
 *
 * The purchase days come from `int_orders` when it exists — the features
 * stage builds it from the same `int_lines` before the value stage runs —
 * and otherwise from `int_lines` alone; both give the same table.
 *
 * @param asOf last day of the calibration period (YYYY-MM-DD); purchases after it count only as holdout
 * @param holdoutEnd last day of the holdout period; omitted, there is none
 */
export async function buildValueSummaries(
  connection: DuckDBConnection,
  asOf: string,
  holdoutEnd: string = asOf,
): Promise<ValueSummaries> {
  const fromOrders = await relationExists(connection, 'int_orders');
  await connection.run(sqlFile(fromOrders ? 'value/value_purchase_days' : 'value/value_purchase_days_from_lines'), { through: holdoutEnd });
  await connection.run(sqlFile('value/value_customers'), { as_of: asOf, holdout_end: holdoutEnd });
  await connection.run(sqlFile('value/value_histories'));
  const customers = await readNumericColumns(
    connection,
    `SELECT c.frequency::DOUBLE, c.recency_days::DOUBLE, c.t_days::DOUBLE, c.monetary_value::DOUBLE,
            c.holdout_purchases::DOUBLE, h.history::DOUBLE
     FROM value_customers c
     JOIN value_histories h USING (frequency, recency_days, t_days)
     ORDER BY c.customer_index`,
  );
  const histories = await readNumericColumns(
    connection,
    'SELECT frequency::DOUBLE, recency_days::DOUBLE, t_days::DOUBLE, customers::DOUBLE FROM value_histories ORDER BY history',
  );
  const events = await queryOne<{ days: number; zero: number }>(
    connection,
    `SELECT count(*)::INTEGER AS days, coalesce(sum(zero_price_lines), 0)::INTEGER AS zero
     FROM value_purchase_days WHERE purchase_day <= CAST($as_of AS DATE)`,
    { as_of: asOf },
  );
  const [frequency, recencyDays, tDays, monetary, holdoutPurchases, history] = customers.columns;
  const [hFrequency, hRecencyDays, hTDays, hCustomers] = histories.columns;
  return {
    asOf,
    customers: customers.rows,
    frequency,
    recencyDays,
    tDays,
    monetary,
    holdoutPurchases,
    history: Int32Array.from(history),
    histories: { frequency: hFrequency, recencyDays: hRecencyDays, tDays: hTDays, customers: hCustomers },
    events: { purchaseDays: events.days, zeroPriceLines: events.zero },
  };
}

/** The customer ids of `value_customers`, in the order of the summaries' arrays. */
export function readValueCustomerIds(connection: DuckDBConnection): Promise<string[]> {
  return readTextColumn(connection, 'SELECT customer_id FROM value_customers ORDER BY customer_index');
}

/**
 * Groups customers into their distinct histories in the process, as
 * `value_histories` does in SQL (same order: by first customer); for
 * summaries that did not come from {@link buildValueSummaries}.
 */
export function groupHistories(
  summaries: Pick<ValueSummaries, 'frequency' | 'recencyDays' | 'tDays'>,
): { history: Int32Array; histories: ValueHistories } {
  const n = summaries.frequency.length;
  const history = new Int32Array(n);
  const indexOf = new Map<string, number>();
  const first: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const key = `${summaries.frequency[i]}|${summaries.recencyDays[i]}|${summaries.tDays[i]}`;
    let h = indexOf.get(key);
    if (h === undefined) {
      h = first.length;
      indexOf.set(key, h);
      first.push(i);
      counts.push(0);
    }
    counts[h] += 1;
    history[i] = h;
  }
  const pick = (values: Float64Array) => Float64Array.from(first, (i) => values[i]);
  return {
    history,
    histories: {
      frequency: pick(summaries.frequency),
      recencyDays: pick(summaries.recencyDays),
      tDays: pick(summaries.tDays),
      customers: Float64Array.from(counts),
    },
  };
}

/** Recency and T of the summaries in a model time unit. */
export function inTimeUnit(summaries: Pick<ValueSummaries, 'recencyDays' | 'tDays'>, unit: TimeUnit): { recency: Float64Array; T: Float64Array } {
  const days = DAYS_PER_TIME_UNIT[unit];
  return {
    recency: Float64Array.from(summaries.recencyDays, (d) => d / days),
    T: Float64Array.from(summaries.tDays, (d) => d / days),
  };
}

/** Whether a table or view of that name exists. */
async function relationExists(connection: DuckDBConnection, name: string): Promise<boolean> {
  const row = await queryOne<{ n: number }>(
    connection,
    'SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = $name',
    { name },
  );
  return row.n > 0;
}
