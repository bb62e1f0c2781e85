-- The customer's segment, as a change log: one row each time the segment changes (and one for
-- the first day the customer exists), stamped `updated_at`. Between two rows the segment stays
-- what the last row says, which is why the view's ttl is long (365d) while the daily statistics
-- it is built from expire after 2 days.
--
--   new      signed up less than 30 days ago
--   dormant  no order in the last 60 days (or never ordered)
--   vip      lifetime value of at least 3,000
--   regular  everybody else
WITH daily AS (
  SELECT
    s.customer_id,
    s.as_of,
    c.country,
    CASE
      WHEN s.as_of < CAST(c.signup_ts AS TIMESTAMP) + INTERVAL '30 days' THEN 'new'
      WHEN s.days_since_last_order IS NULL OR s.days_since_last_order > 60 THEN 'dormant'
      WHEN s.lifetime_value >= 3000 THEN 'vip'
      ELSE 'regular'
    END AS customer_segment
  FROM {{ref "customer_daily_stats"}} AS s
  JOIN {{source "customers"}} AS c
    ON CAST(c.customer_id AS BIGINT) = s.customer_id
),
changes AS (
  SELECT
    customer_id,
    as_of,
    country,
    customer_segment,
    LAG(customer_segment) OVER (PARTITION BY customer_id ORDER BY as_of) AS previous_segment
  FROM daily
)
SELECT
  customer_id,
  as_of AS updated_at,
  customer_segment,
  country
FROM changes
WHERE previous_segment IS NULL OR previous_segment <> customer_segment
