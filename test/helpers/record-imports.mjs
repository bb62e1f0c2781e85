// A module hook that records every module this process loads, for tests of what an import pulls in.
import { register } from "node:module";
register(
  "data:text/javascript," +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  process.stderr.write("FC_IMPORT " + r.url + "\\n");
  return r;
}`),
);
