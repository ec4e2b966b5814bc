/** Annotations and chat of a call: only participants of an active call, within the configured limits. */
import type { Limits } from "../../fresh.config.ts";
import type { Annotation, ChatMessage } from "../../lib/types.ts";
import type { Store } from "../store/store.ts";
import { otherParticipants } from "./call_rules.ts";
import type { CallService, Member } from "./calls.ts";
import { AppError, notFound } from "./errors.ts";

export class AnnotationService {
  /**
   * With the embedded store (one writer: this process): the annotation ids of
   * each call, for the per-call limit without a store read on every stroke.
   * Loaded from the store on first use. A store shared by several nodes checks
   * the limit itself (Store.putAnnotationWithin).
   */
  private readonly ids = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly store: Store,
    private readonly calls: CallService,
    private readonly limits: Limits,
  ) {}

  private idsOf(callId: string): Promise<Set<string>> {
    let ids = this.ids.get(callId);
    if (!ids) {
      ids = this.store.listAnnotations(callId).then((list) => new Set(list.map((a) => a.id)));
      ids.catch(() => this.ids.delete(callId));
      this.ids.set(callId, ids);
    }
    return ids;
  }

  /** The ids counted for a call, when this node counts them and has loaded them. */
  private counted(callId: string): Promise<Set<string>> | undefined {
    return this.ids.get(callId);
  }

  /** Forgets a finished call's index. */
  forget(callId: string): void {
    this.ids.delete(callId);
  }

  /**
   * Stores (upserts by id) an annotation; `from` is always the sender.
   * Durable when it resolves. `accepted` runs once the annotation passed every
   * check: with the embedded store before the write, so the room sees it
   * without waiting on the disk; with a store shared by several nodes after
   * it, since only that store sees every node's annotations to check the limit.
   * `recipients`: the call's other participants, the only users it may go to.
   */
  async put(
    who: Member,
    callId: string,
    input: Omit<Annotation, "from">,
    accepted: (a: Annotation, recipients: string[]) => void = () => {},
  ): Promise<Annotation> {
    const call = await this.calls.requireActiveParticipant(who, callId);
    const annotation: Annotation = { ...input, from: who.userId };
    const recipients = otherParticipants(call, who.userId);
    if (this.store.putAnnotationWithin) {
      if (!(await this.store.putAnnotationWithin(callId, annotation, this.limits.annotationsPerCall))) {
        throw this.full();
      }
      accepted(annotation, recipients);
      return annotation;
    }
    const ids = await this.idsOf(callId);
    if (!ids.has(input.id) && ids.size >= this.limits.annotationsPerCall) throw this.full();
    ids.add(input.id);
    accepted(annotation, recipients);
    await this.store.putAnnotation(callId, annotation);
    return annotation;
  }

  private full(): AppError {
    return new AppError(
      "LIMIT_EXCEEDED",
      `A call holds at most ${this.limits.annotationsPerCall} annotations`,
    );
  }

  async delete(
    who: Member,
    callId: string,
    id: string,
  ): Promise<void> {
    await this.calls.requireActiveParticipant(who, callId);
    if (!(await this.store.deleteAnnotation(callId, id))) throw notFound(`Annotation ${id} not found`);
    (await this.counted(callId))?.delete(id);
  }

  async clear(
    who: Member,
    callId: string,
  ): Promise<void> {
    await this.calls.requireActiveParticipant(who, callId);
    await this.store.clearAnnotations(callId);
    (await this.counted(callId))?.clear();
  }

  /** What a participant entering the room is given: the call's annotations and chat so far. */
  async contents(callId: string): Promise<{ annotations: Annotation[]; messages: ChatMessage[] }> {
    const [annotations, messages] = await Promise.all([
      this.store.listAnnotations(callId),
      this.store.listChat(callId),
    ]);
    return { annotations, messages };
  }

  async chat(
    who: Member,
    callId: string,
    id: string,
    text: string,
  ): Promise<{ message: ChatMessage; recipients: string[] }> {
    const call = await this.calls.requireActiveParticipant(who, callId);
    const message: ChatMessage = { id, from: who.userId, text, at: Date.now() };
    await this.store.addChat(callId, message);
    return { message, recipients: otherParticipants(call, who.userId) };
  }
}
