/**
 * Login brute-force protection with rate-limiter-flexible: every attempt
 * counts against the client address; failed attempts count against the
 * account, which a success resets. With several nodes the counts live in
 * Redis, so the limits hold for the whole cluster, not per node.
 */
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Limits } from "../../fresh.config.ts";
import { AppError } from "../domain/errors.ts";

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSec: number) {
    super("RATE_LIMITED", "Too many login attempts, try again later");
  }
}

const retryAfter = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export class LoginLimiter {
  private readonly perClient: RateLimiterMemory | RateLimiterRedis;
  private readonly perAccount: RateLimiterMemory | RateLimiterRedis;

  /** `redis`: share the counts with the other nodes (multi-node mode). */
  constructor(limits: Limits, redis?: Redis) {
    const limiter = (name: string, points: number) =>
      redis
        ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `{mobimaint}:login-${name}`,
          points,
          duration: limits.loginWindowSec,
        })
        : new RateLimiterMemory({ points, duration: limits.loginWindowSec });
    this.perClient = limiter("client", limits.loginPerClient);
    this.perAccount = limiter("account", limits.loginPerAccount);
  }

  /** Throws RateLimitedError when the client or the account is over its limit. */
  async beforeAttempt(clientIp: string, username: string): Promise<void> {
    const account = await this.perAccount.get(username.toLowerCase());
    if (account && account.remainingPoints <= 0) {
      throw new RateLimitedError(retryAfter(account.msBeforeNext));
    }
    try {
      await this.perClient.consume(clientIp);
    } catch (e) {
      if (e instanceof RateLimiterRes) {
        throw new RateLimitedError(retryAfter(e.msBeforeNext));
      }
      throw e;
    }
  }

  async failed(username: string): Promise<void> {
    await this.perAccount.penalty(username.toLowerCase(), 1);
  }

  async succeeded(username: string): Promise<void> {
    await this.perAccount.delete(username.toLowerCase());
  }
}
