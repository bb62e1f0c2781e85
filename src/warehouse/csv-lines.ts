/**
 * The 1-based physical line on which each data record of a CSV text starts (the header is the
 * first non-blank line; a quoted field may span lines, `""` inside quotes is a quote). Blank lines
 * are skipped as DuckDB skips them — except, in a one-column file, after the header, where DuckDB
 * reads a blank line as a row of NULL. Line ends: `\n`, `\r\n` or `\r`.
 */
export function csvRecordLines(text: string, columnCount: number): number[] {
  const starts: number[] = [];
  let line = 1;
  let inQuotes = false;
  let recordStart = 0; // the line the current record started on; 0: no character of it seen yet
  let header = true;
  const end = (): void => {
    if (recordStart > 0) {
      if (header) header = false;
      else starts.push(recordStart);
    } else if (!header && columnCount === 1) starts.push(line);
    recordStart = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else inQuotes = false;
      } else if (ch === "\n" || (ch === "\r" && text[i + 1] !== "\n")) line++;
      continue;
    }
    if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      end();
      line++;
      continue;
    }
    if (recordStart === 0) {
      if (ch === "\uFEFF" && i === 0) continue;
      recordStart = line;
    }
    if (ch === '"') inQuotes = true;
  }
  if (recordStart > 0) end();
  return starts;
}
