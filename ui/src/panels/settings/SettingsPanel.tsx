/**
 * The flow's settings beside the canvas: its error handler flow (started when a run of a saved version fails), chosen
 * from the workspace's flows, and the workspace's default handler, used by flows that name none.
 */
import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import type { FlowListItem, WorkspaceAnswer } from '../../api/types';
import { choiceOf, handlerOptions, NO_HANDLER, settingOf, WORKSPACE_DEFAULT } from '../../domain/errorHandler';
import { updateMeta, useGraph } from '../../stores/graph';
import { notify } from '../../stores/ui';

export default function SettingsPanel({ flowId }: { flowId: string }) {
  const setting = useGraph((graph) => graph.meta.errorHandler);
  const [flows, setFlows] = useState<FlowListItem[] | null>(null);
  const [workspace, setWorkspace] = useState<WorkspaceAnswer | null>(null);
  useEffect(() => {
    api.listFlows().then(
      (answer) => setFlows(answer.flows),
      (error: Error) => notify('error', `The workspace's flows could not be read: ${error.message}`),
    );
    api.workspace().then(setWorkspace, () => setWorkspace(null));
  }, []);

  const choice = choiceOf(setting);
  const options = handlerOptions(flows ?? [], flowId, setting ? setting.flowId : undefined);
  const chosenMissing = options.some((option) => option.missing && option.flowId === choice);
  const workspaceDefault = workspace?.errorHandler?.flowId;
  const choose = (next: string) =>
    updateMeta('edit flow.errorHandler', (meta) => {
      const { errorHandler: _old, ...rest } = meta;
      const chosen = settingOf(next);
      return chosen === undefined ? rest : { ...rest, errorHandler: chosen };
    });
  const setWorkspaceDefault = async (next: string) => {
    try {
      setWorkspace(await api.setWorkspaceErrorHandler(next ? { flowId: next } : null));
      notify(
        'info',
        next
          ? `The workspace's default error handler is now ${next}.`
          : 'The workspace has no default error handler now.',
      );
    } catch (error) {
      notify('error', `The workspace's default error handler was not changed: ${(error as Error).message}`);
    }
  };

  return (
    <section className="panel settings" aria-label="Flow settings">
      <h2>Settings</h2>
      <h3>Error handler</h3>
      <p className="muted">
        When a run of a published version fails, this flow runs with{' '}
        <code>{'{ flowId, version, runId, node, error, trigger, link }'}</code> as its input. Its own failures start
        nothing.
      </p>
      <label className="field">
        <span>Error handler flow</span>
        <select
          aria-label="Error handler flow"
          value={choice}
          disabled={flows === null}
          onChange={(event) => choose(event.target.value)}
        >
          <option value={WORKSPACE_DEFAULT}>
            Workspace default ({workspaceDefault ?? (workspace ? 'none set' : '…')})
          </option>
          <option value={NO_HANDLER}>None, not even the workspace default</option>
          {options.map((option) => (
            <option key={option.flowId} value={option.flowId}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      {chosenMissing && (
        <p className="error" role="alert">
          {choice} is not a saved flow of this workspace: publish it, or choose another.
        </p>
      )}
      {choice !== WORKSPACE_DEFAULT && (
        <button type="button" className="link" onClick={() => choose(WORKSPACE_DEFAULT)}>
          Clear (use the workspace default)
        </button>
      )}
      <h3>Workspace default</h3>
      <p className="muted">Runs of flows that name no handler of their own start this one.</p>
      <label className="field">
        <span>Workspace default error handler</span>
        <select
          aria-label="Workspace default error handler"
          value={workspaceDefault ?? ''}
          disabled={flows === null || workspace === null}
          onChange={(event) => void setWorkspaceDefault(event.target.value)}
        >
          <option value="">None</option>
          {handlerOptions(flows ?? [], flowId, workspaceDefault).map((option) => (
            <option key={option.flowId} value={option.flowId}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}
