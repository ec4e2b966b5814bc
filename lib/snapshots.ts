/** Snapshots: full-resolution stills of a call (the frozen frames), as server, browser and CLI see them. */

import type { AnnotationAnchor } from "./types.ts";

/** The image types a snapshot may have, each with the name image-size gives it. */
export const SNAPSHOT_TYPES = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
} as const;
export type SnapshotType = keyof typeof SNAPSHOT_TYPES;

export interface SnapshotInfo {
  id: string;
  callId: string;
  /** Where participants and Admins GET the bytes (same origin). */
  url: string;
  type: SnapshotType;
  width: number;
  height: number;
  bytes: number;
  /** Who took it (user id). */
  from: string;
  createdAt: number;
}

/** The still both sides of a call are looking at (kept in the call record while frozen). */
export interface FrozenFrame {
  snapshotId: string;
  url: string;
  width: number;
  height: number;
  /** Who froze it. */
  from: string;
  at: number;
  /** The Technician camera's pose when the still was taken (anchored annotations, issue 17). */
  anchor?: AnnotationAnchor;
}

export const snapshotUrl = (callId: string, id: string) =>
  `/api/calls/${encodeURIComponent(callId)}/snapshots/${encodeURIComponent(id)}`;

export const isSnapshotType = (t: string): t is SnapshotType => Object.hasOwn(SNAPSHOT_TYPES, t);
