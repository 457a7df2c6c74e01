-- customers_out (extended): one row per customer of the run, the contract's
-- columns first (the view customers_out_contract, from profileSegments, which
-- leaves the one materialisation and sort to this statement), then the value
-- columns from customer_value. Every customer of the run has a purchase day,
-- so the join finds each one; the LEFT JOIN only guards the column order.
CREATE OR REPLACE TABLE customers_out AS
SELECT
  o.*,
  round(v.clv, 2) AS clv,
  round(v.p_alive, 6) AS p_alive,
  round(v.expected_purchases_90d, 6) AS expected_purchases_90d,
  round(v.churn_risk, 6) AS churn_risk
FROM customers_out_contract o
LEFT JOIN customer_value v USING (customer_id)
ORDER BY o.customer_id;
