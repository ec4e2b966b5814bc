/**
 * An incoming call that is heard and seen when the tab is not looked at: a ring tone made with
 * WebAudio (no audio file to load), and a system notification when the tab is hidden and the user
 * allowed them. What it did is kept in `log` (diagnostics and tests).
 */

export type RingerEvent = "ring-started" | "ring-stopped" | "notified" | "no-audio";

export class Ringer {
  readonly log: RingerEvent[] = [];
  private ctx?: AudioContext;
  private timer?: ReturnType<typeof setInterval>;
  private notification?: Notification;

  /** Starts the tone (two short beeps every 2 s) and, when the tab is hidden, a notification. */
  start(title: string, body: string, onClick?: () => void): void {
    this.stop();
    try {
      this.ctx = new AudioContext();
      const beep = () => this.beep();
      beep();
      this.timer = setInterval(beep, 2000);
      this.log.push("ring-started");
    } catch {
      this.log.push("no-audio");
    }
    if (document.visibilityState === "hidden" && notificationsAllowed()) {
      try {
        const n = new Notification(title, { body, tag: "mobimaint-call", requireInteraction: true });
        n.onclick = () => {
          globalThis.focus();
          onClick?.();
          n.close();
        };
        this.notification = n;
        this.log.push("notified");
      } catch { /* some browsers only notify from a service worker */ }
    }
  }

  private beep(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    for (const offset of [0, 0.35]) {
      const osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + offset);
      gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + offset + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + offset);
      osc.stop(ctx.currentTime + offset + 0.3);
    }
  }

  /** True while the tone plays (its audio context runs). */
  get playing(): boolean {
    return !!this.ctx && this.ctx.state === "running";
  }

  stop(): void {
    if (this.ctx || this.notification) this.log.push("ring-stopped");
    clearInterval(this.timer);
    this.ctx?.close().catch(() => {});
    this.ctx = undefined;
    this.notification?.close();
    this.notification = undefined;
  }
}

export function notificationsAllowed(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "granted";
}

/** Whether to offer "Turn on call notifications": supported and not yet decided. */
export function canAskNotifications(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "default";
}
