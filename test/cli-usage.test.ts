/**
 * Usage errors exit 2 on every command (README, "Commands"): an unknown command or option, a
 * missing option, an option value of the wrong form or out of range, options that do not go
 * together — each printed with the command's help to read. Errors that depend on the project (an
 * unknown service) stay exit 1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fcompileIn } from "./helpers/cli.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

let dir: string;
beforeAll(() => {
  dir = tempProject(
    {
      "fcompile.yaml": CONFIG + "online: {type: sqlite, path: online.sqlite}\n",
      "definitions/d.yml": `entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]
sources: [{name: orders, path: ../data/orders.csv, timestamp: ts, push: true}]
feature_views: [{name: stats, entities: [customer], source: orders, features: [{name: amount, type: float64}]}]
feature_services: [{name: model, features: ["stats:*"]}]
`,
      "data/orders.csv": "customer_id,ts,amount\n1,2025-01-01 00:00:00,1.5\n",
    },
    "fc-cli-usage-",
  );
});
afterAll(() => removeProject(dir));

/** `<command line>:1:1: error FC015: <message>` and the help to read, as a usage error prints it. */
const usage = (command: string, message: string): string =>
  `<command line>:1:1: error FC015: ${message}\n1 error; see 'fcompile ${command} --help'.\n`;

describe("usage errors exit 2 and name the help to read", () => {
  const cases: [string[], string][] = [
    // commander: unknown command, unknown option, missing required option or argument, extra argument
    [["frobnicate"], "error: unknown command 'frobnicate'\n(see 'fcompile --help')\n"],
    [["--bogus"], "error: unknown option '--bogus'\n(see 'fcompile --help')\n"],
    [["push", "--source", "orders", "--file", "x.csv", "--bogus"], "error: unknown option '--bogus'\n(see 'fcompile push --help')\n"],
    [["push", "--file", "x.csv"], "error: required option '--source <name>' not specified\n(see 'fcompile push --help')\n"],
    [["verify"], "error: required option '--end <ts>' not specified\n(see 'fcompile verify --help')\n"],
    [["train", "--service", "model"], "error: required option '-o, --out <file>' not specified\n(see 'fcompile train --help')\n"],
    [["init"], "error: missing required argument 'dir'\n(see 'fcompile init --help')\n"],
    [["build", "extra"], "error: too many arguments for 'build'. Expected 0 arguments but got 1.\n(see 'fcompile build --help')\n"],
    // option values of the wrong form or out of range
    [
      ["push", "--source", "orders", "--file", "x.csv", "--to", "both"],
      usage("push", "--to must be one of online, offline, online_and_offline (got 'both')"),
    ],
    [
      ["push", "--source", "orders", "--file", "x.csv", "--batch-size", "0"],
      usage("push", "--batch-size must be an integer from 1 to 100000 (got '0')"),
    ],
    [["push", "--source", "orders", "--file", "x.txt"], usage("push", "--file x.txt: give a .csv, .parquet or .ndjson (.jsonl) file")],
    [["serve", "--port", "abc"], usage("serve", "--port must be an integer from 0 to 65535 (got 'abc')")],
    [["serve", "--max-push-rows", "0"], usage("serve", "--max-push-rows must be an integer from 1 to 1000000 (got '0')")],
    [
      ["get", "--entity", "customer_id=1"],
      usage("get", "give exactly one of --service NAME or --features VIEW:FEATURE,… (e.g. --service churn_model)"),
    ],
    [
      ["get", "--service", "model", "--features", "stats:amount", "--entity", "customer_id=1"],
      usage("get", "give exactly one of --service NAME or --features VIEW:FEATURE,… (e.g. --service churn_model)"),
    ],
    [["get", "--service", "model"], usage("get", "give at least one --entity key=value, e.g. --entity customer_id=1001")],
    [
      ["get", "--service", "model", "--entity", "1001"],
      usage("get", "--entity '1001' must be key=value (or key=value,key=value for composite keys)"),
    ],
    [
      ["get", "--service", "model", "--entity", "customer_id=1", "--timeout-ms", "soon"],
      usage("get", "--timeout-ms must be an integer from 1 to 3600000 (got 'soon')"),
    ],
    [
      ["get", "--service", "model", "--entity", "customer_id=1", "--at", "yesterday"],
      usage(
        "get",
        "--at 'yesterday' is not a timestamp; write e.g. 2025-06-01, 2025-06-01T12:00:00 or 2025-06-01T12:00:00Z (UTC unless a zone is given)",
      ),
    ],
    [["verify", "--end", "2025-01-02", "--sample", "x"], usage("verify", "--sample must be an integer from 1 to 10000000 (got 'x')")],
    [
      ["verify", "--end", "2025-01-02", "--seed", "1.5"],
      usage("verify", "--seed must be an integer from 0 to 9007199254740991 (got '1.5')"),
    ],
    [
      ["verify", "--end", "tomorrow"],
      usage(
        "verify",
        "--end 'tomorrow' is not a timestamp; write e.g. 2025-06-01, 2025-06-01T12:00:00 or 2025-06-01T12:00:00Z (UTC unless a zone is given)",
      ),
    ],
    [["load", "--max-shrink", "2"], usage("load", "--max-shrink must be a fraction from 0 to 1, e.g. 0.5 (got '2')")],
    [["load", "--grace-ms", "-1"], usage("load", "--grace-ms must be an integer from 0 to 86400000 (got '-1')")],
    [
      ["materialize", "--force"],
      usage(
        "materialize",
        "--allow-empty, --force, --max-shrink and --grace-ms apply to the load: add --load (or pass them to 'fcompile load')",
      ),
    ],
    [
      ["materialize", "--grace-ms", "0"],
      usage(
        "materialize",
        "--allow-empty, --force, --max-shrink and --grace-ms apply to the load: add --load (or pass them to 'fcompile load')",
      ),
    ],
    [
      // checked before materializing, not after
      ["materialize", "--load", "--grace-ms", "soon"],
      usage("materialize", "--grace-ms must be an integer from 0 to 86400000 (got 'soon')"),
    ],
    [["materialize", "--start", "2025-01-01", "--incremental"], usage("materialize", "give --start or --incremental, not both")],
    [
      ["materialize", "--start", "2025-02-01", "--end", "2025-01-01"],
      usage("materialize", "--start 2025-02-01 is after --end 2025-01-01 00:00:00"),
    ],
    [["train", "--out", "x.csv", "--entities", "e.csv"], usage("train", "give exactly one of --service NAME or --features VIEW:FEATURE,…")],
    [
      ["train", "--service", "model", "--out", "x.txt", "--entities", "e.csv"],
      usage("train", "--out must end in .csv or .parquet (got x.txt)"),
    ],
    [
      ["train", "--service", "model", "--out", "x.csv"],
      usage("train", 'give exactly one of --entities FILE (.csv or .parquet) or --entities-sql "SELECT …"'),
    ],
    [
      ["train", "--service", "model", "--out", "x.csv", "--entities", "e.txt"],
      usage("train", "--entities must be a .csv or .parquet file (got e.txt)"),
    ],
    [["clean", "--warehouse-only", "--online-only"], usage("clean", "give --warehouse-only or --online-only, not both")],
    [["ls", "--tag", "=gold"], usage("ls", "--tag '=gold' has no key; write key=value, or key for any value")],
    [
      ["init", "new_project", "--name", "9bad"],
      usage("init", "'9bad' is not a project name: use lowercase letters, digits and _, starting with a letter (e.g. bad)"),
    ],
  ];
  it.each(cases)("fcompile %j", async (args, stderr) => {
    const r = await fcompileIn(dir, ...args);
    expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ status: 2, stderr, stdout: "" });
  });

  it.each([
    "init",
    "build",
    "run",
    "train",
    "materialize",
    "load",
    "get",
    "verify",
    "push",
    "serve",
    "status",
    "clean",
    "plan",
    "ls",
    "docs",
  ])("fcompile %s with an unknown option exits 2 naming its help", async (command) => {
    const r = await fcompileIn(dir, command, "--bogus");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: .*\n\\(see 'fcompile ${command} --help'\\)\n$`));
  });

  it("what depends on the project is not a usage error: exit 1", async () => {
    const r = await fcompileIn(dir, "push", "--source", "nope", "--file", "x.csv");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("error FC006: no source named 'nope' (sources: orders)\n1 error.\n");
  });
});
