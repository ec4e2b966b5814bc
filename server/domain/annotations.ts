/** Annotations and chat of a call: only participants of an active call, within the configured limits. */
import type { Limits } from "../../fresh.config.ts";
import type { Annotation, ChatMessage } from "../../lib/types.ts";
import type { Store } from "../store/store.ts";
import type { CallService } from "./calls.ts";
import { AppError, notFound } from "./errors.ts";

export class AnnotationService {
  constructor(
    private readonly store: Store,
    private readonly calls: CallService,
    private readonly limits: Limits,
  ) {}

  /** Stores (upserts by id) an annotation; `from` is always the sender. Durable when it resolves. */
  async put(userId: string, callId: string, input: Omit<Annotation, "from">): Promise<Annotation> {
    await this.calls.requireActiveParticipant(userId, callId);
    const annotation: Annotation = { ...input, from: userId };
    const count = await this.store.countAnnotations(callId);
    if (count >= this.limits.annotationsPerCall && !(await this.store.hasAnnotation(callId, input.id))) {
      throw new AppError(
        "LIMIT_EXCEEDED",
        `A call holds at most ${this.limits.annotationsPerCall} annotations`,
      );
    }
    await this.store.putAnnotation(callId, annotation);
    return annotation;
  }

  async delete(userId: string, callId: string, id: string): Promise<void> {
    await this.calls.requireActiveParticipant(userId, callId);
    if (!(await this.store.deleteAnnotation(callId, id))) throw notFound(`Annotation ${id} not found`);
  }

  async clear(userId: string, callId: string): Promise<void> {
    await this.calls.requireActiveParticipant(userId, callId);
    await this.store.clearAnnotations(callId);
  }

  async chat(userId: string, callId: string, id: string, text: string): Promise<ChatMessage> {
    await this.calls.requireActiveParticipant(userId, callId);
    const message: ChatMessage = { id, from: userId, text, at: Date.now() };
    await this.store.addChat(callId, message);
    return message;
  }
}
