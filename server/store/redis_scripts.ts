/**
 * The Redis store's Lua scripts, each run atomically by Redis, and the client type that has them as
 * commands (see connectRedis).
 */
import type { Redis } from "ioredis";

/** Lua: the values of hash KEYS[1] for the ids in `ids`, in that order, skipping ids with none. */
const VALUES_OF_IDS = `local out = {}
for i = 1, #ids do
  local v = redis.call('HGET', KEYS[1], ids[i])
  if v then out[#out + 1] = v end
end
return out`;

/** Lua scripts, each run atomically by Redis. Keys always come in KEYS. */
export const SCRIPTS = {
  /** KEYS: users, userIds. ARGV: username, id, json. 1 when created, 0 when the name is taken. */
  createUser: {
    keys: 2,
    lua: `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return 1`,
  },
  /** KEYS: users, userIds. ARGV: id. The user's JSON or nil. */
  getUserById: {
    keys: 2,
    lua: `local name = redis.call('HGET', KEYS[2], ARGV[1])
if not name then return false end
return redis.call('HGET', KEYS[1], name)`,
  },
  /** KEYS: users, userIds. ARGV: username. 1 when deleted, 0 when there was none. */
  deleteUser: {
    keys: 2,
    lua: `local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return 0 end
local id = cjson.decode(json).id
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], id) == ARGV[1] then redis.call('HDEL', KEYS[2], id) end
return 1`,
  },
  /**
   * KEYS: calls, creator's history, open calls. ARGV: callId, createdAt, json, 1 if open.
   * 0 when the id exists.
   */
  createCall: {
    keys: 3,
    lua: `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
if ARGV[4] == '1' then redis.call('SADD', KEYS[3], ARGV[1]) end
return 1`,
  },
  /**
   * KEYS: calls, open calls. ARGV: callId, expected json, new json, 1 if the new one is open.
   * 1 when written, 0 when it changed meanwhile.
   */
  casCall: {
    keys: 2,
    lua: `if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] == '1' then redis.call('SADD', KEYS[2], ARGV[1]) else redis.call('SREM', KEYS[2], ARGV[1]) end
return 1`,
  },
  /** KEYS: calls, open calls. The open calls' JSON (one consistent snapshot). */
  listOpenCalls: {
    keys: 2,
    lua: `local ids = redis.call('SMEMBERS', KEYS[2])\n${VALUES_OF_IDS}`,
  },
  /** KEYS: items hash, order zset. ARGV: id, json, limit (-1: none). Upserts keeping the first position; 0 when full. */
  putOrdered: {
    keys: 2,
    lua: `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  local limit = tonumber(ARGV[3])
  if limit >= 0 and redis.call('HLEN', KEYS[1]) >= limit then return 0 end
  local last = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  local seq = 1
  if last[2] then seq = tonumber(last[2]) + 1 end
  redis.call('ZADD', KEYS[2], seq, ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`,
  },
  /** KEYS: items hash, order zset. The items' JSON in zset order (one consistent snapshot). */
  listOrdered: {
    keys: 2,
    lua: `local ids = redis.call('ZRANGE', KEYS[2], 0, -1)\n${VALUES_OF_IDS}`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
export type ScriptClient =
  & Redis
  & {
    [K in ScriptName]: (...keysAndArgs: (string | number)[]) => Promise<unknown>;
  };
