/** Driving the studio like a person: the palette, the canvas, the inspector and Monaco, by mouse and keyboard. */
import type { Locator, Page } from 'playwright-core';

export const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

/** The canvas nodes' ids, in the page's order. */
function nodeIds(page: Page): Promise<(string | null)[]> {
  return page
    .locator('.react-flow__node')
    .evaluateAll((nodes) => nodes.map((n) => (n as unknown as PageNode).getAttribute('data-id')));
}

/** Drags a node kind from the palette onto the canvas at (x, y) of the canvas; answers the new node's id. */
export async function dropNode(page: Page, kind: string, x: number, y: number): Promise<string> {
  const before = new Set(await nodeIds(page));
  await page
    .locator(`.palette-item[data-kind="${kind}"]`)
    .dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
  await page.locator('.react-flow__node').nth(before.size).waitFor();
  const after = await nodeIds(page);
  return after.find((id) => id && !before.has(id))!;
}

/** Whether the element lies wholly inside the canvas's visible area (a side panel narrows it). */
async function inCanvasView(page: Page, element: Locator): Promise<boolean> {
  const [box, pane] = await Promise.all([element.boundingBox(), page.locator('.react-flow').boundingBox()]);
  if (!box || !pane) return false;
  return (
    box.x >= pane.x &&
    box.y >= pane.y &&
    box.x + box.width <= pane.x + pane.width &&
    box.y + box.height <= pane.y + pane.height
  );
}

/** Selects a node (its inspector opens) by clicking its title, fitting the canvas to its view first if it is out of it. */
export async function openNode(page: Page, id: string): Promise<void> {
  const title = node(page, id).locator('.node-title');
  await title.waitFor();
  if (!(await inCanvasView(page, title))) await page.getByRole('button', { name: 'Zoom to fit' }).click();
  await title.click();
  await page.getByRole('region', { name: `Node ${id}` }).waitFor();
}

export async function renameNode(page: Page, from: string, to: string): Promise<void> {
  await openNode(page, from);
  const idField = page.locator('#node-id');
  await idField.fill(to);
  await idField.press('Enter');
  await node(page, to).waitFor();
}

async function clearEditor(page: Page): Promise<void> {
  const editor = page.locator('.monaco-editor').first();
  await editor.waitFor({ timeout: 30_000 });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
}

/** Replaces the code in the open editor by typing it key by key (Monaco closes brackets and quotes as it goes). */
export async function typeCode(page: Page, code: string): Promise<void> {
  await clearEditor(page);
  await page.keyboard.type(code);
}

/**
 * What these helpers read of the page's DOM: the tests are compiled without the DOM's types (@types/react, which tests
 * of ui/ modules bring in, declares its element interfaces empty).
 */
interface PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  style: { top: string };
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
}

/** The indentation Monaco gave the line the cursor is on, once that is line `lineNumber`. */
async function indentationOfLine(page: Page, lineNumber: number): Promise<number> {
  const answer = await page.waitForFunction((line) => {
    const root = (globalThis as unknown as { document: PageNode }).document.querySelector('.monaco-editor');
    const active = root?.querySelector('.line-numbers.active-line-number');
    if (!root || active?.textContent?.trim() !== String(line)) return false;
    const cursor = root.querySelector('.cursors-layer .cursor');
    const row = Array.from(root.querySelectorAll('.view-lines .view-line')).find(
      (candidate) => candidate.style.top === cursor?.style.top,
    );
    if (!row) return false;
    const text = (row.textContent ?? '').replace(/\u00a0/g, ' ');
    return { indentation: text.length - text.trimStart().length };
  }, lineNumber);
  const { indentation } = (await answer.jsonValue()) as { indentation: number };
  return indentation;
}

/**
 * Replaces the code by typing it key by key, line by line, as a person types an indented function: after each Enter
 * the indentation Monaco added is removed and the line typed with its own; the brackets Monaco closed ahead of the
 * cursor, which the typed text closes itself, are deleted at the end.
 */
export async function typeLines(page: Page, code: string): Promise<void> {
  await clearEditor(page);
  for (const [index, line] of code.split('\n').entries()) {
    if (index > 0) {
      await page.keyboard.press('Enter');
      if ((await indentationOfLine(page, index + 1)) > 0) {
        await page.keyboard.press('Shift+Home');
        await page.keyboard.press('Backspace');
      }
    }
    await page.keyboard.type(line);
  }
  await page.keyboard.press('Shift+ControlOrMeta+End');
  await page.keyboard.press('Delete');
}

/** The text in the open editor, as Monaco shows it. */
export function editorText(page: Page): Promise<string> {
  return page
    .locator('.monaco-editor .view-lines')
    .first()
    .evaluate((lines) =>
      Array.from((lines as unknown as PageNode).querySelectorAll('.view-line'))
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' '))
        .join('\n'),
    );
}

/** Resolves after the page has drawn two more frames (whatever was rendering has been laid out and painted). */
function nextFrames(page: Page): Promise<unknown> {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const frame = (globalThis as unknown as { requestAnimationFrame(callback: () => void): void })
          .requestAnimationFrame;
        frame(() => frame(() => resolve(true)));
      }),
  );
}

/**
 * The centre of a handle once it is attached and has kept its place from one drawn frame to the next: a card grows or
 * shrinks as its handles and its problems change (the graph checks answer a moment after an edit), moving its handles.
 */
async function settledCentre(page: Page, handle: Locator): Promise<{ x: number; y: number }> {
  await handle.waitFor();
  const deadline = Date.now() + 30_000;
  let previous = await handle.boundingBox();
  for (;;) {
    await nextFrames(page);
    const box = await handle.boundingBox();
    if (box && previous && box.x === previous.x && box.y === previous.y && box.width > 0)
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    if (Date.now() > deadline) throw new Error(`the handle did not keep its place: ${JSON.stringify([previous, box])}`);
    previous = box;
  }
}

/** Whether `locator` gets `className` (React Flow marks handles as a connection starts and finds its target). */
async function becomes(locator: Locator, className: string): Promise<boolean> {
  try {
    await locator.and(locator.page().locator(`.${className}`)).waitFor({ timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * One drag from an output handle to an input handle, as a person makes it: press on the source, move until React Flow
 * has taken the connection, move onto the target until React Flow marks it a valid end, release. False when React
 * Flow did not take a step of it (the drag is then let go where it is, connecting nothing).
 */
async function dragHandle(page: Page, from: string, handleId: string, to: string): Promise<boolean> {
  const source = node(page, from).locator(`.react-flow__handle[data-handleid="${handleId}"]`);
  const target = node(page, to).locator('.react-flow__handle.target');
  const a = await settledCentre(page, source);
  const b = await settledCentre(page, target);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  if (!(await becomes(source, 'connectingfrom'))) {
    await page.mouse.up();
    return false;
  }
  // The target's place is read again: the page may have re-laid it out while the pointer travelled.
  const end = await settledCentre(page, target);
  await page.mouse.move(end.x, end.y, { steps: 5 });
  const valid = await becomes(target, 'valid');
  await page.mouse.up();
  return valid;
}

/**
 * Drags from an output handle of `from` to the input handle of `to` until the edge is drawn (or a loop's dialog asks
 * for its limit). A drag React Flow did not follow to its end (a loaded machine can drop a step of it) connects
 * nothing, and is made again, as a person would; a drag that did connect is never repeated.
 */
export async function connect(page: Page, from: string, handleId: string, to: string): Promise<void> {
  const edges = page.locator('.react-flow__edge');
  const before = await edges.count();
  for (let attempt = 1; ; attempt++) {
    const released = await dragHandle(page, from, handleId, to);
    // Released on a valid end, the edge (or a loop's dialog) is drawn in the render that ends the connection.
    const drawn = edges.nth(before).or(page.getByRole('dialog')).first();
    if (released) return void (await drawn.waitFor({ timeout: 30_000 }));
    await page.locator('.react-flow__connectionline').waitFor({ state: 'detached' });
    await nextFrames(page);
    if (await drawn.isVisible()) return;
    if (attempt === 3) throw new Error(`three drags from ${from} (${handleId}) to ${to} connected nothing`);
  }
}

export async function waitForSaved(page: Page): Promise<void> {
  await page.locator('.save-status.saved').waitFor({ timeout: 15_000 });
}
