/** In-call chat: messages (newest last) and a send form. */
import { useEffect, useRef, useState } from "preact/hooks";
import { linkify } from "../../lib/linkify.ts";
import type { ChatMessage } from "../../lib/types.ts";

interface Props {
  messages: ChatMessage[];
  me: string;
  names: Record<string, string>;
  onSend: (text: string) => void;
  disabled?: boolean;
}

export function ChatPanel({ messages, me, names, onSend, disabled }: Props) {
  const [text, setText] = useState("");
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    // Scroll the list only: scrollIntoView would scroll the whole page to the chat on a phone.
    const l = list.current;
    if (l) l.scrollTop = l.scrollHeight;
  }, [messages.length]);
  return (
    <section class="chat" aria-labelledby="chat-title">
      <h2 id="chat-title" class="visually-hidden">Chat</h2>
      <ol ref={list} class="chat-log" aria-live="polite" data-testid="chat-log">
        {messages.map((m) => (
          <li key={m.id} class={m.from === me ? "mine" : ""} data-from={m.from}>
            <span class="chat-who">{m.from === me ? "You" : names[m.from] ?? "Peer"}</span>
            <span class="chat-text">
              {linkify(m.text).map((p, i) =>
                p.href
                  ? (
                    <a key={i} href={p.href} target="_blank" rel="noopener noreferrer">
                      {p.text}
                    </a>
                  )
                  : p.text
              )}
            </span>
          </li>
        ))}
      </ol>
      <form
        class="chat-form"
        onSubmit={(e) => {
          e.preventDefault();
          const t = text.trim();
          if (!t) return;
          onSend(t);
          setText("");
        }}
      >
        <label for="chat-input" class="visually-hidden">Message</label>
        <input
          id="chat-input"
          value={text}
          maxLength={2000}
          placeholder="Type a message"
          autocomplete="off"
          disabled={disabled}
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit" class="btn" disabled={disabled || !text.trim()}>Send</button>
      </form>
    </section>
  );
}
