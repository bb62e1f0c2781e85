import { createOnlineClient } from "../client/index.js";
import type { GetOnlineFeaturesResponse, OnlineClient } from "../client/index.js";
import { resolveOnline } from "../project/online-config.js";
import { loadConfig } from "./common.js";

/** Options of `get`: an online read from the command line. */
export interface GetOptions {
  projectDir: string;
  service?: string;
  features?: string[];
  entityRows: Record<string, unknown>[];
  at?: string;
  fullNames?: boolean;
  timeoutMs?: number;
}

/** A client for the project's online store (fcompile.yaml `name` and `online:`). */
export async function projectOnlineClient(projectDir: string, timeoutMs?: number): Promise<OnlineClient> {
  const config = loadConfig(projectDir);
  return createOnlineClient({ project: config.name, store: resolveOnline(config), timeoutMs });
}

/** `fcompile get`: reads features of entity rows from the online store. */
export async function get(opts: GetOptions): Promise<GetOnlineFeaturesResponse> {
  const client = await projectOnlineClient(opts.projectDir, opts.timeoutMs);
  try {
    return await client.getOnlineFeatures({
      service: opts.service,
      features: opts.features,
      entityRows: opts.entityRows,
      at: opts.at,
      fullNames: opts.fullNames,
    });
  } finally {
    await client.close();
  }
}
