/** `mobimaint calls [list]`, `calls show <id>`, `calls end <id>`. */
import type { Command } from "commander";
import type { CallDetailResponse, CallsResponse } from "../../lib/rest.ts";
import { type Context, contextOf, examples } from "../context.ts";
import { formatDuration, formatTime } from "../output.ts";

export function registerCalls(program: Command): void {
  const calls = program.command("calls")
    .description("list calls, show one call, end a call (Admin)")
    .addHelpText(
      "after",
      examples(
        "mobimaint calls",
        "mobimaint calls show call_m3x1k2_ab12cd34",
        'mobimaint calls end call_m3x1k2_ab12cd34 --reason "stuck call"',
        "mobimaint calls --json | jq '.calls[] | select(.status == \"active\")'",
      ),
    );

  calls.command("list", { isDefault: true })
    .description("list all calls, newest first: id, status, participants, duration, annotations (Admin)")
    .addHelpText("after", examples("mobimaint calls list", "mobimaint calls list --json"))
    .action(async (_opts, cmd: Command) => listCalls(await contextOf(cmd)));

  calls.command("show")
    .description("show one call: participants, timeline, annotations and chat (participant or Admin)")
    .argument("<id>", "call id, as shown by `mobimaint calls`")
    .addHelpText("after", examples("mobimaint calls show call_m3x1k2_ab12cd34"))
    .action(async (id: string, _opts, cmd: Command) => showCall(await contextOf(cmd), id));

  calls.command("report")
    .description("save a call's report as one HTML file, snapshots included (participant or Admin)")
    .argument("<id>", "call id")
    .requiredOption(
      "-o, --out <file>",
      "where to write the report (.html); open it in a browser to print a PDF",
    )
    .addHelpText("after", examples("mobimaint calls report call_m3x1k2_ab12cd34 --out report.html"))
    .action(async (id: string, opts: { out: string }, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const bytes = await client.download(`/calls/${encodeURIComponent(id)}/report?download=1`);
      await Deno.writeFile(opts.out, bytes);
      if (out.json) return out.printJson({ callId: id, file: opts.out, bytes: bytes.byteLength });
      out.print(`Report of call ${id} written to ${opts.out} (${bytes.byteLength} bytes).`);
    });

  calls.command("end")
    .description("end a call for everyone in it (participant or Admin)")
    .argument("<id>", "call id")
    .option("-r, --reason <text>", "reason recorded in the call's timeline (default: ended-by-admin)")
    .addHelpText("after", examples('mobimaint calls end call_m3x1k2_ab12cd34 --reason "technician left"'))
    .action(async (id: string, opts: { reason?: string }, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const { body } = await client.post(`/api/calls/${encodeURIComponent(id)}/end`, { reason: opts.reason });
      if (out.json) return out.printJson(body);
      out.print(`Call ${id} ended.`);
    });
}

async function listCalls({ client, out }: Context): Promise<void> {
  const { body } = await client.get<CallsResponse>("/api/calls");
  if (out.json) return out.printJson(body);
  if (!body.calls.length) return out.print("No calls.");
  out.print(out.table(
    ["ID", "STATUS", "PARTICIPANTS", "STARTED", "DURATION", "ANNOTATIONS"],
    body.calls.map((c) => [
      c.callId,
      out.status(c.status),
      c.users.join(", "),
      formatTime(c.startTime),
      c.status === "pending" ? "-" : formatDuration(c.duration),
      c.annotations,
    ]),
  ));
  out.print(`\n${body.totalCalls} call(s)`);
}

async function showCall({ client, out }: Context, id: string): Promise<void> {
  const { body: call } = await client.get<CallDetailResponse>(`/api/calls/${encodeURIComponent(id)}`);
  if (out.json) return out.printJson(call);
  // User ids are usernames on the wire.
  const who = (userId?: string) => userId ?? "-";

  out.print(out.heading(`Call ${call.callId}`));
  out.print(out.fields([
    ["Status", call.endReason ? `${out.status(call.status)} (${call.endReason})` : out.status(call.status)],
    ["Created", `${formatTime(call.createdAt)} by ${who(call.createdBy)}`],
    ["Started", formatTime(call.startTime)],
    ["Ended", formatTime(call.endedAt)],
    ["Duration", call.startTime ? formatDuration(call.duration) : "-"],
    ...call.invitations?.filter((i) => i.state === "ringing").map((i) =>
      ["Ringing", who(i.userId)] as const
    ) ?? [],
    ...(call.invitations?.length
      ? [["Rung", call.invitations.map((i) => `${i.userId} (${i.state})`).join(", ")] as const]
      : []),
  ]));

  out.print(`\n${out.heading(`Participants (${call.participants.length})`)}`);
  out.print(out.table(
    ["USER", "ROLE", "JOINED", "LEFT", "IN CALL"],
    call.participants.map((p) => [
      p.username,
      p.role,
      formatTime(p.joinedAt),
      formatTime(p.leftAt),
      p.present ? "yes" : "no",
    ]),
  ));

  out.print(`\n${out.heading(`Timeline (${call.timeline.length})`)}`);
  out.print(out.table(
    ["TIME", "EVENT", "USER", "DETAIL"],
    call.timeline.map((t) => [formatTime(t.at), t.type, who(t.userId), t.detail ?? ""]),
  ));

  out.print(`\n${out.heading(`Annotations (${call.annotations.length})`)}`);
  if (call.annotations.length) {
    out.print(out.table(
      ["ID", "KIND", "TEXT", "AT", "BY"],
      call.annotations.map((a) => [
        a.id,
        a.kind ?? "pin",
        a.text,
        a.points?.length ? `${a.points.length} points` : `${round(a.x)}, ${round(a.y)}`,
        who(a.from),
      ]),
    ));
  } else out.print("none");

  out.print(`\n${out.heading(`Chat (${call.chat.length})`)}`);
  if (call.chat.length) {
    out.print(out.table(
      ["TIME", "FROM", "MESSAGE"],
      call.chat.map((m) => [formatTime(m.at), who(m.from), m.text]),
    ));
  } else out.print("none");
}

const round = (n: number) => Math.round(n * 1000) / 1000;
