-- migration.csv: previous segment × segment of this run, with the customers
-- and their revenue in this run and in the previous one. Every pair of
-- segments of the two runs has a row (0 where nobody moved), so the table
-- pivots into a full matrix; customers new since the previous run (previous
-- segment NULL) and customers no longer in the window (segment NULL) follow.
CREATE OR REPLACE TABLE segment_migration AS
WITH previous_segments AS (
  SELECT DISTINCT segment_id AS previous_segment_id, segment_name AS previous_segment FROM previous_customers
),
segments AS (
  SELECT DISTINCT segment_id, segment_name AS segment FROM customers_out
),
cells AS (
  SELECT
    previous_segment_id,
    segment_id,
    count(*)::INTEGER AS customers,
    sum(revenue) AS revenue,
    sum(previous_revenue) AS previous_revenue
  FROM customer_migration
  GROUP BY ALL
),
grid AS (
  SELECT p.previous_segment_id, p.previous_segment, s.segment_id, s.segment FROM previous_segments p CROSS JOIN segments s
  UNION ALL
  SELECT NULL, NULL, s.segment_id, s.segment FROM segments s
  UNION ALL
  SELECT p.previous_segment_id, p.previous_segment, NULL, NULL FROM previous_segments p
)
SELECT
  g.previous_segment_id,
  g.previous_segment,
  g.segment_id,
  g.segment,
  coalesce(c.customers, 0)::INTEGER AS customers,
  round(coalesce(c.revenue, 0), 2) AS revenue,
  round(coalesce(c.previous_revenue, 0), 2) AS previous_revenue
FROM grid g
LEFT JOIN cells c
  ON c.previous_segment_id IS NOT DISTINCT FROM g.previous_segment_id
 AND c.segment_id IS NOT DISTINCT FROM g.segment_id
-- New and gone customers only where there are some; the matrix part always.
WHERE (g.previous_segment_id IS NOT NULL AND g.segment_id IS NOT NULL) OR coalesce(c.customers, 0) > 0
ORDER BY g.segment_id IS NULL, g.previous_segment_id IS NULL, g.previous_segment_id, g.segment_id;
