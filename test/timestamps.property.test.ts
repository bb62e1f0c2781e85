/**
 * src/timestamps.ts against a reference (issue 9, B.5: `+99:99` was accepted): every in-range
 * timestamp, in every accepted spelling, parses to what Date.parse gives for its canonical ISO
 * form (plus the microseconds Date cannot hold); a timestamp with one field out of range is refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTimestamp, parseTimestamp } from "../src/timestamps.js";
import { assertProperty } from "./helpers/property.js";

const BUDGET = { runs: 2000, minRuns: 500, seconds: 20 };
const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** Days in a month, from Date itself (day 0 of the next month), with years 0–99 kept as written. */
function monthLength(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  /** 0–9 fraction digits. */
  frac: string;
  /** Offset in minutes, or null for no zone, or "Z". */
  zone: number | null | "Z";
}

const fields: fc.Arbitrary<Fields> = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 1, max: 12 }),
    dayPick: fc.integer({ min: 1, max: 31 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    frac: fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 9 }),
    zone: fc.oneof(fc.constant(null), fc.constant("Z" as const), fc.integer({ min: -18 * 60, max: 18 * 60 })),
  })
  .map(({ dayPick, ...f }) => ({ ...f, d: Math.min(dayPick, monthLength(f.y, f.mo)) }));

function zoneText(zone: Fields["zone"], style: number): string {
  if (zone === null) return "";
  if (zone === "Z") return style % 2 ? "Z" : "z";
  const sign = zone < 0 ? "-" : "+";
  const a = Math.abs(zone);
  const [hh, mm] = [pad(Math.floor(a / 60)), pad(a % 60)];
  if (style === 0 && mm === "00") return `${sign}${hh}`;
  return style === 1 ? `${sign}${hh}${mm}` : `${sign}${hh}:${mm}`;
}

/** One of the spellings parseTimestamp accepts. */
function spell(f: Fields, sep: string, style: number): string {
  const frac = f.frac ? `.${f.frac}` : "";
  const sec = f.s === 0 && !frac && style === 2 ? "" : `:${pad(f.s)}${frac}`;
  return `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}${sep}${pad(f.h)}:${pad(f.mi)}${sec}${zoneText(f.zone, style)}`;
}

/** The reference: Date.parse of the canonical form, plus the microseconds below a millisecond. */
function reference(f: Fields): bigint {
  const zone = f.zone === null || f.zone === "Z" ? "Z" : zoneText(f.zone, 3);
  const ms = (f.frac + "000").slice(0, 3);
  const iso = `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}T${pad(f.h)}:${pad(f.mi)}:${pad(f.s)}.${ms}${zone}`;
  const t = Date.parse(iso);
  expect(Number.isNaN(t), iso).toBe(false);
  return BigInt(t) * 1000n + BigInt((f.frac + "000000").slice(3, 6));
}

describe("parseTimestamp (property)", () => {
  it("agrees with Date.parse on every in-range timestamp, in every spelling", () => {
    assertProperty(
      fc.property(fields, fc.constantFrom("T", "t", " "), fc.integer({ min: 0, max: 2 }), (f, sep, style) => {
        expect(parseTimestamp(spell(f, sep, style))).toBe(reference(f));
      }),
      BUDGET,
    );
  });

  it("refuses a timestamp with one field out of range", () => {
    const broken = fc.tuple(fields, fc.integer({ min: 0, max: 8 }), fc.nat()).map(([f, which, n]) => {
      const text = (g: Partial<Fields> & { zoneRaw?: string }): string => {
        const x = { ...f, ...g };
        const frac = x.frac ? `.${x.frac}` : "";
        const zone = g.zoneRaw ?? zoneText(x.zone, 2);
        return `${pad(x.y, 4)}-${pad(x.mo)}-${pad(x.d)}T${pad(x.h)}:${pad(x.mi)}:${pad(x.s)}${frac}${zone}`;
      };
      switch (which) {
        case 0:
          return text({ mo: n % 2 === 0 ? 0 : 13 + (n % 87) });
        case 1:
          return text({ d: n % 2 === 0 ? 0 : monthLength(f.y, f.mo) + 1 + (n % (99 - monthLength(f.y, f.mo))) });
        case 2:
          return text({ h: 24 + (n % 76) });
        case 3:
          return text({ mi: 60 + (n % 40) });
        case 4:
          return text({ s: 60 + (n % 40) });
        case 5:
          return text({ zoneRaw: `${n % 2 ? "+" : "-"}${pad(19 + (n % 81))}:00` });
        case 6:
          return text({ zoneRaw: `${n % 2 ? "+" : "-"}${pad(n % 19)}:${pad(60 + (n % 40))}` });
        case 7:
          return text({ zoneRaw: `${n % 2 ? "+" : "-"}18:${pad(1 + (n % 59))}` });
        default:
          return text({ zoneRaw: `${n % 2 ? "+" : "-"}${pad(n % 19)}${pad(60 + (n % 40))}` });
      }
    });
    assertProperty(
      fc.property(broken, (text) => {
        expect(parseTimestamp(text), text).toBeUndefined();
      }),
      BUDGET,
    );
  });
});

describe("parseTimestamp: the examples", () => {
  it.each([
    ["2025-01-01T10:00:00+99:99", undefined],
    ["2025-01-01T10:00:00+18:30", undefined],
    ["2025-01-01T10:00:00+19:00", undefined],
    ["2025-01-01T10:00:00+05:60", undefined],
    ["2025-13-01", undefined],
    ["2025-00-10", undefined],
    ["2025-01-32", undefined],
    ["2025-02-29", undefined],
    ["2025-04-31", undefined],
    ["1900-02-29", undefined],
    ["2025-01-01T24:00:00", undefined],
    ["2025-01-01T23:60", undefined],
    ["2016-12-31T23:59:60Z", undefined],
    ["2025-06-01 12:00 +0530", "2025-06-01 06:30:00"],
    ["2025-01-01T10:00:00+18:00", "2024-12-31 16:00:00"],
    ["2025-01-01T10:00:00-18:00", "2025-01-02 04:00:00"],
    ["2024-02-29T00:00:00.1234567Z", "2024-02-29 00:00:00.123456"],
    ["2000-02-29", "2000-02-29 00:00:00"],
    ["0050-03-01", "0050-03-01 00:00:00"],
    ["0000-01-01T00:00:00Z", "0000-01-01 00:00:00"],
    ["9999-12-31T23:59:59.999999", "9999-12-31 23:59:59.999999"],
  ])("%s → %s", (text, want) => {
    const t = parseTimestamp(text);
    expect(t === undefined ? undefined : formatTimestamp(t)).toBe(want);
  });
});
