-- value_purchase_days: one row per customer and purchase day on or before
-- $through — the purchase events of the customer-lifetime-value models.
-- Reads the orders the features stage built (int_orders) instead of
-- regrouping every line; value_purchase_days_from_lines.sql is the same
-- table from int_lines alone, for runs without int_orders, and says what a
-- purchase event is.
--
-- int_orders holds the orders of the used purchase lines. The lines rejected
-- only for a zero price are events too (with spend 0, see the other file):
-- they are few, so they are grouped into orders here and merged in. An
-- order's day is that of its first line over both kinds of line; spend is
-- DECIMAL, so adding the zero-price lines' (0) values changes no sum.
-- Parameters: $through (DATE, inclusive).
CREATE OR REPLACE TABLE value_purchase_days AS
WITH zero_price_lines AS (
  SELECT
    customer_id,
    coalesce(order_id, strftime(order_date, '%Y-%m-%d')) AS order_key,
    order_ts,
    line_value
  FROM int_lines
  WHERE reject_reason = 'zero_price' AND NOT is_return
),

zero_price_orders AS (
  SELECT
    customer_id,
    order_key,
    CAST(min(order_ts) AS DATE) AS order_date,
    sum(line_value) AS spend,
    count(*) AS zero_price_lines
  FROM zero_price_lines
  GROUP BY customer_id, order_key
),

orders AS (
  SELECT
    customer_id,
    order_key,
    CASE
      WHEN z.order_date IS NULL THEN o.order_date
      WHEN o.order_date IS NULL THEN z.order_date
      ELSE least(o.order_date, z.order_date)
    END AS order_date,
    CASE
      WHEN z.spend IS NULL THEN o.gross_value
      WHEN o.gross_value IS NULL THEN z.spend
      ELSE o.gross_value + z.spend
    END AS spend,
    coalesce(z.zero_price_lines, 0) AS zero_price_lines
  FROM int_orders o
  FULL OUTER JOIN zero_price_orders z USING (customer_id, order_key)
)

SELECT
  customer_id,
  order_date AS purchase_day,
  sum(spend) AS spend,
  count(*) AS orders,
  sum(zero_price_lines) AS zero_price_lines
FROM orders
WHERE order_date <= CAST($through AS DATE)
GROUP BY customer_id, order_date;
