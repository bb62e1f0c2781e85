import { OnlineError } from "../store-reader.js";

/** What to do when Redis cannot be reached, for every message that says so. */
const UNREACHABLE_HINT = "is Redis running there? Start it, or fix the URL (fcompile.yaml online.url)";

/**
 * A failure talking to Redis as an OnlineError that names the store's URL (password redacted)
 * and says what to do, instead of an ioredis internal such as "Reached the max retries per request
 * limit". `lastConnectionError` is the latest error of the connection itself (e.g. `connect
 * ECONNREFUSED 127.0.0.1:6379`): the real cause when a command fails because the connection is down.
 */
export function redisError(err: unknown, where: string, lastConnectionError?: Error): OnlineError {
  if (err instanceof OnlineError) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/timed out/i.test(msg))
    return new OnlineError("TIMEOUT", `the online store at ${where} did not answer in time (${msg})`, { cause: err });
  if (
    /ECONNREFUSED|Connection is closed|connection close|max retries|stream isn't writeable|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ETIMEDOUT/i.test(
      msg,
    )
  ) {
    const cause = lastConnectionError?.message ?? msg;
    return new OnlineError("UNAVAILABLE", `cannot reach the online store at ${where} (${cause}): ${UNREACHABLE_HINT}`, { cause: err });
  }
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(msg))
    return new OnlineError(
      "UNAVAILABLE",
      `the online store at ${where} refused the login (${msg}): check the user and password in online.url`,
      {
        cause: err,
      },
    );
  return new OnlineError("STORE", `the online store at ${where} failed: ${msg}`, { cause: err });
}
