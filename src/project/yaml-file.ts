import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from "yaml";
import type { Document, Node, Pair, YAMLMap } from "yaml";
import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";

/** A parsed YAML file that remembers where every node came from. */
export interface YamlFile {
  /** Path relative to the project folder (forward slashes), used in diagnostics. */
  file: string;
  /** Absolute path on disk. */
  absPath: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The document as plain JavaScript values. */
  value: unknown;
}

/** Path into a YAML document, e.g. `["feature_views", 0, "ttl"]`. */
export type YamlPath = readonly (string | number)[];

/**
 * Parses YAML text; syntax errors go to `bag` with their position. Returns undefined
 * when the file cannot be used at all. Merge keys (`<<: *base`, `<<: [*a, *b]`) are applied: the
 * keys of the anchored mappings come in unless the mapping sets them itself.
 */
export function parseYamlFile(text: string, file: string, absPath: string, bag: DiagnosticBag): YamlFile | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    const code = e.code === "DUPLICATE_KEY" ? "FC005" : "FC001";
    bag.error(code, firstLine(e.message), { file, line: pos.line, col: pos.col });
  }
  let complexKey: number | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        complexKey = (pair.key as Node).range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (complexKey !== undefined) {
    const pos = lines.linePos(complexKey);
    bag.error("FC001", "a mapping key must be a plain name, not a list or mapping", { file, line: pos.line, col: pos.col });
  }
  if (doc.errors.length > 0 || complexKey !== undefined) return undefined;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Aliases are resolved only when converting: an unknown or runaway alias is a syntax error too.
    let offset = 0;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const pos = lines.linePos(offset);
    bag.error("FC001", (err as Error).message, { file, line: pos.line, col: pos.col });
    return undefined;
  }
  return { file, absPath, doc, lines, value };
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * The pair of `map` with key `key`: its own, else the first merged mapping's (`<<: *base`), so a
 * key that comes from an anchor is located at the anchor.
 */
function findPair(y: YamlFile, map: YAMLMap, key: string | number, depth = 0): Pair | undefined {
  const own = map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  if (own || depth > 20) return own;
  for (const p of map.items) {
    if (!isScalar(p.key) || typeof p.key.value !== "symbol") continue; // the merge key `<<`
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const src of sources) {
      const target = isAlias(src) ? src.resolve(y.doc) : src;
      const found = isMap(target) ? findPair(y, target, key, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** The location of the node at `path`, or of its key when `key` is set; falls back to the nearest parent. */
export function locate(y: YamlFile, path: YamlPath, key = false): SourceLocation {
  let node: unknown = y.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    // Inside an alias (`entities: *shared`), positions are those of the anchored node.
    if (isAlias(node)) node = node.resolve(y.doc);
    if (isMap(node)) {
      const pair = findPair(y, node, seg);
      if (!pair) break;
      if (last && key) {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
      offset = rangeStart(node) ?? offset;
    } else break;
  }
  const pos = y.lines.linePos(offset);
  return { file: y.file, line: pos.line, col: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | undefined)?.range;
  return r ? r[0] : undefined;
}

/** The location of character `offset` in a file whose text is known (used for SQL files). */
export function locationInText(text: string, offset: number, file: string): SourceLocation {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      col = 1;
    } else col++;
  }
  return { file, line, col };
}
