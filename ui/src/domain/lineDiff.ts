/** A line diff (longest common subsequence) laid out side by side, as a version diff shows code. */
export type DiffKind = 'same' | 'removed' | 'added' | 'changed';

export interface DiffRow {
  kind: DiffKind;
  left?: { line: number; text: string };
  right?: { line: number; text: string };
}

type Op = { op: 'same' | 'removed' | 'added'; left?: number; right?: number };

function operations(a: string[], b: string[]): Op[] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lengths = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * cols + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * cols + j + 1] + 1
          : Math.max(lengths[(i + 1) * cols + j], lengths[i * cols + j + 1]);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) ops.push({ op: 'same', left: i++, right: j++ });
    else if (lengths[(i + 1) * cols + j] >= lengths[i * cols + j + 1]) ops.push({ op: 'removed', left: i++ });
    else ops.push({ op: 'added', right: j++ });
  }
  while (i < a.length) ops.push({ op: 'removed', left: i++ });
  while (j < b.length) ops.push({ op: 'added', right: j++ });
  return ops;
}

/** Side-by-side rows: runs of removed lines next to the added lines that replace them are "changed" rows. */
export function sideBySide(before: string, after: string): DiffRow[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const rows: DiffRow[] = [];
  const ops = operations(a, b);
  for (let k = 0; k < ops.length;) {
    if (ops[k].op === 'same') {
      rows.push({
        kind: 'same',
        left: { line: ops[k].left! + 1, text: a[ops[k].left!] },
        right: { line: ops[k].right! + 1, text: b[ops[k].right!] },
      });
      k++;
      continue;
    }
    const removed: number[] = [];
    const added: number[] = [];
    while (k < ops.length && ops[k].op !== 'same') {
      if (ops[k].op === 'removed') removed.push(ops[k].left!);
      else added.push(ops[k].right!);
      k++;
    }
    for (let n = 0; n < Math.max(removed.length, added.length); n++) {
      const left = removed[n] === undefined ? undefined : { line: removed[n] + 1, text: a[removed[n]] };
      const right = added[n] === undefined ? undefined : { line: added[n] + 1, text: b[added[n]] };
      rows.push({ kind: left && right ? 'changed' : left ? 'removed' : 'added', left, right });
    }
  }
  return rows;
}
