import type { Registry } from "../registry/types.js";
import { compileMaterialization } from "./materialize.js";
import type { CompileTarget } from "./relations.js";
import { compileRunPlan } from "./run-plan.js";
import { compileTraining } from "./training.js";

/** Name of the relation a hand-run training query reads entity rows from. */
export const ENTITY_PLACEHOLDER = "fc_entity_rows";

/**
 * Every compiled SQL file of a project for one dialect, keyed by path under
 * `target/compiled/<dialect>/`. Pure: the caller writes the files.
 */
export function compileProject(reg: Registry, t: CompileTarget): Map<string, string> {
  const files = new Map<string, string>();
  compileRunPlan(reg, t).forEach((step, i) => {
    files.set(`run/${String(i + 1).padStart(3, "0")}_${step.kind === "file-source" ? "source" : "view"}__${step.name}.sql`, step.sql);
  });
  for (const service of reg.services.values()) {
    const sql = compileTraining(reg, t, {
      title: `service ${service.name}; entity rows from ${ENTITY_PLACEHOLDER}, timestamp column event_timestamp`,
      features: service.features,
      entities: ENTITY_PLACEHOLDER,
      timestampColumn: "event_timestamp",
      fullNames: false,
    });
    files.set(`train/${service.name}.sql`, sql);
  }
  for (const view of reg.views.values()) {
    files.set(`materialize/${view.name}.sql`, compileMaterialization(reg, view, t));
  }
  return files;
}
