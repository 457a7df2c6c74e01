-- customers_rejects: one row per row of the customer master that is not used,
-- with its row number, reason, the offending value and the row's original
-- text in the recognised columns. company_name is dropped again unless the
-- run was asked to write it (--include-company-name).
CREATE OR REPLACE TABLE customers_rejects AS
WITH rejected AS (
  SELECT row_number, reject_reason AS reason, reject_detail AS detail
  FROM stg_customers
  WHERE reject_reason IS NOT NULL
),

malformed AS (
  SELECT line AS row_number, 'malformed_row' AS reason, error AS detail
  FROM raw_customers_malformed
)

SELECT
  r.row_number,
  r.reason,
  r.detail,
  s.customer_id_raw AS customer_id,
  s.industry_code_raw AS industry_code,
  s.employees_raw AS employees,
  s.annual_revenue_raw AS annual_revenue,
  s.postal_code_raw AS postal_code,
  s.country_raw AS country,
  s.company_name_raw AS company_name
FROM (SELECT * FROM rejected UNION ALL SELECT * FROM malformed) r
LEFT JOIN src_customers s USING (row_number)
ORDER BY r.row_number;
