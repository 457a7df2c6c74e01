/**
 * Value figures by segment and the value columns of the customer table, in
 * SQL over `customer_value` (written by the value stage) and
 * `customer_segment` / `customers_out` (written by profileSegments).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../db/query.ts';
import { sqlFile } from '../db/sqlFile.ts';
import type { SegmentValue } from '../segments/types.ts';

/** The columns the value stage adds to customers.csv / customers.parquet, after the contract's. */
export const VALUE_COLUMNS = ['clv', 'p_alive', 'expected_purchases_90d', 'churn_risk'] as const;

/** Appends the value columns to `customers_out` (after the columns it has). */
export async function addValueColumns(connection: DuckDBConnection): Promise<void> {
  await connection.run(sqlFile('value/customers_out_value'));
}

/** Every segment's value figures, indexed by segment id (0..k−1); needs `customer_segment` and `customer_value`. */
export async function segmentValues(connection: DuckDBConnection, k: number): Promise<SegmentValue[]> {
  await connection.run(sqlFile('value/segment_value'));
  const rows = await queryRows<{
    segment_id: number;
    clv_sum: number;
    clv_mean: number;
    p_alive_mean: number;
    churn_risk_mean: number;
    expected_purchases_90d_sum: number;
    fading_customers: number;
    fading_clv: number;
  }>(
    connection,
    `SELECT segment_id::INTEGER AS segment_id, clv_sum, clv_mean, p_alive_mean, churn_risk_mean,
            expected_purchases_90d_sum, fading_customers::INTEGER AS fading_customers, fading_clv::DOUBLE AS fading_clv
     FROM segment_value ORDER BY segment_id`,
  );
  const total = rows.reduce((sum, row) => sum + row.clv_sum, 0);
  const out: SegmentValue[] = Array.from({ length: k }, () => emptyValue());
  for (const row of rows) {
    out[row.segment_id] = {
      clv_sum: round(row.clv_sum, 2),
      clv_mean: round(row.clv_mean, 2),
      clv_share: total > 0 ? round(row.clv_sum / total, 6) : 0,
      p_alive_mean: round(row.p_alive_mean, 6),
      churn_risk_mean: round(row.churn_risk_mean, 6),
      expected_purchases_90d_sum: round(row.expected_purchases_90d_sum, 4),
      fading_customers: row.fading_customers,
      fading_clv: round(row.fading_clv, 2),
    };
  }
  return out;
}

function emptyValue(): SegmentValue {
  return {
    clv_sum: 0,
    clv_mean: 0,
    clv_share: 0,
    p_alive_mean: 0,
    churn_risk_mean: 0,
    expected_purchases_90d_sum: 0,
    fading_customers: 0,
    fading_clv: 0,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
