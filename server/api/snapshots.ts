/**
 * Snapshots over REST: upload a still (the raw image as the body, streamed and size-limited before and
 * while reading), read one back, list a call's. Rules are the domain's (SnapshotService).
 */
import { Hono } from "hono";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { idSchema } from "../../lib/protocol.ts";
import type { Deps, Env } from "../context.ts";
import { AppError } from "../domain/errors.ts";
import { acceptedType } from "../domain/images.ts";
import { requireAuth } from "./middleware.ts";
import { validParam } from "./validate.ts";

/** The call's id; a snapshot's id (`:sid`) is left to the blob store, which answers an unknown one 404. */
const callIdParam = validParam({ id: idSchema });

const UPLOAD_PATH = /^\/api\/calls\/[^/]+\/snapshots\/?$/;

/** The upload route reads its own body with its own limit; the app-wide JSON body limit skips it. */
export const isSnapshotUpload = (method: string, path: string) => method === "POST" && UPLOAD_PATH.test(path);

const tooLarge = (max: number) => new AppError("PAYLOAD_TOO_LARGE", `An image may have at most ${max} bytes`);

/** Reads a request body, failing as soon as it passes `max` bytes (the rest is never read). */
async function readLimited(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) out.set(p, (off += p.byteLength) - p.byteLength);
  return out;
}

export function snapshotRoutes(deps: Deps) {
  const { snapshots, config } = deps;
  const max = config.limits.snapshotBytes;
  // Per user: a burst of freezes is fine, a loop uploading megabytes is not.
  const uploads = new RateLimiterMemory({ points: 20, duration: 10 });
  return new Hono<Env>()
    .post("/api/calls/:id/snapshots", requireAuth(deps), callIdParam, async (c) => {
      const who = c.get("identity");
      const callId = c.req.valid("param").id;
      const length = c.req.header("content-length");
      if (length !== undefined && Number(length) > max) throw tooLarge(max);
      await snapshots.mayAdd(who, callId);
      const type = acceptedType(c.req.header("content-type"));
      await uploads.consume(who.userId).catch(() => {
        throw new AppError("RATE_LIMITED", "Too many snapshots, slow down");
      });
      const bytes = await readLimited(c.req.raw.body, max);
      const { id, url, width, height, bytes: size, createdAt } = await snapshots.add(
        who,
        callId,
        type,
        bytes,
      );
      return c.json({ id, url, width, height, type, bytes: size, createdAt }, 201);
    })
    .get("/api/calls/:id/snapshots", requireAuth(deps), callIdParam, async (c) => {
      const callId = c.req.valid("param").id;
      await deps.calls.detail(c.get("identity"), callId); // participants and Admins only
      return c.json({ snapshots: await snapshots.list(callId) });
    })
    .get("/api/calls/:id/snapshots/:sid", requireAuth(deps), callIdParam, async (c) => {
      const callId = c.req.valid("param").id;
      const { meta, bytes } = await snapshots.get(c.get("identity"), callId, c.req.param("sid"));
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
        "content-type": meta.type,
        "content-length": String(bytes.byteLength),
        "x-content-type-options": "nosniff",
        // Never changes, but only the signed-in participant's browser may keep it.
        "cache-control": "private, max-age=86400, immutable",
        "content-disposition": `inline; filename="${meta.id}.${meta.type.split("/")[1]}"`,
      });
    });
}
