-- customer_master: one row per customer with a usable row in the customer
-- master: the recognised columns typed, the derived WZ 2008 section and
-- division (names in German and English), the EU SME size class and the
-- region (Leitzone, Leitregion, federal state), and the number of the row it
-- came from (master_row, to attach the attributes; dropped after).
-- Parameters: the ceilings of Recommendation 2003/361/EC from
-- src/firmographics/sizeClass.ts ($micro_employees_below,
-- $micro_turnover_at_most, $small_…, $medium_…): the same rule as
-- classifySize, where an unknown figure does not count against a class.
CREATE OR REPLACE TABLE customer_master AS
WITH used AS (
  SELECT * FROM stg_customers WHERE reject_reason IS NULL
),

sized AS (
  SELECT
    *,
    CASE
      WHEN employees IS NULL AND annual_revenue IS NULL THEN 'unknown'
      WHEN (employees IS NULL OR employees < $micro_employees_below)
        AND (annual_revenue IS NULL OR annual_revenue <= $micro_turnover_at_most) THEN 'micro'
      WHEN (employees IS NULL OR employees < $small_employees_below)
        AND (annual_revenue IS NULL OR annual_revenue <= $small_turnover_at_most) THEN 'small'
      WHEN (employees IS NULL OR employees < $medium_employees_below)
        AND (annual_revenue IS NULL OR annual_revenue <= $medium_turnover_at_most) THEN 'medium'
      ELSE 'large'
    END AS size_class,
    CASE
      WHEN employees IS NOT NULL AND annual_revenue IS NOT NULL THEN 'employees+turnover'
      WHEN employees IS NOT NULL THEN 'employees'
      WHEN annual_revenue IS NOT NULL THEN 'turnover'
      ELSE 'none'
    END AS size_basis
  FROM used
)

SELECT
  s.customer_id,
  w.code AS industry_code,
  w.section AS wz_section,
  w.section_name_de AS wz_section_name_de,
  w.section_name_en AS wz_section_name_en,
  w.division AS wz_division,
  w.division_name_de AS wz_division_name_de,
  w.division_name_en AS wz_division_name_en,
  s.employees,
  round(s.annual_revenue, 2) AS annual_revenue,
  s.size_class,
  s.size_basis,
  CASE WHEN s.country = 'DE' THEN p.postcode ELSE s.postal_code_text END AS postal_code,
  p.leitzone,
  p.leitregion,
  p.state,
  p.state_name_de,
  p.state_name_en,
  p.ambiguous AS state_ambiguous,
  s.country AS company_country,
  s.company_name,
  s.row_number AS master_row
FROM sized s
LEFT JOIN wz_lookup w ON w.raw = s.industry_code_text AND w.ok
-- region only for German addresses: a postcode abroad is kept as written, without a state
LEFT JOIN postcode_lookup p ON p.raw = s.postal_code_text AND p.ok AND s.country = 'DE'
ORDER BY s.customer_id;
