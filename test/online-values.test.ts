/**
 * One representation per value online (docs/online.md): a float32 as its shortest decimal, int64
 * exact in JSON both ways (lossless-json, no private marker a string could imitate), NaN and
 * ±Infinity as strings in JSON, and `verify`'s comparison that takes NaN = NaN, 0 = -0 and float32
 * at float32 precision.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toJson } from "../src/client/json.js";
import { sameValue } from "../src/commands/verify.js";
import { decodeValue, encodeValue, int64KeyText, shortestFloat32 } from "../src/online/codec.js";
import { parseJsonExact } from "../src/server/exact-json.js";
import { assertProperty } from "./helpers/property.js";

/** The reference: the fewest significant digits whose decimal reads back as the same float32. */
function shortestByText(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  throw new Error(`no decimal of 9 digits reads back as ${x}`);
}

const asFloat32 = (bits: number): number => new Float32Array(new Uint32Array([bits]).buffer)[0]!;

describe("float32 values", () => {
  it("come back as the shortest decimal of the same float32 (1.111 stays 1.111)", () => {
    const f32 = (x: number): number => decodeValue(["float32"], encodeValue(["float32"], 0n, [x])).values[0] as number;
    expect(f32(1.111)).toBe(1.111);
    expect(String(f32(1.111))).toBe("1.111");
    expect(f32(0.1)).toBe(0.1);
    expect(f32(-2.5)).toBe(-2.5);
    expect(f32(16777217)).toBe(16777216);
    expect(f32(3.4028234663852886e38)).toBe(3.4028235e38);
    expect(f32(1e-45)).toBe(1e-45);
    expect(Object.is(f32(-0), -0)).toBe(true);
    expect(f32(NaN)).toBeNaN();
    expect(f32(-Infinity)).toBe(-Infinity);
    expect(toJson({ v: f32(1.111) })).toBe('{"v":1.111}');
  });

  it("equal the text reference on every kind of float32 (any bit pattern)", () => {
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (bits) => {
        const x = asFloat32(bits);
        const got = shortestFloat32(x);
        if (Number.isNaN(x)) expect(got).toBeNaN();
        else {
          expect(Math.fround(got)).toBe(x);
          expect(Object.is(got, shortestByText(x))).toBe(true);
        }
      }),
      { runs: 20_000, minRuns: 5000, seconds: 20 },
    );
  });
});

describe("JSON of online values", () => {
  it("keeps int64 exact both ways and never turns a string into a number", () => {
    const big = 2n ** 63n - 1n;
    const text = toJson({ big, small: -(2n ** 53n) - 1n, marker: "\u0000big:12", look: "\\u0000big:34", n: 1.5 });
    expect(text).toBe(`{"big":9223372036854775807,"small":-9007199254740993,"marker":"\\u0000big:12","look":"\\\\u0000big:34","n":1.5}`);
    expect(parseJsonExact(text)).toEqual({ big, small: -(2n ** 53n) - 1n, marker: "\u0000big:12", look: "\\u0000big:34", n: 1.5 });
    // Strings that look like any marker stay strings, whatever they hold.
    assertProperty(
      fc.property(fc.string(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (s, b) => {
        expect(parseJsonExact(toJson({ s, b, t: `\u0000big:${s}` }))).toEqual({
          s,
          b: Number.isSafeInteger(Number(b)) ? Number(b) : b,
          t: `\u0000big:${s}`,
        });
      }),
      { runs: 500, minRuns: 200, seconds: 20 },
    );
  });

  it("writes NaN and ±Infinity as strings (JSON numbers cannot hold them), booleans as true/false", () => {
    expect(toJson([NaN, Infinity, -Infinity, -0, true, false, null])).toBe('["NaN","Infinity","-Infinity",0,true,false,null]');
    expect(toJson({ a: 1 }, 2)).toBe('{\n  "a": 1\n}');
  });
});

describe("int64 join-key values (one function for load and the client)", () => {
  const I64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

  it("every form of one integer names one key: bigint, digits, padded or signed text, a safe number", () => {
    assertProperty(
      fc.property(fc.oneof(fc.bigInt(I64), fc.constantFrom(I64.min, I64.max, 0n, 2n ** 53n + 1n, -(2n ** 53n) - 1n)), (b) => {
        const key = b.toString();
        expect(int64KeyText(b)).toBe(key);
        expect(int64KeyText(key)).toBe(key);
        expect(int64KeyText(` ${b < 0n ? "-" : "+"}000${(b < 0n ? -b : b).toString()} `)).toBe(key);
        if (Number.isSafeInteger(Number(b))) expect(int64KeyText(Number(b))).toBe(key);
        else expect(int64KeyText(Number(b))).toBeUndefined(); // a double beyond 2^53 is not exact
      }),
      { runs: 2000, minRuns: 500, seconds: 20 },
    );
  });

  it("anything else converts to no key: out of range, fractions, other text, other types", () => {
    for (const v of [
      I64.max + 1n,
      I64.min - 1n,
      "9223372036854775808",
      2.5,
      NaN,
      Infinity,
      "abc",
      "1e3",
      "0x10",
      "",
      " ",
      "1 2",
      true,
      null,
      {},
      [],
    ])
      expect(int64KeyText(v), String(v)).toBeUndefined();
    assertProperty(
      fc.property(
        fc.string().filter((s) => !/^\s*[+-]?\d+\s*$/.test(s)),
        (s) => {
          expect(int64KeyText(s)).toBeUndefined();
        },
      ),
      { runs: 2000, minRuns: 500, seconds: 20 },
    );
    expect(int64KeyText(-0)).toBe("0");
  });
});

describe("verify's comparison", () => {
  it("takes NaN as NaN, 0 as -0, float32 at float32 precision, NULL only as NULL", () => {
    expect(sameValue(NaN, NaN, "float64")).toBe(true);
    expect(sameValue(NaN, NaN, "float32")).toBe(true);
    expect(sameValue("NaN", NaN, "float64")).toBe(true); // PostgreSQL's text form
    expect(sameValue(NaN, 1, "float64")).toBe(false);
    expect(sameValue(1, NaN, "float64")).toBe(false);
    expect(sameValue(NaN, null, "float64")).toBe(false);
    expect(sameValue(null, NaN, "float64")).toBe(false);
    expect(sameValue(-0, 0, "float64")).toBe(true);
    expect(sameValue(0, -0, "float32")).toBe(true);
    expect(sameValue(Infinity, Infinity, "float64")).toBe(true);
    expect(sameValue(Infinity, -Infinity, "float64")).toBe(false);
    expect(sameValue(Math.fround(1.111), 1.111, "float32")).toBe(true);
    expect(sameValue(1.111, 1.1109999418258667, "float32")).toBe(true);
    expect(sameValue(1.111, 1.1109999418258667, "float64")).toBe(false);
    expect(sameValue(null, null, "int64")).toBe(true);
    expect(sameValue(2n ** 53n + 1n, 2n ** 53n + 1n, "int64")).toBe(true);
    expect(sameValue(2n ** 53n + 1n, 2n ** 53n, "int64")).toBe(false);
    expect(sameValue(true, true, "bool")).toBe(true);
    expect(sameValue("t", true, "bool")).toBe(true);
    expect(sameValue(false, true, "bool")).toBe(false);
  });
});
