import type { DuckDBConnection } from '@duckdb/node-api';
import { readNumericColumns } from '../db/columns.ts';
import { queryRows } from '../db/query.ts';
import { sqlFile } from '../db/sqlFile.ts';
import type { LifecycleThresholds } from '../rules/lifecycle.ts';
import { RECENT_WINDOW_DAYS } from '../segments/features.ts';


/** The numeric customer features, one Float64Array per feature, rows in customer_id order. */
export interface CustomerFeatureMatrix {
  /** Customers (rows). */
  n: number;
  /** Feature name → values (NaN where undefined, e.g. days_between_orders of a one-order customer). */
  columns: Record<string, Float64Array>;
}

/** The numeric columns of customer_features that are features (the rest are dates and text). */
export const NUMERIC_FEATURES = [
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
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

/**
 * Builds the orders (`int_orders`), the customer features
 * (`customer_features`) and the RFM scores and lifecycle stages
 * (`customer_scores`), then reads the numeric features out column-wise.
 */
export async function buildCustomerFeatures(
  connection: DuckDBConnection,
  asOf: string,
  lifecycle: LifecycleThresholds,
): Promise<CustomerFeatureMatrix> {
  await connection.run(sqlFile('intermediate/int_orders'));
  await connection.run(sqlFile('features/customer_features'), { as_of: asOf, recent_days: RECENT_WINDOW_DAYS });
  await connection.run(sqlFile('features/customer_scores'), {
    inactive_days: lifecycle.inactiveDays,
    at_risk_days: lifecycle.atRiskDays,
    new_days: lifecycle.newDays,
  });
  const select = NUMERIC_FEATURES.map((f) => `${f}::DOUBLE AS ${f}`).join(', ');
  const { columns, rows } = await readNumericColumns(connection, `SELECT ${select} FROM customer_features ORDER BY customer_id`);
  const byName: Record<string, Float64Array> = {};
  NUMERIC_FEATURES.forEach((name, i) => {
    byName[name] = columns[i];
  });
  return { n: rows, columns: byName };
}

/** Customers whose only lines in the window are returns, and the number of purchase orders. */
export async function customerCounts(connection: DuckDBConnection): Promise<{ onlyReturns: number; orders: number; countries: Record<string, number> }> {
  const [counts] = await queryRows<{ only_returns: number; orders: number }>(
    connection,
    `SELECT
       (SELECT count(DISTINCT customer_id) FROM int_lines WHERE reject_reason = 'return_without_purchase')::INTEGER AS only_returns,
       (SELECT count(*) FROM int_orders)::INTEGER AS orders`,
  );
  const countries = await queryRows<{ country: string | null; n: number }>(
    connection,
    "SELECT coalesce(country, '(unknown)') AS country, count(*)::INTEGER AS n FROM customer_features GROUP BY 1 ORDER BY n DESC, country",
  );
  return {
    onlyReturns: counts.only_returns,
    orders: counts.orders,
    countries: Object.fromEntries(countries.map((r) => [r.country as string, r.n])),
  };
}
