/**
 * On a phone the chat sits below the picture: a button over the picture counts the messages that
 * arrived while the chat was out of sight, and brings it into view on a tap (the page itself never
 * scrolls on its own when a message comes).
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { ChatMessage } from "../../lib/types.ts";

export function ChatJump({ messages, me }: { messages: ChatMessage[]; me: string }) {
  const unread = useSignal(0);
  const visible = useRef(false);
  const seen = useRef<number | null>(null);

  useEffect(() => {
    // A reload starts with the picture in view, not where the page was scrolled to.
    history.scrollRestoration = "manual";
    const chat = document.querySelector(".chat");
    if (!chat) return;
    const io = new IntersectionObserver(([e]) => {
      visible.current = e.isIntersecting;
      if (e.isIntersecting) unread.value = 0;
    }, { threshold: 0.5 });
    io.observe(chat);
    return () => io.disconnect();
  }, []);

  useEffect(() => {
    // The first list (replayed on join) counts as read.
    if (seen.current === null) return void (seen.current = messages.length);
    const fresh = messages.slice(seen.current).filter((m) => m.from !== me).length;
    seen.current = messages.length;
    if (fresh && !visible.current) unread.value += fresh;
  }, [messages.length]);

  return (
    <button
      type="button"
      class="btn chip chat-jump"
      data-testid="chat-jump"
      data-unread={unread.value}
      aria-label={unread.value ? `Chat, ${unread.value} unread` : "Chat"}
      onClick={() => document.querySelector(".chat")?.scrollIntoView({ behavior: "smooth", block: "end" })}
    >
      Chat{unread.value > 0 && <span class="badge">{unread.value}</span>}
    </button>
  );
}
