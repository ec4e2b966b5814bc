/** The AsyncAPI 3.0 document of the Socket.IO events, generated from the same zod schemas the server uses. */
import { VERSION } from "../../fresh.config.ts";
import { BOARD_EVENTS, BOARD_NAMESPACE } from "../../lib/board_namespace.ts";
import { type SocketLimits, socketSchemas } from "../../lib/protocol.ts";
import { clientEventDescriptions, serverEvents } from "../../lib/socket_events.ts";
import { jsonSchema } from "./document.ts";

type Json = Record<string, unknown>;

const SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12";
const ACK = "Acknowledgement (optional last argument): `{ok: true, ...result}` or " +
  "`{ok: false, error: {code, message}}`; a refusal also emits `error` to the sender.";

export const clientMessageKey = (event: string) => `from-client-${event}`;
export const serverMessageKey = (event: string) => `to-client-${event}`;
export const boardMessageKey = (event: string) => `board-to-client-${event}`;

export function asyncApiDocument(limits: SocketLimits): Json {
  const messages: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const channel = { $ref: "#/channels/signaling" };
  const add = (key: string, action: "send" | "receive", message: Json) => {
    messages[key] = message;
    operations[key] = { action, channel, messages: [{ $ref: `#/channels/signaling/messages/${key}` }] };
  };
  const client: Record<string, Json | undefined> = Object.fromEntries(
    Object.entries(socketSchemas(limits)).map(([event, schema]) => [event, jsonSchema(schema, "input")]),
  );
  client.ping = undefined; // no payload
  for (const [event, schema] of Object.entries(client)) {
    add(clientMessageKey(event), "receive", {
      name: event,
      title: `${event} (client → server)`,
      summary: (clientEventDescriptions as Record<string, string>)[event] ?? "",
      description: ACK,
      ...(schema ? { payload: { schemaFormat: SCHEMA_FORMAT, schema } } : {}),
    });
  }
  for (const [event, doc] of Object.entries(serverEvents)) {
    add(serverMessageKey(event), "send", {
      name: event,
      title: `${event} (server → client)`,
      summary: doc.description,
      payload: { schemaFormat: SCHEMA_FORMAT, schema: jsonSchema(doc.schema, "output") },
    });
  }
  const boardMessages: Record<string, Json> = {};
  for (const event of BOARD_EVENTS) {
    const key = boardMessageKey(event);
    boardMessages[key] = { ...messages[serverMessageKey(event)], title: `${event} (board stream → client)` };
    operations[key] = {
      action: "send",
      channel: { $ref: "#/channels/board" },
      messages: [{ $ref: `#/channels/board/messages/${key}` }],
    };
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "MobiMaint signaling (Socket.IO)",
      version: VERSION,
      description: "Namespace `/` at path `/socket.io/` for signaling, and `/board` (below). The " +
        "handshake carries the login token: " +
        "`io(url, {auth: {token}})` (or the session cookie); without a valid one `connect_error` says " +
        "UNAUTHORIZED. A field naming the sender (`from`, `userId`) must be the signed-in user. Relays go " +
        "only between participants of the same call. Payload sizes follow this server's limits.",
    },
    defaultContentType: "application/json",
    channels: {
      signaling: { address: "/", title: "Socket.IO namespace /", messages },
      board: {
        address: BOARD_NAMESPACE,
        title: `Socket.IO namespace ${BOARD_NAMESPACE}: the board stream`,
        description: "A call page's second connection (its own, not multiplexed with `/`), receive-only: " +
          "copies of the new annotations and chat of the signed-in user's calls, sent by the call's other " +
          "participants. On a lossy link a copy here may come before the one on `/`. Any event sent to it " +
          "is refused (`error`, ack `{ok: false}`) and the connection closed. A reconnection is a new " +
          "session (never resumed) and needs a valid token.",
        messages: boardMessages,
      },
    },
    operations,
  };
}
