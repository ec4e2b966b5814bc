import type { HistoryItem } from "../lib/history.ts";

const REASONS: Record<string, string> = {
  completed: "completed",
  rejected: "declined",
  timeout: "not answered",
  cancelled: "cancelled",
  "ended-by-admin": "ended by an admin",
};

function duration(sec: number): string {
  const m = Math.floor(sec / 60), s = sec % 60;
  return m ? `${m} min ${s} s` : `${s} s`;
}

/** Recent calls, newest first. Used on the server and inside the home islands. */
export function HistoryList({ items }: { items: HistoryItem[] }) {
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">Recent calls</h2>
      {items.length === 0 ? <p class="muted">No calls yet.</p> : (
        <ul class="history" data-testid="history">
          {items.map((h) => (
            <li key={h.callId} data-call-id={h.callId}>
              <span class="history-who">{h.with.length ? h.with.join(", ") : "no one answered"}</span>
              <span class="muted">
                <time dateTime={new Date(h.at).toISOString()}>{new Date(h.at).toLocaleString()}</time>
                {" · "}
                {h.status === "ended" ? REASONS[h.endReason ?? ""] ?? h.endReason ?? "ended" : h.status}
                {h.durationSec ? ` · ${duration(h.durationSec)}` : ""}
              </span>
              {h.status !== "pending" && (
                <a
                  class="history-report"
                  href={`/calls/${encodeURIComponent(h.callId)}/report`}
                  data-testid="report-link"
                  aria-label={`Report of the call of ${new Date(h.at).toLocaleString()}`}
                >
                  Report
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
