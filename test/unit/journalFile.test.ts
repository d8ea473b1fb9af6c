/**
 * The webhook journal's file: lines are on disk when their callback runs, grouped into few writes, written into zeroed
 * space; readers skip the zeros and torn writes; emptying it starts over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DurableLineFile } from '../../gateway/webhooks/journalFile';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-journal-file-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const append = (file: DurableLineFile, line: string) =>
  new Promise<void>((resolve, reject) => file.append(line, (error) => (error ? reject(error) : resolve())));

test('concurrent appends are all on disk once their callbacks ran', async () => {
  const file = path.join(dir, 'lines.jsonl');
  const lines = DurableLineFile.rewrite(file, ['{"kept":1}'], () => undefined);
  const written = Array.from({ length: 500 }, (_, index) => JSON.stringify({ n: index, text: 'x'.repeat(index % 37) }));
  await Promise.all(written.map((line) => append(lines, line)));
  const read = DurableLineFile.readLines(file);
  expect(read[0]).toBe('{"kept":1}');
  expect(read.slice(1).sort()).toEqual([...written].sort());
  expect(lines.idle).toBe(true);
});

test('space is zeroed ahead of the lines, and readers do not see the zeros', async () => {
  const file = path.join(dir, 'lines.jsonl');
  const lines = DurableLineFile.rewrite(file, [], () => undefined);
  await append(lines, '{"a":1}');
  expect(fs.statSync(file).size).toBeGreaterThan(1024 * 1024);
  expect(lines.size).toBe('{"a":1}\n'.length);
  await append(lines, '{"b":2}');
  expect(DurableLineFile.readLines(file)).toEqual(['{"a":1}', '{"b":2}']);
});

test('a line larger than the zeroed space ahead of it grows the file again', async () => {
  const file = path.join(dir, 'lines.jsonl');
  const lines = DurableLineFile.rewrite(file, [], () => undefined);
  const large = JSON.stringify({ body: 'y'.repeat(3 * 1024 * 1024) });
  await Promise.all([append(lines, '{"a":1}'), append(lines, large), append(lines, '{"c":3}')]);
  expect(DurableLineFile.readLines(file)).toEqual(['{"a":1}', large, '{"c":3}']);
});

test('a torn write and lines written after a gap of zeros: the torn piece is returned apart, the lines whole', () => {
  const file = path.join(dir, 'lines.jsonl');
  fs.writeFileSync(
    file,
    Buffer.concat([
      Buffer.from('{"a":1}\n{"t":"A","run":{"ru'),
      Buffer.alloc(100),
      Buffer.from('{"b":2}\n'),
      Buffer.alloc(50),
    ]),
  );
  const read = DurableLineFile.readLines(file);
  expect(read).toEqual(['{"a":1}', '{"t":"A","run":{"ru', '{"b":2}']);
  expect(() => JSON.parse(read[1])).toThrow();
});

test('emptying starts the file over; it refuses while a write is in flight', async () => {
  const file = path.join(dir, 'lines.jsonl');
  let settled = 0;
  const lines = DurableLineFile.rewrite(file, [], () => (settled += 1));
  await append(lines, '{"a":1}');
  expect(settled).toBe(1);
  const pending = append(lines, '{"b":2}');
  expect(() => lines.empty()).toThrow(/in flight/);
  await pending;
  lines.empty();
  expect(lines.size).toBe(0);
  expect(DurableLineFile.readLines(file)).toEqual([]);
  await append(lines, '{"c":3}');
  expect(DurableLineFile.readLines(file)).toEqual(['{"c":3}']);
});

test('no file reads as no lines', () => {
  expect(DurableLineFile.readLines(path.join(dir, 'missing.jsonl'))).toEqual([]);
});
