/**
 * The HTTP errors of `fcompile serve` say what to do next: a push or a read over the server's
 * limits names the option that raises it (`--max-push-rows`, `--max-entities`), a body over the
 * fixed limit says what to send less of, a store read that runs out of time names `--timeout-ms`.
 * The store here is a TCP server that accepts connections and never answers (a hung Redis): these
 * requests are refused before any read. A --port in use is a user error saying so.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import type { Server, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OnlineError, createOnlineClient } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { createFeatureServer } from "../src/server/feature-server.js";
import { classify } from "../src/server/http-errors.js";
import { fcompileIn } from "./helpers/cli.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

let hung: Server;
const sockets: Socket[] = [];
let port: number;
const clients: OnlineClient[] = [];
beforeAll(async () => {
  hung = createServer((s) => sockets.push(s));
  port = await new Promise<number>((resolve) => hung.listen(0, "127.0.0.1", () => resolve((hung.address() as { port: number }).port)));
});
afterAll(async () => {
  for (const c of clients) await c.close();
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => hung.close(resolve));
});

const pushed: unknown[] = [];

/** One request to a new server over a new client of the hung store (its first read waits for the store). */
async function answer(url: string, payload: string): Promise<{ status: number; body: unknown }> {
  const client = await createOnlineClient({
    project: "t_serve_errors",
    store: { type: "redis", url: `redis://127.0.0.1:${port}/0` },
    timeoutMs: 200,
  });
  clients.push(client);
  const app = createFeatureServer({ client, maxEntityRows: 3, maxPushRows: 3, push: async (r) => pushed.push(r) });
  const r = await app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload });
  return { status: r.statusCode, body: r.json() };
}

describe("serve's errors name what to do next", () => {
  it("413 for a push over --max-push-rows names the option", async () => {
    const df = { order_id: [1, 2, 3, 4], customer_id: [1, 1, 1, 1] };
    expect(await answer("/push", JSON.stringify({ push_source_name: "orders", df }))).toEqual({
      status: 413,
      body: {
        statusCode: 413,
        error: "TOO_LARGE",
        message:
          "4 rows in one push; at most 3 per request: send them in several requests, or start the server with a larger 'fcompile serve --max-push-rows'",
      },
    });
    expect(pushed).toEqual([]);
  });

  it("400 for entity rows over --max-entities names the option", async () => {
    const body = { features: ["v:f"], entities: { customer_id: [1, 2, 3, 4] } };
    expect(await answer("/get-online-features", JSON.stringify(body))).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: "BAD_REQUEST",
        message:
          "'entities.customer_id' has more than 3 values: at most 3 entity rows per request; send them in several requests, or start the server with a larger 'fcompile serve --max-entities'",
      },
    });
  });

  it("413 for a body over 16 MiB says what to send less of, per route", async () => {
    const big = JSON.stringify({ push_source_name: "orders", df: { note: ["x".repeat(17 * 1024 * 1024)] } });
    expect(await answer("/push", big)).toEqual({
      status: 413,
      body: { statusCode: 413, error: "TOO_LARGE", message: "Request body is too large (at most 16 MiB): push fewer rows per request" },
    });
    expect(await answer("/get-online-features", big)).toEqual({
      status: 413,
      body: {
        statusCode: 413,
        error: "TOO_LARGE",
        message: "Request body is too large (at most 16 MiB): ask for fewer entity rows per request",
      },
    });
  });

  it("503 for a store read that ran out of time names --timeout-ms; other store failures keep the store's own advice", () => {
    const timeout = new OnlineError(
      "TIMEOUT",
      "the online store at redis://127.0.0.1:6379/0 did not answer within 200 ms (connection ready)",
    );
    expect(classify(timeout, "read")).toEqual({
      status: 503,
      code: "TIMEOUT",
      message:
        "the online store at redis://127.0.0.1:6379/0 did not answer within 200 ms (connection ready): retry; if the store is only slow, start the server with a larger 'fcompile serve --timeout-ms'",
    });
    const down = new OnlineError(
      "UNAVAILABLE",
      "cannot reach the online store at redis://127.0.0.1:1/0 (connect ECONNREFUSED): is Redis running there?",
    );
    expect(classify(down, "read")).toEqual({ status: 503, code: "UNAVAILABLE", message: down.message });
  });
});

describe("fcompile serve --log at startup", () => {
  it("warns that the store does not answer, and logs no request of its own", async () => {
    const dir = tempProject(
      { "fcompile.yaml": `${CONFIG}online: {type: redis, url: "redis://127.0.0.1:${port}/0"}\n`, "definitions/none.yml": "" },
      "fc-serve-log-",
    );
    try {
      const child = spawn(process.execPath, [path.resolve("bin/fcompile"), "serve", "--port", "0", "--timeout-ms", "200", "--log"], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      await Promise.race([
        new Promise<void>((resolve) =>
          child.stderr.on("data", (d: Buffer) => {
            stderr += d.toString();
            if (stderr.includes("\n")) resolve();
          }),
        ),
        exited,
      ]);
      // serve installs its SIGINT handler right after the warning: give it that moment.
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill("SIGINT");
      const code = await exited;
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(
        /^warning: the online store does not answer yet; requests get 503 until it does \(.*redis:\/\/127\.0\.0\.1:\d+\/0.*\)\n/,
      );
      expect(stdout).toMatch(/^fcompile serve: listening on http:\/\/127\.0\.0\.1:\d+ /m);
      // The startup check of the store is no request: --log logs none (only fastify's own "Server listening at").
      expect(stdout).not.toMatch(/incoming request|request completed|\/health/);
    } finally {
      removeProject(dir);
    }
  });

  it("a --port in use is exit 1 with FC015 saying so and to pass another --port", async () => {
    const dir = tempProject(
      { "fcompile.yaml": `${CONFIG}online: {type: redis, url: "redis://127.0.0.1:${port}/0"}\n`, "definitions/none.yml": "" },
      "fc-serve-port-",
    );
    try {
      // The hung store's port is taken on 127.0.0.1.
      const r = await fcompileIn(dir, "serve", "--port", String(port), "--timeout-ms", "200");
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `error FC015: cannot listen on 127.0.0.1:${port}: port ${port} is in use; pass --port with a free port (--port 0: any free one)`,
      );
      expect(r.stderr).not.toMatch(/internal error|This is a bug/);
    } finally {
      removeProject(dir);
    }
  });
});
