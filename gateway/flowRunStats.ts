import type { RunList, RunSummary } from './runList';

/** What the flows list shows of a flow's runs. */
export interface FlowRunFigures {
  /** The newest run of a saved version (an open one first, as visibility orders them). */
  lastRun: { runId: string; status: string; startedAt: string | undefined } | null;
  /** Of the newest runs sampled, those that closed, and those of them that completed; null when not known in time. */
  successRate: { runs: number; succeeded: number } | null;
}

export interface FlowRunStatsOptions {
  /** How many of a flow's newest runs the success rate is over. */
  sample: number;
  /** Visibility queries in flight at once. */
  concurrency: number;
  /** How long the whole list waits for them; flows not answered by then show no figures. */
  deadlineMs: number;
}

const UNKNOWN: FlowRunFigures = { lastRun: null, successRate: null };

/** A continued run is one run: its last execution's status counts, not the `continued_as_new` before it. */
const NOT_YET_ENDED = new Set(['running', 'continued_as_new']);

/** The figures of one flow from its newest runs, newest first. */
export function figuresOf(runs: RunSummary[]): FlowRunFigures {
  const ended = runs.filter((run) => !NOT_YET_ENDED.has(run.status));
  const last = runs[0];
  return {
    lastRun: last ? { runId: last.runId, status: last.status, startedAt: last.startedAt } : null,
    successRate: { runs: ended.length, succeeded: ended.filter((run) => run.status === 'completed').length },
  };
}

/**
 * The run figures of many flows at bounded cost: one visibility query per flow (its newest `sample` runs of saved
 * versions, a single page), a few in flight at once, and a deadline for the whole list.
 */
export class FlowRunStats {
  constructor(
    private readonly runs: RunList,
    private readonly options: FlowRunStatsOptions = { sample: 100, concurrency: 8, deadlineMs: 3_000 },
  ) {}

  async of(workspace: string, flowIds: string[]): Promise<Map<string, FlowRunFigures>> {
    const figures = new Map<string, FlowRunFigures>();
    const queue = [...flowIds];
    let expired = false;
    const next = async (): Promise<void> => {
      for (let flowId = queue.shift(); flowId !== undefined && !expired; flowId = queue.shift()) {
        try {
          const { runs } = await this.runs.list(
            workspace,
            { flowId, pageSize: this.options.sample },
            { savedVersionsOnly: true },
          );
          if (!expired) figures.set(flowId, figuresOf(runs));
        } catch {
          // A flow whose query failed shows no figures; the list itself still answers.
        }
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.deadlineMs)));
    const workers = Array.from({ length: Math.min(this.options.concurrency, queue.length) }, next);
    await Promise.race([Promise.all(workers), deadline]);
    expired = true;
    clearTimeout(timer);
    return new Map(flowIds.map((flowId) => [flowId, figures.get(flowId) ?? UNKNOWN]));
  }
}
