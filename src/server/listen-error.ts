/** What to tell the user when a server cannot listen (`fcompile serve`, `fcompile docs --serve`). */
import { userError } from "../diagnostics/diagnostic.js";
import type { FcUserError } from "../diagnostics/diagnostic.js";

/**
 * The user error (FC015 at `<command line>`, exit 1) for `err`, thrown by listening on
 * `host:port`: a port in use (EADDRINUSE) or not allowed (EACCES, a port below 1024 without the
 * right) says to pass another --port; an address not on this machine (EADDRNOTAVAIL), another --host.
 */
export function listenError(host: string, port: number, err: unknown): FcUserError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (code === "EADDRINUSE")
    return userError("FC015", `cannot listen on ${where}: port ${port} is in use; pass --port with a free port (--port 0: any free one)`);
  if (code === "EACCES")
    return userError("FC015", `cannot listen on ${where}: not allowed to use port ${port}; pass --port with a port from 1024 up`);
  if (code === "EADDRNOTAVAIL")
    return userError("FC015", `cannot listen on ${where}: ${host} is not an address of this machine; pass another --host`);
  return userError("FC015", `cannot listen on ${where}: ${(err as Error).message}`);
}
