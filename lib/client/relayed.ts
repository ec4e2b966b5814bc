/** The WebRTC signals the server relays for one call (offer, answer, ICE candidates), as PeerSignals, both ways. */
import type { PeerSignal } from "./peer.ts";
import type { SignalingSocket } from "./signaling.ts";

export interface Relayed {
  from: string;
  signal: PeerSignal;
}

/** Sends `signal` to participant `to` of the call, as the old clients' offer / answer / ice-candidate. */
export function sendRelayed(socket: SignalingSocket, callId: string, to: string, signal: PeerSignal): void {
  if (signal.type === "candidate") {
    const c = signal.candidate;
    socket.emit("ice-candidate", {
      callId,
      to,
      candidate: c ? { ...c, candidate: c.candidate ?? "" } : null,
    });
  } else if (signal.description.type === "offer") {
    socket.emit("offer", { callId, to, offer: signal.description as { type: "offer"; sdp: string } });
  } else {
    socket.emit("answer", { callId, to, answer: signal.description as { type: "answer"; sdp: string } });
  }
}

/** Calls `deliver` for each signal of `callId` arriving on `socket`; returns the unsubscribe function. */
export function onRelayed(
  socket: SignalingSocket,
  callId: string,
  deliver: (m: Relayed) => void,
): () => void {
  const description = (p: { callId: string; from: string; offer?: unknown; answer?: unknown }) => {
    const d = (p.offer ?? p.answer) as RTCSessionDescriptionInit;
    if (p.callId === callId) deliver({ from: p.from, signal: { type: "description", description: d } });
  };
  const candidate = (p: { callId: string; from: string; candidate: unknown }) => {
    const c = p.candidate as RTCIceCandidateInit | null;
    if (p.callId === callId) deliver({ from: p.from, signal: { type: "candidate", candidate: c } });
  };
  socket.on("offer", description);
  socket.on("answer", description);
  socket.on("ice-candidate", candidate);
  return () => {
    socket.off("offer", description);
    socket.off("answer", description);
    socket.off("ice-candidate", candidate);
  };
}
