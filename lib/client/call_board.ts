/**
 * What is shared on a call besides media: the annotations over the
 * technician's picture and the chat. Local changes show at once and are
 * sent; the server replays both to whoever (re)joins.
 */
import { signal } from "@preact/signals";
import type { Annotation, ChatMessage } from "../types.ts";
import type { SignalingSocket } from "./signaling.ts";

const upsert = <T extends { id: string }>(list: T[], item: T) =>
  list.some((x) => x.id === item.id) ? list.map((x) => x.id === item.id ? item : x) : [...list, item];

export class CallBoard {
  readonly annotations = signal<Annotation[]>([]);
  readonly chat = signal<ChatMessage[]>([]);
  /** Ids of the annotations this page drew, newest last (for undo). */
  private mine: string[] = [];
  private socket?: SignalingSocket;

  constructor(
    private readonly callId: string,
    private readonly userId: string,
    private readonly warn: (message: string) => void,
  ) {}

  attach(s: SignalingSocket) {
    this.socket = s;
    s.on("existing-annotations", ({ annotations }) => this.annotations.value = annotations);
    s.on("annotation", ({ callId: _c, ...a }) => this.annotations.value = upsert(this.annotations.value, a));
    s.on("annotation-deleted", ({ id }) => this.remove(id));
    s.on("annotations-cleared", () => this.annotations.value = []);
    s.on("existing-chat", ({ messages }) => this.chat.value = messages);
    s.on("chat", ({ callId: _c, ...m }) => this.chat.value = upsert(this.chat.value, m));
  }

  private remove(id: string) {
    this.annotations.value = this.annotations.value.filter((a) => a.id !== id);
  }

  addAnnotation(a: Annotation) {
    this.annotations.value = upsert(this.annotations.value, a);
    this.mine.push(a.id);
    this.socket?.emit("annotation", { ...a, callId: this.callId }, (r) => {
      if (r.ok) return;
      this.remove(a.id);
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
    this.annotations.value = [];
    this.mine = [];
    this.socket?.emit("annotation-clear", { callId: this.callId });
  }

  sendChat(text: string) {
    const id = `${this.userId}-${crypto.randomUUID()}`;
    this.chat.value = upsert(this.chat.value, { id, from: this.userId, text, at: Date.now() });
    this.socket?.emit("chat", { callId: this.callId, id, text });
  }
}
