-- history.csv of a run: every segment of every run of this output up to
-- its as-of date, oldest first ($pipeline, $as_of).
CREATE OR REPLACE TEMP TABLE segment_history AS
SELECT
  strftime(s.as_of, '%Y-%m-%d') AS as_of,
  s.segment_id,
  s.segment,
  s.customers,
  s.share,
  s.revenue,
  s.revenue_share
FROM warehouse.segment_sizes s
WHERE s.pipeline = $pipeline AND s.as_of <= $as_of::DATE
ORDER BY s.as_of, s.segment_id;
