import { createOnlineClient } from "../client/index.js";
import { resolveOnline } from "../project/online-config.js";
import { loadConfig } from "./common.js";
import type { OnlinePusher } from "./push.js";

/** The online side of a push, over the project's online store. */
export interface ProjectPusher {
  push: OnlinePusher;
  /** Checks rows without writing (every bad row reported), where the client can. */
  check?: (source: string, rows: Record<string, unknown>[]) => Promise<void>;
  close(): Promise<void>;
}

/** A pusher over the online store of the project in `projectDir` (its client's `push`). */
export async function projectPusher(projectDir: string, timeoutMs?: number): Promise<ProjectPusher> {
  const config = loadConfig(projectDir);
  const client = await createOnlineClient({ project: config.name, store: resolveOnline(config), timeoutMs });
  return {
    push: (source, rows) => client.push(source, rows),
    close: () => client.close(),
  };
}
