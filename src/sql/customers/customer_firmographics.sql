-- customer_firmographics: one row per customer of the run (customer_features),
-- the firmographic inputs of the mixed clustering: log employees and log
-- annual revenue (NULL where unknown), and the WZ section, size class and
-- federal state as categories, 'unknown' where the master has no value or no
-- row for the customer, state 'abroad' for a company outside Germany.
CREATE OR REPLACE TABLE customer_firmographics AS
SELECT
  f.customer_id,
  m.customer_id IS NOT NULL AS has_master,
  ln(1 + m.employees) AS log_employees,
  ln(1 + m.annual_revenue) AS log_annual_revenue,
  coalesce(m.wz_section, 'unknown') AS wz_section,
  coalesce(m.size_class, 'unknown') AS size_class,
  CASE
    WHEN m.customer_id IS NULL THEN 'unknown'
    WHEN m.company_country <> 'DE' THEN 'abroad'
    ELSE coalesce(m.state, 'unknown')
  END AS state
FROM customer_features f
LEFT JOIN customer_master m USING (customer_id)
ORDER BY f.customer_id;
