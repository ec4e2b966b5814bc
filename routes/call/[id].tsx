/** The call room: video, annotations and chat for one call the user takes part in. */
import { Header } from "../../components/Header.tsx";
import CallRoom from "../../islands/CallRoom.tsx";
import type { Me } from "../../lib/history.ts";
import { AppError } from "../../server/domain/errors.ts";
import type { Handlers, PageProps } from "../../server/fresh/types.ts";
import { callPageError, type PageState } from "../../server/pages.ts";

type Data =
  | { me: Me; callId: string; members: string[]; error?: undefined }
  | { me: Me; callId: string; members?: undefined; error: string };

export const handler: Handlers<Data, PageState> = {
  async GET(ctx) {
    const { identity, deps, c } = ctx.state;
    if (!identity) return c.redirect("/login", 302);
    const me = { userId: identity.userId, username: identity.username, role: identity.role };
    const callId = ctx.params.id;
    try {
      const call = await deps.calls.detail(identity, callId);
      if (call.status === "ended") {
        return ctx.render({ me, callId, error: "This call has ended." }, { status: 410 });
      }
      return ctx.render({ me, callId, members: call.participants.map((p) => p.userId) });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const { error, status } = callPageError(e, "You are not a participant of this call.");
      return ctx.render({ me, callId, error }, { status });
    }
  },
};

export default function CallPage({ data }: PageProps<Data>) {
  if (data.error !== undefined) {
    return (
      <>
        <Header me={data.me} />
        <main class="home">
          <section class="card">
            <h1>Call unavailable</h1>
            <p class="alert alert-error" role="alert">{data.error}</p>
            <a class="btn btn-primary" href="/">Back home</a>
          </section>
        </main>
      </>
    );
  }
  return <CallRoom callId={data.callId} me={data.me} members={data.members} />;
}
