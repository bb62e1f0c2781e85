/**
 * A push to a source that does not exist and to one without `push: true`: `fcompile push` and
 * `POST /push` (which know the project) say which mistake it is and how to fix it, whatever `to`;
 * `client.push` (which knows only the loaded layouts) gives one message right for both.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { loadProject } from "../src/index.js";
import { pushRows, pushSession } from "../src/commands/push.js";
import { columnsToRows } from "../src/server/feast-push.js";
import { createFeatureServer } from "../src/server/feature-server.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

let dir: string;
let client: OnlineClient;
beforeAll(async () => {
  dir = tempProject(
    {
      "fcompile.yaml":
        "name: t_push_unknown\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n",
      "definitions/defs.yml": `entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]
sources:
  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true}
  - {name: profiles, path: ../data/profiles.csv, timestamp: ts}
feature_views:
  - {name: customer_orders, entities: [customer], source: orders, aggregations: [{name: n, function: count, window: 30d}]}
  - {name: profile, entities: [customer], source: profiles, features: [{name: tier, type: string}]}
`,
      "data/orders.csv": "customer_id,ts\n1001,2025-06-01 00:00:00\n",
      "data/profiles.csv": "customer_id,ts,tier\n1001,2025-06-01 00:00:00,gold\n",
      "in/one.csv": "customer_id,ts,tier\n1001,2025-06-11 00:00:00,silver\n",
    },
    "fc-push-unknown-",
  );
  for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10"], ["load"]]) await fcompileOk(dir, ...step);
  client = await createOnlineClient({ project: "t_push_unknown", store: { type: "sqlite", path: path.join(dir, "online.sqlite") } });
});
afterAll(async () => {
  await client.close();
  removeProject(dir);
});

const UNKNOWN = "no source named 'nope' (sources: orders, profiles)";
const NOT_PUSH =
  "source 'profiles' is not a push source: add 'push: true' to it (definitions/defs.yml:4:12), then run 'fcompile materialize' and 'fcompile load' so its views take pushes online";
const CLIENT = (source: string) =>
  `no loaded view reads push source '${source}' (push sources loaded: orders): check the name; a source of the project takes pushes once it has 'push: true' and a plain or aggregation view over it is loaded ('fcompile materialize', then 'fcompile load')`;

describe("a push to a source that is not a push source", () => {
  it.each(["online", "offline", "online_and_offline"])(
    "fcompile push --to %s tells an unknown source from one without push: true",
    async (to) => {
      const unknown = await fcompileIn(dir, "push", "--source", "nope", "--file", "in/one.csv", "--to", to);
      expect(unknown).toEqual({ status: 1, stdout: "", stderr: `error FC006: ${UNKNOWN}\n1 error.\n` });
      const plain = await fcompileIn(dir, "push", "--source", "profiles", "--file", "in/one.csv", "--to", to);
      expect(plain).toEqual({ status: 1, stdout: "", stderr: `<command line>:1:1: error FC015: ${NOT_PUSH}\n1 error.\n` });
    },
  );

  it("POST /push tells them apart too (400), whatever 'to'", async () => {
    const { config, registry } = await loadProject(dir);
    const s = pushSession(config, registry, undefined, (source, rows) => client.push(source, rows));
    const app = createFeatureServer({ client, push: (r) => pushRows(s, r.source, columnsToRows(r.columns, r.rows), r.to) });
    for (const to of ["online", "offline", "online_and_offline"]) {
      for (const [source, message] of [
        ["nope", UNKNOWN],
        ["profiles", NOT_PUSH],
      ]) {
        const r = await app.inject({
          method: "POST",
          url: "/push",
          payload: { push_source_name: source, df: { customer_id: [1001], ts: ["2025-06-11T00:00:00Z"] }, to },
        });
        expect({ status: r.statusCode, body: r.json() }).toEqual({ status: 400, body: { statusCode: 400, error: "BAD_REQUEST", message } });
      }
    }
    await app.close();
  });

  it("client.push gives one message right for both (it knows only the loaded views)", async () => {
    for (const source of ["nope", "profiles"])
      await expect(client.push(source, [{ customer_id: 1001, ts: "2025-06-11T00:00:00Z" }])).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: CLIENT(source),
      });
  });
});

describe("a push online before the source's views are loaded as push views", () => {
  it("fcompile push says the source's views need materialize and load (and a source no view pushes update says so)", async () => {
    // Loaded before 'push: true' was added: the store holds the views, none of them as a push view.
    const defs = (push: string) => `entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]
sources:
  - {name: orders, path: ../data/orders.csv, timestamp: ts${push}}
  - {name: clicks, path: ../data/orders.csv, timestamp: ts${push}}
feature_views:
  - {name: customer_orders, entities: [customer], source: orders, aggregations: [{name: n, function: count, window: 30d}]}
  - {name: last_order, entities: [customer], source: orders, features: [{name: ts2, type: timestamp}]}
`;
    const fresh = tempProject(
      {
        "fcompile.yaml":
          "name: t_push_unloaded\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n",
        "definitions/defs.yml": defs(""),
        "data/orders.csv": "customer_id,ts,ts2\n1001,2025-06-01 00:00:00,2025-06-01 00:00:00\n",
        "in/one.csv": "customer_id,ts\n1001,2025-06-11 00:00:00\n",
      },
      "fc-push-unloaded-",
    );
    try {
      for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10"], ["load"]]) await fcompileOk(fresh, ...step);
      writeFileSync(path.join(fresh, "definitions/defs.yml"), defs(", push: true"));
      expect(await fcompileIn(fresh, "push", "--source", "orders", "--file", "in/one.csv")).toEqual({
        status: 1,
        stdout: "",
        stderr:
          "error FC015: no view over push source 'orders' is loaded in the online store yet: its views (customer_orders, last_order) take pushes once they are materialized and loaded; run 'fcompile materialize --end TS' and 'fcompile load', then push again\n",
      });
      expect(await fcompileIn(fresh, "push", "--source", "clicks", "--file", "in/one.csv")).toEqual({
        status: 1,
        stdout: "",
        stderr:
          "error FC015: push source 'clicks' has no plain or aggregation view over it (pushes do not update SQL views): nothing online takes its events; push to offline only, or add a view over it\n",
      });
    } finally {
      removeProject(fresh);
    }
  });
});
