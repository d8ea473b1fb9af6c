/** `/flows/:flowId`: the canvas with its palette, toolbar and side panels. */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { addNode, addTrigger, autoLayout } from '../canvas/actions';
import { layoutPositions } from '../canvas/autoLayout';
import { FIT_ALL, FlowCanvas } from '../canvas/FlowCanvas';
import { Palette } from '../canvas/Palette';
import { useShortcuts } from '../canvas/shortcuts';
import { hasLayout, toCanvas } from '../domain/convert';
import type { NodeKind } from '../domain/model';
import type { TriggerKind } from '../domain/triggers';
import { Link } from '../app/Link';
import { openFlow } from '../persistence/loadFlow';
import { pinnedInputs } from '../persistence/pinnedInputs';
import { LoopDialog } from '../panels/LoopDialog';
import { RunPanel } from '../panels/RunPanel';
import { useStore } from '../stores/createStore';
import { loadGraph, redo, undo, updateMeta, useGraph } from '../stores/graph';
import { watchGraphChecks } from '../stores/checks';
import { clearRun } from '../stores/runStatus';
import { notify, openPanel, uiStore, useUi } from '../stores/ui';
import { SaveStatus } from './editor/SaveStatus';
import { EditorSession } from './editor/session';
import { SidePanels } from './editor/SidePanels';

async function startSession(flowId: string): Promise<EditorSession> {
  const opened = await openFlow(flowId);
  const graph = toCanvas(opened.definition);
  if (!hasLayout(opened.definition)) {
    const positions = layoutPositions(graph.nodes, graph.edges);
    for (const node of graph.nodes)
      node.position = opened.definition.layout?.nodes[node.id] ?? positions.get(node.id) ?? node.position;
  }
  loadGraph(graph);
  return new EditorSession(flowId, opened.revision, opened.latestVersion);
}

function Editor({ session }: { session: EditorSession }) {
  const flow = useReactFlow();
  const name = useGraph((graph) => graph.meta.name);
  const latestVersion = useStore(session.info, (info) => info.latestVersion);
  const notice = useUi((state) => state.notice);
  // "Debug in editor" pins a run's inputs: its trigger payload is the draft run's input.
  const [runInput, setRunInput] = useState(() => {
    const pinned = pinnedInputs(session.flowId);
    return pinned ? JSON.stringify(pinned.trigger, null, 2) : '{}';
  });
  const [runError, setRunError] = useState<string | null>(null);

  useEffect(() => watchGraphChecks(), []);

  const run = useCallback(async () => {
    openPanel('run');
    setRunError(null);
    try {
      await session.runDraft(runInput.trim() ? JSON.parse(runInput) : null);
    } catch (error) {
      setRunError(error instanceof SyntaxError ? `The input is not JSON: ${error.message}` : (error as Error).message);
    }
  }, [session, runInput]);

  const publish = useCallback(async () => {
    try {
      const version = await session.publish();
      notify('info', `Published version ${version}.`);
    } catch (error) {
      notify('error', `Not published: ${(error as Error).message}`);
    }
  }, [session]);

  const shortcuts = useMemo(
    () => ({
      save: () => void session.saver.flush(),
      run: () => void run(),
      escape: () => uiStore.set((state) => ({ ...state, panel: null, notice: null })),
    }),
    [session, run],
  );
  useShortcuts(shortcuts);

  const center = () => flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
  const onAddNode = (kind: NodeKind) => {
    addNode(kind, center());
    openPanel('inspector');
  };
  const onAddTrigger = (kind: TriggerKind) => {
    addTrigger(kind);
    openPanel('triggers');
  };

  return (
    <div className="editor">
      <div className="toolbar" role="toolbar" aria-label="Flow">
        <input
          className="flow-name"
          aria-label="Flow name"
          value={name}
          onChange={(event) => updateMeta('edit flow.name', (meta) => ({ ...meta, name: event.target.value }))}
        />
        <span className="muted">
          {session.flowId} · {latestVersion ? `v${latestVersion} published` : 'never published'}
        </span>
        <SaveStatus saver={session.saver} onReload={() => location.reload()} />
        <span className="spacer" />
        <button type="button" onClick={undo} title="Ctrl/Cmd+Z">
          Undo
        </button>
        <button type="button" onClick={redo} title="Ctrl/Cmd+Shift+Z">
          Redo
        </button>
        <button
          type="button"
          onClick={() => (autoLayout(), setTimeout(() => void flow.fitView({ ...FIT_ALL, duration: 200 }), 50))}
        >
          Auto-layout
        </button>
        <button type="button" onClick={() => void flow.fitView({ ...FIT_ALL, duration: 200 })}>
          Zoom to fit
        </button>
        <button type="button" onClick={() => openPanel('triggers')}>
          Triggers
        </button>
        <button type="button" onClick={() => openPanel('versions')}>
          Versions
        </button>
        <button type="button" onClick={() => openPanel('settings')}>
          Settings
        </button>
        <Link className="button-link" href={`/runs?flowId=${encodeURIComponent(session.flowId)}`}>
          Runs
        </Link>
        <button type="button" onClick={() => openPanel('run')} title="Ctrl/Cmd+Enter runs">
          Run…
        </button>
        <button type="button" className="primary" onClick={() => void publish()}>
          Publish
        </button>
      </div>
      {notice && (
        <p className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          {notice.text}{' '}
          <button
            type="button"
            className="link"
            aria-label="Dismiss"
            onClick={() => uiStore.set((state) => ({ ...state, notice: null }))}
          >
            ×
          </button>
        </p>
      )}
      <div className="editor-body">
        <Palette onAddNode={onAddNode} onAddTrigger={onAddTrigger} />
        <FlowCanvas onAddTrigger={onAddTrigger} />
        <SidePanels
          session={session}
          runPanel={<RunPanel input={runInput} onInput={setRunInput} onRun={run} error={runError} />}
        />
      </div>
      <LoopDialog />
    </div>
  );
}

export default function FlowEditor({ flowId }: { flowId: string }) {
  const [session, setSession] = useState<EditorSession | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let active = true;
    let opened: EditorSession | null = null;
    clearRun();
    startSession(flowId).then(
      (started) => {
        opened = started;
        if (active) setSession(started);
        else started.dispose();
      },
      (caught: Error) => active && setError(caught.message),
    );
    return () => {
      active = false;
      opened?.close();
      uiStore.set((state) => ({ ...state, panel: null, notice: null }));
    };
  }, [flowId]);
  if (error)
    return (
      <p role="alert" className="error">
        Could not open {flowId}: {error}
      </p>
    );
  if (!session) return <p className="loading">Loading {flowId}…</p>;
  return (
    <ReactFlowProvider>
      <Editor session={session} />
    </ReactFlowProvider>
  );
}
