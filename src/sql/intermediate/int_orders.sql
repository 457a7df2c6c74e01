-- int_orders: one row per customer and purchase order in the window.
-- An order is the order_id when the input has one, otherwise all of one
-- customer's purchase lines on one day. Returns are not orders.
CREATE OR REPLACE TABLE int_orders AS
WITH purchase_lines AS (
  SELECT
    customer_id,
    coalesce(order_id, strftime(order_date, '%Y-%m-%d')) AS order_key,
    order_ts,
    quantity,
    line_value
  FROM int_lines
  WHERE status = 'used' AND NOT is_return
)

SELECT
  customer_id,
  order_key,
  -- an invoice keyed in over several minutes or days counts from its first line
  CAST(min(order_ts) AS DATE) AS order_date,
  sum(line_value) AS gross_value,
  sum(quantity) AS units,
  count(*) AS lines
FROM purchase_lines
GROUP BY customer_id, order_key;
