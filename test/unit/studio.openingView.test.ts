/** Where the canvas looks when a flow opens: a small flow whole, a large one at a readable zoom on its start. */
import {
  keptInView,
  openingViewport,
  SMALLEST_FITTED_ZOOM,
  START_ZOOM,
  type PlacedBox,
} from '../../ui/src/canvas/openingView';

const pane = { width: 1200, height: 800 };
const box = (id: string, x: number, y: number): PlacedBox => ({ id, x, y, width: 220, height: 100 });

/** The part of the flow's plane the pane shows. */
function shown(viewport: { x: number; y: number; zoom: number }) {
  return {
    left: -viewport.x / viewport.zoom,
    top: -viewport.y / viewport.zoom,
    right: (pane.width - viewport.x) / viewport.zoom,
    bottom: (pane.height - viewport.y) / viewport.zoom,
  };
}

test('a flow that fits at a readable zoom is shown whole and centred, never above 100 %', () => {
  const boxes = [box('a', 0, 0), box('b', 320, -100), box('c', 320, 100)];
  const viewport = openingViewport(boxes, [], pane);
  expect(viewport.zoom).toBe(1);
  const view = shown(viewport);
  expect(view.left).toBeLessThan(0);
  expect(view.right).toBeGreaterThan(540);
  expect(view.top).toBeLessThan(-100);
  expect(view.bottom).toBeGreaterThan(200);
  expect((view.left + view.right) / 2).toBeCloseTo(270);
});

test('a wider flow is zoomed out to fit, down to the smallest readable zoom', () => {
  const boxes = Array.from({ length: 5 }, (_, i) => box(`n${i}`, i * 320, 0));
  const viewport = openingViewport(boxes, [], pane);
  expect(viewport.zoom).toBeLessThan(1);
  expect(viewport.zoom).toBeGreaterThanOrEqual(SMALLEST_FITTED_ZOOM);
  expect(shown(viewport).right).toBeGreaterThan(4 * 320 + 220);
  expect(shown(viewport).left).toBeLessThan(0);
});

test('a 200-node tree opens at a readable zoom on its entry node and the two steps after it, at the left', () => {
  const boxes = Array.from({ length: 200 }, (_, i) => {
    const level = Math.floor(Math.log2(i + 1));
    return box(`n${i}`, level * 320, (i + 1 - 2 ** level) * 220);
  });
  const edges = boxes.slice(1).map((node, i) => ({ source: `n${Math.floor(i / 2)}`, target: node.id }));
  const viewport = openingViewport(boxes, edges, pane);
  expect(viewport.zoom).toBe(START_ZOOM);
  const view = shown(viewport);
  // n0 (level 0) to n6 (level 2, the fourth row) are in view; the last level is far off to the right.
  expect(view.left).toBeLessThanOrEqual(0);
  expect(view.left).toBeGreaterThan(-100);
  expect(view.right).toBeGreaterThan(2 * 320 + 220);
  expect(view.top).toBeLessThanOrEqual(0);
  expect(view.bottom).toBeGreaterThanOrEqual(3 * 220 + 100);
  expect(view.right).toBeLessThan(7 * 320);
});

test('when the next step does not fit (a tree laid out by dagre, its branches far apart), it opens on the entry', () => {
  const boxes = [box('root', 0, 5_000), box('up', 320, 0), box('down', 320, 10_000)];
  const edges = [
    { source: 'root', target: 'up' },
    { source: 'root', target: 'down' },
  ];
  const viewport = openingViewport(boxes, edges, pane);
  expect(viewport.zoom).toBe(START_ZOOM);
  const view = shown(viewport);
  expect((view.top + view.bottom) / 2).toBeCloseTo(5_050);
  expect(view.left).toBeLessThanOrEqual(0);
});

test('a flow whose every node has an incoming edge (a loop) starts at its leftmost node; no nodes, the origin', () => {
  const boxes = [box('b', 5_000, 0), box('a', 0, 0), box('c', 10_000, 0)];
  const edges = [
    { source: 'a', target: 'b' },
    { source: 'b', target: 'c' },
    { source: 'c', target: 'a' },
  ];
  const view = shown(openingViewport(boxes, edges, pane));
  expect(view.left).toBeLessThanOrEqual(0);
  expect(view.left).toBeGreaterThan(-100);
  expect(openingViewport([], [], pane)).toEqual({ x: 0, y: 0, zoom: 1 });
});

test('a side panel narrowing the pane brings a graph that fits back into view, as little as that takes', () => {
  const boxes = [box('a', 0, 0), box('b', 500, 0)];
  // Drawn from 400 to 1120 on a 1200-wide pane; a 420-wide panel leaves 780.
  const viewport = { x: 400, y: 100, zoom: 1 };
  const moved = keptInView(viewport, boxes, { width: 780, height: 800 });
  expect(moved.y).toBe(100);
  expect(moved.x + 720).toBeLessThanOrEqual(780);
  expect(moved.x).toBeGreaterThan(0);
  expect(moved.x + 720).toBeGreaterThan(740);
  // Still in view, or larger than the pane (a large flow keeps its start at the left): not moved.
  expect(keptInView({ x: 10, y: 100, zoom: 1 }, boxes, { width: 780, height: 800 })).toEqual({
    x: 10,
    y: 100,
    zoom: 1,
  });
  const wide = [box('a', 0, 0), box('z', 5_000, 0)];
  expect(keptInView({ x: 24, y: 0, zoom: 0.75 }, wide, { width: 780, height: 800 })).toEqual({
    x: 24,
    y: 0,
    zoom: 0.75,
  });
});
