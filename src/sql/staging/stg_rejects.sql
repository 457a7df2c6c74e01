-- stg_rejects: one row per input row that is not used — rejected, or after
-- the as-of date — with its row number, reason, the offending value and the
-- row's original text in the canonical columns.
CREATE OR REPLACE TABLE stg_rejects AS
WITH not_used AS (
  SELECT
    row_number,
    coalesce(reject_reason, status) AS reason,
    reject_value AS detail
  FROM int_lines
  WHERE status <> 'used'
),

malformed AS (
  SELECT line AS row_number, 'malformed_row' AS reason, error AS detail
  FROM raw_malformed
)

SELECT
  r.row_number,
  r.reason,
  r.detail,
  s.customer_id_raw AS customer_id,
  s.order_id_raw AS order_id,
  s.order_date_raw AS order_date,
  s.product_id_raw AS product_id,
  s.quantity_raw AS quantity,
  s.unit_price_raw AS unit_price,
  s.amount_raw AS amount
FROM (SELECT * FROM not_used UNION ALL SELECT * FROM malformed) r
LEFT JOIN src_lines s USING (row_number)
ORDER BY r.row_number;
