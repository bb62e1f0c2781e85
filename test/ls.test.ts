/**
 * `fcompile ls [kind] [--owner X] [--tag k=v] [--json]` (docs/governance.md, "ls"): the project's
 * objects with owner, tags and description; a table on a terminal, plain lines when piped, JSON
 * with --json; filters by owner and tag (a feature inherits its view's owner and tags).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ls } from "../src/commands/ls.js";
import { formatTable } from "../src/governance/ls/format-list.js";
import { fcompileIn } from "./helpers/cli.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const DEFS = `entities:
  - name: customer
    join_keys: [{name: customer_id, type: int64}]
    description: A registered shopper
    owner: core

sources:
  - name: orders
    path: ../data/orders.csv
    timestamp: order_ts
    owner: core
    tags: {pii: false}
  - name: payments
    table: raw.payments
    timestamp: paid_at

feature_views:
  - name: profile
    entities: [customer]
    source: orders
    ttl: 30d
    owner: growth
    tags: {tier: gold, pii: true}
    description: What we know about a customer, kept up to date by the nightly profile job and the CRM sync
    features:
      - {name: segment, type: string, description: Customer segment}
      - {name: amount, type: float64, owner: finance, tags: {tier: silver}}
  - name: order_stats
    entities: [customer]
    source: orders
    owner: growth
    aggregations:
      - {function: count, window: 7d}

feature_services:
  - name: churn
    owner: growth
    tags: {tier: gold}
    description: Churn model
    features: [profile:*, order_stats:count_7d]
`;

let dir: string;
beforeAll(() => {
  dir = tempProject({
    "fcompile.yaml": CONFIG,
    "definitions/shop.yml": DEFS,
    "data/orders.csv": "customer_id,order_ts,amount,segment\n1,2025-01-01 00:00:00,10.5,vip\n",
  });
});
afterAll(() => removeProject(dir));

const names = async (opts: Omit<Parameters<typeof ls>[0], "projectDir">): Promise<string[]> =>
  (await ls({ projectDir: dir, ...opts })).objects.map((o) => `${o.kind} ${o.name}`);

describe("fcompile ls", () => {
  it("lists every kind in order, or one kind", async () => {
    expect(await names({})).toEqual([
      "entity customer",
      "source orders",
      "source payments",
      "view profile",
      "view order_stats",
      "feature profile:segment",
      "feature profile:amount",
      "feature order_stats:count_7d",
      "service churn",
    ]);
    expect(await names({ kind: "sources" })).toEqual(["source orders", "source payments"]);
  });

  it("filters by owner and by tags (k=v compared as text, k alone: any value; all must match); features inherit their view's", async () => {
    expect(await names({ filter: { owner: "growth", tags: [] } })).toEqual([
      "view profile",
      "view order_stats",
      "feature profile:segment",
      "feature order_stats:count_7d",
      "service churn",
    ]);
    expect(await names({ kind: "features", filter: { owner: "finance", tags: [] } })).toEqual(["feature profile:amount"]);
    expect(await names({ filter: { tags: [{ key: "tier", value: "gold" }] } })).toEqual([
      "view profile",
      "feature profile:segment",
      "service churn",
    ]);
    expect(await names({ filter: { tags: [{ key: "pii" }] } })).toEqual([
      "source orders",
      "view profile",
      "feature profile:segment",
      "feature profile:amount",
    ]);
    expect(await names({ filter: { tags: [{ key: "pii", value: "false" }] } })).toEqual(["source orders"]);
    expect(
      await names({
        filter: {
          owner: "growth",
          tags: [
            { key: "pii", value: "true" },
            { key: "tier", value: "silver" },
          ],
        },
      }),
    ).toEqual([]);
    expect(
      await names({
        filter: {
          tags: [
            { key: "pii", value: "true" },
            { key: "tier", value: "silver" },
          ],
        },
      }),
    ).toEqual(["feature profile:amount"]);
  });

  it("a table on a terminal: the kind's details, owner, tags, description (cut at 60 characters)", async () => {
    const { objects } = await ls({ projectDir: dir, kind: "views" });
    expect(formatTable(objects, true)).toBe(
      [
        "NAME         TYPE         ENTITIES  FEATURES  TTL  OWNER   TAGS                DESCRIPTION",
        "profile      plain        customer  2         30d  growth  tier=gold,pii=true  What we know about a customer, kept up to date by the night…",
        "order_stats  aggregation  customer  1         -    growth  -                   -",
        "",
        "2 listed",
        "",
      ].join("\n"),
    );
    const all = await ls({ projectDir: dir, kind: "entities" });
    expect(formatTable(all.objects, true)).toBe(
      [
        "NAME      JOIN KEYS          OWNER  TAGS  DESCRIPTION",
        "customer  customer_id:int64  core   -     A registered shopper",
        "",
        "1 listed",
        "",
      ].join("\n"),
    );
    const mixed = await ls({ projectDir: dir, filter: { owner: "core", tags: [] } });
    expect(formatTable(mixed.objects, false)).toBe(
      [
        "KIND    NAME      OWNER  TAGS       DESCRIPTION",
        "entity  customer  core   -          A registered shopper",
        "source  orders    core   pii=false  -",
        "",
        "2 listed",
        "",
      ].join("\n"),
    );
    expect(formatTable([], true)).toBe("nothing to list\n");
  });

  it("on the command line: plain lines when piped, --json, usage errors exit 2, a broken project exit 1", async () => {
    const piped = await fcompileIn(dir, "ls", "features", "--tag", "tier=gold");
    expect([piped.status, piped.stdout]).toEqual([0, "profile:segment\n"]);
    const every = await fcompileIn(dir, "ls", "--owner", "core");
    expect([every.status, every.stdout]).toEqual([0, "entity customer\nsource orders\n"]);
    const json = await fcompileIn(dir, "ls", "services", "--json");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        kind: "service",
        name: "churn",
        owner: "growth",
        description: "Churn model",
        tags: { tier: "gold" },
        details: { features: "3" },
      },
    ]);
    const unknownKind = await fcompileIn(dir, "ls", "tables");
    expect(unknownKind.status).toBe(2);
    expect(unknownKind.stderr).toContain("Allowed choices are entities, sources, views, features, services");
    const badTag = await fcompileIn(dir, "ls", "--tag", "=gold");
    expect(badTag.status).toBe(2);
    expect(badTag.stderr).toContain("error FC015: --tag '=gold' has no key");
    const broken = await fcompileIn(dir, "ls", "--project", "no-such-folder");
    expect(broken.status).toBe(1);
  });
});
