import { createOnlineClient } from "../client/index.js";
import { resolveOnline } from "../project/online-config.js";
import { loadConfig } from "./common.js";
import type { OnlinePusher } from "./push.js";

/** The online side of a push, over the project's online store. */
export interface ProjectPusher {
  push: OnlinePusher;
  close(): Promise<void>;
}

/** A pusher over the online store of the project in `projectDir` (its client's `push`, `batchSize` rows per atomic step). */
export async function projectPusher(projectDir: string, opts: { timeoutMs?: number; batchSize?: number } = {}): Promise<ProjectPusher> {
  const config = loadConfig(projectDir);
  const client = await createOnlineClient({ project: config.name, store: resolveOnline(config), timeoutMs: opts.timeoutMs });
  return {
    push: (source, rows) => client.push(source, rows, { batchSize: opts.batchSize }),
    close: () => client.close(),
  };
}
