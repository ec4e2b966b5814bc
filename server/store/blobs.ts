/**
 * The blob store: snapshot images of calls, beside the record Store (images are not store records).
 * Two implementations: files under the data directory (embedded default, blobs_fs.ts) and Redis
 * (multi-node, blobs_redis.ts). The same contract tests run on both. A write resolves once durable.
 */
import type { SnapshotInfo } from "../../lib/snapshots.ts";

/** What is kept beside the bytes (the url is derived, never stored). */
export type BlobMeta = Omit<SnapshotInfo, "url">;

export interface BlobUsage {
  /** Calls holding images. */
  calls: number;
  images: number;
  /** Image bytes (metadata not counted). */
  bytes: number;
}

export interface BlobStore {
  readonly kind: "fs" | "redis";
  /**
   * Stores an image unless the call already holds `maxPerCall` images: then nothing is written and it
   * resolves false. Check and write are one atomic step, also between nodes sharing the store.
   */
  put(meta: BlobMeta, bytes: Uint8Array, maxPerCall: number): Promise<boolean>;
  get(callId: string, id: string): Promise<{ meta: BlobMeta; bytes: Uint8Array } | null>;
  /** The call's images, oldest first. */
  list(callId: string): Promise<BlobMeta[]>;
  /** Removes every image of a call; resolves with how many there were. */
  deleteCall(callId: string): Promise<number>;
  /** Ids of the calls that hold images (for the retention sweep). */
  calls(): Promise<string[]>;
  /** What the store holds now, cluster-wide (read at each metrics scrape: one pass over the calls). */
  usage(): Promise<BlobUsage>;
  close(): Promise<void>;
}
