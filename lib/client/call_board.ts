/**
 * What is shared on a call besides media: the annotations over the
 * technician's picture and the chat. Local changes show at once and are
 * sent; the server replays both to whoever (re)joins.
 *
 * A new annotation also goes straight to the other page (BoardChannel), and the server sends a copy of
 * it over a second connection (the board stream); on a lossy link either may show it before the
 * signaling socket's copy. Until that copy comes it is provisional: it is dropped if the signaling
 * socket's copy does not come within `PROVISIONAL_MS` or if its author takes it back (the server refused
 * it), so nothing stays on a screen that the call's record does not have. The signaling socket alone
 * brings changes, undo and clear, in order with the annotations they apply to.
 */
import { signal } from "@preact/signals";
import type { Annotation, ChatMessage } from "../types.ts";
import { BoardChannel } from "./board_channel.ts";
import { openBoardStream } from "./board_stream.ts";
import type { SignalingSocket } from "./signaling.ts";

/** How long an annotation from the data channel or the board stream waits for the signaling socket's copy. */
export const PROVISIONAL_MS = 15_000;
/** At most this many wait at once; past it, the server's copies only (a page cannot flood the other's). */
export const MAX_PROVISIONAL = 50;

const upsert = <T extends { id: string }>(list: T[], item: T) =>
  list.some((x) => x.id === item.id) ? list.map((x) => x.id === item.id ? item : x) : [...list, item];

export class CallBoard {
  readonly annotations = signal<Annotation[]>([]);
  readonly chat = signal<ChatMessage[]>([]);
  /** Ids of the annotations this page drew, newest last (for undo). */
  private mine: string[] = [];
  private socket?: SignalingSocket;
  /** Every annotation id this page has had, from anywhere: the data channel only brings new ones. */
  private readonly seen = new Set<string>();
  /** Shown from the data channel, not yet from the server: their expiry timers. */
  private readonly provisional = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly channel = new BoardChannel((m) =>
    "retract" in m ? this.retracted(m.retract) : this.direct(m)
  );
  private closeStream?: () => void;

  constructor(
    private readonly callId: string,
    private readonly userId: string,
    private readonly warn: (message: string) => void,
  ) {}

  attach(s: SignalingSocket) {
    this.socket = s;
    s.on("existing-annotations", ({ annotations }) => {
      for (const a of annotations) this.recorded(a.id);
      const stored = new Set(annotations.map((a) => a.id));
      const waiting = this.annotations.value.filter((a) => this.provisional.has(a.id) && !stored.has(a.id));
      this.annotations.value = [...annotations, ...waiting];
    });
    s.on("annotation", ({ callId: _c, ...a }) => {
      this.recorded(a.id);
      this.annotations.value = upsert(this.annotations.value, a);
    });
    s.on("annotation-deleted", ({ id }) => {
      this.recorded(id);
      this.remove(id);
    });
    s.on("annotations-cleared", () => this.dropAll());
    s.on("existing-chat", ({ messages }) => this.chat.value = messages);
    s.on("chat", ({ callId: _c, ...m }) => this.chat.value = upsert(this.chat.value, m));
    this.closeStream ??= openBoardStream(this.callId, {
      annotation: (a) => this.direct(a),
      chat: (m) => this.chat.value = upsert(this.chat.value, m),
    });
  }

  /** The data channel of each new peer connection. */
  attachPeer(pc: RTCPeerConnection) {
    this.channel.attachPeer(pc);
  }

  /** The call is over: no more provisional expiries. */
  stop() {
    this.channel.close();
    this.closeStream?.();
    this.forgetProvisional();
  }

  private remove(id: string) {
    this.annotations.value = this.annotations.value.filter((a) => a.id !== id);
  }

  /** The server's word on `id` came: whatever it says, the annotation is no longer provisional. */
  private recorded(id: string) {
    this.seen.add(id);
    clearTimeout(this.provisional.get(id));
    this.provisional.delete(id);
  }

  /** A new annotation from the other page or the board stream, before the signaling socket's copy. */
  private direct(a: Annotation) {
    if (a.from === this.userId || this.seen.has(a.id) || this.provisional.size >= MAX_PROVISIONAL) return;
    this.seen.add(a.id);
    this.annotations.value = upsert(this.annotations.value, a);
    this.provisional.set(a.id, setTimeout(() => this.retracted(a.id), PROVISIONAL_MS));
  }

  /** Its author took `id` back before the server had it, or the server's copy never came. */
  private retracted(id: string) {
    if (!this.provisional.has(id)) return;
    clearTimeout(this.provisional.get(id));
    this.provisional.delete(id);
    this.remove(id);
  }

  private forgetProvisional() {
    for (const timer of this.provisional.values()) clearTimeout(timer);
    this.provisional.clear();
  }

  private dropAll() {
    this.forgetProvisional();
    this.annotations.value = [];
  }

  addAnnotation(a: Annotation) {
    const isNew = !this.seen.has(a.id);
    this.seen.add(a.id);
    this.annotations.value = upsert(this.annotations.value, a);
    this.mine.push(a.id);
    const direct = isNew && this.channel.send(a);
    this.socket?.emit("annotation", { ...a, callId: this.callId }, (r) => {
      if (r.ok) return;
      this.remove(a.id);
      if (direct) this.channel.retract(a.id);
      this.warn(`Annotation not sent: ${r.error.message}`);
    });
  }

  /** Removes this page's latest annotation that still exists. */
  undo() {
    let id: string | undefined;
    while ((id = this.mine.pop()) && !this.annotations.value.some((a) => a.id === id));
    if (!id) return;
    this.remove(id);
    this.socket?.emit("annotation-delete", { callId: this.callId, id });
  }

  clear() {
    this.dropAll();
    this.mine = [];
    this.socket?.emit("annotation-clear", { callId: this.callId });
  }

  sendChat(text: string) {
    const id = `${this.userId}-${crypto.randomUUID()}`;
    this.chat.value = upsert(this.chat.value, { id, from: this.userId, text, at: Date.now() });
    this.socket?.emit("chat", { callId: this.callId, id, text });
  }
}
