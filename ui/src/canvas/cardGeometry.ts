/**
 * A node card's size and the places of its handles before the browser has drawn it, from what the card shows (see
 * NodeCard and the `.node-card` rules in styles.css). React Flow draws every node it has not measured, to measure it:
 * given these, it draws only the nodes in view, and measures each one as it comes into view. Auto-layout spaces the
 * cards with the same sizes.
 */
import { Position, type NodeHandle } from '@xyflow/react';
import { outputHandles } from '../domain/handles';
import type { FlowNode } from '../domain/model';

export const NODE_WIDTH = 220;
const HANDLE_SIZE = 10;
/** One output row (11px text, 1px padding above and below). */
const OUTPUT_ROW = 15;
/** Border and padding below the last output row. */
const BELOW_OUTPUTS = 5;

/** The card's height: its head, summary and bottom (64 px), a line for a name, and a row per output handle. */
export function cardHeight(node: FlowNode, usedPaths: readonly string[] = []): number {
  return 64 + OUTPUT_ROW * outputHandles(node, usedPaths).length + (node.name ? 14 : 0);
}

/** The handles as React Flow places them: the input at the middle of the left side, an output at each row's end. */
export function cardHandles(node: FlowNode, usedPaths: readonly string[] = []): NodeHandle[] {
  const outputs = outputHandles(node, usedPaths);
  const height = cardHeight(node, usedPaths);
  const half = HANDLE_SIZE / 2;
  const input: NodeHandle = {
    id: null,
    type: 'target',
    position: Position.Left,
    x: -half,
    y: height / 2 - half,
    width: HANDLE_SIZE,
    height: HANDLE_SIZE,
  };
  return [
    input,
    ...outputs.map((output, index): NodeHandle => ({
      id: output.id,
      type: 'source',
      position: Position.Right,
      x: NODE_WIDTH - half,
      y: height - BELOW_OUTPUTS - (outputs.length - index - 0.5) * OUTPUT_ROW - half,
      width: HANDLE_SIZE,
      height: HANDLE_SIZE,
    })),
  ];
}
