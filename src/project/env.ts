/**
 * Expands `${VAR}` and `${VAR:-default}` from the environment. Returns the names of
 * variables that were unset and had no default, so the caller can report them.
 */
export function expandEnv(value: string, env: NodeJS.ProcessEnv = process.env): { value: string; missing: string[] } {
  const missing: string[] = [];
  const out = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
    const v = env[name];
    if (v !== undefined && v !== "") return v;
    if (def !== undefined) return def;
    missing.push(name);
    return "";
  });
  return { value: out, missing };
}
