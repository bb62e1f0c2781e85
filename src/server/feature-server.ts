/**
 * The HTTP feature server of `fcompile serve`: Feast's `POST /get-online-features` in front of
 * one OnlineClient (one client call, so one store round trip, per request), `GET /health`, and —
 * only when a push handler is given (`serve --push`) — Feast's `POST /push`; with a bearer token,
 * every request must carry it.
 */
import Fastify from "fastify";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { OnlineError, toJson } from "../client/index.js";
import type { OnlineClient } from "../client/index.js";
import { bearerChecker } from "./bearer-auth.js";
import { BODY_LIMIT, classify } from "./http-errors.js";
import { parseJsonExact } from "./exact-json.js";
import { RequestError, toClientRequest, toFeastResponse } from "./feast-mapping.js";
import { DEFAULT_MAX_ENTITY_ROWS, describeValidationError, requestSchema } from "./feast-schema.js";
import type { FeastRequest } from "./feast-schema.js";
import { DEFAULT_MAX_PUSH_ROWS, parsePushRequest } from "./feast-push.js";
import type { PushRequest } from "./feast-push.js";

/** A pushed row that cannot be written (1-based row number in the request), as `POST /push` answers it (422). */
export interface PushRowProblemBody {
  row: number;
  column?: string;
  reason: string;
}

/**
 * Applies one push request: returns the report sent back as JSON. Throws an error with a
 * `problems` array (the bad rows; nothing written) → 422; FcUserError (unknown source, not a
 * push source, …) → 400; WarehouseError → 503.
 */
export type PushHandler = (request: PushRequest) => Promise<unknown>;

/** How to build a feature server. */
export interface FeatureServerOptions {
  /** Answers every read; the server does not close it (its owner does, after `app.close()`). */
  client: OnlineClient;
  /** The most entity rows per request (default 10,000). */
  maxEntityRows?: number;
  /**
   * When set, every request (every route, unknown ones and /health included) must send
   * `Authorization: Bearer <authToken>`, else it is answered 401 with `WWW-Authenticate: Bearer`.
   * Default: no authentication (`fcompile serve` allows that only on loopback).
   */
  authToken?: string;
  /** Fastify's request log (JSON lines on stdout: method, URL, addresses, status; never headers); default off. */
  logger?: boolean;
  /** Extra fields for `GET /health`, e.g. the project and the store type. */
  healthInfo?: Record<string, unknown>;
  /** Turns `POST /push` on (`serve --push`); without it the route answers 404 naming `--push`. */
  push?: PushHandler;
  /** The most rows per push request (default 10,000). */
  maxPushRows?: number;
  /** Called with failures that are bugs (answered 500 without details). Default: printed to stderr. */
  onInternalError?: (err: unknown) => void;
}

const JSON_TYPE = "application/json; charset=utf-8";
// A view name no project can have (names are [a-z][a-z0-9_]*): asking for it reads only the store's pointer.
const ROUTES = "POST /get-online-features (JSON body), POST /push (with serve --push) or GET /health";

/** Builds the server (not listening yet: call `listen`, or `inject` in tests). */
export function createFeatureServer(opts: FeatureServerOptions): FastifyInstance {
  const { client } = opts;
  const onInternalError =
    opts.onInternalError ??
    ((err: unknown) => process.stderr.write(`fcompile serve: internal error: ${(err as Error).stack ?? String(err)}\n`));
  const authorized = opts.authToken === undefined ? undefined : bearerGuard(opts.authToken);
  const app = Fastify({
    logger: opts.logger ?? false,
    // A URL the router cannot decode never reaches the hooks: it gets 401 too unless the token is right.
    frameworkErrors: (err, req, reply) => {
      const r = reply as FastifyReply;
      if (!authorized || authorized(req, r))
        void r
          .code(400)
          .type(JSON_TYPE)
          .send(errorBody(400, "BAD_REQUEST", err.message));
    },
    bodyLimit: BODY_LIMIT,
    // Fastify's defaults would turn a scalar into a one-item array and drop unknown keys: refuse both instead.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    schemaErrorFormatter: (errors) => new RequestError(400, describeValidationError(errors)),
  });

  // onRequest runs before routing's handlers and body parsing, for unknown routes too: a route added later is covered.
  if (authorized) app.addHook("onRequest", async (req, reply) => (authorized(req, reply) ? undefined : reply));

  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === "") return done(new RequestError(400, "the request body is empty: send a JSON object"), undefined);
    try {
      done(null, parseJsonExact(text));
    } catch (err) {
      done(new RequestError(400, `the request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  app.post(
    "/get-online-features",
    { schema: { body: requestSchema(opts.maxEntityRows ?? DEFAULT_MAX_ENTITY_ROWS) } },
    async (req, reply) => {
      const { request, columns } = toClientRequest(req.body as FeastRequest);
      const res = await client.getOnlineFeatureColumns(request);
      // Serialized here, not by fastify: toJson writes int64 (bigint) values with every digit.
      return reply.type(JSON_TYPE).send(toJson(toFeastResponse(columns, res)));
    },
  );

  app.post("/push", async (req, reply) => {
    if (!opts.push)
      return reply
        .code(404)
        .type(JSON_TYPE)
        .send(errorBody(404, "NOT_FOUND", "POST /push is off: start the server with 'fcompile serve --push' to accept pushed events"));
    const request = parsePushRequest(req.body, opts.maxPushRows ?? DEFAULT_MAX_PUSH_ROWS);
    try {
      return reply.type(JSON_TYPE).send(toJson(await opts.push(request)));
    } catch (err) {
      const problems = (err as { problems?: unknown }).problems;
      if (!Array.isArray(problems)) throw err;
      return reply
        .code(422)
        .type(JSON_TYPE)
        .send(toJson({ statusCode: 422, error: "BAD_ROWS", message: (err as Error).message, rows: problems as PushRowProblemBody[] }));
    }
  });

  app.get("/health", async (_req, reply) => {
    try {
      await client.ping();
      return reply.type(JSON_TYPE).send(JSON.stringify({ status: "ok", ...opts.healthInfo }));
    } catch (err) {
      if (!(err instanceof OnlineError)) throw err;
      return reply
        .code(503)
        .type(JSON_TYPE)
        .send(JSON.stringify({ status: "unavailable", error: err.code, message: err.message, ...opts.healthInfo }));
    }
  });

  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type(JSON_TYPE)
      .send(errorBody(404, "NOT_FOUND", `no route ${req.method} ${req.url}: use ${ROUTES}`));
  });

  app.setErrorHandler((err: FastifyError | OnlineError | RequestError, req, reply) => {
    const { status, code, message } = classify(err, req.url.split("?")[0] === "/push" ? "push" : "read");
    if (status === 500 && code === "INTERNAL") onInternalError(err);
    void reply
      .code(status)
      .type(JSON_TYPE)
      .send(errorBody(status, code, message));
  });
  return app;
}

/**
 * Returns true when a request carries `Authorization: Bearer <token>`; otherwise answers it 401
 * with a JSON body and a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3) and returns false.
 */
function bearerGuard(token: string): (req: FastifyRequest, reply: FastifyReply) => boolean {
  const check = bearerChecker(token);
  return (req, reply) => {
    const verdict = check(req.headers.authorization);
    if (verdict === "ok") return true;
    const [challenge, message] =
      verdict === "missing"
        ? ['Bearer realm="fcompile"', "this server needs a bearer token: send the header 'Authorization: Bearer <token>'"]
        : ['Bearer realm="fcompile", error="invalid_token"', "wrong bearer token"];
    void reply
      .code(401)
      .header("www-authenticate", challenge)
      .type(JSON_TYPE)
      .send(errorBody(401, "UNAUTHORIZED", message));
    return false;
  };
}

function errorBody(statusCode: number, error: string, message: string): string {
  return JSON.stringify({ statusCode, error, message });
}
