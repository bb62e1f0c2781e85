"""Renders Feast's PostgreSQL point-in-time template for the benchmark's requests.

    python3 bench/feast/render.py PATH/TO/feast/.../postgres_offline_store/postgres.py

PATH is Feast's own `sdk/python/feast/infra/offline_stores/contrib/postgres_offline_store/postgres.py`
(feast-dev/feast, commit in bench/feast/README.md). This script takes the template constant
MULTIPLE_FEATURE_VIEW_POINT_IN_TIME_JOIN out of that file (it does not import Feast) and renders
it with jinja2 exactly as Feast's build_point_in_time_query does, with the context that
get_historical_features builds (offline_utils.get_feature_view_query_context): no field mapping,
`"key" AS "key"` entity selections, ttl in whole seconds (0 = none), the table source's name as
its table_subquery, and the entity rows as a table (Feast's default entity_select_mode
temp_table: the entity DataFrame or SQL is first copied into a table; here the benchmark's entity
table is that table, so the upload is not timed). Writes bench/feast/*.sql.
"""

import ast
import os
import sys

from jinja2 import BaseLoader, Environment

HERE = os.path.dirname(os.path.abspath(__file__))

VIEWS = {
    "short": {"table": "features_a", "ttl": 30 * 86400, "created": "created_ts", "features": ["a_f1", "a_f2", "a_n"]},
    "long": {"table": "features_b", "ttl": 365 * 86400, "created": None, "features": ["b_f1", "b_f2", "b_n"]},
    "ties": {"table": "ties_features", "ttl": 3 * 86400, "created": "created_ts", "features": ["a_f1", "a_f2", "a_n"]},
}

# (output file, schema, entity table, entity columns in table order, views)
REQUESTS = [
    ("pg-short.sql", "fcbench_pit", "entities", ["customer_id", "event_timestamp", "label", "__fc_row_id"], ["short"]),
    ("pg-short-long.sql", "fcbench_pit", "entities", ["customer_id", "event_timestamp", "label", "__fc_row_id"], ["short", "long"]),
    ("pg-ties.sql", "fcbench_pit", "ties_entities", ["customer_id", "event_timestamp", "label", "__fc_row_id"], ["ties"]),
    ("duckdb-short-long.sql", "bench", "entities", ["customer_id", "event_timestamp", "label"], ["short", "long"]),
]


def template_from(postgres_py: str) -> str:
    tree = ast.parse(open(postgres_py, encoding="utf8").read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MULTIPLE_FEATURE_VIEW_POINT_IN_TIME_JOIN" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit(f"no MULTIPLE_FEATURE_VIEW_POINT_IN_TIME_JOIN in {postgres_py}")


def render(template: str, schema: str, entities: str, entity_columns: list, views: list) -> str:
    contexts = []
    for name in views:
        v = VIEWS[name]
        contexts.append(
            {
                "name": "short" if name == "ties" else name,
                "ttl": v["ttl"],
                "entities": ["customer_id"],
                "features": v["features"],
                "field_mapping": {},
                "timestamp_field": "ts",
                "created_timestamp_column": v["created"],
                "table_subquery": f"{schema}.{v['table']}",
                # offline_utils: f"{join_key_column} AS {join_key}", then postgres.py's quoting hack
                "entity_selections": ['"customer_id" AS "customer_id"'],
            }
        )
    final_output_feature_names = list(entity_columns) + [f for c in contexts for f in c["features"]]
    context = {
        "left_table_query_string": f"{schema}.{entities}",
        "entity_df_event_timestamp_col": "event_timestamp",
        "unique_entity_keys": {"customer_id"},
        "featureviews": contexts,
        "full_feature_names": False,
        "final_output_feature_names": final_output_feature_names,
        "use_cte": False,
    }
    return Environment(loader=BaseLoader()).from_string(source=template).render(context)


def main() -> None:
    template = template_from(sys.argv[1])
    for out, schema, entities, columns, views in REQUESTS:
        sql = render(template, schema, entities, columns, views)
        with open(os.path.join(HERE, out), "w", encoding="utf8") as f:
            f.write(f"-- Feast's MULTIPLE_FEATURE_VIEW_POINT_IN_TIME_JOIN (PostgreSQL offline store), rendered by\n")
            f.write(f"-- bench/feast/render.py for views {', '.join(views)} over {schema}.{entities}; see bench/feast/README.md.\n")
            f.write(sql.strip() + "\n")
        print(f"wrote bench/feast/{out}")


if __name__ == "__main__":
    main()
