/**
 * Splits chat text into plain parts and web links. Only `http:` and `https:` addresses become links
 * (never `javascript:` or `data:`); trailing punctuation stays text ("see https://x.org/a.").
 */
export type TextPart = { text: string; href?: undefined } | { text: string; href: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let raw = m[0];
    const trail = /[.,;:!?)\]]+$/.exec(raw);
    if (trail && !(trail[0].startsWith(")") && raw.includes("("))) raw = raw.slice(0, -trail[0].length);
    let href: string | undefined;
    try {
      const u = new URL(raw);
      if (u.protocol === "http:" || u.protocol === "https:") href = u.href;
    } catch { /* not a URL after all */ }
    if (!href) continue;
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ text: raw, href });
    last = m.index + raw.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
