/** `/api/docs/events`: the AsyncAPI document as a plain HTML page (no script), for people. */

type Json = Record<string, unknown>;

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** `code` spans as the protocol notes write them. */
const inline = (s: string) => escape(s).replace(/`([^`]+)`/g, "<code>$1</code>");

export function eventsPage(asyncApi: Json): string {
  const info = asyncApi.info as { title: string; version: string; description: string };
  const channels = asyncApi.channels as {
    signaling: { messages: Record<string, Json> };
    board: { title: string; description: string; messages: Record<string, Json> };
  };
  const operations = asyncApi.operations as Record<string, { action: string }>;
  const section = (action: string, heading: string) => {
    const rows = Object.entries(channels.signaling.messages)
      .filter(([key]) => operations[key].action === action)
      .map(([, m]) => {
        const payload = (m.payload as { schema?: Json } | undefined)?.schema;
        return `<tr><th id="${escape(`${action}-${m.name}`)}"><code>${escape(String(m.name))}</code></th>` +
          `<td><p>${inline(String(m.summary ?? ""))}</p>${
            m.description ? `<p>${inline(String(m.description))}</p>` : ""
          }` +
          `<details><summary>payload schema</summary><pre>${
            payload ? escape(JSON.stringify(payload, null, 2)) : "none"
          }</pre></details></td></tr>`;
      });
    return `<h2>${heading}</h2><table><tbody>${rows.join("")}</tbody></table>`;
  };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(info.title)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
th{text-align:left;vertical-align:top;padding:.5rem 1rem .5rem 0;white-space:nowrap}td{padding:.5rem 0}
tr{border-top:1px solid #ddd}table{border-collapse:collapse;width:100%}pre{background:#f5f5f5;padding:.5rem;overflow:auto}</style>
</head><body><h1>${escape(info.title)} <small>${escape(info.version)}</small></h1>
<p>${inline(info.description)}</p>
<p>Machine-readable: <a href="/api/asyncapi.json">/api/asyncapi.json</a> (AsyncAPI 3.0). REST: <a href="/api/docs">/api/docs</a>.</p>
${section("receive", "Client → server")}${section("send", "Server → client")}
<h2>${escape(channels.board.title)}</h2><p>${inline(channels.board.description)}</p>
<p>Events: ${
    Object.values(channels.board.messages).map((m) => `<code>${escape(String(m.name))}</code>`).join(", ")
  }
(payloads as above).</p>
</body></html>`;
}
