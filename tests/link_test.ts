/**
 * The link emulator on real loopback sockets: rate, delay, loss and queue limit measured per direction,
 * black hole and port rebinding, for UDP and TCP.
 */
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { connect, createServer } from "node:net";
import { TcpLink } from "./helpers/link/tcp_link.ts";
import { UdpLink } from "./helpers/link/udp_link.ts";

/** A UDP server that records what it gets (with the sender's port) and echoes every datagram. */
async function echoServer() {
  const socket = createSocket("udp4");
  const got: { at: number; size: number; fromPort: number }[] = [];
  socket.on("message", (msg, from) => {
    got.push({ at: performance.now(), size: msg.length, fromPort: from.port });
    socket.send(msg, from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  return { socket, port: socket.address().port, got };
}

async function client(): Promise<{ socket: Socket; got: { at: number; data: Uint8Array }[] }> {
  const socket = createSocket("udp4");
  const got: { at: number; data: Uint8Array }[] = [];
  socket.on("message", (data) => got.push({ at: performance.now(), data }));
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  return { socket, got };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const close = (s: Socket) => new Promise<void>((r) => s.close(() => r()));

async function withUdp(fn: (ctx: Awaited<ReturnType<typeof setup>>) => Promise<void>) {
  const ctx = await setup();
  try {
    await fn(ctx);
  } finally {
    await ctx.link.close();
    await close(ctx.server.socket);
    await close(ctx.c.socket);
  }
}

async function setup() {
  const server = await echoServer();
  const link = await UdpLink.start({ host: "127.0.0.1", port: server.port });
  const c = await client();
  let sent = 0;
  const send = async (size: number, tag = 0) => {
    const data = new Uint8Array(size);
    new DataView(data.buffer).setUint32(0, tag);
    c.socket.send(data, link.port, "127.0.0.1");
    // The kernel drops long bursts on loopback before the link sees them: ten at a time, as a pacer would.
    if (++sent % 10 === 0) await sleep(2);
  };
  return { server, link, c, send };
}

Deno.test("udp link: rate limits the upstream direction only (1,000-byte datagrams at 2 Mbps)", async () => {
  await withUdp(async ({ server, link, c, send }) => {
    link.set({ up: { rateKbps: 2000, queueMs: 5000 } });
    for (let i = 0; i < 200; i++) await send(1000, i);
    await sleep(1500);
    assert.equal(server.got.length, 200, "nothing dropped with a large queue");
    const span = server.got.at(-1)!.at - server.got[0].at;
    const kbps = (199 * (1000 + 28) * 8) / span;
    assert.ok(kbps > 1700 && kbps < 2300, `measured ${kbps.toFixed(0)} kbps`);
    // The echoes come back unlimited: the return burst takes a fraction of the upstream span.
    assert.equal(c.got.length, 200);
    const down = link.stats().down;
    assert.equal(down.packets, 200);
    assert.equal(link.stats().up.overflow, 0);
  });
});

Deno.test("udp link: a queue limit drops what the bottleneck cannot carry in time", async () => {
  await withUdp(async ({ server, link, send }) => {
    // 400 kbps, 100 ms queue: the link drains one 1,028-byte datagram per 20.6 ms while they arrive
    // ten per ~2 ms, so about 5 fit in the queue plus one per 20 ms of sending (~20 ms per 10 sent).
    link.set({ up: { rateKbps: 400, queueMs: 100 } });
    for (let i = 0; i < 100; i++) await send(1000, i);
    await sleep(600);
    const { overflow, packets } = link.stats().up;
    assert.equal(packets + overflow, 100);
    assert.ok(packets >= 5 && packets <= 30, `${packets} passed`);
    assert.ok(overflow >= 70, `${overflow} dropped`);
    assert.equal(server.got.length, packets);
  });
});

Deno.test("udp link: delay per direction adds up to the round trip", async () => {
  await withUdp(async ({ link, c, send }) => {
    link.set({ up: { delayMs: 60 }, down: { delayMs: 90 } });
    const rtts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const sent = performance.now();
      void send(100, i);
      while (c.got.length <= i) await sleep(2);
      rtts.push(c.got[i].at - sent);
    }
    rtts.sort((a, b) => a - b);
    const median = rtts[5];
    assert.ok(median >= 150 && median < 175, `median round trip ${median.toFixed(1)} ms`);
  });
});

Deno.test("udp link: random loss per direction (10 % up, 0 down)", async () => {
  await withUdp(async ({ server, link, c, send }) => {
    link.set({ up: { lossPct: 10 } });
    for (let i = 0; i < 2000; i++) await send(50, i);
    await sleep(300);
    const lossPct = (1 - server.got.length / 2000) * 100;
    assert.ok(lossPct > 7.5 && lossPct < 12.5, `measured ${lossPct.toFixed(1)} % loss`);
    assert.equal(link.stats().up.lost, 2000 - server.got.length);
    assert.equal(c.got.length, server.got.length, "every echo came back");
  });
});

Deno.test("udp link: black hole drops both ways; rebinding gives a new source port", async () => {
  await withUdp(async ({ server, link, c, send }) => {
    await send(100, 1);
    await sleep(100);
    assert.equal(c.got.length, 1);
    const firstPort = server.got[0].fromPort;
    link.blackhole(true);
    for (let i = 0; i < 20; i++) await send(100, i);
    await sleep(100);
    assert.equal(server.got.length, 1, "nothing reached the server");
    assert.equal(link.stats().up.blackholed, 20);
    link.blackhole(false);
    await send(100, 2);
    await sleep(100);
    assert.equal(server.got.length, 2);
    assert.equal(server.got[1].fromPort, firstPort, "same path after the black hole");
    await link.rebind();
    await send(100, 3);
    await sleep(100);
    assert.equal(server.got.length, 3);
    assert.notEqual(server.got[2].fromPort, firstPort, "the server sees a new address");
    assert.equal(c.got.length, 3, "and the answer still reaches the client");
  });
});

Deno.test("tcp link: rate and delay on a stream, loss as a late segment, rebinding cuts the connection", async () => {
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  const server = createServer((s) => {
    s.on("data", (d: Uint8Array) => {
      firstAt ||= performance.now();
      received += d.length;
      lastAt = performance.now();
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const link = await TcpLink.start({ host: "127.0.0.1", port }, { up: { rateKbps: 1000, delayMs: 50 } });
  const sock = connect({ host: "127.0.0.1", port: link.port });
  try {
    await new Promise<void>((r) => sock.once("connect", () => r()));
    const started = performance.now();
    for (let i = 0; i < 50; i++) sock.write(new Uint8Array(2000));
    while (received < 100_000) await sleep(10);
    assert.ok(firstAt - started >= 50, `first byte after ${(firstAt - started).toFixed(0)} ms`);
    const kbps = (100_000 * 8) / (lastAt - started);
    assert.ok(kbps > 800 && kbps < 1100, `measured ${kbps.toFixed(0)} kbps`);
    // Every "lost" segment arrives, late: nothing is missing from the stream. Loss is drawn per chunk
    // read, and the writes below may arrive as one chunk: all of them are lost, so the stall is certain.
    link.set({ up: { rateKbps: 0, delayMs: 0, lossPct: 100 } });
    const before = received;
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) sock.write(new Uint8Array(1000));
    while (received < before + 20_000) await sleep(5);
    assert.ok(performance.now() - t0 >= 190, "a retransmission stall");
    const closed = new Promise<void>((r) => sock.once("close", () => r()));
    sock.on("error", () => {});
    link.rebind();
    await closed;
  } finally {
    sock.destroy();
    await link.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

Deno.test("tcp link: holding the connections of one request holds only them", async () => {
  // What each connection sent so far, by the path of its first request.
  const got = new Map<string, string>();
  const server = createServer((s) => {
    let path = "";
    s.on("data", (d: Uint8Array) => {
      const text = new TextDecoder().decode(d);
      path ||= text.match(/^GET (\S+)/)?.[1] ?? "?";
      got.set(path, (got.get(path) ?? "") + text);
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const link = await TcpLink.start({ host: "127.0.0.1", port });
  const [a, b] = [
    connect({ host: "127.0.0.1", port: link.port }),
    connect({ host: "127.0.0.1", port: link.port }),
  ];
  try {
    a.write("GET /held HTTP/1.1\r\n\r\n");
    await sleep(50);
    b.write("GET /free HTTP/1.1\r\n\r\n");
    while (got.size < 2) await sleep(5);
    assert.equal(link.holdWhere("/held", true), 1);
    a.write("more");
    await sleep(50);
    b.write("more");
    while (!got.get("/free")!.endsWith("more")) await sleep(5);
    await sleep(100);
    assert.ok(!got.get("/held")!.endsWith("more"), "held");
    assert.equal(link.holdWhere("/held", false), 1);
    while (!got.get("/held")!.endsWith("more")) await sleep(5);
  } finally {
    a.destroy();
    b.destroy();
    await link.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
