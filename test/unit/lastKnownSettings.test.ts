/** The webhook settings a gateway keeps on disk for a start while the store is down: written on change, read back. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LastKnown, LastKnownSettings } from '../../gateway/lastKnownSettings';
import { FlowVersion } from '../../flow/schema';

const flow: LastKnown['flows'][string] = {
  version: FlowVersion.parse({
    flowId: 'hook',
    version: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    definition: {
      id: 'hook',
      name: 'hook',
      nodes: [{ id: 'echo', type: 'code', code: 'return input;' }],
      triggers: [{ type: 'webhook', auth: { type: 'none' }, respond: 'async' }],
    },
  }),
  workspace: 'default',
};

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-settings-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('nothing on disk reads as nothing known; what is written once flushed is read back by the next start', () => {
  let current: LastKnown = { flows: {}, farFromLimit: [] };
  const first = LastKnownSettings.beside(dir, () => current);
  expect(first.loaded).toEqual({ flows: {}, farFromLimit: [] });
  current = { flows: { hook: flow }, farFromLimit: ['default'] };
  first.changed();
  first.changed();
  first.flush();
  const next = LastKnownSettings.beside(dir, () => current);
  expect(next.loaded).toEqual({ flows: { hook: flow }, farFromLimit: ['default'] });
});

test('a change is written within a second, several changes in it at once', async () => {
  let reads = 0;
  const settings = LastKnownSettings.beside(dir, () => {
    reads += 1;
    return { flows: { hook: flow }, farFromLimit: [] };
  });
  settings.changed();
  settings.changed();
  settings.changed();
  const file = path.join(dir, 'webhook-settings.json');
  for (let waited = 0; !fs.existsSync(file) && waited < 10_000; waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(reads).toBe(1);
  expect(LastKnownSettings.beside(dir, () => ({ flows: {}, farFromLimit: [] })).loaded.flows.hook).toEqual(flow);
});

test('a file that is not ours (torn, edited, another version) is ignored, not trusted', () => {
  const file = path.join(dir, 'webhook-settings.json');
  for (const text of ['{"v":1,"flows":{"hook"', '{"v":2,"flows":{},"farFromLimit":[]}', '{"v":1,"flows":{"x":{}}}']) {
    fs.writeFileSync(file, text);
    expect(LastKnownSettings.beside(dir, () => ({ flows: {}, farFromLimit: [] })).loaded).toEqual({
      flows: {},
      farFromLimit: [],
    });
  }
});
