/**
 * The floor: a bare Socket.IO relay on Deno that does only what the old protocol needs to carry the
 * compat workload (no auth, no store, no rules, no logs). `deno run -A bench/compat/bare_relay.ts PORT`.
 */
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(Deno.args[0] ?? 3998);
const http = createServer((req, res) => {
  if (req.method === "POST" && req.url === "/api/create-call") {
    req.resume();
    res.setHeader("content-type", "application/json");
    return res.end(JSON.stringify({ callId: crypto.randomUUID() }));
  }
  res.statusCode = req.url === "/health" ? 200 : 404;
  res.end("{}");
});
const io = new Server(http);
const sockets = new Map<string, string>();
const rooms = new Map<string, string[]>();
io.on("connection", (socket) => {
  socket.on("register", ({ userId }) => {
    sockets.set(userId, socket.id);
    socket.data.userId = userId;
    io.emit("user-status-change", { userId, status: "online" });
  });
  socket.on("ping", () => socket.emit("pong"));
  socket.on(
    "call-request",
    ({ callId, from, to }) => io.to(sockets.get(to) ?? "").emit("call-request", { callId, from }),
  );
  socket.on("call-response", ({ callId, from, to, accepted }) => {
    io.to(sockets.get(to) ?? "").emit("call-response", { callId, from, accepted });
    if (accepted) socket.join(callId);
  });
  socket.on("join-call", ({ callId, userId }) => {
    socket.join(callId);
    const users = rooms.get(callId) ?? [];
    socket.emit("existing-users", { users: users.filter((u) => u !== userId) });
    rooms.set(callId, [...users, userId]);
  });
  for (const kind of ["offer", "answer"] as const) {
    socket.on(
      kind,
      (p) =>
        io.to(sockets.get(p.to) ?? "").emit(kind, {
          [kind]: p[kind],
          from: socket.data.userId,
          callId: p.callId,
        }),
    );
  }
  socket.on("annotation", (a) => socket.to(a.callId).emit("annotation", a));
});
http.listen(port, "127.0.0.1");
