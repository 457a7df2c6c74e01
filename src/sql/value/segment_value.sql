-- segment_value: one row per segment with the value figures of its customers
-- (from customer_value): CLV sum and mean, mean P(alive) and churn risk,
-- expected purchases in the next 90 days, and the customers flagged valuable
-- but fading with their CLV. Figures are summed as DECIMAL so the result does
-- not depend on the order threads add them in (segments.json is byte-identical
-- across runs).
CREATE OR REPLACE TABLE segment_value AS
WITH exact AS (
  SELECT
    s.segment_id,
    CAST(v.clv AS DECIMAL(18, 6)) AS clv,
    CAST(v.p_alive AS DECIMAL(18, 12)) AS p_alive,
    CAST(v.churn_risk AS DECIMAL(18, 12)) AS churn_risk,
    CAST(v.expected_purchases_90d AS DECIMAL(18, 9)) AS expected_purchases_90d,
    v.fading = 1 AS fading
  FROM customer_segment s
  JOIN customer_value v USING (customer_id)
)

SELECT
  segment_id,
  count(*) AS customers,
  sum(clv)::DOUBLE AS clv_sum,
  (sum(clv) / count(*))::DOUBLE AS clv_mean,
  (sum(p_alive) / count(*))::DOUBLE AS p_alive_mean,
  (sum(churn_risk) / count(*))::DOUBLE AS churn_risk_mean,
  sum(expected_purchases_90d)::DOUBLE AS expected_purchases_90d_sum,
  count(*) FILTER (WHERE fading) AS fading_customers,
  coalesce(sum(clv) FILTER (WHERE fading), 0)::DOUBLE AS fading_clv
FROM exact
GROUP BY segment_id
ORDER BY segment_id;
