/** Technician home: experts with live availability, call one (or any available), ringing state, history. */
import { useComputed, useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { CameraPreview } from "../components/CameraPreview.tsx";
import { HistoryList } from "../components/HistoryList.tsx";
import { Modal } from "../components/Modal.tsx";
import { SecureContextWarning } from "../components/SecureContextWarning.tsx";
import { apiJson } from "../lib/client/api.ts";
import { CallWarmup } from "../lib/client/call_warmup.ts";
import { ExpertDirectory } from "../lib/client/expert_directory.ts";
import { request } from "../lib/client/signaling.ts";
import { useSignaling } from "../lib/client/use_socket.ts";
import { ringEndWords } from "../lib/call_words.ts";
import { type HistoryItem, type Me, toHistoryItem } from "../lib/history.ts";
import type { CreateCallResponse, ExpertsResponse, HistoryResponse } from "../lib/rest.ts";
import type { UserStatus } from "../lib/types.ts";

interface Props {
  me: Me;
  experts: UserStatus[];
  history: HistoryItem[];
}

const WORDS = { available: "Available", busy: "Busy", offline: "Offline" } as const;
/** Why a Call button is disabled, said next to it. */
const WHY = {
  busy: "In a call or not to be disturbed",
  offline: "Not signed in",
} as const;

export default function TechnicianHome({ me, experts: initialExperts, history: initialHistory }: Props) {
  const experts = useSignal(initialExperts);
  const history = useSignal(initialHistory);
  const ringing = useSignal<{ callId: string; expert: UserStatus } | null>(null);
  /** True from the first tap on Call until the ring is answered or over: a second tap does nothing. */
  const placing = useSignal(false);
  const notice = useSignal<{ text: string; tone: "info" | "error" } | null>(null);
  const available = useComputed(() => experts.value.filter((e) => e.availability === "available"));
  const warmup = useRef<CallWarmup | null>(null);
  warmup.current ??= new CallWarmup();
  useEffect(() => warmup.current!.prefetchRoom(), []);

  const directory = useRef<ExpertDirectory | null>(null);
  directory.current ??= new ExpertDirectory(experts);

  // Each list is shown as soon as it arrives: the experts' state is not held back behind the history.
  const refresh = () =>
    Promise.all([
      directory.current!.refresh(async () => (await apiJson<ExpertsResponse>("GET", "/api/experts")).experts),
      apiJson<HistoryResponse>("GET", "/api/history?limit=10")
        .then((past) => history.value = past.calls.map((c) => toHistoryItem(c, me.userId))),
    ]);

  const { socket, connected } = useSignaling(me.userId, (s) => {
    s.on("connect", () => refresh().catch(() => {}));
    s.on("user-status-changes", ({ changes }) => {
      directory.current!.changed(changes);
      // An expert becoming free usually means a call just ended: its history row changed too.
      if (changes.some((c) => c.availability === "available")) refreshSoon();
    });
    s.on("call-response", ({ callId, accepted, reason }) => {
      const r = ringing.value;
      if (!r || r.callId !== callId) return;
      if (accepted) {
        performance.mark("call:accepted");
        warmup.current!.enter(callId, me, s, me.userId); // first: the room starts before the dialog is redrawn
        ringing.value = null;
        return;
      }
      warmup.current!.cancel();
      ringing.value = null;
      placing.value = false;
      notice.value = { tone: "error", text: ringEndWords(r.expert.username, reason) };
      refresh().catch(() => {});
    });
  });

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const refreshSoon = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh().catch(() => {}), 150);
  };

  const call = async (expert: UserStatus) => {
    if (placing.value || ringing.value) return; // a double tap must not place two calls
    placing.value = true;
    notice.value = null;
    // The rear camera opens with the tap that asked for it, so video starts as soon as the expert answers.
    warmup.current!.start("environment", "ask");
    warmup.current!.gatherEarly();
    try {
      const { callId } = await apiJson<CreateCallResponse>("POST", "/api/create-call", {});
      ringing.value = { callId, expert };
      const rung = request(socket.current!, "call-request", { callId, from: me.userId, to: expert.id });
      // The connection is made while the expert is being rung (on a slow link a round trip is ~0.3 s).
      warmup.current!.prepare(callId, me, socket.current!, expert.id, rung).catch(() => {}); // the room retries
      await rung;
    } catch (e) {
      warmup.current!.cancel();
      ringing.value = null;
      placing.value = false;
      notice.value = { tone: "error", text: `Could not call ${expert.username}: ${(e as Error).message}` };
      refresh().catch(() => {});
    }
  };

  const cancel = async () => {
    const r = ringing.value;
    if (!r) return;
    warmup.current!.cancel();
    ringing.value = null;
    placing.value = false;
    notice.value = { tone: "info", text: `Call to ${r.expert.username} cancelled.` };
    await request(socket.current!, "call-cancel", { callId: r.callId }).catch(() => {});
    refresh().catch(() => {});
  };

  const busy = placing.value || !!ringing.value;
  return (
    <div class="stack">
      <SecureContextWarning />
      <section class="card" aria-labelledby="experts-title">
        <div class="row between">
          <h1 id="experts-title">Experts</h1>
          <span class={`pill ${connected.value ? "pill-ok" : "pill-warn"}`} role="status">
            {connected.value ? "Live" : "Connecting…"}
          </span>
        </div>
        {notice.value && (
          <p class={`alert alert-${notice.value.tone}`} role="alert" data-testid="notice">
            {notice.value.text}
          </p>
        )}
        <button
          type="button"
          class="btn btn-primary btn-wide"
          disabled={!available.value.length || busy || !connected.value}
          aria-describedby="call-any-why"
          onClick={() => call(available.value[0])}
        >
          Call any available expert
        </button>
        {!available.value.length && (
          <p id="call-any-why" class="muted why" data-testid="call-any-why">
            No expert is available right now. Calls are possible as soon as one is.
          </p>
        )}
        <ul class="experts">
          {experts.value.map((e) => (
            <li key={e.id} data-expert={e.username} data-availability={e.availability}>
              <span class={`dot dot-${e.availability}`} aria-hidden="true" />
              <span class="expert-name">{e.username}</span>
              <span class="muted" id={`why-${e.id}`}>
                {WORDS[e.availability]}
                {e.availability !== "available" && <span class="why">{` · ${WHY[e.availability]}`}</span>}
              </span>
              <button
                type="button"
                class="btn"
                disabled={e.availability !== "available" || busy || !connected.value}
                aria-label={`Call ${e.username}`}
                aria-describedby={`why-${e.id}`}
                title={e.availability === "available" ? undefined : `${e.username}: ${WHY[e.availability]}`}
                onClick={() =>
                  call(e)}
              >
                Call
              </button>
            </li>
          ))}
        </ul>
      </section>
      {ringing.value && (
        <Modal className="ringing" labelledBy="ringing-title" onEscape={cancel}>
          <h2 id="ringing-title">Calling {ringing.value.expert.username}…</h2>
          <p class="muted">Waiting for the expert to answer.</p>
          {warmup.current!.preview.value && (
            <CameraPreview stream={warmup.current!.preview.value} label="Your camera, ready for the call" />
          )}
          <button type="button" class="btn btn-danger" onClick={cancel}>Cancel call</button>
        </Modal>
      )}
      <HistoryList items={history.value} />
    </div>
  );
}
