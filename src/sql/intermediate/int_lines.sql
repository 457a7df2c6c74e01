-- int_lines: one row per parsed input line with its final status in the
-- observation window: used, out_of_window or rejected (with reject_reason).
-- Parameters: $as_of (DATE; the window closes at the end of that day).
CREATE OR REPLACE TABLE int_lines AS
WITH windowed AS (
  SELECT
    *,
    CASE
      WHEN reject_reason IS NOT NULL THEN 'rejected'
      WHEN order_ts >= CAST($as_of AS DATE) + INTERVAL 1 DAY THEN 'out_of_window'
      ELSE 'in_window'
    END AS window_state
  FROM stg_lines
),

buyers AS (
  -- customers with at least one purchase line in the window: the customers of the run
  SELECT DISTINCT customer_id
  FROM windowed
  WHERE window_state = 'in_window' AND NOT is_return
),

classified AS (
  SELECT
    w.*,
    w.window_state = 'in_window' AND w.is_return AND b.customer_id IS NULL AS is_orphan_return
  FROM windowed w
  LEFT JOIN buyers b USING (customer_id)
)

SELECT
  * EXCLUDE (window_state, is_orphan_return, reject_reason),
  CASE WHEN is_orphan_return THEN 'return_without_purchase' ELSE reject_reason END AS reject_reason,
  CASE
    WHEN is_orphan_return THEN 'rejected'
    WHEN window_state = 'in_window' THEN 'used'
    ELSE window_state
  END AS status
FROM classified;
