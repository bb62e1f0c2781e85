import { isInteger, isSafeNumber, parse } from "lossless-json";

/**
 * JSON.parse that keeps 64-bit integers exact: an integer literal beyond 2^53 becomes a bigint
 * (JSON.parse would round 9007199254740993 to …992 and then match the wrong entity key), parsed by
 * lossless-json. Every other value parses as JSON.parse does. Keys named `__proto__` and
 * duplicate keys are refused.
 */
export function parseJsonExact(text: string): unknown {
  // Every unsafe integer has at least 16 digits: most requests take JSON.parse's faster path.
  if (!/\d{16}/.test(text)) return JSON.parse(text, refuseProto);
  return parse(text, refuseProto, exactNumber);
}

/** A JSON number's text as a number, or as a bigint when it is an integer a double cannot hold. */
function exactNumber(text: string): number | bigint {
  return !isSafeNumber(text) && isInteger(text) ? BigInt(text) : Number(text);
}

function refuseProto(key: string, value?: unknown): unknown {
  if (key === "__proto__") throw new SyntaxError("the key '__proto__' is not allowed");
  return value;
}
