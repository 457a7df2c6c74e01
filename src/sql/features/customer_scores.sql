-- customer_scores: one row per customer of customer_features with the RFM
-- quintile scores (1–5, 5 = most recent / most frequent / highest revenue)
-- and the lifecycle stage.
-- Scores are rank quintiles where ties share a score: score = 1 + floor(5 ×
-- percent_rank), so two customers with the same behaviour never get different
-- scores and the result does not depend on row order.
-- Parameters: $inactive_days, $at_risk_days, $new_days.
CREATE OR REPLACE TABLE customer_scores AS
SELECT
  customer_id,
  least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY recency_days DESC)))::INTEGER AS rfm_r,
  least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY frequency)))::INTEGER AS rfm_f,
  least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY revenue)))::INTEGER AS rfm_m,
  CASE
    WHEN recency_days >= $inactive_days THEN 'inactive'
    WHEN recency_days >= $at_risk_days THEN 'at_risk'
    WHEN tenure_days < $new_days THEN 'new'
    WHEN longest_gap_days >= $inactive_days THEN 'reactivated'
    ELSE 'active'
  END AS lifecycle_stage
FROM customer_features
ORDER BY customer_id;
