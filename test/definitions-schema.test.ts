import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

/** The JSON Schema editors use (via the yaml-language-server `$schema` comment) accepts the sample project and rejects mistakes. */
const schema = JSON.parse(readFileSync("src/project/definitions.schema.json", "utf8")) as object;
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
const validate = ajv.compile(schema);

const sampleDir = "sample_project/definitions";
const sampleFiles = readdirSync(sampleDir).filter((f) => f.endsWith(".yml"));

describe("definitions JSON Schema", () => {
  it.each(sampleFiles)("accepts sample_project/definitions/%s and is named in its $schema comment", (file) => {
    const text = readFileSync(path.join(sampleDir, file), "utf8");
    const m = /^# yaml-language-server: \$schema=(\S+)/.exec(text);
    expect(m, "first line names the schema").not.toBeNull();
    expect(path.resolve(sampleDir, m![1]!)).toBe(path.resolve("src/project/definitions.schema.json"));
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it("accepts typed join keys, either form, and x- keys that hold YAML anchors", () => {
    const good = {
      "x-base": { owner: "growth" },
      entities: [{ name: "c", join_keys: ["a", { name: "b", type: "int64" }, { name: "c", type: "string" }] }],
    };
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
  });

  it("rejects unknown keys, bad types, bad durations and unsafe names", () => {
    const bad = [
      { entities: [{ name: "c", join_keys: ["id"], colour: "x" }] },
      { feature_views: [{ name: "v", entities: ["c"], source: "s", ttl: "30 days", features: [{ name: "f", type: "int64" }] }] },
      { feature_views: [{ name: "v", entities: ["c"], source: "s", features: [{ name: "f", type: "integer" }] }] },
      { sources: [{ name: "Bad Name", table: "raw.x", timestamp: "ts" }] },
      { feature_services: [{ name: "s", features: ["no_colon"] }] },
      { entities: [{ name: "c", join_keys: [{ name: "id", type: "int32" }] }] },
      { entities: [{ name: "c", join_keys: [{ name: "id" }] }] },
      { entities: [{ name: "c", join_keys: ["__fc_row_id"] }] },
      { feature_views: [{ name: "v", entities: ["c"], source: "s", features: [{ name: "__FC_x", type: "int64" }] }] },
    ];
    for (const doc of bad) expect(validate(doc), JSON.stringify(doc)).toBe(false);
  });
});
