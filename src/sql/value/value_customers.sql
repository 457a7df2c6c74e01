-- value_customers: one row per customer with a purchase day (value_purchase_days)
-- on or before $as_of: the sufficient statistics of the BG/NBD family and the
-- Gamma-Gamma model, in days, and the purchase days in a holdout period.
--
--   frequency        purchase days after the first (repeat purchases)
--   recency_days     last minus first purchase day
--   t_days           $as_of minus first purchase day
--   monetary_value   mean spend over the repeat purchase days (0 without any);
--                    the first purchase only opens the relationship and is often atypical
--   holdout_purchases purchase days in ($as_of, $holdout_end]; 0 when $holdout_end = $as_of
--   customer_index   0, 1, … in customer_id order: the position of the customer in
--                    the arrays the models work on, to join their results back
-- Parameters: $as_of (DATE), $holdout_end (DATE, ≥ $as_of).
CREATE OR REPLACE TABLE value_customers AS
WITH calibration_days AS (
  SELECT
    customer_id,
    purchase_day,
    spend,
    min(purchase_day) OVER (PARTITION BY customer_id) AS first_day
  FROM value_purchase_days
  WHERE purchase_day <= CAST($as_of AS DATE)
),

calibration AS (
  SELECT
    customer_id,
    count(*) - 1 AS frequency,
    date_diff('day', min(purchase_day), max(purchase_day)) AS recency_days,
    date_diff('day', min(purchase_day), CAST($as_of AS DATE)) AS t_days,
    coalesce(avg(spend) FILTER (WHERE purchase_day > first_day), 0) AS monetary_value
  FROM calibration_days
  GROUP BY customer_id
),

holdout AS (
  SELECT customer_id, count(*) AS holdout_purchases
  FROM value_purchase_days
  WHERE purchase_day > CAST($as_of AS DATE) AND purchase_day <= CAST($holdout_end AS DATE)
  GROUP BY customer_id
)

SELECT
  (row_number() OVER (ORDER BY c.customer_id) - 1)::INTEGER AS customer_index,
  c.customer_id,
  c.frequency,
  c.recency_days,
  c.t_days,
  c.monetary_value,
  coalesce(h.holdout_purchases, 0) AS holdout_purchases
FROM calibration c
LEFT JOIN holdout h USING (customer_id)
ORDER BY c.customer_id;
