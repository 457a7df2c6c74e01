-- stg_lines: one row per parsed input line, typed, with the first reason it
-- cannot be used (reject_reason is NULL when it can). Only the columns later
-- models read are kept (not description, channel or unit price): at 10M
-- lines every column is hundreds of MB.
-- The original text of the canonical columns (the *_raw columns) is kept
-- only on the rows that may end up in the rejects: rejected here, returns
-- (a return without purchase is rejected later) and lines after a given
-- as-of date. The rejects are then built from stg_lines alone, and the raw
-- input can be dropped as soon as this table exists.
-- Parameters: $has_order_id, $has_quantity, $non_product_codes (upper case),
-- $non_product_pattern (a regular expression of lower-case prefixes), $date_formats,
-- $as_of (YYYY-MM-DD, or '' when the as-of date is the last usable line's).
CREATE OR REPLACE TABLE stg_lines AS
WITH trimmed AS (
  SELECT
    row_number,
    -- 17850.0 (an id that went through a float column) is the same customer as 17850;
    -- the regular expression only runs on ids with a dot
    nullif(CASE
      WHEN contains(customer_id_raw, '.') THEN regexp_replace(trim(customer_id_raw), '^(\d+)\.0+$', '\1')
      ELSE trim(customer_id_raw)
    END, '') AS customer_id,
    nullif(trim(order_id_raw), '') AS order_id,
    nullif(trim(order_date_raw), '') AS order_date_text,
    nullif(trim(quantity_raw), '') AS quantity_text,
    nullif(trim(unit_price_raw), '') AS unit_price_text,
    nullif(trim(amount_raw), '') AS amount_text,
    nullif(trim(product_id_raw), '') AS product_id,
    nullif(trim(country_raw), '') AS country,
    nullif(upper(trim(currency_raw)), '') AS currency,
    dup_rank,
    customer_id_raw,
    order_id_raw,
    order_date_raw,
    product_id_raw,
    quantity_raw,
    unit_price_raw,
    amount_raw
  FROM src_lines
),

typed AS (
  SELECT
    *,
    coalesce(try_cast(order_date_text AS TIMESTAMP), try_strptime(order_date_text, $date_formats)) AS order_ts,
    parse_number(quantity_text) AS quantity_value,
    parse_number(unit_price_text) AS unit_price,
    parse_number(amount_text) AS amount
  FROM trimmed
),

valued AS (
  SELECT
    *,
    -- without a quantity column every line is one unit; a negative amount then marks a return
    CASE WHEN $has_quantity THEN quantity_value WHEN amount < 0 THEN -1 ELSE 1 END AS quantity,
    -- the line total is authoritative when given (it carries discounts)
    coalesce(amount, CASE WHEN $has_quantity THEN quantity_value ELSE 1 END * unit_price) AS signed_value,
    coalesce(left(order_id, 1) IN ('C', 'c'), false) AS is_cancellation
  FROM typed
),

flagged AS (
  SELECT
    *,
    is_cancellation OR quantity < 0 AS is_return
  FROM valued
),

reasoned AS (
  SELECT
    row_number,
    customer_id,
    order_id,
    order_ts,
    CAST(order_ts AS DATE) AS order_date,
    -- Exact decimals from here on: sums of money must not depend on the order
    -- DuckDB's threads add them up in, or the same input could give different
    -- last digits from run to run.
    CAST(quantity AS DECIMAL(38, 6)) AS quantity,
    CAST(abs(signed_value) AS DECIMAL(38, 6)) AS line_value,
    is_return,
    product_id,
    country,
    currency,
    customer_id_raw,
    order_id_raw,
    order_date_raw,
    product_id_raw,
    quantity_raw,
    unit_price_raw,
    amount_raw,
    CASE
      WHEN customer_id IS NULL THEN 'missing_customer_id'
      WHEN order_date_text IS NULL THEN 'missing_order_date'
      WHEN order_ts IS NULL THEN 'invalid_order_date'
      WHEN $has_quantity AND quantity_text IS NULL THEN 'missing_quantity'
      WHEN $has_quantity AND quantity_value IS NULL THEN 'invalid_quantity'
      WHEN unit_price_text IS NULL AND amount_text IS NULL THEN 'missing_price'
      WHEN (amount_text IS NOT NULL AND amount IS NULL) OR (amount_text IS NULL AND unit_price IS NULL) THEN 'invalid_price'
      WHEN $has_order_id AND dup_rank > 1 THEN 'duplicate_line'
      WHEN left(order_id, 1) IN ('A', 'a') AND regexp_matches(order_id, '^[Aa]\d') THEN 'adjustment'
      WHEN list_contains($non_product_codes, upper(product_id))
        OR regexp_matches(lower(product_id), $non_product_pattern) THEN 'non_product'
      WHEN quantity = 0 THEN 'zero_quantity'
      WHEN coalesce(amount, unit_price) = 0 THEN 'zero_price'
      WHEN unit_price < 0 OR (amount < 0 AND $has_quantity AND NOT is_return) THEN 'negative_price'
    END AS reject_reason,
    CASE
      WHEN order_date_text IS NOT NULL AND order_ts IS NULL THEN order_date_text
      WHEN $has_quantity AND quantity_value IS NULL THEN quantity_text
      WHEN amount_text IS NOT NULL AND amount IS NULL THEN amount_text
      WHEN amount_text IS NULL AND unit_price IS NULL THEN unit_price_text
    END AS reject_value
  FROM flagged
),

kept AS (
  SELECT
    *,
    -- every row int_lines can mark rejected or out_of_window: a line is out of
    -- the window only after an as-of date that was given (a derived as-of date
    -- is the last usable line's own date)
    coalesce(reject_reason IS NOT NULL OR is_return OR order_ts >= CAST(try_cast(nullif($as_of, '') AS DATE) + INTERVAL 1 DAY AS TIMESTAMP), false) AS keep_raw
  FROM reasoned
)

SELECT
  row_number,
  customer_id,
  order_id,
  order_ts,
  order_date,
  quantity,
  line_value,
  is_return,
  product_id,
  country,
  currency,
  reject_reason,
  reject_value,
  CASE WHEN keep_raw THEN customer_id_raw END AS customer_id_raw,
  CASE WHEN keep_raw THEN order_id_raw END AS order_id_raw,
  CASE WHEN keep_raw THEN order_date_raw END AS order_date_raw,
  CASE WHEN keep_raw THEN product_id_raw END AS product_id_raw,
  CASE WHEN keep_raw THEN quantity_raw END AS quantity_raw,
  CASE WHEN keep_raw THEN unit_price_raw END AS unit_price_raw,
  CASE WHEN keep_raw THEN amount_raw END AS amount_raw
FROM kept;
