-- One row per customer per day: the customer's order statistics as of midnight UTC (`as_of`),
-- counting only orders placed strictly before that instant, so a training row at time T never
-- sees an order placed at or after T. The 30-day window of the row as of D covers the orders
-- with D - 30 days <= order_ts < D, exactly like an aggregation view with window 30d.
--
-- How: orders are summed per customer and calendar day; each day's totals are put on the row of
-- the midnight that ends that day (as_of = order day + 1 day) of a dense calendar (every customer
-- x every midnight from 2025-01-01 to 2026-01-01), then rolled up with window functions: 30 rows
-- are 30 days because the calendar is dense. That is linear in customers x days, with no
-- orders x days blow-up. Amounts are summed as DECIMAL so that DuckDB and PostgreSQL give
-- bit-identical results. The order data starts on 2025-01-01: orders before 2024-12-31 would not
-- be counted. Rows before the customer signed up are dropped.
WITH calendar AS (
  SELECT CAST(d.day AS TIMESTAMP) AS as_of
  FROM generate_series(TIMESTAMP '2025-01-01', TIMESTAMP '2026-01-01', INTERVAL '1 day') AS d(day)
),
signed_up AS (
  SELECT CAST(customer_id AS BIGINT) AS customer_id, CAST(signup_ts AS TIMESTAMP) AS signup_ts
  FROM {{source "customers"}}
),
orders_per_day AS (
  SELECT
    CAST(customer_id AS BIGINT) AS customer_id,
    CAST(CAST(order_ts AS DATE) AS TIMESTAMP) AS order_day,
    COUNT(*) AS order_count,
    SUM(CAST(amount AS DECIMAL(18, 2))) AS order_amount
  FROM {{source "orders"}}
  GROUP BY 1, 2
),
grid AS (
  SELECT
    c.customer_id,
    c.signup_ts,
    cal.as_of,
    COALESCE(o.order_count, 0) AS order_count,
    COALESCE(o.order_amount, 0) AS order_amount,
    o.order_day
  FROM signed_up AS c
  CROSS JOIN calendar AS cal
  LEFT JOIN orders_per_day AS o
    ON o.customer_id = c.customer_id AND o.order_day + INTERVAL '1 day' = cal.as_of
),
rolled AS (
  SELECT
    customer_id,
    signup_ts,
    as_of,
    SUM(order_count) OVER (
      PARTITION BY customer_id ORDER BY as_of ROWS BETWEEN 29 PRECEDING AND CURRENT ROW
    ) AS orders_30d,
    SUM(order_amount) OVER (
      PARTITION BY customer_id ORDER BY as_of ROWS BETWEEN 29 PRECEDING AND CURRENT ROW
    ) AS amount_30d,
    SUM(order_amount) OVER (
      PARTITION BY customer_id ORDER BY as_of ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS amount_total,
    MAX(order_day) OVER (
      PARTITION BY customer_id ORDER BY as_of ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS last_order_day
  FROM grid
)
SELECT
  customer_id,
  as_of,
  CAST(orders_30d AS BIGINT) AS total_orders_30d,
  CASE
    WHEN orders_30d > 0 THEN CAST(amount_30d AS DOUBLE PRECISION) / CAST(orders_30d AS DOUBLE PRECISION)
  END AS avg_order_value_30d,
  CAST(CAST(as_of AS DATE) - CAST(last_order_day AS DATE) AS BIGINT) AS days_since_last_order,
  CAST(amount_total AS DOUBLE PRECISION) AS lifetime_value
FROM rolled
WHERE as_of > signup_ts
