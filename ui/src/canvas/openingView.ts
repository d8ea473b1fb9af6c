/**
 * Where the canvas looks when a flow opens. A flow that fits the pane at a zoom where its cards can be read is shown
 * whole; a larger one (a 200-node flow fits only at a few percent, where no card can be read and every card would be
 * drawn) opens at a readable zoom on where it starts: its entry nodes at the pane's left, with as many steps after
 * them as fit. "Zoom to fit" still shows it whole. And where it looks once a side panel has narrowed the pane.
 */

export interface PlacedBox {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * React Flow's viewport, spelled out: this module is also compiled by the root build (its unit test), which runs
 * before the studio's own packages are installed.
 */
export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

interface Pane {
  width: number;
  height: number;
}

/** The fitted zoom below which the flow opens on its start instead (its cards' text would be under ~6 px). */
export const SMALLEST_FITTED_ZOOM = 0.5;
/** The zoom a large flow opens at. */
export const START_ZOOM = 0.75;
/** As React Flow's fitView padding: a share of the pane kept free around the graph. */
const PADDING = 0.15;
const MARGIN = 24;

function boundsOf(boxes: readonly PlacedBox[]): { x: number; y: number; width: number; height: number } {
  const x = Math.min(...boxes.map((box) => box.x));
  const y = Math.min(...boxes.map((box) => box.y));
  const right = Math.max(...boxes.map((box) => box.x + box.width));
  const bottom = Math.max(...boxes.map((box) => box.y + box.height));
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * The entry nodes (no incoming edge; else the leftmost node), then the nodes one edge further, step by step, as long as
 * each whole step still fits the pane at START_ZOOM.
 */
function startOf(
  boxes: readonly PlacedBox[],
  edges: readonly { source: string; target: string }[],
  room: Pane,
): PlacedBox[] {
  const byId = new Map(boxes.map((box) => [box.id, box]));
  const targets = new Set(edges.map((edge) => edge.target));
  let frontier = boxes.filter((box) => !targets.has(box.id));
  if (frontier.length === 0) frontier = [boxes.reduce((left, box) => (box.x < left.x ? box : left))];
  const picked = new Map(frontier.map((box) => [box.id, box]));
  for (;;) {
    const from = new Set(frontier.map((box) => box.id));
    frontier = [
      ...new Set(edges.filter((edge) => from.has(edge.source) && !picked.has(edge.target)).map((edge) => edge.target)),
    ].flatMap((id) => byId.get(id) ?? []);
    if (frontier.length === 0) break;
    const grown = boundsOf([...picked.values(), ...frontier]);
    if (grown.width * START_ZOOM > room.width || grown.height * START_ZOOM > room.height) break;
    for (const box of frontier) picked.set(box.id, box);
  }
  return [...picked.values()];
}

export function openingViewport(
  boxes: readonly PlacedBox[],
  edges: readonly { source: string; target: string }[],
  pane: Pane,
): Viewport {
  if (boxes.length === 0 || pane.width <= 0 || pane.height <= 0) return { x: 0, y: 0, zoom: 1 };
  const all = boundsOf(boxes);
  const fitted = Math.min(
    pane.width / (all.width * (1 + 2 * PADDING)),
    pane.height / (all.height * (1 + 2 * PADDING)),
    1,
  );
  if (fitted >= SMALLEST_FITTED_ZOOM) {
    return {
      x: pane.width / 2 - (all.x + all.width / 2) * fitted,
      y: pane.height / 2 - (all.y + all.height / 2) * fitted,
      zoom: fitted,
    };
  }
  const room = { width: pane.width - 2 * MARGIN, height: pane.height - 2 * MARGIN };
  const start = boundsOf(startOf(boxes, edges, room));
  const zoom = START_ZOOM;
  const fitsTall = start.height * zoom <= room.height;
  return {
    x: MARGIN - start.x * zoom,
    y: fitsTall ? pane.height / 2 - (start.y + start.height / 2) * zoom : MARGIN - start.y * zoom,
    zoom,
  };
}

/** Along one axis: the shift that brings [low, high] back before `size - MARGIN`, when it fits there at all. */
function shiftKeeping(low: number, high: number, size: number): number {
  if (high - low > size - 2 * MARGIN || high <= size - MARGIN) return 0;
  return size - MARGIN - high;
}

/**
 * The viewport after the pane changed size (a side panel opened or closed): a graph that fits the pane but now
 * reaches past its right or bottom edge is moved back in, as little as that takes; anything else stays where it is
 * (a graph larger than the pane keeps its left edge, where a large flow opens on its start).
 */
export function keptInView(viewport: Viewport, boxes: readonly PlacedBox[], now: Pane): Viewport {
  if (boxes.length === 0) return viewport;
  const all = boundsOf(boxes);
  const left = all.x * viewport.zoom + viewport.x;
  const top = all.y * viewport.zoom + viewport.y;
  return {
    x: viewport.x + shiftKeeping(left, left + all.width * viewport.zoom, now.width),
    y: viewport.y + shiftKeeping(top, top + all.height * viewport.zoom, now.height),
    zoom: viewport.zoom,
  };
}
