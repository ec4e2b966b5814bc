/**
 * The Fresh-conventions layer on its own, over a fixture project
 * (tests/fixtures/fresh_app): route matching, island markers, props
 * round-trip, bundle building and serving, prebuilt bundles.
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPrebuilt, writeBuild } from "../server/fresh/bundle.ts";
import { assertJsonSafe, serializeProps } from "../server/fresh/islands.ts";
import { freshApp, listIslands, listWorkers } from "../server/fresh/mod.ts";
import { discoverRoutes, patternOf, sortRoutes } from "../server/fresh/routes.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const FIXTURE = join(REPO, "tests/fixtures/fresh_app");

Deno.test("route files map to URL patterns like Fresh", () => {
  assert.equal(patternOf("index.tsx"), "/");
  assert.equal(patternOf("login.tsx"), "/login");
  assert.equal(patternOf("call/[id].tsx"), "/call/:id");
  assert.equal(patternOf("call/index.tsx"), "/call");
  assert.equal(patternOf("docs/[...slug].tsx"), "/docs/:slug{.+}");
  const order = sortRoutes(
    ["/:rest{.+}", "/items/:id", "/items/new", "/", "/:page"].map((pattern) => ({ file: pattern, pattern })),
  ).map((r) => r.pattern);
  assert.deepEqual(order, ["/", "/items/new", "/items/:id", "/:page", "/:rest{.+}"]);
});

Deno.test("discovery skips _app and orders static before dynamic", async () => {
  const routes = await discoverRoutes(join(FIXTURE, "routes"));
  assert.deepEqual(routes.map((r) => r.file), [
    "index.tsx",
    "plain.ts",
    "items/new.tsx",
    "items/[id].tsx",
    "[...rest].tsx",
  ]);
});

Deno.test("island props must be JSON and are escaped for a script element", () => {
  const props = [{
    label: "</script><script>alert(1)</script>",
    n: 1.5,
    list: [null, true, "\u2028"],
    skip: undefined,
  }];
  const text = serializeProps(props);
  assert.ok(!text.includes("<"), text);
  assert.deepEqual(JSON.parse(text), [{ label: props[0].label, n: 1.5, list: [null, true, "\u2028"] }]);
  assert.throws(() => assertJsonSafe({ f: () => 1 }), /props\.f is a function/);
  assert.throws(() => assertJsonSafe({ d: new Date() }), /not a plain object/);
  assert.throws(() => assertJsonSafe([NaN]), /finite/);
});

Deno.test("pages, island markers, props round-trip and bundles over a fixture project", async (t) => {
  const app = await freshApp({ root: FIXTURE, state: () => ({}) });
  const get = (path: string, init?: RequestInit) => app.request(path, init);

  await t.step("a page without islands ships no JavaScript", async () => {
    const res = await get("/");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /text\/html/);
    const html = await res.text();
    assert.ok(html.startsWith("<!DOCTYPE html><html>"));
    assert.match(html, /<title>fixture<\/title>.*<h1>static page<\/h1>/s);
    assert.ok(!html.includes("<script"), html);
  });

  let scriptSrc = "";
  await t.step("an island page has a marker, JSON props and one module script per island used", async () => {
    const html = await (await get("/items/7")).text();
    assert.match(html, /<p id="item">GET 7<\/p>/);
    assert.match(
      html,
      /<div data-fresh-island="Counter" data-fresh-key="1"><button type="button" data-label="[^"]+">7<\/button><\/div>/,
    );
    const json =
      /<script type="application\/json" id="__FRESH_ISLAND_PROPS__">(.*?)<\/script>/.exec(html)![1];
    assert.match(html, /<div data-fresh-island="Greeting" data-fresh-key="0"><p>Hello one<\/p><\/div>/);
    assert.deepEqual(JSON.parse(json), [{ name: "one" }, {
      start: 7,
      label: "</script><b>x</b>",
      nested: { list: [1, "two", null] },
    }]);
    const scripts = [...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)].map((m) => m[1]);
    assert.equal(scripts.length, 2);
    assert.match(scripts[0], /^\/_fresh\/js\/Greeting-[A-Z0-9]{8}\.js$/);
    scriptSrc = scripts[1];
    assert.match(scriptSrc, /^\/_fresh\/js\/Counter-[A-Z0-9]{8}\.js$/);
    // Scripts go at the end of <body>, none inline (the CSP is script-src 'self').
    assert.ok(html.endsWith("</body></html>"));
    assert.ok(!/<script(?![^>]*(type="application\/json"|src=))/.test(html));
  });

  await t.step("bundles are served minified, content-hashed and immutable; chunks are shared", async () => {
    const res = await get(scriptSrc);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(res.headers.get("content-type")!, /javascript/);
    const js = await res.text();
    assert.match(js, /^import\{.*\}from"\.\/chunk-[A-Z0-9]{8}\.js"/);
    assert.ok(js.includes('"Counter"'));
    const html = await (await get("/items/1")).text();
    const chunk = /<link rel="modulepreload" href="([^"]+)">/.exec(html)![1];
    const chunkJs = await (await get(chunk)).text();
    assert.ok(chunkJs.length > 3000, "preact + signals live in the shared chunk");
    assert.ok(chunkJs.split("\n").length < 10, "minified");
    assert.equal((await get("/_fresh/js/nope.js")).status, 404);
  });

  await t.step("what islands import lazily is listed for preloading, not loaded up front", async () => {
    const html = await (await get("/items/1")).text();
    const list = /<script type="application\/json" id="__FRESH_LAZY__">(.*?)<\/script>/.exec(html);
    assert.ok(list, "the page lists its islands' lazy modules");
    const [lazy] = JSON.parse(list[1]) as string[][];
    const eager = [...html.matchAll(/(?:modulepreload" href|module" src)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(lazy.length > 0 && lazy.every((f) => !eager.includes(f)), `${lazy} / ${eager}`);
    const bodies = await Promise.all(lazy.map(async (f) => await (await get(f)).text()));
    assert.ok(
      bodies.some((js) => js.includes("lazy-farewell-marker")),
      "the lazily imported module is among them",
    );
    for (const f of eager) assert.ok(!(await (await get(f)).text()).includes("lazy-farewell-marker"));
  });

  await t.step("handlers: {GET, POST} objects, plain handler functions, params, 405", async () => {
    const posted = await get("/items/3", { method: "POST", body: new URLSearchParams({ name: "pump" }) });
    assert.equal(posted.status, 201);
    assert.match(await posted.text(), /POST 3:pump/);
    const plain = await get("/plain?q=x", { method: "PUT" });
    assert.deepEqual(await plain.json(), { method: "PUT", q: "x" });
    assert.equal((await get("/items/3", { method: "DELETE" })).status, 405);
    assert.match(await (await get("/items/new")).text(), /new item form/);
    assert.match(await (await get("/a/b/c")).text(), /<p id="rest">a\/b\/c<\/p>/);
  });

  await t.step("static files are served, hidden and parent paths are not", async () => {
    const hello = await app.request("/hello.txt");
    assert.equal(await hello.text(), "hello\n");
    assert.equal(hello.headers.get("content-type"), "text/plain; charset=utf-8");
    const malformed = await app.request("/%E0%A4%A.txt");
    assert.equal(malformed.status, 200, "malformed escapes are not a file: the catch-all route answers");
    assert.ok(!(await (await app.request("/.private")).text()).includes("TOPSECRET"));
    assert.ok(!(await (await app.request("/..%2Froutes%2Findex.tsx")).text()).includes("export default"));
  });
});

Deno.test("deno task build output is used while its inputs are unchanged", async () => {
  const dir = await Deno.makeTempDir({ dir: join(REPO, "test-output"), prefix: "fresh-build-" }).catch(
    async () => {
      await Deno.mkdir(join(REPO, "test-output"), { recursive: true });
      return Deno.makeTempDir({ dir: join(REPO, "test-output"), prefix: "fresh-build-" });
    },
  );
  try {
    await cp(FIXTURE, dir, { recursive: true });
    const islands = await listIslands(dir);
    const built = await writeBuild(dir, islands);
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "static/build/manifest.json")));
    assert.ok(Object.keys(manifest.inputs).some((f) => f.endsWith("islands/Counter.tsx")));
    const pre = await loadPrebuilt(dir, islands);
    assert.equal(pre?.source, "prebuilt");
    assert.deepEqual(pre.islands, built.islands);
    assert.deepEqual([...pre.files.keys()].sort(), [...built.files.keys()].sort());
    await Deno.writeTextFile(join(dir, "islands/Counter.tsx"), "\n// changed", { append: true });
    assert.equal(await loadPrebuilt(dir, islands), undefined, "a changed input invalidates the build");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("workers/*.ts are bundled as module workers and their URLs given to pages with islands", async () => {
  // Inside the repo, so that esbuild finds node_modules.
  await Deno.mkdir(join(REPO, "test-output"), { recursive: true });
  const dir = await Deno.makeTempDir({ dir: join(REPO, "test-output"), prefix: "fresh-workers-" });
  try {
    await cp(FIXTURE, dir, { recursive: true });
    await Deno.mkdir(join(dir, "workers"));
    await Deno.writeTextFile(join(dir, "workers/echo.ts"), "onmessage = (e) => postMessage(e.data);\n");
    await Deno.writeTextFile(join(dir, "workers/Not_a_worker.ts"), "export {};\n");
    const workers = await listWorkers(dir);
    assert.deepEqual(Object.keys(workers), ["echo"]);
    const islands = await listIslands(dir);
    const built = await writeBuild(dir, islands, workers);
    const file = built.workers.echo;
    assert.match(file, /^worker-echo-[A-Z0-9]+\.js$/);
    assert.match(new TextDecoder().decode(built.files.get(file)), /postMessage/);
    assert.deepEqual((await loadPrebuilt(dir, islands, workers))?.workers, built.workers);
    assert.equal(await loadPrebuilt(dir, islands, {}), undefined, "a different set of workers rebuilds");
    await Deno.remove(join(dir, "static/build"), { recursive: true });

    const app = await freshApp({ root: dir, state: () => ({}) });
    const html = await (await app.request("/items/7")).text();
    const urls = JSON.parse(/id="__FRESH_WORKERS__">([^<]+)</.exec(html)![1])[0];
    assert.match(urls.echo, /^\/_fresh\/js\/worker-echo-[A-Z0-9]+\.js$/);
    const js = await app.request(urls.echo);
    assert.equal(js.status, 200);
    assert.match(await js.text(), /postMessage/);
    // A page without islands ships nothing, not even the workers' URLs.
    assert.ok(!(await (await app.request("/")).text()).includes("__FRESH_WORKERS__"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
