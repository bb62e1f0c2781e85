/**
 * The end (exclusive) of the quoted run of SQL text starting at `i` (`sql[i]` is the quote `q`;
 * a doubled quote inside stands for one), or -1 when the text ends before the run does.
 */
export function quotedRunEnd(sql: string, i: number, q: string): number {
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === q) {
      if (sql[j + 1] === q) j += 2;
      else return j + 1;
    } else j++;
  }
  return -1;
}

/** quotedRunEnd, with an unterminated run ending at the text's end. */
export function skipQuoted(sql: string, i: number, q: string): number {
  const end = quotedRunEnd(sql, i, q);
  return end < 0 ? sql.length : end;
}
