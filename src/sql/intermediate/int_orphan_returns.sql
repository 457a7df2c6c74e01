-- int_orphan_returns: the row numbers of returns in the window from customers
-- without any purchase line in the window (return_without_purchase). Few
-- rows, so int_lines can stay a view over stg_lines instead of a copy.
CREATE OR REPLACE TABLE int_orphan_returns AS
WITH in_window AS (
  SELECT row_number, customer_id, is_return
  FROM stg_lines
  WHERE reject_reason IS NULL AND order_ts < (SELECT window_end FROM int_window)
),

buyers AS (
  -- customers with at least one purchase line in the window: the customers of the run
  SELECT DISTINCT customer_id
  FROM in_window
  WHERE NOT is_return
)

SELECT r.row_number
FROM in_window r
ANTI JOIN buyers b USING (customer_id)
WHERE r.is_return
ORDER BY r.row_number;
