/**
 * The per-customer inputs of the value models, shaped in DuckDB from the
 * staged lines (`int_lines`): purchase days (`value_purchase_days`) and per
 * customer frequency, recency, T, mean repeat spend and holdout purchases
 * (`value_customers`). Only the numbers leave DuckDB, column-wise.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readNumericColumns, readTextColumn } from '../db/columns.ts';
import { queryOne } from '../db/query.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { DAYS_PER_TIME_UNIT, type TimeUnit } from '../ml/clv/index.ts';

/**
 * Sufficient statistics of every customer with a purchase day on or before
 * the as-of date, in customer_id order, times in days.
 */
export interface ValueSummaries {
  /** Last day of the observation (calibration) period, YYYY-MM-DD. */
  asOf: string;
  customerIds: string[];
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
  /** Purchase days counted, and the lines among them rejected elsewhere only for a zero price. */
  events: { purchaseDays: number; zeroPriceLines: number };
}

/**
 * Builds `value_purchase_days` and `value_customers` from `int_lines` and
 * reads the summaries out.
 *
 * @param asOf last day of the calibration period (YYYY-MM-DD); purchases after it count only as holdout
 * @param holdoutEnd last day of the holdout period; omitted, there is none
 */
export async function buildValueSummaries(
  connection: DuckDBConnection,
  asOf: string,
  holdoutEnd: string = asOf,
): Promise<ValueSummaries> {
  await connection.run(sqlFile('value/value_purchase_days'), { through: holdoutEnd });
  await connection.run(sqlFile('value/value_customers'), { as_of: asOf, holdout_end: holdoutEnd });
  const customerIds = await readTextColumn(connection, 'SELECT customer_id FROM value_customers ORDER BY customer_id');
  const { columns } = await readNumericColumns(
    connection,
    `SELECT frequency::DOUBLE, recency_days::DOUBLE, t_days::DOUBLE, monetary_value::DOUBLE, holdout_purchases::DOUBLE
     FROM value_customers ORDER BY customer_id`,
  );
  const events = await queryOne<{ days: number; zero: number }>(
    connection,
    `SELECT count(*)::INTEGER AS days, coalesce(sum(zero_price_lines), 0)::INTEGER AS zero
     FROM value_purchase_days WHERE purchase_day <= CAST($as_of AS DATE)`,
    { as_of: asOf },
  );
  const [frequency, recencyDays, tDays, monetary, holdoutPurchases] = columns;
  return {
    asOf,
    customerIds,
    frequency,
    recencyDays,
    tDays,
    monetary,
    holdoutPurchases,
    events: { purchaseDays: events.days, zeroPriceLines: events.zero },
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
