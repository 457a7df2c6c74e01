-- customer_features: one row per customer with at least one purchase order in
-- the window; the contract's RFM features and the behavioural ones.
-- Parameters: $as_of (DATE), $recent_days (window of recent_order_share).
CREATE OR REPLACE TABLE customer_features AS
WITH orders AS (
  SELECT
    *,
    date_diff('day', lag(order_date) OVER (PARTITION BY customer_id ORDER BY order_date, order_key), order_date) AS gap_days
  FROM int_orders
),

per_customer_orders AS (
  SELECT
    customer_id,
    count(*) AS frequency,
    min(order_date) AS first_order_date,
    max(order_date) AS last_order_date,
    sum(gross_value) AS gross_value,
    sum(units) AS units,
    avg(gap_days) AS days_between_orders,
    coalesce(max(gap_days), 0) AS longest_gap_days,
    count(*) FILTER (WHERE order_date > CAST($as_of AS DATE) - CAST($recent_days AS INTEGER)) AS recent_orders
  FROM orders
  GROUP BY customer_id
),

per_customer_lines AS (
  SELECT
    customer_id,
    sum(line_value) FILTER (WHERE is_return) AS returned_value,
    count(DISTINCT product_id) FILTER (WHERE NOT is_return) AS distinct_products
  FROM int_lines
  WHERE status = 'used'
  GROUP BY customer_id
),

per_customer_country AS (
  -- the country a customer buys from most often; ties go to the first name.
  -- Lines per customer and country first (a grouping, not a window over every line).
  SELECT customer_id, first(country ORDER BY country_lines DESC, country) AS country
  FROM (
    SELECT customer_id, country, count(*) AS country_lines
    FROM int_lines
    WHERE status = 'used'
    GROUP BY customer_id, country
  )
  GROUP BY customer_id
)

SELECT
  o.customer_id,
  date_diff('day', o.last_order_date, CAST($as_of AS DATE)) AS recency_days,
  o.frequency,
  CAST(o.gross_value - coalesce(l.returned_value, 0) AS DOUBLE) AS revenue,
  CAST(o.gross_value AS DOUBLE) / o.frequency AS avg_order_value,
  date_diff('day', o.first_order_date, CAST($as_of AS DATE)) AS tenure_days,
  l.distinct_products,
  CAST(o.units AS DOUBLE) / o.frequency AS units_per_order,
  CAST(coalesce(l.returned_value, 0) AS DOUBLE) / CAST(o.gross_value AS DOUBLE) AS return_rate,
  o.days_between_orders,
  o.recent_orders / o.frequency AS recent_order_share,
  o.longest_gap_days,
  CAST(o.gross_value AS DOUBLE) AS gross_value,
  o.first_order_date,
  o.last_order_date,
  c.country
FROM per_customer_orders o
JOIN per_customer_lines l USING (customer_id)
JOIN per_customer_country c USING (customer_id)
ORDER BY o.customer_id;
