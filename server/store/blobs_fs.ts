/**
 * Blob store on files: `<dir>/<sha256(callId)>/` holds `call.txt` (the call id), and per image
 * `<id>.img` (the bytes) and `<id>.json` (its meta), each written to a temp file, fsynced and renamed,
 * meta last: an image is listed only once both are durable. One process writes (the embedded default),
 * so the per-call count is checked under an in-process lock.
 */
import { join } from "node:path";
import type { BlobMeta, BlobStore, BlobUsage } from "./blobs.ts";

/** Snapshot ids are made by the server; anything else (e.g. `..`) never reaches the file system. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function writeDurably(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  const file = await Deno.open(tmp, { write: true, createNew: true });
  try {
    let off = 0;
    while (off < data.length) off += await file.write(data.subarray(off));
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
}

const notFound = (e: unknown) => e instanceof Deno.errors.NotFound;

export class FsBlobStore implements BlobStore {
  readonly kind = "fs";
  private readonly locks = new Map<string, Promise<unknown>>();

  private constructor(private readonly root: string) {}

  static async open(root: string): Promise<FsBlobStore> {
    await Deno.mkdir(root, { recursive: true });
    return new FsBlobStore(root);
  }

  private async dirOf(callId: string): Promise<string> {
    return join(this.root, await sha256Hex(callId));
  }

  /** Runs `fn` after every earlier locked step of the same call. */
  private locked<T>(callId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.locks.get(callId) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(callId, tail);
    tail.then(() => this.locks.get(callId) === tail && this.locks.delete(callId));
    return run;
  }

  put(meta: BlobMeta, bytes: Uint8Array, maxPerCall: number): Promise<boolean> {
    if (!SAFE_ID.test(meta.id)) throw new Error(`unsafe blob id ${meta.id}`);
    return this.locked(meta.callId, async () => {
      const dir = await this.dirOf(meta.callId);
      if ((await this.list(meta.callId)).length >= maxPerCall) return false;
      await Deno.mkdir(dir, { recursive: true });
      await writeDurably(join(dir, "call.txt"), new TextEncoder().encode(meta.callId));
      await writeDurably(join(dir, `${meta.id}.img`), bytes);
      await writeDurably(join(dir, `${meta.id}.json`), new TextEncoder().encode(JSON.stringify(meta)));
      return true;
    });
  }

  async get(callId: string, id: string): Promise<{ meta: BlobMeta; bytes: Uint8Array } | null> {
    if (!SAFE_ID.test(id)) return null;
    const dir = await this.dirOf(callId);
    try {
      const meta = JSON.parse(await Deno.readTextFile(join(dir, `${id}.json`))) as BlobMeta;
      return { meta, bytes: await Deno.readFile(join(dir, `${id}.img`)) };
    } catch (e) {
      if (notFound(e)) return null;
      throw e;
    }
  }

  async list(callId: string): Promise<BlobMeta[]> {
    const dir = await this.dirOf(callId);
    const out: BlobMeta[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.isFile || !entry.name.endsWith(".json")) continue;
        out.push(JSON.parse(await Deno.readTextFile(join(dir, entry.name))));
      }
    } catch (e) {
      if (!notFound(e)) throw e;
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  deleteCall(callId: string): Promise<number> {
    return this.locked(callId, async () => {
      const n = (await this.list(callId)).length;
      await Deno.remove(await this.dirOf(callId), { recursive: true }).catch((e) => {
        if (!notFound(e)) throw e;
      });
      return n;
    });
  }

  async calls(): Promise<string[]> {
    const out: string[] = [];
    for await (const entry of Deno.readDir(this.root)) {
      if (!entry.isDirectory) continue;
      const id = await Deno.readTextFile(join(this.root, entry.name, "call.txt")).catch(() => null);
      if (id !== null) out.push(id);
    }
    return out.sort();
  }

  async usage(): Promise<BlobUsage> {
    const usage: BlobUsage = { calls: 0, images: 0, bytes: 0 };
    for await (const call of Deno.readDir(this.root)) {
      if (!call.isDirectory) continue;
      let images = 0;
      try {
        for await (const f of Deno.readDir(join(this.root, call.name))) {
          if (!f.name.endsWith(".img")) continue;
          const size = await Deno.stat(join(this.root, call.name, f.name)).then((s) => s.size, () => null);
          if (size === null) continue; // removed meanwhile (retention, a call deleted)
          images++;
          usage.bytes += size;
        }
      } catch (e) {
        if (!notFound(e)) throw e; // the whole call removed meanwhile
      }
      usage.images += images;
      if (images) usage.calls++;
    }
    return usage;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
