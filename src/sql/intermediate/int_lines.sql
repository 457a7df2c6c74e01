-- int_lines: one row per parsed input line with its final status in the
-- observation window: used, out_of_window or rejected (with reject_reason).
-- A view over stg_lines: only the orphan returns (int_orphan_returns) and
-- the window (int_window) are stored, not a second copy of every line.
CREATE OR REPLACE VIEW int_lines AS
SELECT
  s.* EXCLUDE (reject_reason),
  CASE WHEN o.row_number IS NOT NULL THEN 'return_without_purchase' ELSE s.reject_reason END AS reject_reason,
  CASE
    WHEN s.reject_reason IS NOT NULL OR o.row_number IS NOT NULL THEN 'rejected'
    WHEN s.order_ts >= w.window_end THEN 'out_of_window'
    ELSE 'used'
  END AS status
FROM stg_lines s
CROSS JOIN int_window w
LEFT JOIN int_orphan_returns o ON o.row_number = s.row_number;
