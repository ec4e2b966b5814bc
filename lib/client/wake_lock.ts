/**
 * Keeps the screen on during a call (Screen Wake Lock API). The browser drops the lock whenever the
 * page is hidden, so it is asked again each time the page comes back. `state` tells what happened.
 */
export class ScreenWake {
  state: "off" | "held" | "unsupported" | "refused" = "off";
  private sentinel?: WakeLockSentinel;
  private wanted = false;
  private readonly onVisible = () => {
    if (this.wanted && document.visibilityState === "visible" && !this.sentinel) this.acquire();
  };

  hold(): void {
    this.wanted = true;
    document.addEventListener("visibilitychange", this.onVisible);
    this.acquire();
  }

  private async acquire(): Promise<void> {
    if (!("wakeLock" in navigator)) {
      this.state = "unsupported";
      return;
    }
    try {
      const s = await navigator.wakeLock.request("screen");
      if (!this.wanted) return void s.release().catch(() => {});
      this.sentinel = s;
      this.state = "held";
      s.addEventListener("release", () => {
        this.sentinel = undefined;
        if (this.state === "held") this.state = "off";
      });
    } catch {
      this.state = "refused"; // e.g. battery saver, or the page is not visible
    }
  }

  release(): void {
    this.wanted = false;
    document.removeEventListener("visibilitychange", this.onVisible);
    this.sentinel?.release().catch(() => {});
    this.sentinel = undefined;
    this.state = "off";
  }
}
