/**
 * A seeded sample of distinct rows (a row given twice is one candidate: each entity is checked
 * once) that does not depend on the order the rows arrive in: each row gets a
 * pseudo-random priority from a hash of its text and the seed, and the n rows of lowest priority
 * are kept (a bottom-k sample, uniform like a reservoir). A warehouse may stream the same rows in
 * any order; the same seed still picks the same rows, so a failing check can be rerun on them.
 */
export async function sampleRows(rows: AsyncIterable<unknown[][]>, n: number, seed: number): Promise<unknown[][]> {
  const heap: { p: number; key: string; row: unknown[] }[] = []; // max-heap on (p, key)
  const above = (a: (typeof heap)[number], b: (typeof heap)[number]): boolean => a.p > b.p || (a.p === b.p && a.key > b.key);
  // Keys in the heap: a repeated row has the same priority, so it would be kept twice.
  const kept = new Set<string>();
  for await (const batch of rows) {
    for (const row of batch) {
      const key = row.map(String).join("\u0000");
      if (kept.has(key)) continue;
      const item = { p: priority(key, seed), key, row };
      if (heap.length < n) {
        heap.push(item);
        kept.add(key);
        for (let i = heap.length - 1; i > 0;) {
          const parent = (i - 1) >> 1;
          if (!above(heap[i]!, heap[parent]!)) break;
          [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
          i = parent;
        }
      } else if (n > 0 && above(heap[0]!, item)) {
        kept.delete(heap[0]!.key);
        kept.add(key);
        heap[0] = item;
        for (let i = 0; ;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let top = i;
          if (l < heap.length && above(heap[l]!, heap[top]!)) top = l;
          if (r < heap.length && above(heap[r]!, heap[top]!)) top = r;
          if (top === i) break;
          [heap[i], heap[top]] = [heap[top]!, heap[i]!];
          i = top;
        }
      }
    }
  }
  return heap.sort((a, b) => (above(a, b) ? 1 : above(b, a) ? -1 : 0)).map((x) => x.row);
}

/** 53 bits from two seeded FNV-1a hashes of the text's UTF-16 units, each finished with a murmur mix. */
function priority(text: string, seed: number): number {
  let a = (0x811c9dc5 ^ seed) >>> 0;
  let b = (0x01000193 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (mix(a) >>> 0) * 2 ** 21 + (mix(b) >>> 11);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
