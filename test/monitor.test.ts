/**
 * `fcompile monitor` end to end: a training set from `fcompile train` (DuckDB warehouse), served
 * logs written by the client's `logFeatures` from a real SQLite store. A log drawn from the
 * training distribution passes; one served after a shifted load fails on PSI and KS; one full of
 * unknown entities fails on the missing rate; stale values fail on age.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import type { GetOnlineFeaturesRequest } from "../src/client/index.js";
import type { MonitorResult } from "../src/commands/monitor.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { TEST_STORES } from "./helpers/online-stores.js";
import { testProject } from "./helpers/redis.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const USERS = 500;
const DEFINITIONS = `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: users, path: ../data/users.csv, timestamp: ts}
feature_views:
  - name: user_stats
    entities: [user]
    source: users
    ttl: 30d
    features:
      - {name: amount, type: float64}
      - {name: plan, type: string}
      - {name: visits, type: int64}
feature_services:
  - {name: scoring, features: [user_stats:amount, user_stats:plan]}
`;
// Before this, every user's one row (2025-08-01 plus i minutes) is within the ttl (30d).
const AT = "2025-08-15T12:00:00Z";

/** A seeded draw in [0, 1) (an LCG). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** One row per user; `shift` moves amounts up and makes the rare plan common. */
function usersCsv(shift: boolean): string {
  const r = seeded(7);
  const out = ["user_id,ts,amount,plan,visits"];
  for (let i = 1; i <= USERS; i++) {
    // About normal (mean 50, sd ≈ 10): a sum of four uniforms.
    const base = 50 + ((r() + r() + r() + r() - 2) / Math.sqrt(4 / 12)) * 10;
    const u = r();
    const plan = shift ? (u < 0.6 ? "team" : u < 0.8 ? "pro" : "free") : u < 0.6 ? "free" : u < 0.9 ? "pro" : "team";
    const ts = new Date(Date.UTC(2025, 7, 1) + i * 60_000).toISOString().replace("T", " ").slice(0, 19);
    out.push(`${i},${ts},${(shift ? base + 15 : base).toFixed(3)},${plan},${Math.floor(r() * 20)}`);
  }
  return out.join("\n") + "\n";
}

let dir: string;
let name: string;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Reads through a logging client; returns the log's path. */
async function servedLog(file: string, requests: GetOnlineFeaturesRequest[]): Promise<string> {
  const full = path.join(dir, file);
  const client = await createOnlineClient({ project: name, store: TEST_STORES.sqlite.config(dir), logFeatures: { path: full } });
  for (const req of requests) await client.getOnlineFeatureColumns(req);
  await client.close();
  return full;
}

/** `count` users drawn with replacement (seeded). */
function someUsers(count: number, seed: number): { user_id: number }[] {
  const r = seeded(seed);
  return Array.from({ length: count }, () => ({ user_id: 1 + Math.floor(r() * USERS) }));
}

async function monitorJson(...args: string[]): Promise<{ status: number | null; result: MonitorResult; stderr: string }> {
  const r = await fcompileIn(dir, "monitor", ...args, "--json");
  return { status: r.status, result: JSON.parse(r.stdout || "null") as MonitorResult, stderr: r.stderr };
}

const byName = (r: MonitorResult, n: string) => r.features.find((f) => f.name === n)!;

let inDistribution: string;
let shifted: string;
let notFound: string;
let stale: string;

beforeAll(async () => {
  name = testProject("t_monitor");
  dir = tempProject({
    "fcompile.yaml": `name: ${name}\ndefinitions: [definitions]\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${TEST_STORES.sqlite.yaml}\n`,
    "definitions/defs.yml": DEFINITIONS,
    "data/users.csv": usersCsv(false),
    "labels.csv": ["user_id,event_timestamp", ...Array.from({ length: USERS }, (_, i) => `${i + 1},2025-08-14 00:00:00`)].join("\n") + "\n",
  });
  cleanups.push(() => removeProject(dir));
  for (const step of [["build"], ["run"], ["materialize", "--end", "2025-08-15"], ["load"]]) await fcompileOk(dir, ...step);
  for (const out of ["train.parquet", "train.csv"])
    await fcompileOk(dir, "train", "--service", "scoring", "--entities", "labels.csv", "--out", out);

  const all = ["user_stats:amount", "user_stats:plan", "user_stats:visits"];
  inDistribution = await servedLog("in.ndjson", [
    { service: "scoring", entityRows: someUsers(200, 1), at: AT },
    { features: all, entityRows: someUsers(200, 2), at: AT },
  ]);
  // Mostly entities the store does not know: NOT_FOUND.
  notFound = await servedLog("not-found.ndjson", [
    { service: "scoring", entityRows: [...someUsers(100, 3), ...Array.from({ length: 300 }, (_, i) => ({ user_id: 10_000 + i }))], at: AT },
  ]);
  // Read 27 days after the events: still within the ttl, but old.
  stale = await servedLog("stale.ndjson", [{ service: "scoring", entityRows: someUsers(400, 4), at: "2025-08-28T00:00:00Z" }]);
  // The same users after a load of shifted data.
  writeFileSync(path.join(dir, "data/users.csv"), usersCsv(true));
  for (const step of [["run"], ["materialize", "--end", "2025-08-15"], ["load"]]) await fcompileOk(dir, ...step);
  shifted = await servedLog("shifted.ndjson", [{ service: "scoring", entityRows: someUsers(400, 5), at: AT }]);
});

describe("fcompile monitor", () => {
  it("passes a log drawn from the training distribution (parquet and CSV), with a readable table", async () => {
    for (const training of ["train.parquet", "train.csv"]) {
      const { status, result, stderr } = await monitorJson("--training", training, "--served", inDistribution, "--max-ks", "0.2");
      expect(status, stderr).toBe(0);
      expect(result.ok).toBe(true);
      expect(result.training.rows).toBe(USERS);
      expect(result.served.lines).toBe(400);
      const amount = byName(result, "amount");
      expect(amount).toMatchObject({
        status: "pass",
        kind: "numeric",
        feature: "user_stats:amount",
        trainingCount: USERS,
        servedCount: 400,
      });
      expect(amount.psi!).toBeLessThan(0.1);
      expect(amount.ks!).toBeLessThan(0.2);
      expect(amount.servedMissingRate).toBe(0);
      expect(amount.trainingNullRate).toBe(0);
      // Served ages: 14 days and a few hours (events at 2025-08-01 plus minutes, read at AT), under the ttl.
      expect(amount.age!.median).toBeGreaterThan(14 * 86400);
      expect(amount.age!.max).toBeLessThan(15 * 86400);
      expect(amount.maxAgeSeconds).toBe(30 * 86400);
      expect(byName(result, "plan")).toMatchObject({ status: "pass", kind: "categorical", ks: null });
      // Served, but not a column of the training set: reported, never failed.
      expect(byName(result, "visits")).toMatchObject({ status: "not_in_training", servedCount: 200, psi: null });
    }
    const table = await fcompileOk(dir, "monitor", "--training", "train.parquet", "--served", inDistribution);
    expect(table).toMatch(
      /^feature\s+kind\s+train\s+served\s+psi\s+band\s+ks\s+null train\s+missing served\s+age p50\/p95\/max\s+result$/m,
    );
    expect(table).toMatch(
      /^amount\s+numeric\s+500\s+400\s+0\.\d{3}\s+none\s+0\.\d{3}\s+0\.0%\s+0\.0%\s+14\.\dd\/14\.\dd\/14\.\dd\s+PASS$/m,
    );
    expect(table).toMatch(/^visits .*NOT IN TRAINING$/m);
    expect(table).toMatch(/note: served but not in the training set \(not compared\): visits/);
    expect(table).toMatch(/^monitor ok: 3 features, 0 failed$/m);
  });

  it("fails a log served after a shift: PSI over max-psi, KS over max-ks", async () => {
    const { status, result } = await monitorJson("--training", "train.parquet", "--served", shifted, "--max-ks", "0.2");
    expect(status).toBe(1);
    expect(result.ok).toBe(false);
    const amount = byName(result, "amount");
    expect(amount.status).toBe("fail");
    expect(amount.band).toBe("major");
    expect(amount.failures.join("; ")).toMatch(/^PSI \d+\.\d{3} > 0\.25; KS 0\.\d{3} > 0\.2$/);
    const plan = byName(result, "plan");
    expect(plan.status).toBe("fail");
    expect(plan.psi!).toBeGreaterThan(0.25);
    const table = await fcompileIn(dir, "monitor", "--training", "train.parquet", "--served", shifted);
    expect(table.status).toBe(1);
    expect(table.stdout).toMatch(/^FAIL amount: PSI \d+\.\d{3} > 0\.25$/m);
    expect(table.stdout).toMatch(/^monitor failed: 2 features, 2 failed$/m);
    // --features narrows the comparison.
    const one = await monitorJson("--training", "train.parquet", "--served", shifted, "--features", "plan");
    expect(one.result.features.map((f) => f.name)).toEqual(["plan"]);
  });

  it("fails a log of mostly unknown entities on the missing rate", async () => {
    const { status, result } = await monitorJson("--training", "train.parquet", "--served", notFound);
    expect(status).toBe(1);
    const amount = byName(result, "amount");
    expect(amount.servedStatuses).toEqual({ PRESENT: 100, NOT_FOUND: 300 });
    expect(amount.servedMissingRate).toBe(0.75);
    expect(amount.failures).toContain("missing 75.0% served vs 0.0% null in training (> +10.0%)");
    const loose = await monitorJson("--training", "train.parquet", "--served", notFound, "--max-missing-increase", "0.8");
    expect(loose.status).toBe(0);
  });

  it("fails stale values on age with --max-age; within the ttl (the default) they pass", async () => {
    const strict = await monitorJson("--training", "train.parquet", "--served", stale, "--max-age", "7d");
    expect(strict.status).toBe(1);
    const amount = byName(strict.result, "amount");
    expect(amount.age!.p95).toBeGreaterThan(26 * 86400);
    // In the table's units (d/h/m/s).
    expect(amount.failures).toEqual([expect.stringMatching(/^p95 age 2\d\.\dd > 7\.0d$/)]);
    const byTtl = await monitorJson("--training", "train.parquet", "--served", stale);
    expect(byTtl.status).toBe(0);
  });

  it("says what to do about a missing file, a bad option or an unknown feature", async () => {
    const noTrain = await fcompileIn(dir, "monitor", "--training", "nope.parquet", "--served", inDistribution);
    expect(noTrain.status).toBe(1);
    expect(noTrain.stderr).toMatch(/error FC011: training set nope\.parquet not found: give the file 'fcompile train --out' wrote/);
    const noLog = await fcompileIn(dir, "monitor", "--training", "train.parquet", "--served", "nope.ndjson");
    expect(noLog.status).toBe(1);
    expect(noLog.stderr).toMatch(/served-feature log nope\.ndjson not found: serve with 'fcompile serve --log-features nope\.ndjson'/);
    const badFormat = await fcompileIn(dir, "monitor", "--training", "train.json", "--served", inDistribution);
    expect(badFormat.status).toBe(2);
    const missing = await fcompileIn(dir, "monitor", "--training", "train.parquet");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/give --training FILE/);
    const unknown = await fcompileIn(dir, "monitor", "--training", "train.parquet", "--served", inDistribution, "--features", "amout");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/'amout' is neither in the served log nor in the training set.*amount/);
    writeFileSync(path.join(dir, "garbage.ndjson"), '{"requestTime":"2025-08-15T00:00:00Z","features":{}}\nnot json\n');
    const garbage = await fcompileIn(dir, "monitor", "--training", "train.parquet", "--served", "garbage.ndjson");
    expect(garbage.status).toBe(1);
    expect(garbage.stderr).toMatch(/^garbage\.ndjson:2:1: error FC015: not JSON \(/m);
    expect(garbage.stderr).not.toContain("<command line>");
    expect(await fcompileOk(dir, "monitor", "--help")).toMatch(/missing served\s+share of served rows/);
  });

  /** A log line of user_stats features: output name → [value, status] (view:feature as the project has it unless given). */
  function logLine(features: Record<string, [unknown, string] | [unknown, string, string]>): string {
    const f = Object.fromEntries(
      Object.entries(features).map(([name, [value, status, ref]]) => [
        name,
        { value, status, eventTimestamp: status === "PRESENT" ? "2025-08-15T00:00:00Z" : null, feature: ref ?? `user_stats:${name}` },
      ]),
    );
    return JSON.stringify({ requestTime: AT, service: null, entity: { user_id: 1 }, features: f });
  }

  it("drops NaN and ±Infinity from PSI and KS, in the log and in the training set", async () => {
    // Training 0…9, ten each, plus an inf and a NaN; served the same plus ten "Infinity" and a "NaN", "-Infinity".
    const digits = Array.from({ length: 100 }, (_, i) => i % 10);
    writeFileSync(path.join(dir, "train-inf.csv"), ["amount", ...digits, "inf", "nan", "-inf"].join("\n") + "\n");
    const lines = [
      ...digits.map((v) => logLine({ amount: [v, "PRESENT"] })),
      ...Array.from({ length: 10 }, () => logLine({ amount: ["Infinity", "PRESENT"] })),
      logLine({ amount: ["NaN", "PRESENT"] }),
      logLine({ amount: ["-Infinity", "PRESENT"] }),
    ];
    writeFileSync(path.join(dir, "inf.ndjson"), lines.join("\n") + "\n");
    const { status, result, stderr } = await monitorJson("--training", "train-inf.csv", "--served", "inf.ndjson", "--max-ks", "0");
    expect(status, stderr).toBe(0);
    expect(byName(result, "amount")).toMatchObject({ status: "pass", psi: 0, ks: 0, servedCount: 112, trainingCount: 103 });
  });

  it("refuses a log it cannot compare: empty, a value not of the feature's type, an unknown status or feature", async () => {
    for (const [file, text] of [
      ["empty.ndjson", ""],
      ["blank.ndjson", "\n\n"],
    ]) {
      writeFileSync(path.join(dir, file), text);
      const r = await fcompileIn(dir, "monitor", "--training", "train.parquet", "--served", file);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^${file.replace(".", "\\.")}:1:1: error FC015: the served-feature log holds no line: nothing was logged.*serve --log-features ${file.replace(".", "\\.")}`,
          "m",
        ),
      );
    }
    writeFileSync(path.join(dir, "nofeature.ndjson"), JSON.stringify({ requestTime: AT, service: null, entity: {}, features: {} }) + "\n");
    const noFeature = await fcompileIn(dir, "monitor", "--training", "train.parquet", "--served", "nofeature.ndjson");
    expect(noFeature.status).toBe(1);
    expect(noFeature.stderr).toContain("nofeature.ndjson:1:1: error FC015: the served-feature log holds no feature: nothing was logged");

    const ok = logLine({ amount: [1.5, "PRESENT"], plan: ["pro", "PRESENT"] });
    const cases: [string, string, RegExp][] = [
      [
        "abc.ndjson",
        logLine({ amount: ["abc", "PRESENT"] }),
        /^abc\.ndjson:2:(\d+): error FC015: feature 'amount': value 'abc' is not a number \(user_stats:amount is float64\)/m,
      ],
      [
        "bool.ndjson",
        logLine({ plan: [true, "PRESENT"] }),
        /^bool\.ndjson:2:(\d+): error FC015: feature 'plan': value true is not a string/m,
      ],
      [
        "status.ndjson",
        logLine({ amount: [null, "BOGUS"] }),
        /^status\.ndjson:2:(\d+): error FC015: feature 'amount' has status 'BOGUS', not one of PRESENT, NULL_VALUE, NOT_FOUND, OUTSIDE_MAX_AGE, BEFORE_STATE/m,
      ],
      [
        "nope.ndjson",
        logLine({ x: [1, "PRESENT", "nope:x"] }),
        /^nope\.ndjson:2:(\d+): error FC015: the log names feature 'nope:x', which the project does not have/m,
      ],
    ];
    for (const [file, bad, expected] of cases) {
      writeFileSync(path.join(dir, file), `${ok}\n${bad}\n`);
      const r = await fcompileIn(dir, "monitor", "--training", "train.parquet", "--served", file);
      expect(r.status, r.stderr).toBe(1);
      const m = expected.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      // The column points at the value, status or feature named.
      const col = Number(m![1]);
      const at = bad.slice(col - 1);
      expect(at, file).toMatch(file === "nope.ndjson" ? /^"nope:x"/ : file === "status.ndjson" ? /^"BOGUS"/ : /^("abc"|true)/);
    }
  });

  it("names the file and column of a training value that is not of the feature's type", async () => {
    writeFileSync(path.join(dir, "train-abc.csv"), "amount,plan\n1.5,pro\nabc,free\n2.5,pro\n");
    const r = await fcompileIn(dir, "monitor", "--training", "train-abc.csv", "--served", inDistribution);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^train-abc\.csv:1:1: error FC003: column 'amount' holds 'abc', not a number, but user_stats:amount is float64/m,
    );
    expect(r.stderr).not.toMatch(/internal error|This is a bug/);
  });

  it("refuses a training set it cannot compare: unreadable, no row, no column the log served; --features never served", async () => {
    writeFileSync(path.join(dir, "garbage.parquet"), "not parquet");
    writeFileSync(path.join(dir, "header.csv"), "amount,plan\n");
    writeFileSync(path.join(dir, "other.csv"), "score\n1\n");
    const cases: [string[], RegExp][] = [
      [
        ["--training", "garbage.parquet"],
        /^garbage\.parquet:1:1: error FC011: cannot read the training set as parquet: .+; give the file 'fcompile train --out' wrote$/m,
      ],
      [["--training", "header.csv"], /^header\.csv:1:1: error FC015: the training set holds no row: nothing to compare/m],
      [
        ["--training", "other.csv"],
        /^other\.csv:1:1: error FC015: no feature of the served log \(amount, plan, visits\) is a column of the training set \(score\): nothing was compared/m,
      ],
      [
        ["--training", "train.parquet", "--features", "user_id"],
        /in\.ndjson:1:1: error FC015: the log never served 'user_id' \(--features\): nothing was compared; it served amount, plan, visits$/m,
      ],
    ];
    for (const [args, expected] of cases) {
      const r = await fcompileIn(dir, "monitor", ...args, "--served", "in.ndjson");
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/internal error|This is a bug/);
    }
  });
});
