-- value_histories: the distinct (frequency, recency_days, t_days) of
-- value_customers with the customers sharing each. The transaction model's
-- likelihood and predictions depend on a customer's history alone, and whole
-- days make histories repeat: a million customers have a few hundred
-- thousand. `history` numbers them in the order of their first customer (by
-- customer_index), so a likelihood summed over histories with their counts
-- adds up in the same order as over the customers.
CREATE OR REPLACE TABLE value_histories AS
SELECT
  (row_number() OVER (ORDER BY min(customer_index)) - 1)::INTEGER AS history,
  frequency,
  recency_days,
  t_days,
  count(*)::INTEGER AS customers
FROM value_customers
GROUP BY frequency, recency_days, t_days
ORDER BY history;
