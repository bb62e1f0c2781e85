-- Feast's MULTIPLE_FEATURE_VIEW_POINT_IN_TIME_JOIN (PostgreSQL offline store), rendered by
-- bench/feast/render.py for views ties over fcbench_pit.ties_entities; see bench/feast/README.md.
WITH

/*
 Compute a deterministic hash for the `left_table_query_string` that will be used throughout
 all the logic as the field to GROUP BY the data
*/
entity_dataframe AS (
    SELECT *,
        event_timestamp AS entity_timestamp
        
            
            ,(
                
                    CAST("customer_id" as VARCHAR) ||
                
                CAST("event_timestamp" AS VARCHAR)
            ) AS "short__entity_row_unique_id"
            
        
    FROM
        
            fcbench_pit.ties_entities
        
)


,




"short__entity_dataframe" AS (
    SELECT
        "customer_id",
        entity_timestamp,
        "short__entity_row_unique_id"
    FROM entity_dataframe
    GROUP BY
        "customer_id",
        entity_timestamp,
        "short__entity_row_unique_id"
),

/*
 This query template performs the point-in-time correctness join for a single feature set table
 to the provided entity table.

 1. We first join the current feature_view to the entity dataframe that has been passed.
 This JOIN has the following logic:
    - For each row of the entity dataframe, only keep the rows where the `timestamp_field`
    is less than the one provided in the entity dataframe
    - If there a TTL for the current feature_view, also keep the rows where the `timestamp_field`
    is higher the the one provided minus the TTL
    - For each row, Join on the entity key and retrieve the `entity_row_unique_id` that has been
    computed previously

 The output of this CTE will contain all the necessary information and already filtered out most
 of the data that is not relevant.
*/

"short__subquery" AS (
    SELECT
        "ts" as event_timestamp,
        "created_ts" as created_timestamp,
        "customer_id" AS "customer_id",
        
            "a_f1" as "a_f1", 
        
            "a_f2" as "a_f2", 
        
            "a_n" as "a_n"
        
    FROM fcbench_pit.ties_features AS sub
    WHERE "ts" <= (SELECT MAX(entity_timestamp) FROM entity_dataframe)
    
    AND "ts" >= (SELECT MIN(entity_timestamp) FROM entity_dataframe) - 259200 * interval '1' second
    
),

"short__base" AS (
    SELECT
        subquery.*,
        entity_dataframe.entity_timestamp,
        entity_dataframe."short__entity_row_unique_id"
    FROM "short__subquery" AS subquery
    INNER JOIN "short__entity_dataframe" AS entity_dataframe
    ON TRUE
        AND subquery.event_timestamp <= entity_dataframe.entity_timestamp

        
        AND subquery.event_timestamp >= entity_dataframe.entity_timestamp - 259200 * interval '1' second
        

        
        AND subquery."customer_id" = entity_dataframe."customer_id"
        
),

/*
 2. If the `created_timestamp_column` has been set, we need to
 deduplicate the data first. This is done by calculating the
 `MAX(created_at_timestamp)` for each event_timestamp.
 We then join the data on the next CTE
*/

"short__dedup" AS (
    SELECT
        "short__entity_row_unique_id",
        event_timestamp,
        MAX(created_timestamp) as created_timestamp
    FROM "short__base"
    GROUP BY "short__entity_row_unique_id", event_timestamp
),


/*
 3. The data has been filtered during the first CTE "*__base"
 Thus we only need to compute the latest timestamp of each feature.
*/
"short__latest" AS (
    SELECT
        event_timestamp,
        created_timestamp,
        "short__entity_row_unique_id"
    FROM
    (
        SELECT *,
            ROW_NUMBER() OVER(
                PARTITION BY "short__entity_row_unique_id"
                ORDER BY event_timestamp DESC,created_timestamp DESC
            ) AS row_number
        FROM "short__base"
        
            INNER JOIN "short__dedup"
            USING ("short__entity_row_unique_id", event_timestamp, created_timestamp)
        
    ) AS sub
    WHERE row_number = 1
),

/*
 4. Once we know the latest value of each feature for a given timestamp,
 we can join again the data back to the original "base" dataset
*/
"short__cleaned" AS (
    SELECT base.*
    FROM "short__base" as base
    INNER JOIN "short__latest"
    USING(
        "short__entity_row_unique_id",
        event_timestamp
        
            ,created_timestamp
        
    )
)



/*
 Joins the outputs of multiple time travel joins to a single table.
 The entity_dataframe dataset being our source of truth here.
 */

SELECT "customer_id", "event_timestamp", "label", "__fc_row_id", "a_f1", "a_f2", "a_n"
FROM entity_dataframe

LEFT JOIN (
    SELECT
        "short__entity_row_unique_id"
        
            ,"a_f1"
        
            ,"a_f2"
        
            ,"a_n"
        
    FROM "short__cleaned"
) AS "short" USING ("short__entity_row_unique_id")
