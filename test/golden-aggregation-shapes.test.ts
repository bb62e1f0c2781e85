/**
 * Golden SQL of the aggregation views' training shapes (docs/aggregations.md, "Training"), per
 * dialect and shape: `build` compiles the join; `train` may choose tiles (dense data) or, on
 * PostgreSQL with the index, lateral. Each is forced here (TrainOptions.aggregationShape).
 * Reviewed like code; UPDATE_GOLDEN=1 rewrites them.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../src/commands/common.js";
import { compileTrainingWithShapes } from "../src/compile/training.js";
import type { AggregationShape } from "../src/compile/training-shapes.js";
import { DIALECTS } from "../src/dialects/index.js";

const FIXTURE = "test/fixtures/aggregations";
const SHAPES: AggregationShape[] = ["aggregate-join", "aggregate-tiles", "aggregate-lateral"];

describe.each(Object.keys(DIALECTS))("golden SQL of aggregation shapes: %s", (dialectName) => {
  const dialect = DIALECTS[dialectName as keyof typeof DIALECTS];
  it.each(SHAPES)("%s", async (shape) => {
    const { registry, diagnostics } = await loadProject(FIXTURE);
    expect(diagnostics).toEqual([]);
    const features = [...registry.views.values()].flatMap((v) => v.features.map((f) => ({ view: v.name, feature: f.name })));
    const { sql, shapes } = compileTrainingWithShapes(
      registry,
      { dialect, schema: "shop" },
      {
        title: `aggregation shape ${shape}`,
        features,
        entities: '"raw"."entity_rows"',
        timestampColumn: "event_timestamp",
        fullNames: true,
        entityColumns: ["customer_id", "region", "store_id", "event_timestamp"],
        aggregationShape: shape,
      },
    );
    // The view with `last` never gets tiles; lateral needs a dialect that reads index ranges.
    expect(shapes.map((s) => s.choice.shape)).toEqual([
      shape === "aggregate-lateral" && !dialect.wantsIndexes ? "aggregate-join" : shape,
      shape === "aggregate-tiles" || (shape === "aggregate-lateral" && !dialect.wantsIndexes) ? "aggregate-join" : shape,
    ]);
    const file = path.join("test/golden/aggregations", dialectName, `${shape}.sql`);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, sql);
    }
    expect(sql).toBe(readFileSync(file, "utf8"));
  });
});
