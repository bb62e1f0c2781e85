/**
 * The `--full-names` example of issue 9 (B.3): `a:b__c` and `a__b:c` both become `a__b__c`. A
 * service holding both fails to build (FC010); `train --features` with both is a usage error
 * (FC015) with `--full-names` and works without it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const DEFS = `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: s, path: ../data/s.csv, timestamp: ts}
feature_views:
  - {name: a, entities: [user], source: s, features: [{name: b__c, type: int64}]}
  - {name: a__b, entities: [user], source: s, features: [{name: c, type: int64}]}
`;
const dir = tempProject({
  "fcompile.yaml": CONFIG,
  "definitions/d.yml": DEFS,
  "data/s.csv": "user_id,ts,b__c,c\n1,2025-01-01,10,20\n",
  "entities.csv": "user_id,event_timestamp\n1,2025-01-02\n",
});
afterAll(() => removeProject(dir));
const cli = (...args: string[]) => spawnSync(process.execPath, ["bin/fcompile", ...args, "--project", dir], { encoding: "utf8" });

describe("a:b__c and a__b:c", () => {
  it("train --features: a usage error with --full-names, distinct columns without", () => {
    expect(cli("build").status).toBe(0);
    expect(cli("run").status).toBe(0);
    const out = path.join(dir, "out.csv");
    const args = ["train", "--features", "a:b__c,a__b:c", "--entities", path.join(dir, "entities.csv"), "--out", out];
    const full = cli(...args, "--full-names");
    expect(full.status).toBe(1);
    expect(full.stderr).toContain(
      "error FC015: features 'a:b__c' and 'a__b:c' both come out as column 'a__b__c' with full names (view__feature) in --features; rename one of them",
    );
    const short = cli(...args);
    expect(short.status, short.stderr).toBe(0);
    expect(readFileSync(out, "utf8").trim().split("\n")).toEqual(["user_id,event_timestamp,b__c,c", "1,2025-01-02,10,20"]);
  });

  it("get --features with --full-names names the clash instead of asking for full names", () => {
    expect(cli("materialize", "--end", "2025-01-03").status).toBe(0);
    expect(cli("load").status).toBe(0);
    const full = cli("get", "--features", "a:b__c,a__b:c", "--entity", "user_id=1", "--full-names");
    expect(full.status).toBe(1);
    expect(full.stderr).toContain("two requested features are both named 'a__b__c' with full names (view__feature); ask for one of them");
    const short = cli("get", "--features", "a:b__c,a__b:c", "--entity", "user_id=1");
    expect(short.status, short.stderr).toBe(0);
    expect(short.stdout).toMatch(/"b__c"[\s\S]*"c"/);
  });

  it("a service with both does not build, whichever mode it would be used in", () => {
    writeFileSync(path.join(dir, "definitions/d.yml"), DEFS + "feature_services:\n  - {name: svc, features: [a:b__c, a__b:c]}\n");
    const r = cli("build");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "definitions/d.yml:9:36: error FC010: features 'a:b__c' and 'a__b:c' both come out as column 'a__b__c' with full names (view__feature) in service 'svc'; rename one of them",
    );
  });
});
