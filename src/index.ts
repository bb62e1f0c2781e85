/**
 * `fcompile`: the commands as functions (what the CLI calls). Each lives in src/commands/, one
 * file per command; this file only re-exports them.
 */
export { build } from "./commands/build.js";
export { init } from "./commands/init.js";
export { run } from "./commands/run.js";
export { train, trainingSql } from "./commands/train.js";
export type { TrainOptions } from "./commands/train.js";
export { materialize } from "./commands/materialize.js";
export type { MaterializeOptions, MaterializedView } from "./commands/materialize.js";
export { load, openOnlineWriter } from "./commands/load.js";
export type { LoadOptions, LoadResult } from "./commands/load.js";
export { get, projectOnlineClient } from "./commands/get.js";
export type { GetOptions } from "./commands/get.js";
export { verify } from "./commands/verify.js";
export { status } from "./commands/status.js";
export type { StatusResult, ViewState, ViewStatus } from "./commands/status.js";
export { clean } from "./commands/clean.js";
export type { CleanOptions, CleanPlan, CleanResult } from "./commands/clean.js";
export { plan } from "./commands/plan.js";
export type { PlanOptions, PlanResult } from "./commands/plan.js";
export type { PlanClass, PlanItem } from "./governance/plan/plan-items.js";
export { ls } from "./commands/ls.js";
export type { LsOptions } from "./commands/ls.js";
export type { ListedObject, ListFilter, ListKind } from "./governance/ls/list-objects.js";
export type { Mismatch, VerifyOptions } from "./commands/verify.js";
export { loadProject } from "./commands/common.js";
export type { ProjectOptions } from "./commands/common.js";
export { FcUserError, formatDiagnostic } from "./diagnostics/diagnostic.js";
export type { Diagnostic } from "./diagnostics/diagnostic.js";
