/** Expert home: own availability, the incoming-call dialog (accept / decline), history. */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { CameraPreview } from "../components/CameraPreview.tsx";
import { HistoryList } from "../components/HistoryList.tsx";
import { Modal } from "../components/Modal.tsx";
import { SecureContextWarning } from "../components/SecureContextWarning.tsx";
import { apiJson } from "../lib/client/api.ts";
import { CallWarmup } from "../lib/client/call_warmup.ts";
import { canAskNotifications, notificationsAllowed, Ringer } from "../lib/client/ringer.ts";
import { request } from "../lib/client/signaling.ts";
import { useSignaling } from "../lib/client/use_socket.ts";
import { type HistoryItem, type Me, toHistoryItem } from "../lib/history.ts";
import type { CallDetailResponse, ExpertsResponse, HistoryResponse } from "../lib/rest.ts";
import type { Availability } from "../lib/types.ts";

interface Props {
  me: Me;
  availability: Availability;
  doNotDisturb?: boolean;
  history: HistoryItem[];
  ringTimeoutMs: number;
}

interface Incoming {
  callId: string;
  from: string;
  fromUsername?: string;
}

const WORDS = { available: "Available for calls", busy: "Busy", offline: "Offline" } as const;

export default function ExpertHome(
  { me, availability: initial, doNotDisturb: initialDnd, history: initialHistory, ringTimeoutMs }: Props,
) {
  const availability = useSignal(initial);
  const dnd = useSignal(!!initialDnd);
  const alerts = useSignal<"ask" | "on" | "off">("off");
  const ringer = useRef<Ringer | null>(null);
  ringer.current ??= new Ringer();
  const warmup = useRef<CallWarmup | null>(null);
  warmup.current ??= new CallWarmup();
  useEffect(() => warmup.current!.prefetchRoom(), []);
  const history = useSignal(initialHistory);
  const incoming = useSignal<Incoming | null>(null);
  const notice = useSignal<string | null>(null);
  const acceptRef = useRef<HTMLButtonElement>(null);
  const answering = useRef<string | null>(null);

  // Experts' presence is broadcast to technicians only; an expert reads its own from the directory.
  const refreshAvailability = () =>
    apiJson<ExpertsResponse>("GET", "/api/experts")
      .then((r) => {
        const self = r.experts.find((e) => e.id === me.userId);
        if (self) availability.value = self.availability;
      })
      .catch(() => {});

  const refreshHistory = () =>
    apiJson<HistoryResponse>("GET", "/api/history?limit=10")
      .then((r) => history.value = r.calls.map((c) => toHistoryItem(c, me.userId)))
      .catch(() => {});

  const dismiss = (callId: string, text: string) => {
    if (incoming.value?.callId !== callId) return;
    incoming.value = null;
    warmup.current!.cancel();
    notice.value = text;
    refreshHistory();
    refreshAvailability();
  };

  const { socket, connected } = useSignaling(me.userId, (s) => {
    s.on("connect", () => {
      refreshHistory();
      refreshAvailability();
    });
    s.on("user-status-changes", ({ changes }) => {
      const mine = changes.findLast((c) => c.userId === me.userId);
      if (mine) {
        // Free again after a call: the call's history row has changed too.
        if (mine.availability === "available" && availability.value !== "available") refreshHistory();
        availability.value = mine.availability;
      }
    });
    s.on("call-request", async (p) => {
      notice.value = null;
      incoming.value = { callId: p.callId, from: p.from, fromUsername: p.fromUsername };
      // Ready to answer at once; the camera only if the browser allows it without asking.
      warmup.current!.start("user", "if-allowed");
      warmup.current!.expectOffer(p.callId, me, s, p.from);
      if (!p.fromUsername) {
        // Older servers do not name the caller; the call record does.
        const call = await apiJson<CallDetailResponse>("GET", `/api/calls/${encodeURIComponent(p.callId)}`)
          .catch(
            () => null,
          );
        const name = call?.participants.find((x) => x.userId === p.from)?.username;
        if (name && incoming.value?.callId === p.callId) {
          incoming.value = { ...incoming.value, fromUsername: name };
        }
      }
    });
    s.on(
      "call-cancelled",
      (p) =>
        dismiss(
          p.callId,
          p.reason === "timeout" ? "Missed call (not answered in time)." : "The caller cancelled the call.",
        ),
    );
    s.on(
      "call-request-handled",
      (p) =>
        dismiss(
          p.callId,
          p.accepted
            ? "The call was answered on another device."
            : "The call was declined on another device.",
        ),
    );
  });

  // The dialog never outlives the ring timeout, even if the server's notice is lost.
  useEffect(() => {
    (globalThis as { __mobimaint?: unknown }).__mobimaint = { ringer: ringer.current };
    alerts.value = canAskNotifications() ? "ask" : notificationsAllowed() ? "on" : "off";
  }, []);

  useEffect(() => {
    const current = incoming.value;
    if (!current) return;
    // The tab title, a ring tone, and a system notification when the tab is hidden.
    const title = document.title;
    document.title = "Incoming call · MobiMaint";
    ringer.current!.start(
      "Incoming call · MobiMaint",
      `${current.fromUsername ?? "A technician"} is asking for help.`,
    );
    const timer = setTimeout(
      () => dismiss(current.callId, "Missed call (not answered in time)."),
      ringTimeoutMs + 2000,
    );
    return () => {
      clearTimeout(timer);
      ringer.current!.stop();
      document.title = title;
    };
  }, [incoming.value?.callId]);

  const setDnd = async (on: boolean) => {
    try {
      const r = await request(socket.current!, "set-availability", { doNotDisturb: on }) as {
        doNotDisturb: boolean;
        availability: Availability;
      };
      dnd.value = r.doNotDisturb;
      availability.value = r.availability;
    } catch (e) {
      notice.value = `Could not change your status: ${(e as Error).message}`;
    }
  };

  const askAlerts = async () => {
    // Asked only when the expert chooses to, from a click (browsers require a gesture for both).
    const answer = await Notification.requestPermission().catch(() => "denied" as const);
    alerts.value = answer === "granted" ? "on" : "off";
  };

  const respond = async (accepted: boolean) => {
    const call = incoming.value;
    if (!call || answering.current === call.callId) return; // a double tap answers once
    answering.current = call.callId;
    if (accepted) performance.mark("call:accept"); // where `deno task bench --accept` starts its clock
    ringer.current!.stop();
    try {
      if (accepted) await warmup.current!.answer(call.callId);
      await request(socket.current!, "call-response", {
        callId: call.callId,
        from: me.userId,
        to: call.from,
        accepted,
      });
      if (accepted) {
        const entering = warmup.current!.enter(call.callId, me, socket.current!, call.from); // before the redraw
        incoming.value = null;
        return await entering;
      }
      dismiss(call.callId, "Call declined.");
    } catch (e) {
      dismiss(call.callId, `Could not answer: ${(e as Error).message}`);
    }
  };

  const shown = connected.value ? availability.value : "offline";
  return (
    <div class="stack">
      <SecureContextWarning />
      <section class="card" aria-labelledby="status-title">
        <h1 id="status-title">Your status</h1>
        <p class="status-line" data-testid="availability" data-availability={shown} role="status">
          <span class={`dot dot-${shown}`} aria-hidden="true" />
          {!connected.value
            ? "Connecting…"
            : dnd.value && availability.value !== "offline"
            ? "Do not disturb"
            : WORDS[availability.value]}
        </p>
        <p class="muted">Technicians see you while this page is open. Incoming calls appear here.</p>
        <label class="switch">
          <input
            type="checkbox"
            data-testid="dnd"
            checked={dnd.value}
            disabled={!connected.value}
            onChange={(e) => setDnd((e.currentTarget as HTMLInputElement).checked)}
          />
          <span>
            Do not disturb <span class="muted">(technicians see you as busy and cannot call you)</span>
          </span>
        </label>
        {alerts.value === "ask" && (
          <p class="row">
            <button type="button" class="btn" data-testid="enable-alerts" onClick={askAlerts}>
              Turn on call alerts
            </button>
            <span class="muted">A sound and a notification when a call comes while this tab is hidden.</span>
          </p>
        )}
        {notice.value && <p class="alert alert-info" role="status" data-testid="notice">{notice.value}</p>}
      </section>
      {incoming.value && (
        <Modal
          role="alertdialog"
          className="incoming"
          labelledBy="incoming-title"
          describedBy="incoming-desc"
          testId="incoming-call"
          onEscape={() => respond(false)}
          initialFocus={acceptRef}
        >
          <div class="pulse" aria-hidden="true" />
          <h2 id="incoming-title">Incoming call</h2>
          <p id="incoming-desc">
            <strong>{incoming.value.fromUsername ?? "A technician"}</strong> is asking for help.
          </p>
          {warmup.current!.preview.value && (
            <CameraPreview stream={warmup.current!.preview.value} label="Your camera, ready to answer" />
          )}
          <div class="row">
            <button type="button" class="btn btn-danger" onClick={() => respond(false)}>Decline</button>
            <button type="button" class="btn btn-success" ref={acceptRef} onClick={() => respond(true)}>
              Accept
            </button>
          </div>
        </Modal>
      )}
      <HistoryList items={history.value} />
    </div>
  );
}
