-- value_purchase_days: one row per customer and purchase day on or before
-- $through — the purchase events of the customer-lifetime-value models,
-- from int_lines alone: for runs in which the features stage has not built
-- int_orders (value_purchase_days.sql reads those and gives the same table).
--
-- A purchase is a customer-day, as in the BG/NBD papers and Python lifetimes:
-- several orders on one day count once and their values are summed. An order
-- spanning midnight counts on the day of its first line, as in int_orders.
-- Spend is gross purchase value; returns are not events and are not netted.
--
-- Lines rejected only because their price or amount is 0 count as events with
-- spend 0: a free or fully discounted order is still a visit of a customer who
-- is alive. (CDNOW's eight 0-dollar first purchases are customers of the
-- published cohort; leaving them out changes the published fit.)
-- Parameters: $through (DATE, inclusive).
CREATE OR REPLACE TABLE value_purchase_days AS
WITH event_lines AS (
  SELECT
    customer_id,
    coalesce(order_id, strftime(order_date, '%Y-%m-%d')) AS order_key,
    order_ts,
    line_value,
    reject_reason = 'zero_price' AS zero_price
  FROM int_lines
  WHERE NOT is_return AND (status = 'used' OR reject_reason = 'zero_price')
),

orders AS (
  SELECT
    customer_id,
    order_key,
    CAST(min(order_ts) AS DATE) AS order_date,
    sum(line_value) AS spend,
    count(*) FILTER (WHERE zero_price) AS zero_price_lines
  FROM event_lines
  GROUP BY customer_id, order_key
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
