/** Two definitions side by side: nodes added, removed and changed; code compared line by line. */
import { sideBySide } from '../../domain/lineDiff';
import type { FlowDefinition } from '../../domain/model';
import { diffDefinitions, summarizeDiff } from '../../domain/versionDiff';
import { JsonView } from '../JsonView';

export function DiffView({
  before,
  after,
  beforeLabel,
  afterLabel,
}: {
  before: FlowDefinition;
  after: FlowDefinition;
  beforeLabel: string;
  afterLabel: string;
}) {
  const diff = diffDefinitions(before, after);
  return (
    <div className="diff" aria-label={`Changes from ${beforeLabel} to ${afterLabel}`}>
      <p className="diff-summary">{summarizeDiff(diff)}</p>
      {diff.changedNodes.map((change) => (
        <section key={change.id} className="diff-node">
          <h4>
            {change.id}: {change.fields.join(', ')}
          </h4>
          {change.before.type === 'code' && change.after.type === 'code' && change.fields.includes('code') && (
            <table className="line-diff">
              {/* A fixed table takes its column widths from here: the line numbers narrow, the code the rest. */}
              <colgroup>
                <col className="ln" />
                <col />
                <col className="ln" />
                <col />
              </colgroup>
              <thead>
                <tr>
                  <th colSpan={2}>{beforeLabel}</th>
                  <th colSpan={2}>{afterLabel}</th>
                </tr>
              </thead>
              <tbody>
                {sideBySide(change.before.code, change.after.code).map((row, index) => (
                  <tr key={index} className={`diff-${row.kind}`}>
                    <td className="ln">{row.left?.line}</td>
                    <td className="code-left">{row.left?.text}</td>
                    <td className="ln">{row.right?.line}</td>
                    <td className="code-right">{row.right?.text}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {change.fields
            .filter((field) => field !== 'code')
            .map((field) => (
              <div key={field} className="diff-field">
                <JsonView
                  value={(change.before as Record<string, unknown>)[field]}
                  label={`${field} in ${beforeLabel}`}
                />
                <JsonView
                  value={(change.after as Record<string, unknown>)[field]}
                  label={`${field} in ${afterLabel}`}
                />
              </div>
            ))}
        </section>
      ))}
      {diff.addedNodes.length > 0 && (
        <p className="diff-added">Added: {diff.addedNodes.map((node) => node.id).join(', ')}</p>
      )}
      {diff.removedNodes.length > 0 && (
        <p className="diff-removed">Removed: {diff.removedNodes.map((node) => node.id).join(', ')}</p>
      )}
      {[
        ...diff.addedEdges.map((edge) => ['+', edge] as const),
        ...diff.removedEdges.map((edge) => ['−', edge] as const),
      ].map(([sign, edge], index) => (
        <p key={index} className={sign === '+' ? 'diff-added' : 'diff-removed'}>
          {sign} edge {edge.from} → {edge.to}
          {edge.path ? ` (${edge.path})` : edge.on ? ' (error)' : ''}
        </p>
      ))}
    </div>
  );
}
