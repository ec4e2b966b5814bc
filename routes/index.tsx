/** Home: the technician's expert directory or the expert's waiting room, plus recent calls. */
import { Header } from "../components/Header.tsx";
import { HistoryList } from "../components/HistoryList.tsx";
import ExpertHome from "../islands/ExpertHome.tsx";
import TechnicianHome from "../islands/TechnicianHome.tsx";
import { type HistoryItem, type Me, toHistoryItem } from "../lib/history.ts";
import type { Availability, UserStatus } from "../lib/types.ts";
import { directory } from "../server/domain/directory.ts";
import type { Handlers, PageProps } from "../server/fresh/types.ts";
import type { PageState } from "../server/pages.ts";

interface Data {
  me: Me;
  history: HistoryItem[];
  experts: UserStatus[];
  availability: Availability;
  doNotDisturb: boolean;
  ringTimeoutMs: number;
}

export const handler: Handlers<Data, PageState> = {
  async GET(ctx) {
    const { identity, deps, c } = ctx.state;
    if (!identity) return c.redirect("/login", 302);
    const me = { userId: identity.userId, username: identity.username, role: identity.role };
    const [records, experts] = await Promise.all([
      deps.calls.history(identity, { limit: 10 }),
      directory(deps.users, deps.presence, "Expert"),
    ]);
    return ctx.render({
      me,
      history: records.map((r) => toHistoryItem(r, me.userId)),
      experts,
      availability: deps.presence.availability(me.userId),
      doNotDisturb: deps.presence.isDoNotDisturb(me.userId),
      ringTimeoutMs: deps.config.ringTimeoutMs,
    });
  },
};

export default function Home({ data }: PageProps<Data>) {
  const { me } = data;
  return (
    <>
      <Header me={me} />
      <main class="home">
        {me.role === "Technician" && <TechnicianHome me={me} experts={data.experts} history={data.history} />}
        {me.role === "Expert" && (
          <ExpertHome
            me={me}
            availability={data.availability}
            doNotDisturb={data.doNotDisturb}
            history={data.history}
            ringTimeoutMs={data.ringTimeoutMs}
          />
        )}
        {me.role === "Admin" && (
          <>
            <section class="card">
              <h1>Administration</h1>
              <p>
                Users and calls are managed with the <code>mobimaint</code> command-line tool.
              </p>
            </section>
            <HistoryList items={data.history} />
          </>
        )}
      </main>
    </>
  );
}
