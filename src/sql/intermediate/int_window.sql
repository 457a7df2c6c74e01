-- int_window: the observation window, one row. It closes at the end of the
-- as-of day; the int_lines view reads it (a view cannot take parameters).
-- Parameters: $as_of (DATE).
CREATE OR REPLACE TABLE int_window AS
SELECT
  CAST($as_of AS DATE) AS as_of,
  CAST($as_of AS DATE) + INTERVAL 1 DAY AS window_end;
