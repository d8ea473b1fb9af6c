/**
 * Node outputs too large for a Temporal history live in the store; the run passes an OutputRef instead. Stored
 * outputs are immutable, so a worker keeps recently read ones in memory.
 */
import crypto from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { runPayloadJson } from '../common/payloadShape';
import { isDuplicateKey } from './numbered';
import { INLINE_PAYLOAD_MAX_BYTES } from '../flow/limits';
import { isOutputRef, OutputRef } from '../flow/run';

/** Outputs (and trigger payloads) whose JSON is larger than this are stored by reference (Temporal's payload limit is 2 MB). */
export const OUTPUT_REF_THRESHOLD_BYTES = INLINE_PAYLOAD_MAX_BYTES;
/**
 * The JSON bytes of stored outputs a process keeps read: a stored output may be up to a node's result limit (1 MiB)
 * and takes several times that once parsed, so a count alone would let 64 of them hold hundreds of MiB.
 */
const CACHE_BYTES = 16 * 1024 * 1024;
/** A node's logs kept in the run's history; past this, the first entries that fit, and all of them by reference. */
export const LOGS_INLINE_BYTES = 32 * 1024;

interface LogLike {
  level: string;
  timestamp: string;
  nodeId: string;
  args: unknown[];
}

interface OutputDocument {
  _id: string;
  workflowId: string;
  nodeId: string;
  json: string;
  createdAt: Date;
}

export class OutputStore {
  private readonly outputs: Collection<OutputDocument>;
  private readonly cache = new Map<string, { value: unknown; bytes: number }>();
  /** Reads under way: an entry node's input and its `context.trigger.payload` are one stored value, read once. */
  private readonly reading = new Map<string, Promise<unknown>>();
  private cachedBytes = 0;

  constructor(
    db: Db,
    private readonly capacity = 64,
  ) {
    this.outputs = db.collection<OutputDocument>('node_outputs');
  }

  /** The output as is when small; otherwise stored, and a reference (keeping its nextPath for routing). */
  async offload(
    output: unknown,
    owner: { workflowId: string; nodeId: string },
    limitBytes = OUTPUT_REF_THRESHOLD_BYTES,
  ): Promise<unknown> {
    const json = JSON.stringify(output ?? null);
    const bytes = Buffer.byteLength(json);
    if (bytes <= Math.min(limitBytes, OUTPUT_REF_THRESHOLD_BYTES)) return output;
    const id = crypto.randomUUID();
    await this.outputs.insertOne({
      _id: id,
      workflowId: owner.workflowId,
      nodeId: owner.nodeId,
      json,
      createdAt: new Date(),
    });
    const ref: OutputRef = { $nectarRef: 1, id, bytes };
    const nextPath =
      output !== null && typeof output === 'object' ? (output as { nextPath?: unknown }).nextPath : undefined;
    if (typeof nextPath === 'string') ref.nextPath = nextPath;
    return ref;
  }

  /**
   * A run's trigger payload as the run carries it: as it is up to OUTPUT_REF_THRESHOLD_BYTES, else kept here and a
   * reference (PayloadTooLargeError past RUN_PAYLOAD_MAX_BYTES). Its id derives from the run and the payload, so a start
   * retried (the webhook journal's, an Idempotency-Key's) writes one document, and another payload under the same
   * run id (a key reused with another body, whose start Temporal refuses) never replaces the first run's.
   */
  async keepTriggerPayload(payload: unknown, runId: string): Promise<unknown> {
    if (isOutputRef(payload)) return payload; // a rerun's: the original run's stored payload
    const json = runPayloadJson(payload, 'trigger.payload');
    const bytes = Buffer.byteLength(json);
    if (bytes <= OUTPUT_REF_THRESHOLD_BYTES) return payload;
    const id = `trigger-${crypto.createHash('sha256').update(runId).update('\0').update(json).digest('hex').slice(0, 40)}`;
    try {
      await this.outputs.insertOne({ _id: id, workflowId: runId, nodeId: 'trigger', json, createdAt: new Date() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const ref: OutputRef = { $nectarRef: 1, id, bytes };
    return ref;
  }

  /**
   * The logs as they are when small (up to LOGS_INLINE_BYTES, or `limitBytes`, what the run's inline budget has left);
   * otherwise stored, and the first entries that fit followed by a note with the reference.
   */
  async boundLogs<T extends LogLike>(
    logs: T[],
    owner: { workflowId: string; nodeId: string },
    limitBytes = LOGS_INLINE_BYTES,
  ): Promise<T[]> {
    const limit = Math.min(limitBytes, LOGS_INLINE_BYTES);
    const sizes = logs.map((entry) => JSON.stringify(entry).length);
    if (sizes.reduce((sum, size) => sum + size, 0) <= limit) return logs;
    const ref = await this.offload(logs, owner, 0);
    const kept: T[] = [];
    let used = 0;
    for (let i = 0; i < logs.length && used + sizes[i] <= limit / 2; i++) {
      kept.push(logs[i]);
      used += sizes[i];
    }
    const note = `[nectar] ${logs.length - kept.length} of ${logs.length} log entries are not shown here; all of them are stored by reference`;
    return [...kept, { ...logs[logs.length - 1], level: 'warn', args: [note, ref] }];
  }

  /** Replaces every reference inside `value` with what it points at. */
  async resolve(value: unknown): Promise<unknown> {
    if (isOutputRef(value)) return this.read(value);
    if (Array.isArray(value)) return Promise.all(value.map((item) => this.resolve(item)));
    if (value && typeof value === 'object') {
      const entries = await Promise.all(
        Object.entries(value).map(async ([key, item]) => [key, await this.resolve(item)] as const),
      );
      return Object.fromEntries(entries);
    }
    return value;
  }

  private async read(ref: OutputRef): Promise<unknown> {
    let value = this.cache.get(ref.id)?.value;
    if (value === undefined) {
      let reading = this.reading.get(ref.id);
      if (!reading) {
        reading = this.fetch(ref.id).finally(() => this.reading.delete(ref.id));
        this.reading.set(ref.id, reading);
      }
      value = await reading;
    }
    if (!ref.path) return value;
    let selected: unknown = value;
    for (const part of ref.path.split('.')) {
      selected =
        selected !== null && typeof selected === 'object' ? (selected as Record<string, unknown>)[part] : undefined;
    }
    return selected ?? null;
  }

  private async fetch(id: string): Promise<unknown> {
    const doc = await this.outputs.findOne({ _id: id });
    if (!doc) throw new Error(`stored output ${id} is missing`);
    const value = JSON.parse(doc.json) as unknown;
    this.remember(id, value, doc.json.length);
    return value;
  }

  /** Keeps a read output, dropping the oldest past `capacity` entries or CACHE_BYTES of JSON. */
  private remember(id: string, value: unknown, bytes: number): void {
    if (bytes > CACHE_BYTES) return;
    const known = this.cache.get(id);
    if (known) this.cachedBytes -= known.bytes;
    this.cache.set(id, { value, bytes });
    this.cachedBytes += bytes;
    while (this.cache.size > this.capacity || this.cachedBytes > CACHE_BYTES) {
      const [oldest, entry] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      this.cachedBytes -= entry.bytes;
    }
  }
}
