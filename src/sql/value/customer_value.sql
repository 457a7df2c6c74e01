-- customer_value: one row per customer of value_customers with its value
-- scores. The process sends back what it computed, column-wise and keyed by
-- position: per history (value_history_scores: p_alive, expected purchases,
-- churn risk, P(alive) drop) and per customer (value_customer_clv: clv). The
-- "valuable but fading" flag is the comparison the scoring makes
-- (model.ts), done here on the same numbers.
-- Parameters: $clv_threshold (DOUBLE; 0 turns the flag off), $p_alive_drop (DOUBLE).
CREATE OR REPLACE TABLE customer_value AS
SELECT
  c.customer_id,
  v.clv,
  s.p_alive,
  s.expected_purchases_90d,
  s.churn_risk,
  s.p_alive_drop,
  CASE
    WHEN CAST($clv_threshold AS DOUBLE) > 0
      AND v.clv >= CAST($clv_threshold AS DOUBLE)
      AND s.p_alive_drop >= CAST($p_alive_drop AS DOUBLE) THEN 1
    ELSE 0
  END::DOUBLE AS fading
FROM value_customers c
JOIN value_histories h USING (frequency, recency_days, t_days)
JOIN value_history_scores s ON s.history = h.history
JOIN value_customer_clv v ON v.customer_index = c.customer_index
ORDER BY c.customer_index;
