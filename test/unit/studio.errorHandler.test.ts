/** The settings panel's error handler choice and the definition's `errorHandler` map onto each other both ways. */
import type { FlowListItem } from '../../ui/src/api/types';
import { toCanvas, toDefinition } from '../../ui/src/domain/convert';
import { choiceOf, handlerOptions, NO_HANDLER, settingOf, WORKSPACE_DEFAULT } from '../../ui/src/domain/errorHandler';

const flow = (id: string, name: string, latestVersion: number | null): FlowListItem => ({
  id,
  name,
  version: latestVersion ?? 0,
  latestVersion,
  hasDraft: latestVersion === null,
  draftRevision: latestVersion === null ? 1 : null,
  triggers: [],
  lastRun: null,
  successRate: null,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
});

test('unset is the workspace default, false is none, an object is its flow; and back', () => {
  for (const setting of [undefined, false as const, { flowId: 'alerts' }]) {
    expect(settingOf(choiceOf(setting))).toEqual(setting);
  }
  expect(choiceOf(undefined)).toBe(WORKSPACE_DEFAULT);
  expect(choiceOf(false)).toBe(NO_HANDLER);
  expect(choiceOf({ flowId: 'alerts' })).toBe('alerts');
});

test('handlers offered: saved flows and this one, sorted; a chosen flow that is gone is kept and marked', () => {
  const flows = [
    flow('zeta', 'Zeta', 2),
    flow('alerts', 'Alerts', 1),
    flow('sketch', 'Sketch', null),
    flow('me', 'Me', null),
  ];
  expect(handlerOptions(flows, 'me')).toEqual([
    { flowId: 'alerts', label: 'Alerts (alerts)' },
    { flowId: 'me', label: 'Me (me) — this flow' },
    { flowId: 'zeta', label: 'Zeta (zeta)' },
  ]);
  expect(handlerOptions(flows, 'me', 'gone').at(-1)).toEqual({
    flowId: 'gone',
    label: 'gone (not a saved flow of this workspace)',
    missing: true,
  });
  expect(handlerOptions(flows, 'me', 'alerts')).toHaveLength(3);
});

test('the canvas carries the setting through to the saved definition', () => {
  const definition = {
    id: 'orders',
    name: 'Orders',
    nodes: [{ id: 'a', type: 'code' as const, code: 'return 1;' }],
    edges: [],
    errorHandler: { flowId: 'alerts' },
  };
  expect(toDefinition(toCanvas(definition)).errorHandler).toEqual({ flowId: 'alerts' });
  expect(toDefinition(toCanvas({ ...definition, errorHandler: false })).errorHandler).toBe(false);
});
