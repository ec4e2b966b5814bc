/**
 * Registers a client→server event: rate limit, schema validation, identity
 * check, then the handler; its result goes to the ack as `{ok: true, ...}`,
 * its AppError to the ack as `{ok: false, error}` and to an `error` event.
 */
import type { RateLimiterMemory } from "rate-limiter-flexible";
import type { Ack, SocketSchemas } from "../../lib/protocol.ts";
import type { Activity } from "../activity.ts";
import { AppError, describeIssues, forbidden } from "../domain/errors.ts";
import type { Logger } from "pino";
import type { IoSocket } from "./types.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { z } from "zod";

export interface HandlerDeps {
  schemas: SocketSchemas;
  limiter: RateLimiterMemory;
  log: Logger;
  activity: Activity;
  metrics?: Metrics;
}

type Result = Record<string, unknown> | void;

function toAppError(e: unknown, log: Logger, event: string): AppError {
  if (e instanceof AppError) return e;
  log.error({ event: "socket-error", socketEvent: event, err: String(e) }, "handler failed");
  return new AppError("INTERNAL", "Internal server error");
}

/** Refuses a client event: an `error` event to the socket, and `{ok: false, error}` to its ack if any. */
export function fail(socket: Pick<IoSocket, "emit">, event: string, err: AppError, ack: unknown) {
  socket.emit("error", { message: err.message, code: err.code, event });
  if (typeof ack === "function") (ack as Ack)({ ok: false, error: { code: err.code, message: err.message } });
}

/** The identity fields a payload may carry; each must be the authenticated user. */
const IDENTITY_FIELDS: Partial<Record<keyof SocketSchemas, "from" | "userId">> = {
  register: "userId",
  "reconnect-after-call": "userId",
  logout: "userId",
  "call-request": "from",
  "call-response": "from",
  "join-call": "userId",
  annotation: "from",
};

/** A JSON object, not an array, binary attachment (Buffer) or other object the schema would take as `{}`. */
function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Counts one event against the socket's budget; throws RATE_LIMITED when it is spent. */
async function throttle(socket: IoSocket, deps: HandlerDeps): Promise<void> {
  deps.activity.mark();
  await deps.limiter.consume(socket.id).catch(() => {
    throw new AppError("RATE_LIMITED", "Too many events, slow down");
  });
}

/** Registers an event without a payload (`ping`): the same rate limit and error mapping as `on`. */
export function onBare(socket: IoSocket, deps: HandlerDeps, event: string, handler: () => Result): void {
  // deno-lint-ignore no-explicit-any
  (socket as any).on(event, async (...args: unknown[]) => {
    const ack = args.findLast((a) => typeof a === "function");
    const started = deps.metrics ? performance.now() : 0; // no clock read when metrics are off
    let outcome = "ok";
    try {
      await throttle(socket, deps);
      const result = await handler();
      if (typeof ack === "function") (ack as Ack)({ ok: true, ...(result ?? {}) });
    } catch (e) {
      const err = toAppError(e, deps.log, event);
      outcome = err.code;
      fail(socket, event, err, ack);
    }
    deps.metrics?.socketEvent(event, outcome, (performance.now() - started) / 1000);
  });
}

export function on<E extends keyof SocketSchemas>(
  socket: IoSocket,
  deps: HandlerDeps,
  event: E,
  handler: (payload: z.infer<SocketSchemas[E]>) => Promise<Result> | Result,
): void {
  const schema = deps.schemas[event] as z.ZodType;
  // deno-lint-ignore no-explicit-any
  (socket as any).on(event, async (raw: unknown, ack?: unknown) => {
    if (typeof raw === "function" && ack === undefined) [raw, ack] = [undefined, raw];
    const started = deps.metrics ? performance.now() : 0; // no clock read when metrics are off
    let outcome = "ok";
    try {
      await throttle(socket, deps);
      if (raw != null && !isPlainObject(raw)) {
        throw new AppError("BAD_REQUEST", "payload: expected an object");
      }
      const parsed = schema.safeParse(raw ?? {});
      if (!parsed.success) throw new AppError("BAD_REQUEST", describeIssues(parsed.error.issues));
      const payload = parsed.data as z.infer<SocketSchemas[E]>;
      const field = IDENTITY_FIELDS[event];
      const claimed = field ? (payload as Record<string, unknown>)[field] : undefined;
      if (claimed !== undefined && claimed !== socket.data.identity.userId) {
        throw forbidden(`${field} does not match the authenticated user`);
      }
      const result = await handler(payload);
      if (typeof ack === "function") (ack as Ack)({ ok: true, ...(result ?? {}) });
    } catch (e) {
      const err = toAppError(e, deps.log, event);
      outcome = err.code;
      fail(socket, event, err, ack);
    }
    deps.metrics?.socketEvent(event, outcome, (performance.now() - started) / 1000);
  });
}
