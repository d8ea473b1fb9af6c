/**
 * Node outputs too large for a Temporal history live in the store; the run passes an OutputRef instead. Stored
 * outputs are immutable, so a worker keeps recently read ones in memory.
 */
import crypto from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isOutputRef, OutputRef } from '../flow/run';

/** Outputs whose JSON is larger than this are stored by reference (Temporal's payload limit is 2 MB). */
export const OUTPUT_REF_THRESHOLD_BYTES = 64 * 1024;

interface OutputDocument {
  _id: string;
  workflowId: string;
  nodeId: string;
  json: string;
  createdAt: Date;
}

export class OutputStore {
  private readonly outputs: Collection<OutputDocument>;
  private readonly cache = new Map<string, unknown>();

  constructor(db: Db, private readonly capacity = 64) {
    this.outputs = db.collection<OutputDocument>('node_outputs');
  }

  /** The output as is when small; otherwise stored, and a reference (keeping its nextPath for routing). */
  async offload(output: unknown, owner: { workflowId: string; nodeId: string }): Promise<unknown> {
    const json = JSON.stringify(output ?? null);
    const bytes = Buffer.byteLength(json);
    if (bytes <= OUTPUT_REF_THRESHOLD_BYTES) return output;
    const id = crypto.randomUUID();
    await this.outputs.insertOne({ _id: id, workflowId: owner.workflowId, nodeId: owner.nodeId, json, createdAt: new Date() });
    const ref: OutputRef = { $nectarRef: 1, id, bytes };
    const nextPath = (output as { nextPath?: unknown }).nextPath;
    if (typeof nextPath === 'string') ref.nextPath = nextPath;
    return ref;
  }

  /** Replaces every reference inside `value` with what it points at. */
  async resolve(value: unknown): Promise<unknown> {
    if (isOutputRef(value)) return this.read(value);
    if (Array.isArray(value)) return Promise.all(value.map((item) => this.resolve(item)));
    if (value && typeof value === 'object') {
      const entries = await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await this.resolve(item)] as const));
      return Object.fromEntries(entries);
    }
    return value;
  }

  private async read(ref: OutputRef): Promise<unknown> {
    let value = this.cache.get(ref.id);
    if (value === undefined) {
      const doc = await this.outputs.findOne({ _id: ref.id });
      if (!doc) throw new Error(`stored output ${ref.id} is missing`);
      value = JSON.parse(doc.json) as unknown;
      this.cache.set(ref.id, value);
      if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    }
    if (!ref.path) return value;
    let selected: unknown = value;
    for (const part of ref.path.split('.')) {
      selected = selected !== null && typeof selected === 'object' ? (selected as Record<string, unknown>)[part] : undefined;
    }
    return selected ?? null;
  }
}
