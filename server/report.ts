/**
 * The call report's data (participants and Admins only) and its downloadable form: one self-contained
 * HTML file, images inlined as data: URLs and the stylesheet inlined, that prints like the page.
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { CallReport, type ReportData } from "../components/report/CallReport.tsx";
import type { Identity } from "./auth/tokens.ts";
import type { Deps } from "./context.ts";
import { PROJECT_ROOT } from "./pages.ts";

export async function loadReport(
  deps: Deps,
  who: Identity,
  callId: string,
  inline: boolean,
): Promise<ReportData> {
  const call = await deps.calls.detail(who, callId); // 403 / 404 for everyone else
  const snapshots = await deps.snapshots.list(callId);
  const names: Record<string, string> = Object.fromEntries(
    call.participants.map((p) => [p.userId, p.username]),
  );
  const unknown = new Set(
    [...call.timeline.map((t) => t.userId), ...call.chat.map((m) => m.from)].filter((id): id is string =>
      !!id && !names[id]
    ),
  );
  for (const id of unknown) {
    const user = await deps.store.getUserById(id);
    if (user) names[id] = user.username;
  }
  const srcs: Record<string, string> = {};
  for (const s of snapshots) {
    if (!inline) {
      srcs[s.id] = s.url;
      continue;
    }
    const { bytes } = await deps.snapshots.get(who, callId, s.id);
    srcs[s.id] = `data:${s.type};base64,${Buffer.from(bytes).toString("base64")}`;
  }
  return { call: { ...call, snapshots }, names, srcs, generatedAt: Date.now() };
}

let css: Promise<string> | undefined;
const reportCss = () => css ??= Deno.readTextFile(join(PROJECT_ROOT, "static", "report.css"));

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The report as one HTML file that needs nothing else (no server, no script). */
export async function reportDocument(data: ReportData): Promise<string> {
  const body = renderToString(h(CallReport, data));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MobiMaint call report ${escapeHtml(data.call.callId)}</title>
<style>${await reportCss()}</style>
</head>
<body class="report-page">${body}</body>
</html>
`;
}
