/** The panel beside the canvas: the selected node's inspector, the triggers, the versions, the settings, or the draft's run. */
import { lazy, Suspense, type ReactNode } from 'react';
import { Inspector } from '../../panels/Inspector';
import { openPanel, useUi } from '../../stores/ui';
import type { EditorSession } from './session';

// Panels opened less often load on first use (the triggers panel reads the trigger schema's constants, and with them zod).
const TriggersPanel = lazy(() => import('../../panels/triggers/TriggersPanel'));
const VersionsPanel = lazy(() => import('../../panels/versions/VersionsPanel'));
const SettingsPanel = lazy(() => import('../../panels/settings/SettingsPanel'));

export function SidePanels({ session, runPanel }: { session: EditorSession; runPanel: ReactNode }) {
  const panel = useUi((state) => state.panel);
  if (panel === null) return null;
  return (
    // "nokey": React Flow leaves keys typed here alone (Monaco edits in a div, which React Flow would take space-to-pan from).
    <div className={`side nokey ${panel === 'versions' ? 'wide' : ''}`}>
      <button type="button" className="close link" aria-label="Close panel" onClick={() => openPanel(null)}>
        ×
      </button>
      {panel === 'run' && runPanel}
      {panel === 'inspector' && <Inspector flowId={session.flowId} />}
      <Suspense fallback={<p className="loading">Loading…</p>}>
        {panel === 'triggers' && <TriggersPanel session={session} />}
        {panel === 'versions' && <VersionsPanel session={session} />}
        {panel === 'settings' && <SettingsPanel flowId={session.flowId} />}
      </Suspense>
    </div>
  );
}
