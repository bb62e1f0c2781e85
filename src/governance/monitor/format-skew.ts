/** `fcompile monitor`'s table (docs/governance.md, "fcompile monitor"): one line per feature, then the failures and a summary. */
import type { FeatureSkew } from "./compare.js";

/** What the table needs besides the features. */
export interface SkewReport {
  ok: boolean;
  training: { path: string; rows: number };
  served: { path: string; lines: number; firstRequest: string | null; lastRequest: string | null };
  features: FeatureSkew[];
  notServed: string[];
}

const HEADER = ["feature", "kind", "train", "served", "psi", "band", "ks", "null train", "missing served", "age p50/p95/max", "result"];

/** The report as text lines (no trailing newline). */
export function formatSkew(r: SkewReport): string {
  const rows = r.features.map((f) => [
    f.name,
    f.kind,
    f.status === "not_in_training" ? "-" : String(f.trainingCount),
    String(f.servedCount),
    f.psi === null ? "-" : f.psi.toFixed(3),
    f.band ?? "-",
    f.ks === null ? "-" : f.ks.toFixed(3),
    f.trainingNullRate === null ? "-" : percent(f.trainingNullRate),
    percent(f.servedMissingRate),
    f.age === null ? "-" : `${duration(f.age.median)}/${duration(f.age.p95)}/${duration(f.age.max)}`,
    f.status === "not_in_training" ? "NOT IN TRAINING" : f.status.toUpperCase(),
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 2 && i <= 9 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [
    `training set ${r.training.path}: ${r.training.rows} rows; served log ${r.served.path}: ${r.served.lines} rows` +
      (r.served.firstRequest ? ` from ${r.served.firstRequest} to ${r.served.lastRequest}` : ""),
    "",
    line(HEADER),
    ...rows.map(line),
  ];
  const failing = r.features.filter((f) => f.status === "fail");
  if (failing.length > 0) out.push("");
  for (const f of failing) out.push(`FAIL ${f.name}: ${f.failures.join("; ")}`);
  const notInTraining = r.features.filter((f) => f.status === "not_in_training").map((f) => f.name);
  if (notInTraining.length > 0) out.push(`note: served but not in the training set (not compared): ${notInTraining.join(", ")}`);
  if (r.notServed.length > 0) out.push(`note: in the training set but never served: ${r.notServed.join(", ")}`);
  out.push(
    `monitor ${r.ok ? "ok" : "failed"}: ${r.features.length} feature${r.features.length === 1 ? "" : "s"}, ${failing.length} failed`,
  );
  return out.join("\n");
}

function percent(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}

/** Seconds as a short duration: 45s, 12m, 3.5h, 2.0d. */
export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  const sign = seconds < 0 ? "-" : "";
  if (s >= 86400) return `${sign}${(s / 86400).toFixed(1)}d`;
  if (s >= 3600) return `${sign}${(s / 3600).toFixed(1)}h`;
  if (s >= 60) return `${sign}${Math.round(s / 60)}m`;
  return `${sign}${Math.round(s)}s`;
}
