import { listObjects } from "../governance/ls/list-objects.js";
import type { ListFilter, ListKind, ListedObject } from "../governance/ls/list-objects.js";
import { LIST_KINDS } from "../governance/ls/list-objects.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { loadProject } from "./common.js";
import type { ProjectOptions } from "./common.js";

export interface LsOptions extends ProjectOptions {
  /** One kind; default: every kind, in the order of LIST_KINDS. */
  kind?: ListKind;
  filter?: ListFilter;
}

/**
 * `fcompile ls`: the project's entities, sources, views, features and services (or one kind),
 * with owner, tags, description and what matters about each, filtered by owner and tags. Reads the
 * project as `build` does (throws FcUserError with its diagnostics when it is wrong); writes nothing.
 */
export async function ls(opts: LsOptions): Promise<{ objects: ListedObject[]; diagnostics: Diagnostic[] }> {
  const { registry, diagnostics } = await loadProject(opts.projectDir);
  return { objects: listObjects(registry, opts.kind ? [opts.kind] : LIST_KINDS, opts.filter ?? { tags: [] }), diagnostics };
}
