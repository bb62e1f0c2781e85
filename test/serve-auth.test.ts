/**
 * `fcompile serve` authentication: where the token comes from and when one is required
 * (serveAuthToken, and the CLI refusing to start), and real HTTP requests on loopback to a server
 * over a loaded SQLite store, with and without a token. The token never appears in any output.
 */
import { execFile, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { FcUserError } from "../src/diagnostics/diagnostic.js";
import { AUTH_TOKEN_ENV, isLoopbackHost, serveAuthToken } from "../src/server/bearer-auth.js";
import { createFeatureServer } from "../src/server/feature-server.js";
import { fcompileOk } from "./helpers/cli.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const bin = path.resolve("bin/fcompile");
const TOKEN = "s3cr3t-token-0123456789abcdef";
// Same length as TOKEN, differing only in the last character; and one of another length.
const WRONG_SAME_LENGTH = TOKEN.slice(0, -1) + "0";
const WRONG_OTHER_LENGTH = "another-token-of-another-length";
const REQUEST = { feature_service: "risk", entities: { account_id: [1] }, at: "2025-08-15" };

let dir: string;
let client: OnlineClient;
const cleanups: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  dir = tempProject(
    {
      "fcompile.yaml":
        "name: t_serve_auth\ndefinitions: [definitions]\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n",
      "definitions/defs.yml": `entities: [{name: account, join_keys: [account_id]}]
sources: [{name: accounts, path: ../data/accounts.csv, timestamp: ts}]
feature_views: [{name: account_stats, entities: [account], source: accounts, features: [{name: balance, type: int64}]}]
feature_services: [{name: risk, features: [account_stats:balance]}]
`,
      "data/accounts.csv": "account_id,ts,balance\n1,2025-08-10 00:00:00,42\n",
      empty: "\n",
      token: `${TOKEN}\n`,
    },
    "fc-serve-auth-",
  );
  cleanups.push(() => removeProject(dir));
  for (const step of [["build"], ["run"], ["materialize", "--end", "2025-08-15"], ["load"]]) await fcompileOk(dir, ...step);
  client = await createOnlineClient({ project: "t_serve_auth", store: { type: "sqlite", path: path.join(dir, "online.sqlite") } });
  cleanups.push(() => client.close());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A feature server on 127.0.0.1, any free port; `extra` adds routes before it listens. */
async function listen(authToken?: string, extra?: (app: FastifyInstance) => void): Promise<string> {
  const app = createFeatureServer({ client, authToken });
  extra?.(app);
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  cleanups.push(() => app.close());
  return url;
}

/** A real HTTP request; `authorization` is the header's whole value, or none. */
async function call(url: string, route: string, authorization?: string, body: unknown = REQUEST) {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  const post = route === "/get-online-features";
  if (post) headers["content-type"] = "application/json";
  const res = await fetch(url + route, { method: post ? "POST" : "GET", headers, body: post ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, challenge: res.headers.get("www-authenticate"), text, json: JSON.parse(text) as Record<string, unknown> };
}

/** The message of the FcUserError `f` throws. */
function userMessage(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(FcUserError);
    return (err as FcUserError).message;
  }
  throw new Error("expected an FcUserError");
}

describe("which hosts are loopback", () => {
  it("127.0.0.0/8, ::1 in any spelling and localhost; nothing else", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost", "LocalHost"])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [
      "0.0.0.0",
      "::",
      "192.168.1.10",
      "10.0.0.1",
      "128.0.0.1",
      "::ffff:10.0.0.1",
      "example.com",
      "localhost.example.com",
      "127.1",
      "[::]",
      "[127.0.0.1]",
    ])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe("serveAuthToken: where the token comes from", () => {
  const file = (name: string) => path.join(dir, name);

  it("none on loopback; refused beyond it, saying what to do", () => {
    expect(serveAuthToken("127.0.0.1", undefined, {})).toBeUndefined();
    expect(serveAuthToken("localhost", undefined, {})).toBeUndefined();
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "feature-server.internal"]) {
      const message = userMessage(() => serveAuthToken(host, undefined, {}));
      expect(message).toContain(`<command line>:1:1: error FC015: --host ${host} is reachable from other machines`);
      expect(message).toContain("give --auth-token-file FILE");
      expect(message).toContain(`set ${AUTH_TOKEN_ENV}`);
    }
  });

  it("reads the file (trailing newline trimmed) or the variable, on any host", () => {
    expect(serveAuthToken("0.0.0.0", file("token"), {})).toBe(TOKEN);
    expect(serveAuthToken("0.0.0.0", undefined, { [AUTH_TOKEN_ENV]: TOKEN })).toBe(TOKEN);
    expect(serveAuthToken("127.0.0.1", undefined, { [AUTH_TOKEN_ENV]: TOKEN })).toBe(TOKEN);
  });

  it("refuses both at once, an empty or missing file, an empty variable, a weak or unsendable token; never prints it", () => {
    const both = userMessage(() => serveAuthToken("127.0.0.1", file("token"), { [AUTH_TOKEN_ENV]: TOKEN }));
    expect(both).toMatch(/give the token one way, --auth-token-file or FCOMPILE_AUTH_TOKEN, not both/);
    expect(both).not.toContain(TOKEN);
    expect(userMessage(() => serveAuthToken("0.0.0.0", file("empty"), {}))).toContain(`the token file ${file("empty")} is empty`);
    expect(userMessage(() => serveAuthToken("0.0.0.0", file("nope"), {}))).toMatch(
      new RegExp(`^<command line>:1:1: error FC011: cannot read the token file ${file("nope")} .*ENOENT`),
    );
    expect(userMessage(() => serveAuthToken("127.0.0.1", undefined, { [AUTH_TOKEN_ENV]: "" }))).toMatch(
      /FCOMPILE_AUTH_TOKEN is set but empty/,
    );
    writeFileSync(file("weak"), "short-secret\n");
    const weak = userMessage(() => serveAuthToken("0.0.0.0", file("weak"), {}));
    expect(weak).toContain(`the token file ${file("weak")} holds a weak token (12 characters, at least 16 needed)`);
    expect(weak).not.toContain("short-secret");
    const spaced = userMessage(() => serveAuthToken("0.0.0.0", undefined, { [AUTH_TOKEN_ENV]: "xyzzy plugh 0123456789" }));
    expect(spaced).toMatch(/spaces, control or non-ASCII characters/);
    expect(spaced).not.toContain("xyzzy");
  });
});

describe("serve over HTTP on loopback", () => {
  it("without a token: answers every request as before", async () => {
    const url = await listen();
    const r = await call(url, "/get-online-features");
    expect(r.status, r.text).toBe(200);
    expect(r.text).toContain(`"values":[42],"statuses":["PRESENT"]`);
    expect((await call(url, "/health")).status).toBe(200);
    expect((await call(url, "/nope")).status).toBe(404);
  });

  it("with a token: 401 with a JSON body and WWW-Authenticate unless the right bearer token is sent", async () => {
    const url = await listen(TOKEN);
    const missing = await call(url, "/get-online-features");
    expect(missing.status).toBe(401);
    expect(missing.challenge).toBe('Bearer realm="fcompile"');
    expect(missing.json).toEqual({
      statusCode: 401,
      error: "UNAUTHORIZED",
      message: "this server needs a bearer token: send the header 'Authorization: Bearer <token>'",
    });
    for (const header of [`Bearer ${WRONG_SAME_LENGTH}`, `Bearer ${WRONG_OTHER_LENGTH}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`]) {
      const wrong = await call(url, "/get-online-features", header);
      expect(wrong.status, header).toBe(401);
      expect(wrong.challenge).toBe('Bearer realm="fcompile", error="invalid_token"');
      expect(wrong.json).toEqual({ statusCode: 401, error: "UNAUTHORIZED", message: "wrong bearer token" });
    }
    // Another scheme, or the token without a scheme, is no bearer token at all.
    for (const header of [`Basic ${TOKEN}`, TOKEN, `Bearer`, `Bearer${TOKEN}`]) {
      const other = await call(url, "/get-online-features", header);
      expect(other.status, header).toBe(401);
      expect(other.challenge, header).toBe('Bearer realm="fcompile"');
    }
    const ok = await call(url, "/get-online-features", `Bearer ${TOKEN}`);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toContain(`"values":[42],"statuses":["PRESENT"]`);
    // The scheme is case-insensitive (RFC 7235 §2.1), and may be followed by several spaces.
    for (const header of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`])
      expect((await call(url, "/get-online-features", header)).status, header).toBe(200);
  });

  it("with a token: /health, unknown routes, bad URLs, bad bodies and routes added later are 401 before anything else", async () => {
    const url = await listen(TOKEN, (app) => app.get("/later", async () => ({ ok: true })));
    // "/health%zz" cannot be decoded: fastify answers it before routing and hooks.
    for (const route of ["/health", "/nope", "/later", "/health%zz"]) {
      const r = await call(url, route, `Bearer ${WRONG_SAME_LENGTH}`);
      expect(r.status, route).toBe(401);
      expect(r.challenge, route).toMatch(/^Bearer /);
    }
    expect((await call(url, "/get-online-features", undefined, { not: "a request" })).status).toBe(401);
    expect((await call(url, "/health", `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await call(url, "/nope", `Bearer ${TOKEN}`)).status).toBe(404);
    expect((await call(url, "/health%zz", `Bearer ${TOKEN}`)).json).toMatchObject({ statusCode: 400, error: "BAD_REQUEST" });
    expect((await call(url, "/later", `Bearer ${TOKEN}`)).json).toEqual({ ok: true });
    expect((await call(url, "/get-online-features", `Bearer ${TOKEN}`, { not: "a request" })).status).toBe(400);
  });
});

/** Runs the CLI in the project folder with `env` as its whole FCOMPILE_AUTH_TOKEN setting. */
function fcompile(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const childEnv = { ...process.env, ...env };
  if (!(AUTH_TOKEN_ENV in env)) delete childEnv[AUTH_TOKEN_ENV];
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir, env: childEnv, encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("fcompile serve", () => {
  it("refuses to listen beyond loopback without a token, and a bad token file, before opening anything", async () => {
    const open = await fcompile({}, "serve", "--host", "0.0.0.0", "--port", "0");
    expect(open.status).toBe(2);
    expect(open.stderr).toContain(
      "error FC015: --host 0.0.0.0 is reachable from other machines, so serve needs a bearer token: give --auth-token-file FILE",
    );
    expect(open.stdout).toBe("");
    const empty = await fcompile({}, "serve", "--host", "0.0.0.0", "--auth-token-file", "empty");
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain("the token file empty is empty");
    const missing = await fcompile({}, "serve", "--auth-token-file", "no-such-file");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("<command line>:1:1: error FC011: cannot read the token file no-such-file");
    const both = await fcompile({ [AUTH_TOKEN_ENV]: TOKEN }, "serve", "--auth-token-file", "token");
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("not both");
    expect(both.stderr).not.toContain(TOKEN);
  });

  it("with a token file serves on 0.0.0.0, checks the token, and never logs it", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--host", "0.0.0.0", "--port", "0", "--auth-token-file", "token", "--log"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on http:\/\/\S+:(\d+) .*bearer token required/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on("exit", () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    expect((await call(url, "/health")).status).toBe(401);
    expect((await call(url, "/get-online-features", `Bearer ${WRONG_OTHER_LENGTH}`)).status).toBe(401);
    expect((await call(url, "/nope", `Bearer ${WRONG_SAME_LENGTH}`)).status).toBe(401);
    const ok = await call(url, "/get-online-features", `Bearer ${TOKEN}`);
    expect(ok.status, ok.text).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", (c) => resolve(c));
      child.kill("SIGINT");
    });
    expect(code, stderr).toBe(0);
    // The startup check of the store passed: no warning that the store does not answer.
    expect(stderr).not.toMatch(/warning/);
    // --log wrote the test's four requests (the 401s among them) and nothing else: not serve's own
    // startup probe of the store; neither the token nor the wrong ones nor the header.
    expect(stdout.match(/"msg":"incoming request"/g)?.length).toBe(4);
    expect(stdout.match(/"statusCode":401/g)?.length).toBe(3);
    expect(stdout.match(/"statusCode":200/g)?.length).toBe(1);
    for (const secret of [TOKEN, WRONG_OTHER_LENGTH, WRONG_SAME_LENGTH, "Bearer", "authorization"]) {
      expect(stdout, secret).not.toContain(secret);
      expect(stderr, secret).not.toContain(secret);
    }
  });

  it("--host [::1] (URL brackets) is loopback: serves without a token, on ::1", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--host", "[::1]", "--port", "0"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on http:\/\/\[::1\]:(\d+) .*no authentication/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on("exit", () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    expect((await call(`http://[::1]:${port}`, "/get-online-features")).status).not.toBe(401);
    child.kill("SIGINT");
  });

  it("--help documents the token options, the loopback rule and a curl call with the header", async () => {
    const help = (await fcompile({}, "serve", "--help")).stdout;
    expect(help).toMatch(/--auth-token-file <file>/);
    expect(help).toContain("FCOMPILE_AUTH_TOKEN");
    expect(help).toMatch(/Without a\s+token, serve listens only on loopback \(127\.0\.0\.0\/8, ::1, localhost\)/);
    expect(help).toContain(`curl -s localhost:6566/health -H "Authorization: Bearer $(cat token)"`);
  });
});
