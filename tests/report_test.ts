/**
 * The call report against a real server: the page (participants and Admins only) with each snapshot and
 * its annotations drawn as SVG, the single-file download with images inlined, and
 * `mobimaint calls report <id> --out FILE` fetching the same file.
 */
import assert from "node:assert/strict";
import { connectPair, startActiveCall } from "./helpers/calls.ts";
import { cliHome } from "./helpers/cli.ts";
import { png } from "./helpers/images.ts";
import { api, login, startTestServer } from "./helpers/server.ts";
import { send, type Sent } from "./helpers/sockets.ts";

const page = async (url: string, token?: string) => {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    redirect: "manual",
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

Deno.test("call report: page, download and CLI", async (t) => {
  const server = await startTestServer();
  const { tech, expert, techSocket, expertSocket } = await connectPair(server.url);
  const stranger = await login(server.url, "user4", "P");
  const admin = await login(server.url, "admin", "admin-test-pw");
  try {
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
    const image = png(200, 100, [0, 90, 200]);
    const up = await fetch(`${server.url}/api/calls/${callId}/snapshots`, {
      method: "POST",
      headers: { authorization: `Bearer ${tech.token}`, "content-type": "image/png" },
      body: image,
    }).then((r) => r.json());
    assert.equal((await send(expertSocket, "freeze", { callId, snapshotId: up.id })).ok, true);
    const arrow: Sent<"annotation"> = {
      callId,
      id: "a1",
      text: "",
      x: 0.25,
      y: 0.5,
      kind: "arrow",
      points: [[0.25, 0.5], [0.75, 0.5]],
    };
    assert.equal((await send(expertSocket, "annotation", { ...arrow, frozenFrameId: up.id })).ok, true);
    assert.equal((await send(expertSocket, "annotation", { ...arrow, id: "live1" })).ok, true);
    assert.equal(
      (await send(techSocket, "chat", { callId, id: "m1", text: "Valve <b>3</b> replaced" })).ok,
      true,
    );
    await api(server.url, "POST", `/api/calls/${callId}/end`, { token: tech.token, body: {} });
    const url = `${server.url}/calls/${callId}/report`;

    await t.step("page: participants and Admins; the arrow over its still", async () => {
      for (const who of [tech, expert, admin]) {
        const r = await page(url, who.token);
        assert.equal(r.status, 200);
        const figure = r.text.match(
          new RegExp(`<figure class="shot" data-snapshot-id="${up.id}">[\\s\\S]*?</figure>`),
        );
        assert.ok(figure, "the snapshot's figure");
        assert.match(figure[0], new RegExp(`<img src="${up.url}" width="200" height="100"`));
        assert.match(figure[0], /viewBox="0 0 200 100"/);
        assert.match(figure[0], /<path data-kind="arrow" d="M50,50 L150,50 /, "drawn at its pixels");
        assert.equal(figure[0].match(/data-kind=/g)?.length, 1, "only the still's own annotations");
        assert.match(r.text, /1 annotation was drawn on live video/);
        assert.match(r.text, /Valve &lt;b>3&lt;\/b> replaced/, "chat escaped");
        assert.match(r.text, /<link rel="stylesheet" href="\/report.css"/);
      }
      assert.equal((await page(url, stranger.token)).status, 403);
      assert.equal((await page(`${server.url}/calls/call_nope/report`, tech.token)).status, 404);
      assert.equal((await page(url)).status, 302, "signed out: to the sign-in page");
      const css = await page(`${server.url}/report.css`);
      assert.match(css.text, /@media print/);
    });

    await t.step("download: one HTML file, images inlined, nothing fetched from the server", async () => {
      const r = await page(`${url}?download=1`, expert.token);
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-disposition")!, /^attachment; filename="mobimaint-report-call_/);
      const b64 = r.text.match(/src="data:image\/png;base64,([^"]+)"/)![1];
      assert.deepEqual(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), image);
      assert.match(r.text, /<style>[\s\S]*@media print[\s\S]*<\/style>/);
      assert.ok(!/(src|href)="\//.test(r.text), "no link back to the server");
      assert.equal((await page(`${url}?download=1`, stranger.token)).status, 403);
      assert.equal((await page(`${url}?download=1`)).status, 401);
    });

    await t.step("CLI: calls report <id> --out FILE", async () => {
      const home = await cliHome();
      const out = `${home.home}/report.html`;
      const env = { MOBIMAINT_URL: server.url, MOBIMAINT_TOKEN: admin.token };
      const ok = await home.run(["calls", "report", callId, "--out", out], { env });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /written to/);
      const file = await Deno.readTextFile(out);
      assert.match(file, /^<!doctype html>/);
      assert.match(file, new RegExp(`data-snapshot-id="${up.id}"`));
      assert.match(file, /data:image\/png;base64,/);
      const denied = await home.run(["calls", "report", callId, "--out", `${out}.2`], {
        env: { ...env, MOBIMAINT_TOKEN: stranger.token },
      });
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /FORBIDDEN/);
      assert.equal(await Deno.stat(`${out}.2`).then(() => true, () => false), false, "nothing written");
      const missing = await home.run(["calls", "report", "call_nope", "--out", `${out}.3`], { env });
      assert.match(missing.stderr, /NOT_FOUND/);
    });
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});
