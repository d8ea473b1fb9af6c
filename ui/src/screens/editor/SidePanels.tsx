/** The panel beside the canvas: the selected node's inspector, the triggers, the versions, or the draft's run. */
import type { ReactNode } from 'react';
import { Inspector } from '../../panels/Inspector';
import { TriggersPanel } from '../../panels/triggers/TriggersPanel';
import { VersionsPanel } from '../../panels/versions/VersionsPanel';
import { openPanel, useUi } from '../../stores/ui';
import type { EditorSession } from './session';

export function SidePanels({ session, runPanel }: { session: EditorSession; runPanel: ReactNode }) {
  const panel = useUi((state) => state.panel);
  if (panel === null) return null;
  return (
    <div className="side">
      <button type="button" className="close link" aria-label="Close panel" onClick={() => openPanel(null)}>
        ×
      </button>
      {panel === 'run' && runPanel}
      {panel === 'inspector' && <Inspector flowId={session.flowId} />}
      {panel === 'triggers' && <TriggersPanel session={session} />}
      {panel === 'versions' && <VersionsPanel session={session} />}
    </div>
  );
}
