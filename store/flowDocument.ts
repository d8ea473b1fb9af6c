/** The `flows` collection's document, written by both the flow store (versions) and the draft store (drafts). */
export interface FlowDocument {
  _id: string;
  name: string;
  /** Allocator for version numbers; the newest saved version is read from flow_versions. */
  versionCounter: number;
  /** The workspace that owns the flow; flow ids are unique across workspaces. */
  workspace?: string;
  createdAt: Date;
  updatedAt: Date;
  deletedAt?: Date;
  /** Allocator for draft revision numbers (store/drafts.ts). */
  draftCounter?: number;
  /** The current draft's revision, when the flow has a draft. */
  draft?: number;
}

export const FLOWS_COLLECTION = 'flows';
