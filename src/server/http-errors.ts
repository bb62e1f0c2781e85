/**
 * How `fcompile serve` answers a failure: the HTTP status, an error code and a message safe to
 * show (never a stack trace) that says what to do next — the serve option that raises a limit,
 * what to send less of, when to retry.
 */
import type { FastifyError } from "fastify";
import { OnlineError } from "../client/index.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import { WarehouseError } from "../warehouse/warehouse.js";
import { RequestError } from "./feast-mapping.js";

/** The request body limit (fixed, bytes): a larger body is answered 413. */
export const BODY_LIMIT = 16 * 1024 * 1024;

/**
 * HTTP status, error code and a message safe to show (never a stack trace) that says what to do
 * next; `route` tells a push from a read (what to send less of).
 */
export function classify(
  err: FastifyError | OnlineError | RequestError,
  route: "push" | "read",
): { status: number; code: string; message: string } {
  if (err instanceof FcUserError) return { status: 400, code: "BAD_REQUEST", message: err.diagnostics.map((d) => d.message).join("; ") };
  if (err instanceof WarehouseError) return { status: 503, code: "UNAVAILABLE", message: err.message };
  if (err instanceof OnlineError) {
    if (err.code === "BAD_REQUEST") return { status: 400, code: err.code, message: err.message };
    if (err.code === "UNAVAILABLE") return { status: 503, code: err.code, message: err.message };
    if (err.code === "TIMEOUT")
      return {
        status: 503,
        code: err.code,
        message: `${err.message}: retry; if the store is only slow, start the server with a larger 'fcompile serve --timeout-ms'`,
      };
    return { status: 500, code: err.code, message: err.message };
  }
  if (err instanceof RequestError)
    return { status: err.statusCode, code: err.statusCode === 413 ? "TOO_LARGE" : "BAD_REQUEST", message: err.message };
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    if (status === 413)
      return {
        status,
        code: "TOO_LARGE",
        message: `${err.message} (at most ${BODY_LIMIT / 1024 / 1024} MiB): ${route === "push" ? "push fewer rows per request" : "ask for fewer entity rows per request"}`,
      };
    if (status === 415)
      return { status, code: "UNSUPPORTED_MEDIA_TYPE", message: `${err.message}: send JSON with Content-Type: application/json` };
    return { status, code: "BAD_REQUEST", message: err.message };
  }
  return { status: 500, code: "INTERNAL", message: "internal error in the feature server (details in its log)" };
}
