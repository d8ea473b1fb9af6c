/**
 * The reconciliation scan of an `s3` trigger: S3 (and versitygw, which posts each event once, with no retry) may never
 * deliver an event, and nothing is delivered while the product is down. Every `scanIntervalMs` the listener lists the
 * bucket under the trigger's prefix and starts a run for each object modified since the last scan (less an overlap,
 * as clocks and listings lag); the run id is the one the object's event would have named (bucket, key, version, ETag),
 * so an object whose event did arrive is not run twice. Deletions leave nothing to list: only events report them.
 */
import { objectEventKey, S3ObjectEvent } from '../../common/s3Events';
import type { S3Trigger } from '../../flow/eventTriggers';
import type { ListenerOutcome } from '../../flow/listener';
import { pause, SliceContext, SourceConfigError, startEventRun } from './slice';

/** Objects modified this long before the last scan's newest are looked at again. */
const OVERLAP_MS = 60_000;

/** What the scan lists: the uploads bucket, with the uploads store's settings. */
export async function listenS3(context: SliceContext, trigger: S3Trigger): Promise<ListenerOutcome> {
  const { record, deps } = context;
  const scanned = deps.s3;
  if (!scanned)
    throw new SourceConfigError(
      'a reconciliation scan lists the uploads bucket: set NECTAR_UPLOADS_S3_BUCKET (and its settings) for the worker',
    );
  if (scanned.bucket !== trigger.bucket)
    throw new SourceConfigError(
      `a reconciliation scan lists only the uploads bucket "${scanned.bucket}", not "${trigger.bucket}"`,
    );
  const own = `${record.workspace}/`;
  const prefix = trigger.prefix ?? own;
  if (!prefix.startsWith(own))
    throw new SourceConfigError(
      `a reconciliation scan lists only the workspace's own prefix: "prefix" must start with "${own}"`,
    );
  let watermark = record.state.position ? Date.parse(record.state.position) : NaN;
  const interval = trigger.scanIntervalMs ?? 60_000;
  const wake: { next?: () => void } = {};
  // Scans keep their interval across slices: the last one's time is in the registry.
  const due = (record.state.checkedAt?.getTime() ?? 0) + interval;
  await pause(
    Math.min(Math.max(0, due - Date.now()), Math.max(0, context.deadline - Date.now())),
    wake,
    context.signal,
  );
  while (Date.now() < context.deadline && !context.signal.aborted) {
    const stop = await context.stillWanted();
    if (stop) return stop;
    const scanStartedAt = Date.now();
    if (Number.isNaN(watermark)) {
      // The first scan only marks where the trigger starts: objects from before it are not its events.
      watermark = scanStartedAt;
      await deps.registry.reportProgress(record._id, {
        position: new Date(watermark).toISOString(),
        lagMs: 0,
        checkedAt: new Date(scanStartedAt),
      });
    } else {
      let newest = watermark;
      let started = 0;
      for await (const object of scanned.list(prefix)) {
        if (object.lastModified.getTime() < watermark - OVERLAP_MS || !object.key.endsWith(trigger.suffix ?? ''))
          continue;
        newest = Math.max(newest, object.lastModified.getTime());
        const event: S3ObjectEvent = {
          eventName: 'ObjectCreated:Scan',
          eventTime: object.lastModified.toISOString(),
          bucket: scanned.bucket,
          key: object.key,
          size: object.size,
          eTag: object.eTag,
          versionId: null,
          sequencer: null,
        };
        const payload = { ...event, object: { url: `/api/s3-objects?key=${encodeURIComponent(object.key)}` } };
        const outcome = await startEventRun(context, {
          key: objectEventKey(event),
          source: `s3 ${event.bucket}`,
          payload,
        });
        if (outcome.started) started++;
        context.heartbeat({ key: object.key });
      }
      watermark = newest;
      await deps.registry.reportProgress(record._id, {
        position: new Date(watermark).toISOString(),
        lagMs: 0,
        checkedAt: new Date(scanStartedAt),
        runsStarted: started,
        ...(started > 0 ? { lastEventAt: new Date() } : {}),
      });
    }
    context.heartbeat();
    await pause(Math.min(interval, Math.max(0, context.deadline - Date.now())), wake, context.signal);
  }
  return { state: 'listening' };
}
