-- customers_out (extended): one row per customer of the run, the columns it
-- has (the contract's, then any added before) followed by the customer
-- master's: has_master, the industry (code, WZ section and division with
-- their German and English names), employees, annual revenue, EU size class
-- and its basis, postal code, Leitzone, Leitregion, federal state, the
-- company's country, company_name when the run may write it, and the
-- attributes (attr_*). Customers without a usable master row get NULLs.
CREATE OR REPLACE TABLE customers_out AS
SELECT
  o.*,
  m.customer_id IS NOT NULL AS has_master,
  m.* EXCLUDE (customer_id)
FROM customers_out o
LEFT JOIN customer_master m USING (customer_id)
ORDER BY o.customer_id;
