-- stg_customers: one row per parsed row of the customer master, typed, with
-- the first reason it cannot be used (reject_reason NULL when it can) and the
-- offending value (reject_detail).
-- Reads src_customers (the master's recognised columns as text, row numbers,
-- a hash of the whole row) and the lookups built from the
-- domain layer, keyed by the trimmed text: wz_lookup (parseWz2008 per
-- distinct code) and postcode_lookup (lookupPostcode per distinct postcode,
-- as a German code).
CREATE OR REPLACE TABLE stg_customers AS
WITH trimmed AS (
  SELECT
    *,
    -- the same id rule as stg_lines: 17850.0 from a float column is 17850, 007 stays 007
    nullif(regexp_replace(trim(customer_id_raw), '^(\d+)\.0+$', '\1'), '') AS customer_id,
    nullif(trim(industry_code_raw), '') AS industry_code_text,
    nullif(trim(employees_raw), '') AS employees_text,
    nullif(trim(annual_revenue_raw), '') AS annual_revenue_text,
    nullif(trim(postal_code_raw), '') AS postal_code_text,
    nullif(trim(country_raw), '') AS country_text
  FROM src_customers
),

typed AS (
  SELECT
    *,
    -- numbers follow the transactions' rules: decimal comma, thousands separators, currency sign;
    -- turnover is also read with German thousands dots alone when there are two or more of
    -- them (9.500.000 cannot be a decimal), while a single group (1.500) stays ambiguous
    parse_number(employees_text) AS employees_value,
    coalesce(
      parse_number(annual_revenue_text),
      CASE WHEN regexp_full_match(strip_currency(annual_revenue_text), '\d{1,3}(\.\d{3}){2,}')
        THEN try_cast(replace(strip_currency(annual_revenue_text), '.', '') AS DOUBLE) END
    ) AS annual_revenue_value,
    -- a German master often leaves the country empty; the spellings of Germany all mean DE
    CASE
      WHEN country_text IS NULL OR upper(country_text) IN ('DE', 'DEU', 'D', 'GERMANY', 'DEUTSCHLAND', 'BRD') THEN 'DE'
      ELSE upper(country_text)
    END AS country
  FROM trimmed
),

id_groups AS (
  -- one row per customer id that occurs more than once: its rows and whether they all agree
  SELECT
    customer_id,
    min(row_number) AS first_row,
    count(DISTINCT row_hash) AS variants,
    string_agg(row_number::VARCHAR, ', ' ORDER BY row_number) AS rows_text
  FROM typed
  WHERE customer_id IS NOT NULL
  GROUP BY customer_id
  HAVING count(*) > 1
),

checked AS (
  SELECT
    t.*,
    w.ok AS industry_ok,
    w.reason AS industry_reason,
    p.ok AS postcode_ok,
    p.reason AS postcode_reason,
    CASE
      WHEN t.customer_id IS NULL THEN 'missing_customer_id'
      -- identical repeats keep their first row; rows that disagree are all rejected
      WHEN g.customer_id IS NOT NULL AND (g.variants > 1 OR t.row_number <> g.first_row) THEN 'duplicate_customer_id'
      WHEN t.industry_code_text IS NOT NULL AND NOT w.ok THEN 'invalid_industry_code'
      -- 1.500 is 1500 in German and 1.5 in English: neither guess is safe for a headcount or a turnover
      WHEN regexp_full_match(t.employees_text, '\d{1,3}\.\d{3}') THEN 'invalid_employees'
      WHEN t.employees_text IS NOT NULL
        AND (t.employees_value IS NULL OR NOT isfinite(t.employees_value) OR t.employees_value < 0
             OR t.employees_value <> floor(t.employees_value) OR t.employees_value > 2147483647) THEN 'invalid_employees'
      WHEN regexp_full_match(strip_currency(t.annual_revenue_text), '\d{1,3}\.\d{3}') THEN 'invalid_annual_revenue'
      WHEN t.annual_revenue_text IS NOT NULL
        AND (t.annual_revenue_value IS NULL OR NOT isfinite(t.annual_revenue_value) OR t.annual_revenue_value < 0) THEN 'invalid_annual_revenue'
      WHEN t.country = 'DE' AND t.postal_code_text IS NOT NULL AND NOT p.ok THEN 'invalid_postal_code'
    END AS reject_reason,
    g.variants,
    g.first_row,
    g.rows_text
  FROM typed t
  LEFT JOIN id_groups g USING (customer_id)
  LEFT JOIN wz_lookup w ON w.raw = t.industry_code_text
  LEFT JOIN postcode_lookup p ON p.raw = t.postal_code_text
)

SELECT
  row_number,
  customer_id,
  industry_code_text,
  employees_text,
  annual_revenue_text,
  postal_code_text,
  country,
  CASE WHEN reject_reason IS NULL THEN employees_value::INTEGER END AS employees,
  CASE WHEN reject_reason IS NULL THEN annual_revenue_value END AS annual_revenue,
  company_name_raw AS company_name,
  reject_reason,
  CASE reject_reason
    WHEN 'missing_customer_id' THEN 'no customer id'
    WHEN 'duplicate_customer_id' THEN
      CASE WHEN variants > 1
        THEN 'customer id ' || customer_id || ' is on rows ' || rows_text || ' with different values'
        ELSE 'repeats row ' || first_row::VARCHAR
      END
    WHEN 'invalid_industry_code' THEN industry_reason
    WHEN 'invalid_employees' THEN
      CASE WHEN regexp_full_match(employees_text, '\d{1,3}\.\d{3}')
        THEN 'employees ' || employees_text || ' is ambiguous (a thousands dot or a decimal point?): write it without the dot, ' || replace(employees_text, '.', '')
        ELSE 'employees ' || employees_text || ' is not a whole number ≥ 0'
      END
    WHEN 'invalid_annual_revenue' THEN
      CASE WHEN regexp_full_match(strip_currency(annual_revenue_text), '\d{1,3}\.\d{3}')
        THEN 'annual revenue ' || annual_revenue_text || ' is ambiguous (a thousands dot or a decimal point?): write it without the dot, or with a decimal comma'
        ELSE 'annual revenue ' || annual_revenue_text || ' is not an amount ≥ 0'
      END
    WHEN 'invalid_postal_code' THEN postcode_reason
  END AS reject_detail
FROM checked
ORDER BY row_number;
