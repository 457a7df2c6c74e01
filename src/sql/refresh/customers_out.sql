-- customers_out with the segment each customer was in at the previous run
-- (NULL for customers new since then), appended after discover's columns so
-- readers that go by position keep working.
CREATE OR REPLACE TABLE customers_out AS
SELECT
  o.*,
  p.segment_id AS previous_segment_id,
  p.segment_name AS previous_segment
FROM customers_out o
LEFT JOIN previous_customers p ON p.customer_id = o.customer_id
ORDER BY o.customer_id;
