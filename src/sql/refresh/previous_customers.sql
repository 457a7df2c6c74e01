-- The previous run's customers: the segment each was in and its revenue then,
-- read from that run's customers.parquet ($path). Migration and the
-- previous_segment column join on customer_id.
CREATE OR REPLACE TABLE previous_customers AS
SELECT
  customer_id::VARCHAR AS customer_id,
  segment_id::INTEGER AS segment_id,
  segment_name::VARCHAR AS segment_name,
  revenue::DOUBLE AS revenue
FROM read_parquet($path);
