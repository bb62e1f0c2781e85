import { randomBytes } from "node:crypto";

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * JSON.parse that keeps 64-bit integers exact: an integer literal beyond 2^53 becomes a bigint
 * (JSON.parse would round 9007199254740993 to …992 and then match the wrong entity key).
 * Every other value parses as JSON.parse does. Keys named `__proto__` are refused.
 */
export function parseJsonExact(text: string): unknown {
  // Every unsafe integer has at least 16 digits: most requests take the plain path.
  if (!/\d{16}/.test(text)) return JSON.parse(text, refuseProto);
  const big: string[] = [];
  // A marker no request can contain by accident: a fresh random tag per parse.
  const tag = `\u0000fc${randomBytes(8).toString("hex")}:`;
  const escapedTag = JSON.stringify(tag).slice(1, -1);
  let out = "";
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c !== "-" && (c < "0" || c > "9")) continue;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) continue;
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(Number(m[0]))) {
      out += `${text.slice(last, i)}"${escapedTag}${big.length}"`;
      big.push(m[0]);
      last = i + m[0].length;
    }
    i += m[0].length - 1;
  }
  out += text.slice(last);
  return JSON.parse(out, (key, value: unknown) => {
    refuseProto(key);
    return typeof value === "string" && value.startsWith(tag) ? BigInt(big[Number(value.slice(tag.length))]!) : value;
  });
}

function refuseProto(key: string, value?: unknown): unknown {
  if (key === "__proto__") throw new SyntaxError("the key '__proto__' is not allowed");
  return value;
}
