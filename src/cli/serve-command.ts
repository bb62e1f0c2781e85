import type { Command } from "commander";
import type { OnlineClient } from "../client/index.js";
import { usageError } from "../diagnostics/diagnostic.js";
import type { PushRequest } from "../server/feast-push.js";
import { integerOption } from "./common-options.js";
import { runCommand } from "./output.js";

interface ServeFlags {
  project: string;
  host: string;
  port: string;
  timeoutMs: string;
  maxEntities: string;
  authTokenFile?: string;
  log?: boolean;
  push?: boolean;
  maxPushRows: string;
  logFeatures?: string;
  logSampleRate: string;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "HTTP feature server over the online store: POST /get-online-features (Feast's request and response shape), GET /health, and with --push POST /push",
    )
    .option("-p, --project <dir>", "project folder (holds fcompile.yaml)", ".")
    .option("--host <host>", "interface to listen on (0.0.0.0: every interface; beyond loopback needs a token)", "127.0.0.1")
    .option("--port <port>", "TCP port (0: any free port)", "6566")
    .option("--timeout-ms <ms>", "a store read that takes longer is answered 503", "1000")
    .option("--max-entities <n>", "most entity rows per request", "10000")
    .option("--auth-token-file <file>", "require 'Authorization: Bearer <token>' on every request; the token is the file's content")
    .option("--log", "log every request (JSON lines on stdout; never the token)")
    .option("--push", "accept POST /push (Feast's push): whoever reaches the server can then change what models see")
    .option("--max-push-rows <n>", "most rows per push request", "10000")
    .option(
      "--log-features <file>",
      "append sampled served entity rows (values, statuses, event and request times) to FILE as NDJSON, for 'fcompile monitor'",
    )
    .option("--log-sample-rate <r>", "the share of entity rows --log-features logs, in (0, 1]", "1")
    .addHelpText(
      "after",
      `
Serves the values 'fcompile load' wrote; Ctrl-C (SIGINT) or SIGTERM stops it cleanly.

  POST /get-online-features   {"features": ["view:feature", …]} or {"feature_service": "name"},
                              "entities": {"join_key": [value, …]} (columns; composite keys: one
                              column per key, equal lengths), optional "full_feature_names": true
                              and "at": "ISO timestamp" (read as of then instead of now: ttl, and aggregation windows)
  GET  /health                200 {"status":"ok"} when the store answers, 503 otherwise
  POST /push                  only with --push (else 404): {"push_source_name": "orders",
                              "df": {"column": [value, …], …}, "to": "online" | "offline" |
                              "online_and_offline"} (Feast's shape; default online). Answers the
                              push report (rows, applied and late per view, duplicates, offline
                              appended); bad rows: 422 with every bad row, nothing written

Answers {"metadata": {"feature_names": [...]}, "results": [{"values", "statuses",
"event_timestamps"}, …]}: one result per column, join keys first. 64-bit integers keep every
digit. Bad requests get 400 with a message; a store that is down or too slow, 503.

Served-feature log: with --log-features FILE, each entity row of a read is logged with
probability --log-sample-rate, one JSON line per row: {"requestTime", "service", "entity",
"features": {name: {"value", "status", "eventTimestamp", "feature"}}} (docs/online.md). Lines are
written in the background (at 1 MiB, after 1 s, and at shutdown); a write error is reported once
and never fails a read. Compare the log with a training set: fcompile monitor.

Authentication: with a token (--auth-token-file FILE, or the environment variable
FCOMPILE_AUTH_TOKEN; not both), every request, /health included, must send
'Authorization: Bearer <token>' or gets 401. The token needs at least 16 characters. Without a
token, serve listens only on loopback (127.0.0.0/8, ::1, localhost): any other --host (0.0.0.0,
::, a LAN address, another name) is refused.

Example:
  fcompile serve --port 6566 &
  curl -s localhost:6566/get-online-features -H 'Content-Type: application/json' \\
    -d '{"feature_service": "churn_model", "entities": {"customer_id": [1001, 1002]}}'

  openssl rand -hex 32 > token
  fcompile serve --host 0.0.0.0 --auth-token-file token &
  curl -s localhost:6566/health -H "Authorization: Bearer $(cat token)"`,
    )
    .action((opts: ServeFlags) => runCommand("serve", () => serve(opts)));
}

async function serve(opts: ServeFlags): Promise<void> {
  const port = integerOption("--port", opts.port, 0, 65535);
  const timeoutMs = integerOption("--timeout-ms", opts.timeoutMs, 1, 3_600_000);
  const maxEntityRows = integerOption("--max-entities", opts.maxEntities, 1, 1_000_000);
  const maxPushRows = integerOption("--max-push-rows", opts.maxPushRows, 1, 1_000_000);
  const sampleRate = Number(opts.logSampleRate);
  if (!(sampleRate > 0 && sampleRate <= 1)) throw usageError(`--log-sample-rate must be a number in (0, 1] (got '${opts.logSampleRate}')`);
  const { listenHost, serveAuthToken } = await import("../server/bearer-auth.js");
  const authToken = serveAuthToken(opts.host, opts.authTokenFile, process.env);
  const host = listenHost(opts.host);
  const { loadConfig } = await import("../commands/common.js");
  const { resolveOnline } = await import("../project/online-config.js");
  const { createOnlineClient } = await import("../client/index.js");
  const { createFeatureServer } = await import("../server/feature-server.js");
  const { onlineStore } = await import("../online/stores.js");

  const config = loadConfig(opts.project);
  const store = resolveOnline(config);
  const logFeatures = opts.logFeatures === undefined ? undefined : { path: opts.logFeatures, sampleRate };
  const client = await createOnlineClient({ project: config.name, store, timeoutMs, logFeatures });
  const where = `${store.type} ${onlineStore(store).where(store)}`;
  const push = opts.push ? await pushHandler(opts.project, client) : undefined;
  const app = createFeatureServer({
    client,
    maxEntityRows,
    push,
    maxPushRows,
    logger: !!opts.log,
    authToken,
    healthInfo: { project: config.name, store: store.type },
  });
  let url: string;
  try {
    url = await app.listen({ host, port });
  } catch (err) {
    await client.close();
    const { listenError } = await import("../server/listen-error.js");
    throw listenError(opts.host, port, err);
  }
  const auth = authToken === undefined ? "no authentication" : "bearer token required";
  const pushing = push ? ", POST /push on" : "";
  const logging = logFeatures ? `, logging served features to ${logFeatures.path} at rate ${sampleRate}` : "";
  process.stdout.write(
    `fcompile serve: listening on ${url} (project ${config.name}, online store ${where}, ${auth}${pushing}${logging})\n`,
  );
  // The store is probed as GET /health would, but not through the server: `--log` logs only the requests of clients.
  try {
    await client.ping();
  } catch (err) {
    process.stderr.write(`warning: the online store does not answer yet; requests get 503 until it does (${(err as Error).message})\n`);
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    // Both handlers go at the first signal: a second Ctrl-C during shutdown kills the process.
    const stop = (s: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(s);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  process.stderr.write(`fcompile serve: ${signal}, stopping\n`);
  await app.close();
  await client.close();
}

/** `serve --push`: pushes through the server's client (online) and the project's warehouse (offline), one offline push at a time. */
async function pushHandler(projectDir: string, client: OnlineClient) {
  const { loadProject } = await import("../commands/common.js");
  const { pushRows, pushSession } = await import("../commands/push.js");
  const { columnsToRows } = await import("../server/feast-push.js");
  const { config, registry } = await loadProject(projectDir);
  const session = pushSession(config, registry, undefined, (source, rows) => client.push(source, rows));
  // DuckDB allows one writer: offline pushes of this process wait for each other.
  let queue: Promise<unknown> = Promise.resolve();
  return (req: PushRequest) => {
    const rows = columnsToRows(req.columns, req.rows);
    if (req.to === "online") return pushRows(session, req.source, rows, req.to);
    const next = queue.then(() => pushRows(session, req.source, rows, req.to));
    queue = next.catch(() => undefined);
    return next;
  };
}
