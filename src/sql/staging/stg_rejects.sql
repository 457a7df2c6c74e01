-- stg_rejects: one row per input row that is not used — rejected, or after
-- the as-of date — with its row number, reason, the offending value and the
-- row's original text in the canonical columns. stg_lines keeps that text
-- for every row that can end up here, so the raw input is not read again.
CREATE OR REPLACE TABLE stg_rejects AS
WITH not_used AS (
  SELECT
    row_number,
    coalesce(reject_reason, status) AS reason,
    reject_value AS detail,
    customer_id_raw AS customer_id,
    order_id_raw AS order_id,
    order_date_raw AS order_date,
    product_id_raw AS product_id,
    quantity_raw AS quantity,
    unit_price_raw AS unit_price,
    amount_raw AS amount
  FROM int_lines
  WHERE status <> 'used'
),

malformed AS (
  -- records the CSV reader could not split have no columns to show
  SELECT
    line AS row_number,
    'malformed_row' AS reason,
    error AS detail,
    NULL::VARCHAR AS customer_id,
    NULL::VARCHAR AS order_id,
    NULL::VARCHAR AS order_date,
    NULL::VARCHAR AS product_id,
    NULL::VARCHAR AS quantity,
    NULL::VARCHAR AS unit_price,
    NULL::VARCHAR AS amount
  FROM raw_malformed
)

SELECT * FROM not_used
UNION ALL
SELECT * FROM malformed
ORDER BY row_number;
