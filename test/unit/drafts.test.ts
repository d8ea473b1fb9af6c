/** Drafts' pure parts: how a run names a draft in NectarFlowVersion, and a worker's cache never mixing drafts and versions. */
import { FlowVersionCache } from '../../activities/flowCache';
import type { FlowDefinition } from '../../flow/schema';
import type { FlowStore } from '../../store/flows';
import { DEFAULT_WORKSPACE, parseVersionKey, versionKey, versionRef } from '../../flow/ids';

const definition = (code: string) =>
  ({ id: 'f', name: 'f', nodes: [{ id: 'main', type: 'code', code }], edges: [] }) as unknown as FlowDefinition;

describe('NectarFlowVersion', () => {
  test('a saved version is its number, a draft run draft-<revision>, and both read back as they were written', () => {
    expect(versionKey({ flowVersion: 3 })).toBe('3');
    expect(versionKey({ flowVersion: 0, draft: 7 })).toBe('draft-7');
    expect(parseVersionKey(versionKey({ flowVersion: 3 }))).toEqual({ flowVersion: 3 });
    expect(parseVersionKey(versionKey({ flowVersion: 0, draft: 7 }))).toEqual({ draft: 7 });
  });

  test('a missing or foreign value gives neither field, never NaN', () => {
    expect(parseVersionKey(undefined)).toEqual({});
    expect(parseVersionKey('draft-x')).toEqual({});
    expect(parseVersionKey('latest')).toEqual({});
  });
});

describe('the flow cache with drafts', () => {
  function store() {
    const reads: string[] = [];
    const flows = {
      version: async (flowId: string, version: number) => {
        reads.push(versionRef(flowId, { flowVersion: version }));
        return { flowId, version, definition: definition(`version ${version}`), createdAt: '' };
      },
      drafts: {
        revision: async (flowId: string, revision: number) => {
          reads.push(versionRef(flowId, { flowVersion: 0, draft: revision }));
          return revision > 5
            ? undefined
            : {
                flowId,
                workspace: DEFAULT_WORKSPACE,
                revision,
                definition: definition(`draft ${revision}`),
                savedAt: '',
              };
        },
      },
    };
    return { flows: flows as unknown as FlowStore, reads };
  }
  const codeOf = (found: FlowDefinition | undefined) => (found?.nodes[0] as { code: string } | undefined)?.code;

  test('a draft revision is never served from a version entry, nor one revision from another', async () => {
    const { flows, reads } = store();
    const cache = new FlowVersionCache(flows);
    expect(codeOf(await cache.get('f', 1))).toBe('version 1');
    expect(codeOf(await cache.get('f', 1, 1))).toBe('draft 1');
    expect(codeOf(await cache.get('f', 0, 2))).toBe('draft 2');
    expect(codeOf(await cache.get('f', 0, 1))).toBe('draft 1');
    expect(codeOf(await cache.get('f', 1))).toBe('version 1');
    expect(reads).toEqual(['f@1', 'f@draft-1', 'f@draft-2']);
  });

  test('a revision that does not exist is not remembered as missing', async () => {
    const { flows, reads } = store();
    const cache = new FlowVersionCache(flows);
    expect(await cache.get('f', 0, 9)).toBeUndefined();
    expect(await cache.get('f', 0, 9)).toBeUndefined();
    expect(reads).toEqual(['f@draft-9', 'f@draft-9']);
  });
});
