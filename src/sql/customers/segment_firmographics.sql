-- segment_firmographics: one row per segment × attribute × value, with the
-- segment's customers that have the value and their net revenue. Attributes:
-- master ('yes' / 'no': a usable master row or not), wz_section, wz_division,
-- size_class and state (federal state, or 'abroad' for a company outside
-- Germany). Customers without a value for an attribute are not counted under it.
CREATE OR REPLACE TABLE segment_firmographics AS
WITH customers AS (
  SELECT
    cs.segment_id,
    -- exact decimals, so the sums do not depend on the order threads add them in
    f.revenue::DECIMAL(38, 4) AS revenue,
    m.customer_id IS NOT NULL AS has_master,
    m.wz_section,
    m.wz_division,
    m.size_class,
    CASE WHEN m.company_country <> 'DE' THEN 'abroad' ELSE m.state END AS state
  FROM customer_segment cs
  JOIN customer_features f USING (customer_id)
  LEFT JOIN customer_master m USING (customer_id)
),

counted AS (
  SELECT segment_id, 'master' AS attribute, CASE WHEN has_master THEN 'yes' ELSE 'no' END AS value, count(*) AS customers, sum(revenue) AS revenue
  FROM customers GROUP BY ALL
  UNION ALL
  SELECT segment_id, 'wz_section', wz_section, count(*), sum(revenue) FROM customers WHERE wz_section IS NOT NULL GROUP BY ALL
  UNION ALL
  SELECT segment_id, 'wz_division', wz_division, count(*), sum(revenue) FROM customers WHERE wz_division IS NOT NULL GROUP BY ALL
  UNION ALL
  SELECT segment_id, 'size_class', size_class, count(*), sum(revenue) FROM customers WHERE has_master GROUP BY ALL
  UNION ALL
  SELECT segment_id, 'state', state, count(*), sum(revenue) FROM customers WHERE state IS NOT NULL GROUP BY ALL
)

SELECT segment_id::INTEGER AS segment_id, attribute, value, customers::INTEGER AS customers, revenue::DOUBLE AS revenue
FROM counted
ORDER BY segment_id, attribute, customers DESC, value;
