/**
 * What a cron trigger would do, before it is saved: Temporal's own reading of the expression (its next times and the
 * spec it compiles), so the preview cannot disagree with the schedule a save makes. Temporal's cron is not Vixie cron:
 * six fields end with a year (not start with seconds), a day of the month and a weekday must both match, `L` and `W`
 * are refused, `#n` is dropped. Temporal computes a spec only within a schedule, so the preview makes a paused
 * schedule whose action can never run, describes it and deletes it; answers are reused while their times are ahead.
 */
import crypto from 'node:crypto';
import { Client, ScheduleNotFoundError } from '@temporalio/client';
import { describeSpec } from './describeSpec';

export interface CronPreview {
  description: string;
  /** The next run times, ISO 8601 in UTC. */
  next: string[];
}

/** Temporal refused the expression or the time zone; `field` says which. */
export class CronPreviewError extends Error {
  override name = 'CronPreviewError';

  constructor(
    readonly field: 'cron' | 'timezone',
    message: string,
  ) {
    super(message);
  }
}

/** Preview schedules' ids: a colon never appears in a flow's schedule id (scheduleIdOf joins identifiers with "-"). */
const PREVIEW_ID_PREFIX = 'nectar:cron-preview:';
const CACHE_SIZE = 500;

export class CronPreviewer {
  private readonly cache = new Map<string, { description: string; times: Date[] }>();

  constructor(
    private readonly client: Client,
    private readonly count = 5,
  ) {}

  async preview(cron: string, timezone: string): Promise<CronPreview> {
    const key = `${cron}\0${timezone}`;
    const now = Date.now();
    const cached = this.cache.get(key);
    const ahead = cached?.times.filter((time) => time.getTime() > now) ?? [];
    // A spec with fewer times than asked (one that ends) is computed afresh rather than answered short.
    if (cached && ahead.length >= this.count)
      return { description: cached.description, next: ahead.slice(0, this.count).map((time) => time.toISOString()) };
    const fresh = await this.compute(cron, timezone);
    this.cache.delete(key);
    this.cache.set(key, fresh);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return {
      description: fresh.description,
      next: fresh.times
        .filter((time) => time.getTime() > now)
        .slice(0, this.count)
        .map((time) => time.toISOString()),
    };
  }

  private async compute(cron: string, timezone: string): Promise<{ description: string; times: Date[] }> {
    const scheduleId = `${PREVIEW_ID_PREFIX}${crypto.randomUUID()}`;
    let handle;
    try {
      handle = await this.client.schedule.create({
        scheduleId,
        spec: { cronExpressions: [cron], timezone },
        // Paused, never unpaused, and deleted at once: no workflow of this type exists and none ever starts.
        action: {
          type: 'startWorkflow',
          workflowType: 'nectarCronPreview',
          taskQueue: 'nectar-cron-preview',
          workflowId: scheduleId,
        },
        state: { paused: true, note: 'a cron preview of the studio; deleted when described' },
      });
    } catch (error) {
      throw refusal(error);
    }
    try {
      const description = await handle.describe();
      return { description: describeSpec(description.spec), times: description.info.nextActionTimes };
    } finally {
      await handle.delete().catch((error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      });
    }
  }
}

/** gRPC's INVALID_ARGUMENT: how the server refuses a spec (the SDK wraps it in a ServiceError, its cause). */
const INVALID_ARGUMENT = 3;

/** Temporal's refusal of a spec as the field at fault; anything else (Temporal down) passes through. */
function refusal(error: unknown): unknown {
  const chain: { message?: string; code?: unknown }[] = [];
  for (let link = error as { cause?: unknown } | undefined; link && chain.length < 5; link = link.cause as typeof link)
    chain.push(link as never);
  const invalid = error instanceof TypeError || chain.some((link) => link.code === INVALID_ARGUMENT);
  if (!invalid) return error;
  const message =
    chain.map((link) => link.message ?? '').find((text) => /spec|time ?zone|range/i.test(text)) ??
    (error as Error).message;
  const cleaned = message.replace(/^.*Invalid schedule spec:\s*/, '');
  return /time ?zone/i.test(cleaned)
    ? new CronPreviewError('timezone', cleaned)
    : new CronPreviewError('cron', cleaned);
}
