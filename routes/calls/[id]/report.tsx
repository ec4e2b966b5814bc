/**
 * `/calls/:id/report`: the call report for participants and Admins (no JavaScript but the print button).
 * `?download=1` answers the same report as one self-contained HTML file (images inlined).
 */
import { Header } from "../../../components/Header.tsx";
import { CallReport, type ReportData } from "../../../components/report/CallReport.tsx";
import PrintButton from "../../../islands/PrintButton.tsx";
import type { Me } from "../../../lib/history.ts";
import { AppError } from "../../../server/domain/errors.ts";
import type { Handlers, PageProps } from "../../../server/fresh/types.ts";
import { callPageError, type PageState } from "../../../server/pages.ts";
import { loadReport, reportDocument } from "../../../server/report.ts";

type Data = { me: Me; report?: ReportData; error?: string };

export const handler: Handlers<Data, PageState> = {
  async GET(ctx) {
    const { identity, deps, c } = ctx.state;
    const download = ctx.url.searchParams.get("download") === "1";
    if (!identity) {
      if (download) return c.json({ message: "Sign in first", code: "UNAUTHORIZED" }, 401);
      return c.redirect("/login", 302);
    }
    const me = { userId: identity.userId, username: identity.username, role: identity.role };
    let report: ReportData;
    try {
      report = await loadReport(deps, identity, ctx.params.id, download);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (download) return c.json({ message: e.message, code: e.code }, e.status as 403);
      const { error, status } = callPageError(
        e,
        "Only the call's participants and Admins can see its report.",
      );
      return ctx.render({ me, error }, { status });
    }
    if (!download) return ctx.render({ me, report });
    const file = `mobimaint-report-${ctx.params.id.replace(/[^A-Za-z0-9_-]/g, "_")}.html`;
    return new Response(await reportDocument(report), {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-disposition": `attachment; filename="${file}"`,
        "cache-control": "private, no-store",
      },
    });
  },
};

export default function ReportPage({ data }: PageProps<Data>) {
  return (
    <>
      <Header me={data.me} />
      <link rel="stylesheet" href="/report.css" />
      <main class="report-page">
        {data.error || !data.report
          ? (
            <section class="card">
              <h1>Report unavailable</h1>
              <p class="alert alert-error" role="alert">{data.error}</p>
              <a class="btn btn-primary" href="/">Back home</a>
            </section>
          )
          : (
            <>
              <nav class="report-actions no-print" aria-label="Report actions">
                <a class="btn" href="/">Back home</a>
                <PrintButton />
                <a
                  class="btn"
                  href={`/calls/${encodeURIComponent(data.report.call.callId)}/report?download=1`}
                  data-testid="report-download"
                >
                  Download (HTML, images included)
                </a>
              </nav>
              <CallReport {...data.report} />
            </>
          )}
      </main>
    </>
  );
}
