/**
 * The lineage graph (sources → SQL views → views → services), laid out by dagre (left to right)
 * and drawn as SVG; clicking a node opens its page.
 */
import dagre from "@dagrejs/dagre";
import type { Point } from "@dagrejs/dagre";
import type { CatalogData, LineageEdge, LineageNode } from "../governance/docs/catalog-data.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_HEIGHT = 34;
const CHAR_WIDTH = 7.4;

/** The part of the graph a feature belongs to: everything upstream of its view, the view, and the services that serve the feature. */
export function featureSubgraph(data: CatalogData, featureId: string): { nodes: LineageNode[]; edges: LineageEdge[] } {
  const view = `view:${featureId.slice(0, featureId.indexOf(":"))}`;
  const keep = new Set([view]);
  const queue = [view];
  while (queue.length > 0) {
    const to = queue.pop()!;
    for (const e of data.lineage.edges)
      if (e.to === to && !keep.has(e.from)) {
        keep.add(e.from);
        queue.push(e.from);
      }
  }
  const services = data.services.filter((s) => s.features.includes(featureId)).map((s) => `service:${s.name}`);
  for (const s of services) keep.add(s);
  const edges = data.lineage.edges.filter((e) => keep.has(e.from) && keep.has(e.to) && (!e.to.startsWith("service:") || e.from === view));
  return { nodes: data.lineage.nodes.filter((n) => keep.has(n.id)), edges };
}

/** The graph as an SVG element (`data-node` on each node: its id). */
export function lineageSvg(graph: { nodes: LineageNode[]; edges: LineageEdge[] }, highlight?: string): SVGSVGElement {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 16, ranksep: 60, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: Math.max(90, labelOf(n).length * CHAR_WIDTH + 24), height: NODE_HEIGHT });
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const size = g.graph();
  const svg = el("svg", {
    class: "lineage",
    width: String(size.width ?? 0),
    height: String(size.height ?? 0),
    viewBox: `0 0 ${size.width ?? 0} ${size.height ?? 0}`,
    role: "img",
  });
  svg.append(arrowMarker());
  // Each column of boxes (one rank, left to right) as the x span of its widest box.
  const columns: { left: number; right: number }[] = [];
  for (const id of g.nodes()) {
    const n = g.node(id);
    const c = columns.find((x) => x.left < n.x && n.x < x.right);
    if (!c) columns.push({ left: n.x - n.width / 2, right: n.x + n.width / 2 });
    else {
      c.left = Math.min(c.left, n.x - n.width / 2);
      c.right = Math.max(c.right, n.x + n.width / 2);
    }
  }
  for (const e of g.edges()) {
    const pts: Point[] = (g.edge(e) as { points?: Point[] }).points ?? [];
    const from = g.node(e.v);
    const to = g.node(e.w);
    // From the middle of the source box's right side to the middle of the target's left side as a
    // smooth curve (edges into one box meet at one point, not crossing), straight across each
    // column of boxes a long edge passes (dagre's bends between columns are dropped).
    const passes = pts.slice(1, -1).flatMap((p) => {
      const column = columns.find((c) => c.left < p.x && p.x < c.right);
      return column
        ? [
            { x: column.left, y: p.y },
            { x: column.right, y: p.y },
          ]
        : [];
    });
    const route = [{ x: from.x + from.width / 2, y: from.y }, ...passes, { x: to.x - to.width / 2, y: to.y }];
    svg.append(el("path", { class: "edge", d: smoothPath(route), "marker-end": "url(#arrow)" }));
  }
  for (const n of graph.nodes) {
    const pos = g.node(n.id);
    const group = el("g", {
      class: `node node-${n.kind}${n.id === highlight ? " node-current" : ""}`,
      "data-node": n.id,
      transform: `translate(${pos.x - pos.width / 2},${pos.y - pos.height / 2})`,
      tabindex: "0",
    });
    group.append(el("rect", { width: String(pos.width), height: String(pos.height), rx: "6" }));
    const text = el("text", {
      x: String(pos.width / 2),
      y: String(pos.height / 2),
      "dominant-baseline": "central",
      "text-anchor": "middle",
    });
    text.textContent = labelOf(n);
    const title = el("title", {});
    title.textContent = `${n.kind} ${n.name}`;
    group.append(title, text);
    const open = () => {
      location.hash = `#/${n.kind}/${encodeURIComponent(n.name)}`;
    };
    group.addEventListener("click", open);
    group.addEventListener("keydown", (ev) => {
      if ((ev as KeyboardEvent).key === "Enter") open();
    });
    svg.append(group);
  }
  return svg;
}

/** An SVG path through the points, each step a cubic curve leaving and arriving horizontally. */
function smoothPath(points: Point[]): string {
  const f = (x: number) => x.toFixed(1);
  let d = `M${f(points[0]!.x)},${f(points[0]!.y)}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const mid = (a.x + b.x) / 2;
    d += ` C${f(mid)},${f(a.y)} ${f(mid)},${f(b.y)} ${f(b.x)},${f(b.y)}`;
  }
  return d;
}

function labelOf(n: LineageNode): string {
  return `${n.kind === "source" ? "▤ " : n.kind === "service" ? "◆ " : ""}${n.name}`;
}

function arrowMarker(): SVGElement {
  const defs = el("defs", {});
  const marker = el("marker", {
    id: "arrow",
    viewBox: "0 0 10 10",
    refX: "10",
    refY: "5",
    markerWidth: "7",
    markerHeight: "7",
    orient: "auto-start-reverse",
  });
  marker.append(el("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }));
  defs.append(marker);
  return defs;
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
