/** The events project of the profile and drift tests: a plain view of four features, three months of rows. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** One event row of the test data. */
export interface EventRow {
  customer_id: number;
  ts: string;
  qty: number;
  amount: number | null;
  segment: string;
  flag: boolean;
}

/**
 * 600 events a month, January to March 2025, from a fixed generator; March's amounts are larger
 * and its segments reshuffled (the drift test's shift).
 */
export function eventRows(): EventRow[] {
  let seed = 42;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const rows: EventRow[] = [];
  for (const [month, shifted] of [
    ["01", false],
    ["02", false],
    ["03", true],
  ] as const)
    for (let i = 0; i < 600; i++) {
      const day = String(1 + (i % 28)).padStart(2, "0");
      const sec = String(i % 60).padStart(2, "0");
      const r = rand();
      rows.push({
        customer_id: 1 + (i % 50),
        ts: `2025-${month}-${day} 10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${sec}`,
        qty: Math.floor(rand() * rand() * 10),
        amount: rand() < 0.1 ? null : Math.round(((shifted ? 80 : 20) + rand() * 100) * 100) / 100,
        segment: shifted ? (r < 0.7 ? "gold" : "new") : r < 0.5 ? "vip" : r < 0.8 ? "regular" : r < 0.95 ? "new" : "gold",
        flag: rand() < (shifted ? 0.8 : 0.3),
      });
    }
  return rows;
}

/** Writes the test project (a plain view `events` of four features over data/events.csv) into `dir`. */
export function writeEventsProject(dir: string, drift = ""): void {
  mkdirSync(path.join(dir, "data"), { recursive: true });
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  const rows = eventRows();
  writeFileSync(
    path.join(dir, "data/events.csv"),
    [
      "customer_id,ts,qty,amount,segment,flag",
      ...rows.map((r) => `${r.customer_id},${r.ts},${r.qty},${r.amount ?? ""},${r.segment},${r.flag}`),
    ].join("\n") + "\n",
  );
  writeFileSync(
    path.join(dir, "definitions/events.yml"),
    [
      "entities:",
      "  - name: customer",
      "    join_keys: [{ name: customer_id, type: int64 }]",
      "sources:",
      "  - name: events",
      "    path: ../data/events.csv",
      "    timestamp: ts",
      "feature_views:",
      "  - name: events",
      "    entities: [customer]",
      "    source: events",
      "    features:",
      `      - { name: qty, type: int64${drift} }`,
      `      - { name: amount, type: float64${drift} }`,
      `      - { name: segment, type: string${drift} }`,
      `      - { name: flag, type: bool${drift} }`,
      "",
    ].join("\n"),
  );
}
