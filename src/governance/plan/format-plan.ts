import type { PlanClass, PlanItem } from "./plan-items.js";
import { PLAN_CLASSES } from "./plan-items.js";

const HEADINGS: Record<PlanClass, string> = {
  breaking: "BREAKING",
  backfill: "BACKFILL",
  "non-breaking": "NON-BREAKING",
  "documentation-only": "DOCUMENTATION-ONLY",
};

/** How many items of each class. */
export function countByClass(items: readonly PlanItem[]): Record<PlanClass, number> {
  return Object.fromEntries(PLAN_CLASSES.map((c) => [c, items.filter((i) => i.class === c).length])) as Record<PlanClass, number>;
}

/**
 * The plan for a reader: a summary line, then one group per class that has items (heading with
 * its count), one line per object — kind, name, then its reasons joined by `; ` — aligned within
 * the group; and, with breaking changes, whether they fail the command.
 */
export function formatPlan(against: string, items: readonly PlanItem[], allowBreaking: boolean): string {
  if (items.length === 0) return `no changes against ${against}\n`;
  const n = countByClass(items);
  const lines = [`plan against ${against}: ${PLAN_CLASSES.map((c) => `${n[c]} ${c}`).join(", ")}`];
  for (const cls of PLAN_CLASSES) {
    const group = items.filter((i) => i.class === cls);
    if (group.length === 0) continue;
    const heads = group.map((i) => `${i.kind} ${i.name}`);
    const width = Math.max(...heads.map((h) => h.length));
    lines.push("", `${HEADINGS[cls]} (${group.length})`, ...group.map((i, k) => `  ${heads[k]!.padEnd(width)}  ${i.reasons.join("; ")}`));
  }
  if (n.breaking > 0)
    lines.push(
      "",
      allowBreaking
        ? `${n.breaking} breaking change${n.breaking === 1 ? "" : "s"} allowed (--allow-breaking)`
        : `${n.breaking} breaking change${n.breaking === 1 ? "" : "s"}: exit 1 (pass --allow-breaking to accept)`,
    );
  return lines.map((l) => `${l}\n`).join("");
}
