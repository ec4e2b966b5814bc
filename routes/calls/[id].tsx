/** One past (or current) call in words: who, when, how long, how it ended, what was said and drawn. */
import { Header } from "../../components/Header.tsx";
import { formatDuration, historyWords } from "../../lib/call_words.ts";
import { type Me, toHistoryItem } from "../../lib/history.ts";
import type { CallDetail } from "../../lib/types.ts";
import { AppError } from "../../server/domain/errors.ts";
import type { Handlers, PageProps } from "../../server/fresh/types.ts";
import { callPageError, type PageState } from "../../server/pages.ts";

type Data = { me: Me; call: CallDetail; error?: undefined } | { me: Me; call?: undefined; error: string };

const EVENTS: Record<string, string> = {
  created: "created the call",
  ringing: "was called",
  accepted: "accepted",
  joined: "joined",
  left: "left",
  dropped: "lost the connection",
};

export const handler: Handlers<Data, PageState> = {
  async GET(ctx) {
    const { identity, deps, c } = ctx.state;
    if (!identity) return c.redirect("/login", 302);
    const me = { userId: identity.userId, username: identity.username, role: identity.role };
    try {
      return ctx.render({ me, call: await deps.calls.detail(identity, ctx.params.id) });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const { error, status } = callPageError(e, "You did not take part in this call.");
      return ctx.render({ me, error }, { status });
    }
  },
};

const time = (at: number) => (
  <time dateTime={new Date(at).toISOString()}>{new Date(at).toLocaleString()}</time>
);

export default function CallDetails({ data }: PageProps<Data>) {
  const { me, call } = data;
  if (!call) {
    return (
      <>
        <Header me={me} />
        <main class="home">
          <section class="card">
            <h1>Call details</h1>
            <p class="alert alert-error" role="alert">{data.error}</p>
            <a class="btn btn-primary" href="/">Back home</a>
          </section>
        </main>
      </>
    );
  }
  const item = toHistoryItem(call, me.userId);
  const words = historyWords(item);
  const names = Object.fromEntries(call.participants.map((p) => [p.userId, p.username]));
  return (
    <>
      <Header me={me} />
      <main class="home">
        <section class="card call-details" data-testid="call-details" data-call-id={call.callId}>
          <p>
            <a href="/">← Back home</a>
          </p>
          <h1>{words.title}</h1>
          <dl class="facts">
            <dt>Started</dt>
            <dd>{time(call.createdAt)}</dd>
            {call.startTime && (
              <>
                <dt>Duration</dt>
                <dd>{formatDuration(Math.round(call.duration / 1000))}</dd>
              </>
            )}
            <dt>People</dt>
            <dd>{call.participants.map((p) => `${p.username} (${p.role})`).join(", ")}</dd>
            <dt>Drawings</dt>
            <dd>{call.annotations.length}</dd>
          </dl>
          {call.status === "active" && (
            <a class="btn btn-primary" href={`/call/${encodeURIComponent(call.callId)}`}>
              Return to the call
            </a>
          )}
          <h2>What happened</h2>
          <ol class="timeline">
            {call.timeline.map((t, i) => {
              const who = t.userId ? names[t.userId] ?? t.userId : undefined;
              const what = t.type === "ended"
                ? `Call ended${who ? ` by ${who}` : ""}`
                : `${who ? `${who} ` : ""}${EVENTS[t.type] ?? t.type}`;
              return (
                <li key={i}>
                  <time dateTime={new Date(t.at).toISOString()}>{new Date(t.at).toLocaleTimeString()}</time>
                  {` · ${what}`}
                </li>
              );
            })}
          </ol>
          {call.chat.length > 0 && (
            <>
              <h2>Chat</h2>
              <ol class="chat-log transcript">
                {call.chat.map((m) => (
                  <li key={m.id} class={m.from === me.userId ? "mine" : ""}>
                    <span class="chat-who">{m.from === me.userId ? "You" : names[m.from] ?? m.from}</span>
                    <span class="chat-text">{m.text}</span>
                  </li>
                ))}
              </ol>
            </>
          )}
        </section>
      </main>
    </>
  );
}
