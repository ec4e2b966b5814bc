import { historyWords } from "../lib/call_words.ts";
import type { HistoryItem } from "../lib/history.ts";

/** Recent calls, newest first; each row opens the call's details. Used on the server and inside the home islands. */
export function HistoryList({ items }: { items: HistoryItem[] }) {
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">Recent calls</h2>
      {items.length === 0 ? <p class="muted">No calls yet.</p> : (
        <ul class="history" data-testid="history">
          {items.map((h) => {
            const w = historyWords(h);
            return (
              <li key={h.callId} data-call-id={h.callId} data-status={h.status} class={`history-${w.tone}`}>
                <a class="history-link" href={`/calls/${encodeURIComponent(h.callId)}`}>
                  <span class="history-who">{w.title}</span>
                  <span class="muted">
                    <time dateTime={new Date(h.at).toISOString()}>{new Date(h.at).toLocaleString()}</time>
                    {w.detail ? ` · ${w.detail}` : ""}
                  </span>
                </a>
                {h.status === "active" && (
                  <a
                    class="btn btn-success history-return"
                    href={`/call/${encodeURIComponent(h.callId)}`}
                    data-testid="return-to-call"
                  >
                    Return to the call
                  </a>
                )}
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
            );
          })}
        </ul>
      )}
    </section>
  );
}
