const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;

/** Parses `30d`-style durations (s m h d w) into seconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
}
