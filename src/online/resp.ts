/**
 * Redis protocol (RESP) bytes built by hand, shared by the loader and the client: building a
 * command's bytes in one buffer costs far less than one ioredis command object (and its argument
 * handling) per key. Imports only ioredis's Command, so the client stays thin.
 */
import { Command } from "ioredis";

/**
 * A command whose RESP bytes are built beforehand: ioredis writes them as they are and resolves
 * with the one reply. A command given no bytes writes nothing and only takes the next reply (the
 * second command of one piece of RESP).
 */
export class PrebuiltCommand extends Command {
  constructor(
    name: string,
    private readonly bytes: Buffer,
    replyEncoding?: "utf8",
  ) {
    super(name, [], { replyEncoding });
  }

  override toWritable(): Buffer {
    return this.bytes;
  }
}

/** UTF-8 length of a key; keys are mostly ASCII, counted without a call into C++. */
export function byteLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, "utf8");
  return s.length;
}

export function digits(n: number): number {
  let d = 1;
  for (let t = 10; n >= t && d < 22; t *= 10) d++;
  return d;
}

/** Bytes of a RESP bulk string of `len` bytes: `$<len>\r\n<bytes>\r\n`. */
export function bulkSize(len: number): number {
  return 5 + digits(len) + len;
}

/** `<type><n>\r\n` (`*` array length, `$` bulk length). */
export function writeHeader(out: Buffer, p: number, type: number, n: number): number {
  out[p++] = type;
  const d = digits(n);
  // n below 2^31: int32 arithmetic (a float % is a call into the runtime).
  let m = n | 0;
  for (let i = d - 1; i >= 0; i--) {
    out[p + i] = 0x30 + (m % 10);
    m = (m / 10) | 0;
  }
  p += d;
  out[p++] = 13;
  out[p++] = 10;
  return p;
}

// Byte loops rather than Buffer#write: for a few dozen bytes, a call into C++ costs more than the copy. A prefix
// (a Uint8Array) is copied with set(), a builtin that is quicker than a byte loop for it.
/** The bulk string `<prefix><key>`; `keyBytes` from `byteLength(key)`. */
export function writeKey(out: Buffer, p: number, prefix: Uint8Array, key: string, keyBytes: number): number {
  p = writeHeader(out, p, 0x24, prefix.length + keyBytes);
  out.set(prefix, p);
  p += prefix.length;
  if (keyBytes === key.length) for (let i = 0; i < key.length; i++) out[p++] = key.charCodeAt(i);
  else p += out.write(key, p, "utf8");
  out[p++] = 13;
  out[p++] = 10;
  return p;
}

export function writeBulk(out: Buffer, p: number, value: Uint8Array): number {
  p = writeHeader(out, p, 0x24, value.byteLength);
  out.set(value, p);
  p += value.byteLength;
  out[p++] = 13;
  out[p++] = 10;
  return p;
}

/** The bulk string of `s` (UTF-8). */
export function writeText(out: Buffer, p: number, s: string): number {
  const n = byteLength(s);
  p = writeHeader(out, p, 0x24, n);
  if (n === s.length) for (let i = 0; i < s.length; i++) out[p++] = s.charCodeAt(i);
  else p += out.write(s, p, "utf8");
  out[p++] = 13;
  out[p++] = 10;
  return p;
}

/** Bytes of the bulk string of an integer x (a number, |x| ≤ 2^53) in decimal. */
export function intBulkSize(x: number): number {
  return x < 0 ? bulkSize(1 + digits(-x)) : bulkSize(digits(x));
}

/** The bulk string of an integer x (a number, |x| ≤ 2^53) in decimal, as String(x) writes it; no string made. */
export function writeInt(out: Buffer, p: number, x: number): number {
  const neg = x < 0;
  if (neg) x = -x;
  const d = digits(x);
  p = writeHeader(out, p, 0x24, d + (neg ? 1 : 0));
  if (neg) out[p++] = 0x2d;
  // The low 8 digits and the rest (below 2^53 / 10^8) as int32s: a float % is a call into the runtime.
  let hi = Math.floor(x / 1e8) | 0;
  let lo = (x - hi * 1e8) | 0;
  for (let i = d - 1; i >= 0; i--) {
    if (d - 1 - i < 8) {
      out[p + i] = 0x30 + (lo % 10);
      lo = (lo / 10) | 0;
    } else {
      out[p + i] = 0x30 + (hi % 10);
      hi = (hi / 10) | 0;
    }
  }
  p += d;
  out[p++] = 13;
  out[p++] = 10;
  return p;
}

/** The bulk string of `bytes[from … to)`. */
export function writeBytes(out: Buffer, p: number, bytes: Uint8Array, from: number, to: number): number {
  p = writeHeader(out, p, 0x24, to - from);
  if (to - from > 64) {
    out.set(bytes.subarray(from, to), p);
    p += to - from;
  } else for (let i = from; i < to; i++) out[p++] = bytes[i]!;
  out[p++] = 13;
  out[p++] = 10;
  return p;
}
