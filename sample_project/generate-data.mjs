#!/usr/bin/env node
// Generates the raw data of the sample project: a small e-commerce shop.
//
//   node sample_project/generate-data.mjs [--seed 42] [--scale 1] [--out DIR]
//
// Writes (default DIR = data/ next to this script):
//   customers.csv     customer_id, signup_ts, country
//   orders.csv        order_id, customer_id, order_ts, amount
//   churn_labels.csv  customer_id, event_timestamp, churned   (entity rows for `fcompile train`)
//
// Deterministic: the same --seed and --scale give byte-identical files. Every customer draws from
// its own random stream (seeded by --seed and its index), so the first 1,000 customers are the same
// people at every scale; only the order ids (numbered by time over all orders) depend on the scale.
//
// Scale 1 = 1,000 customers and roughly 25,000 orders, all placed in 2025. Timestamps are UTC,
// written without a zone as `YYYY-MM-DD HH:MM:SS`. Customers come in four kinds:
//   regular  (~70%)  steady orders of a few tens of dollars
//   vip      (~5%)   frequent, large orders
//   churner  (~22%)  order like regulars, then stop for good on a random day
//   inactive (~3%)   sign up and never order
// Some customers sign up during 2025, so they start ordering late (and are 'new' for a while).
//
// churn_labels.csv has two rows per customer at random instants in [2025-03-01, 2025-12-01)
// (a few exactly at midnight, to hit the inclusive bounds of the point-in-time join), never before
// the customer signed up; churned = 1 when the customer places no order in (T, T + 30 days].
// It also holds, on purpose: a few customer ids that do not exist (one above 2^53, to show that
// 64-bit keys stay exact) and a few exact duplicate rows. Rows are shuffled (not sorted), so the
// training output order visibly follows the input order.
//
// No dependencies: node: builtins only.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));

function usage(message) {
  if (message) process.stderr.write(`generate-data: ${message}\n`);
  process.stderr.write("usage: node generate-data.mjs [--seed 42] [--scale 1] [--out DIR]\n");
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      seed: { type: "string", default: "42" },
      scale: { type: "string", default: "1" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (err) {
  usage(err.message);
}
if (args.help) usage();
const SEED = Number(args.seed);
const SCALE = Number(args.scale);
if (!Number.isInteger(SEED) || SEED < 0 || SEED > 0xffffffff) usage(`--seed must be an integer in [0, 2^32): ${args.seed}`);
if (!(SCALE > 0) || !Number.isFinite(SCALE)) usage(`--scale must be a positive number: ${args.scale}`);
const OUT = args.out ? resolve(args.out) : join(HERE, "data");

// ---------------------------------------------------------------------------------------------
// Randomness: mulberry32 streams, seeded through a murmur-style 32-bit mix.

function mix32(h) {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function streamSeed(...parts) {
  let h = 0x9e3779b9;
  for (const p of parts) h = mix32((h ^ p) + 0x7f4a7c15);
  return h;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next, // [0, 1)
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    uniform: (lo, hi) => lo + next() * (hi - lo),
    normal: () => {
      const u = 1 - next(); // (0, 1]
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    exponential: (rate) => -Math.log(1 - next()) / rate,
  };
}

// ---------------------------------------------------------------------------------------------
// Time: whole seconds since the epoch, UTC.

const DAY = 86400;
const ts = (iso) => Date.parse(`${iso}T00:00:00Z`) / 1000;
const YEAR_START = ts("2025-01-01");
const YEAR_END = ts("2026-01-01"); // exclusive
const LABEL_START = ts("2025-03-01");
const LABEL_END = ts("2025-12-01"); // exclusive; T + 30 days stays inside the data
const CHURN_HORIZON = 30 * DAY;

function fmt(seconds) {
  // 2025-03-04T12:34:56.000Z -> 2025-03-04 12:34:56
  const s = new Date(seconds * 1000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

// ---------------------------------------------------------------------------------------------
// Customers and their orders.

const COUNTRIES = [
  ["US", 40],
  ["GB", 15],
  ["DE", 15],
  ["FR", 10],
  ["CA", 8],
  ["NL", 7],
  ["JP", 5],
];
const COUNTRY_TOTAL = COUNTRIES.reduce((s, [, w]) => s + w, 0);

function pickCountry(rng) {
  let x = rng.next() * COUNTRY_TOTAL;
  for (const [code, w] of COUNTRIES) {
    if ((x -= w) < 0) return code;
  }
  return COUNTRIES[0][0];
}

const N_CUSTOMERS = Math.max(1, Math.round(1000 * SCALE));
const FIRST_CUSTOMER_ID = 1001;

const customerLines = ["customer_id,signup_ts,country"];
// Orders as parallel arrays, numbered by time afterwards.
const orderCustomer = [];
const orderTs = [];
const orderCents = [];
const labelRows = []; // [customer_id, seconds, churned]

for (let i = 0; i < N_CUSTOMERS; i++) {
  const rng = mulberry32(streamSeed(SEED, i));
  const id = FIRST_CUSTOMER_ID + i;

  // Signed up in 2023-2024 (75%) or during 2025 up to the end of October (25%).
  const signup = rng.next() < 0.75 ? rng.int(ts("2023-01-01"), YEAR_START - 1) : rng.int(YEAR_START, ts("2025-11-01") - 1);
  const country = pickCountry(rng);
  customerLines.push(`${id},${fmt(signup)},${country}`);

  const kindRoll = rng.next();
  const kind = kindRoll < 0.05 ? "vip" : kindRoll < 0.27 ? "churner" : kindRoll < 0.3 ? "inactive" : "regular";
  let perYear; // expected orders per year while active
  let basket; // typical order value in dollars
  switch (kind) {
    case "vip":
      perYear = rng.uniform(40, 90);
      basket = rng.uniform(250, 600);
      break;
    case "churner":
      perYear = rng.uniform(15, 45);
      basket = rng.uniform(20, 90);
      break;
    case "inactive":
      perYear = 0;
      basket = 0;
      break;
    default:
      perYear = rng.uniform(10, 55);
      basket = rng.uniform(20, 90);
  }

  const activeFrom = Math.max(signup, YEAR_START);
  let activeUntil = YEAR_END;
  if (kind === "churner") {
    // Stop on a random day at least two weeks after becoming active, before December.
    const earliest = activeFrom + 14 * DAY;
    const latest = ts("2025-12-01");
    activeUntil = earliest < latest ? rng.int(earliest, latest) : YEAR_END;
  }

  const customerOrders = [];
  if (perYear > 0) {
    const ratePerSecond = perYear / (365 * DAY);
    let t = activeFrom + rng.exponential(ratePerSecond);
    while (t < activeUntil) {
      const seconds = Math.floor(t);
      // Log-normal around the customer's basket; never below one dollar.
      const dollars = Math.max(1, basket * Math.exp(0.45 * rng.normal()));
      orderCustomer.push(id);
      orderTs.push(seconds);
      orderCents.push(Math.round(dollars * 100));
      customerOrders.push(seconds);
      t += rng.exponential(ratePerSecond);
    }
  }

  // Two label rows, never before signup (customers who signed up after the label window get none).
  const from = Math.max(LABEL_START, signup + 1);
  if (from < LABEL_END) {
    for (let k = 0; k < 2; k++) {
      let at = rng.int(from, LABEL_END - 1);
      if (rng.next() < 0.02 && at - (at % DAY) >= from) at -= at % DAY; // exactly midnight
      let churned = 1;
      for (const o of customerOrders) {
        if (o > at && o <= at + CHURN_HORIZON) {
          churned = 0;
          break;
        }
      }
      labelRows.push([String(id), at, churned]);
    }
  }
}

// Number orders by time (ties by customer, then by generation order): order_id 1, 2, ...
const order = Array.from(orderTs.keys());
order.sort((a, b) => orderTs[a] - orderTs[b] || orderCustomer[a] - orderCustomer[b] || a - b);
const orderLines = new Array(order.length + 1);
orderLines[0] = "order_id,customer_id,order_ts,amount";
for (let n = 0; n < order.length; n++) {
  const j = order[n];
  const c = orderCents[j];
  orderLines[n + 1] = `${n + 1},${orderCustomer[j]},${fmt(orderTs[j])},${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
}

// Label oddities: unknown customers (no orders, so churned = 1) and exact duplicates.
const extra = mulberry32(streamSeed(SEED, 0xfeed, N_CUSTOMERS));
const unknownIds = [
  String(FIRST_CUSTOMER_ID + N_CUSTOMERS + 7),
  String(FIRST_CUSTOMER_ID + N_CUSTOMERS + 8),
  "999",
  "9007199254740993", // 2^53 + 1: not representable as a JS number
];
for (const id of unknownIds) labelRows.push([id, extra.int(LABEL_START, LABEL_END - 1), 1]);
const nDuplicates = Math.max(3, Math.round(5 * SCALE));
const nOriginal = labelRows.length;
for (let k = 0; k < nDuplicates && nOriginal > 0; k++) labelRows.push(labelRows[extra.int(0, nOriginal - 1)]);
// Fisher-Yates shuffle.
for (let k = labelRows.length - 1; k > 0; k--) {
  const r = extra.int(0, k);
  [labelRows[k], labelRows[r]] = [labelRows[r], labelRows[k]];
}
const labelLines = ["customer_id,event_timestamp,churned"];
for (const [id, at, churned] of labelRows) labelLines.push(`${id},${fmt(at)},${churned}`);

// ---------------------------------------------------------------------------------------------

mkdirSync(OUT, { recursive: true });
const files = [
  ["customers.csv", customerLines],
  ["orders.csv", orderLines],
  ["churn_labels.csv", labelLines],
];
for (const [name, lines] of files) writeFileSync(join(OUT, name), lines.join("\n") + "\n");

const churnRate = labelRows.reduce((s, r) => s + r[2], 0) / Math.max(1, labelRows.length);
console.log(
  `generate-data: seed ${SEED}, scale ${SCALE} -> ${OUT}: ` +
    files.map(([name, lines]) => `${name} ${lines.length - 1} rows`).join(", ") +
    ` (churn rate ${(100 * churnRate).toFixed(1)}%)`,
);
