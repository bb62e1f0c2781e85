/**
 * Bearer-token authentication of `fcompile serve` (README, "Serving: `fcompile serve`"): where the
 * token comes from, when one is required (any --host beyond loopback), and the check of a
 * request's `Authorization` header. The token itself never appears in a message.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { usageError, userError } from "../diagnostics/diagnostic.js";

/** The environment variable that may hold the token (instead of --auth-token-file). */
export const AUTH_TOKEN_ENV = "FCOMPILE_AUTH_TOKEN";
/** The shortest token accepted, in characters (`openssl rand -hex 32` makes 64). */
export const MIN_TOKEN_LENGTH = 16;

const MAKE_ONE = "make one with 'openssl rand -hex 32 > token'";
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/**
 * A --host as the socket takes it: an IPv6 address written in URL brackets (`[::1]`) without them.
 * Other hosts are returned as they are.
 */
export function listenHost(host: string): string {
  const m = /^\[(.*)\]$/.exec(host);
  return m && isIP(m[1]!) === 6 ? m[1]! : host;
}

/**
 * True for a host only this machine can reach: 127.0.0.0/8, ::1 (any spelling, with or without
 * URL brackets, and IPv4-mapped `::ffff:127.x.x.x`) or `localhost` (any case). Every other name
 * or address, 0.0.0.0 and :: included, counts as reachable from elsewhere.
 */
export function isLoopbackHost(spelled: string): boolean {
  const host = listenHost(spelled);
  const family = isIP(host);
  if (family === 0) return host.toLowerCase() === "localhost";
  return LOOPBACK.check(host, family === 4 ? "ipv4" : "ipv6");
}

/**
 * The bearer token `serve` requires, or undefined for none. From the file (content with the
 * surrounding whitespace trimmed) or from `env[FCOMPILE_AUTH_TOKEN]`; both at once is an error, as
 * is an unreadable (FC011) or empty file, an empty variable, a token shorter than 16 characters or
 * one with other than visible ASCII (it could not be sent in a header). Without a token, a host
 * that is not loopback (`isLoopbackHost`) is refused. Errors are FC015 (command line) unless noted.
 */
export function serveAuthToken(host: string, tokenFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env[AUTH_TOKEN_ENV];
  if (tokenFile !== undefined && fromEnv !== undefined)
    throw usageError(
      `give the token one way, --auth-token-file or ${AUTH_TOKEN_ENV}, not both (unset ${AUTH_TOKEN_ENV} or drop the option)`,
    );
  let token: string | undefined;
  let from: string;
  if (tokenFile !== undefined) {
    from = `the token file ${tokenFile}`;
    try {
      token = readFileSync(tokenFile, "utf8").trim();
    } catch (err) {
      throw userError("FC011", `cannot read ${from} (--auth-token-file): ${(err as Error).message}`, "<command line>");
    }
    if (token === "") throw userError("FC015", `${from} is empty: write a token into it (${MAKE_ONE})`);
  } else {
    from = `the environment variable ${AUTH_TOKEN_ENV}`;
    token = fromEnv?.trim();
    if (token === "") throw userError("FC015", `${from} is set but empty: set it to a token (${MAKE_ONE}) or unset it`);
  }
  if (token === undefined) {
    if (isLoopbackHost(host)) return undefined;
    throw usageError(
      `--host ${host} is reachable from other machines, so serve needs a bearer token: give --auth-token-file FILE (${MAKE_ONE}) or set ${AUTH_TOKEN_ENV}; clients then send 'Authorization: Bearer <token>'. Or listen on loopback only (--host 127.0.0.1)`,
    );
  }
  if (token.length < MIN_TOKEN_LENGTH)
    throw userError("FC015", `${from} holds a weak token (${token.length} characters, at least ${MIN_TOKEN_LENGTH} needed): ${MAKE_ONE}`);
  if (!/^[\x21-\x7e]+$/.test(token))
    throw userError(
      "FC015",
      `${from} holds a token with spaces, control or non-ASCII characters, which a header cannot carry: ${MAKE_ONE}`,
    );
  return token;
}

/** What an `Authorization` header is worth: the right token, a wrong one, or no bearer token at all. */
export type BearerVerdict = "ok" | "wrong" | "missing";

/**
 * A checker of `Authorization` header values against `token`. The scheme is case-insensitive
 * (RFC 7235 §2.1: `bearer`, `BEARER` work) and followed by one or more spaces; any other scheme is
 * "missing". Tokens are compared as SHA-256 digests with `timingSafeEqual`, so the time taken
 * tells neither the token's length nor how much of it matched.
 */
export function bearerChecker(token: string): (authorization: string | undefined) => BearerVerdict {
  const expected = sha256(token);
  return (authorization) => {
    const m = authorization === undefined ? null : /^bearer +(\S+)$/i.exec(authorization);
    if (!m) return "missing";
    return timingSafeEqual(sha256(m[1]!), expected) ? "ok" : "wrong";
  };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
