import assert from "node:assert/strict";
import { HASHING_AT_ONCE, hashingLoad, hashPassword, verifyPassword } from "../server/auth/password.ts";

Deno.test("password hashes take turns, one core short of the machine's, and every sign-in still gets its answer", async () => {
  assert.equal(HASHING_AT_ONCE, Math.max(1, navigator.hardwareConcurrency - 1));
  const stored = await hashPassword("correct horse");
  const attempts = [
    "correct horse",
    "wrong",
    "correct horse",
    "Correct horse",
    "correct horse",
    "correct horse",
  ];
  const answers = Promise.all(attempts.map((p) => verifyPassword(p, stored)));
  const load = hashingLoad();
  assert.equal(load.running, Math.min(HASHING_AT_ONCE, attempts.length));
  assert.equal(load.waiting, attempts.length - load.running);
  assert.deepEqual(await answers, [true, false, true, false, true, true]);
  assert.deepEqual(hashingLoad(), { running: 0, waiting: 0 });
});
