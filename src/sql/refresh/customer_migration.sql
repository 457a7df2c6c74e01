-- Every customer of the previous run or of this one, with its segment in
-- each: NULL previous_segment_id = new since the previous run, NULL
-- segment_id = no purchase in this run's window any more.
CREATE OR REPLACE TABLE customer_migration AS
SELECT
  coalesce(c.customer_id, p.customer_id) AS customer_id,
  p.segment_id AS previous_segment_id,
  p.segment_name AS previous_segment,
  c.segment_id,
  c.segment_name AS segment,
  c.revenue,
  p.revenue AS previous_revenue
FROM customers_out c
FULL OUTER JOIN previous_customers p ON p.customer_id = c.customer_id;
