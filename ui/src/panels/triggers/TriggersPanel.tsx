/** The flow's triggers: webhooks (URLs, auth, respond mode) and cron schedules (reading, next runs, pause/resume). */
import { useCallback, useEffect, useState } from 'react';
import type { FlowTrigger } from '../../../../flow/triggers';
import { api } from '../../api/client';
import type { ScheduleView } from '../../api/types';
import { addTrigger } from '../../canvas/actions';
import { TRIGGER_KINDS, triggerLabel } from '../../domain/triggers';
import { useStore } from '../../stores/createStore';
import { updateMeta, useGraph } from '../../stores/graph';
import { notify } from '../../stores/ui';
import type { EditorSession } from '../../screens/editor/session';
import { CronTriggerEditor } from './CronTrigger';
import { SourceTriggerEditor } from './SourceTrigger';
import { WebhookTriggerEditor } from './WebhookTrigger';

const NO_TRIGGERS: FlowTrigger[] = [];

export default function TriggersPanel({ session }: { session: EditorSession }) {
  const triggers = useGraph((graph) => graph.meta.triggers ?? NO_TRIGGERS);
  const latestVersion = useStore(session.info, (info) => info.latestVersion);
  const [schedules, setSchedules] = useState<ScheduleView[]>([]);

  const loadSchedules = useCallback(() => {
    if (!latestVersion) return;
    api.schedules(session.flowId).then(
      (answer) => setSchedules(answer.schedules),
      () => setSchedules([]),
    );
  }, [session.flowId, latestVersion]);
  useEffect(loadSchedules, [loadSchedules]);

  const change = (index: number, field: string, next: FlowTrigger) =>
    updateMeta(`edit trigger.${index}.${field}`, (meta) => ({
      ...meta,
      triggers: (meta.triggers ?? []).map((trigger, i) => (i === index ? next : trigger)),
    }));
  const remove = (index: number) =>
    updateMeta('remove trigger', (meta) => {
      const rest = (meta.triggers ?? []).filter((_, i) => i !== index);
      const { triggers: _old, ...others } = meta;
      return rest.length > 0 ? { ...others, triggers: rest } : others;
    });
  const toggleSchedule = async (schedule: ScheduleView) => {
    try {
      await api.scheduleCommand(session.flowId, schedule.triggerId, schedule.paused ? 'resume' : 'pause');
      loadSchedules();
    } catch (error) {
      notify('error', (error as Error).message);
    }
  };

  return (
    <section className="panel triggers" aria-label="Triggers">
      <h2>Triggers</h2>
      <p className="muted">A flow always runs from the API; these start it too.</p>
      {triggers.map((trigger, index) => {
        const schedule =
          trigger.type === 'cron' ? schedules.find((candidate) => candidate.triggerId === trigger.id) : undefined;
        return (
          <article key={index} className="trigger" aria-label={triggerLabel(trigger)}>
            <header>
              <strong>{triggerLabel(trigger)}</strong>
              <button
                type="button"
                className="danger"
                onClick={() => remove(index)}
                aria-label={`Remove ${trigger.type} trigger`}
              >
                Remove
              </button>
            </header>
            {trigger.type === 'webhook' && (
              <WebhookTriggerEditor
                flowId={session.flowId}
                trigger={trigger}
                published={latestVersion !== null}
                onChange={(field, next) => change(index, field, next)}
              />
            )}
            {trigger.type !== 'webhook' && trigger.type !== 'cron' && (
              <SourceTriggerEditor trigger={trigger} onChange={(field, next) => change(index, field, next)} />
            )}
            {trigger.type === 'cron' && (
              <CronTriggerEditor
                trigger={trigger}
                onChange={(field, next) => change(index, field, next)}
                schedule={schedule && { paused: schedule.paused, toggle: () => void toggleSchedule(schedule) }}
              />
            )}
          </article>
        );
      })}
      <div className="add-triggers">
        {TRIGGER_KINDS.filter(
          (kind) => kind.kind !== 'webhook' || !triggers.some((trigger) => trigger.type === 'webhook'),
        ).map((kind) => (
          <button type="button" key={kind.kind} onClick={() => addTrigger(kind.kind)} title={kind.description}>
            + {kind.label}
          </button>
        ))}
      </div>
    </section>
  );
}
