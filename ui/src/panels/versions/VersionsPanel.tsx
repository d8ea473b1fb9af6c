/** Version history: each version with its time and what changed, a side-by-side diff of any two, restore into the draft. */
import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client';
import { toCanvas } from '../../domain/convert';
import type { FlowDefinition } from '../../domain/model';
import { diffDefinitions, summarizeDiff } from '../../domain/versionDiff';
import type { EditorSession } from '../../screens/editor/session';
import { useStore } from '../../stores/createStore';
import { edit } from '../../stores/graph';
import { notify } from '../../stores/ui';
import { DiffView } from './DiffView';

interface Version {
  version: number;
  createdAt: string;
  definition: FlowDefinition;
}

const DRAFT = 'draft';
const SHOWN_VERSIONS = 20;

export default function VersionsPanel({ session }: { session: EditorSession }) {
  const latestVersion = useStore(session.info, (info) => info.latestVersion);
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [left, setLeft] = useState<string>('');
  const [right, setRight] = useState<string>(DRAFT);

  useEffect(() => {
    if (!latestVersion) return setVersions([]);
    let active = true;
    (async () => {
      const list = (await api.versions(session.flowId)).versions.slice(0, SHOWN_VERSIONS);
      const loaded = await Promise.all(
        list.map(async (info) => ({
          ...info,
          definition: (await api.readFlow(session.flowId, info.version)).definition,
        })),
      );
      if (!active) return;
      setVersions(loaded);
      setLeft(String(loaded[0]?.version ?? ''));
    })().catch((caught: Error) => setError(caught.message));
    return () => {
      active = false;
    };
  }, [session.flowId, latestVersion]);

  const definitionOf = (choice: string): FlowDefinition | undefined =>
    choice === DRAFT
      ? session.definition()
      : versions?.find((version) => String(version.version) === choice)?.definition;
  const labelOf = (choice: string) => (choice === DRAFT ? 'draft' : `v${choice}`);
  const before = definitionOf(left);
  const after = definitionOf(right);
  const summaries = useMemo(
    () =>
      (versions ?? []).map((version, index) =>
        index + 1 < (versions ?? []).length
          ? summarizeDiff(diffDefinitions(versions![index + 1].definition, version.definition))
          : 'first version',
      ),
    [versions],
  );

  const restore = (version: Version) => {
    const graph = toCanvas(version.definition);
    edit(`restore v${version.version}`, (current) => ({ ...graph, meta: { ...graph.meta, id: current.meta.id } }));
    notify('info', `Version ${version.version} restored into the draft (undo with Ctrl/Cmd+Z).`);
  };

  if (error) return <p className="error">{error}</p>;
  if (versions === null) return <p className="loading">Loading versions…</p>;
  return (
    <section className="panel versions" aria-label="Versions">
      <h2>Versions</h2>
      {versions.length === 0 && <p className="muted">Nothing published yet: Publish saves the canvas as version 1.</p>}
      <ol className="version-list">
        {versions.map((version, index) => (
          <li key={version.version}>
            <strong>v{version.version}</strong>{' '}
            <span className="muted">{new Date(version.createdAt).toLocaleString()}</span>
            <div className="muted">{summaries[index]}</div>
            <button
              type="button"
              onClick={() => restore(version)}
              aria-label={`Restore version ${version.version} into the draft`}
            >
              Restore
            </button>
          </li>
        ))}
      </ol>
      {versions.length > 0 && (
        <>
          <h3>Compare</h3>
          <div className="compare">
            <select aria-label="Compare from" value={left} onChange={(event) => setLeft(event.target.value)}>
              {versions.map((version) => (
                <option key={version.version} value={String(version.version)}>
                  v{version.version}
                </option>
              ))}
            </select>
            <span>with</span>
            <select aria-label="Compare with" value={right} onChange={(event) => setRight(event.target.value)}>
              <option value={DRAFT}>the draft</option>
              {versions.map((version) => (
                <option key={version.version} value={String(version.version)}>
                  v{version.version}
                </option>
              ))}
            </select>
          </div>
          {before && after && (
            <DiffView before={before} after={after} beforeLabel={labelOf(left)} afterLabel={labelOf(right)} />
          )}
        </>
      )}
    </section>
  );
}
