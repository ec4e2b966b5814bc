/**
 * What the senders of a call send on a poor link: audio first (RED, high priority, a capped bitrate); cameras
 * at a resolution that follows the bandwidth estimate; for the technician's, detail before motion.
 */

/**
 * The cameras' resolution steps (short side at most) and the bandwidth estimate each needs.
 * Detail before motion within a step (the frame rate falls first); between steps, what the link carries
 * at a usable frame rate: 540p at ≥ 10 fps fits in 300 kbit/s, 720p needs about twice that. With 5 % loss
 * Chrome estimates a 300 kbit/s link at 140–240 kbit/s (a 150 kbit/s one at 40–150), hence 160 for 540p.
 */
const VIDEO_STEPS = [
  { height: 360, minKbps: 0 },
  { height: 540, minKbps: 160 },
  { height: Infinity, minKbps: 500 },
] as const;
const UP_AFTER_MS = 2000;
/**
 * Within this long after a step down, a step up needs the estimate for UP_AGAIN_AFTER_MS instead: each step
 * costs a keyframe, and on a link whose estimate swings across a step (TURN over TCP at 150 kbit/s: 63–196)
 * going up and down froze the picture.
 */
const DOWN_REMEMBERED_MS = 60_000;
const UP_AGAIN_AFTER_MS = 10_000;

export interface VideoStepState {
  /** Index in VIDEO_STEPS. */
  step: number;
  /** Since when the estimate has allowed the next step up (0: it does not). */
  highSince: number;
  /** When the last step down was (0: none). */
  downAt: number;
}

/**
 * The next step for an estimate of `kbps`: one step up once the estimate has allowed it for UP_AFTER_MS
 * (UP_AGAIN_AFTER_MS soon after a step down), down at once below 80 % of the current step's floor.
 */
export function nextVideoStep(state: VideoStepState, kbps: number, now: number): VideoStepState {
  const { step, downAt } = state;
  let { highSince } = state;
  const up = VIDEO_STEPS[step + 1];
  if (up && kbps >= up.minKbps) {
    highSince ||= now;
    const hold = downAt && now - downAt < DOWN_REMEMBERED_MS ? UP_AGAIN_AFTER_MS : UP_AFTER_MS;
    if (now - highSince >= hold) return { step: step + 1, highSince: 0, downAt };
  } else highSince = 0;
  let next = step;
  while (next > 0 && kbps < 0.8 * VIDEO_STEPS[next].minKbps) next--;
  return next === step ? { step, highSince, downAt } : { step: next, highSince: 0, downAt: now };
}

/** Speech at 16 kbit/s is clear in Opus (wideband); with RED's copy the audio takes what plain Opus took (32). */
const AUDIO_MAX_BPS = 16_000;

/**
 * Audio first on a lossy link: each Opus packet also carries the previous one (RED, RFC 2198), so a
 * single lost packet costs nothing audible; the copy doubles the audio bitrate (see AUDIO_MAX_BPS).
 * A peer without RED (an older client) negotiates plain Opus as before.
 */
export function preferRedundantAudio(pc: RTCPeerConnection): void {
  const codecs = RTCRtpReceiver.getCapabilities?.("audio")?.codecs;
  const red = codecs?.filter((c) => c.mimeType.toLowerCase() === "audio/red");
  if (!codecs || !red?.length) return;
  const preferred = [...red, ...codecs.filter((c) => !red.includes(c))];
  for (const t of pc.getTransceivers()) {
    if (t.receiver.track.kind !== "audio" || t.currentDirection === "stopped") continue;
    try {
      t.setCodecPreferences(preferred);
    } catch { /* not supported: the browser's own order */ }
  }
}

/** Audio first; with `keepResolution` the camera keeps its resolution (once encodings exist, i.e. after negotiation). */
export async function prioritizeSenders(
  pc: RTCPeerConnection,
  keepResolution: boolean | undefined,
): Promise<void> {
  for (const t of pc.getTransceivers()) {
    const kind = t.receiver.track.kind;
    if (t.currentDirection === "stopped" || (kind === "video" && !keepResolution)) continue;
    const params = t.sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
    if (!params.encodings?.length) continue;
    let changed = false;
    if (kind === "video" && params.degradationPreference !== "maintain-resolution") {
      params.degradationPreference = "maintain-resolution";
      changed = true;
    }
    for (const e of params.encodings) {
      if (kind === "audio" && (e.priority !== "high" || e.networkPriority !== "high")) {
        e.priority = e.networkPriority = "high";
        changed = true;
      }
      if (kind === "audio" && e.maxBitrate !== AUDIO_MAX_BPS) {
        e.maxBitrate = AUDIO_MAX_BPS;
        changed = true;
      }
    }
    if (changed) await t.sender.setParameters(params).catch((e) => console.warn("setParameters failed", e));
  }
}

/** The camera's resolution step (VIDEO_STEPS) on a peer connection's video sender. */
export class VideoSteps {
  /** The call starts small, at VIDEO_STEPS[0] (a first keyframe crosses a slow link quickly). */
  private state: VideoStepState = { step: 0, highSince: 0, downAt: 0 };

  /** `camera`: the video track the sender sends, or will send once it is put back (PeerSession.holdMedia). */
  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly trace: (what: string) => void,
    private readonly camera: (sender: RTCRtpSender) => MediaStreamTrack | null,
  ) {}

  /**
   * The step for the bandwidth estimate (nextVideoStep). The sender is brought to it on every estimate, not
   * only when the step changes: a change whose setParameters was rejected or that found no camera is made on
   * the next estimate instead of never.
   */
  async fit(availableKbps: number): Promise<void> {
    this.state = nextVideoStep(this.state, availableKbps, Date.now());
    await this.apply();
  }

  /**
   * Scales the camera down so its short side (the height in landscape, the width on a phone held upright)
   * is the current step's height at most; never up: a small camera is sent as it is.
   */
  async apply(): Promise<void> {
    const t = this.pc.getTransceivers().find((t) => t.receiver.track.kind === "video");
    const params = t?.sender.getParameters();
    const { width, height } = (t && this.camera(t.sender))?.getSettings() ?? {};
    const short = Math.min(width ?? Infinity, height ?? Infinity);
    if (!t || !params?.encodings?.length || short === Infinity) return;
    const scale = Math.max(1, short / VIDEO_STEPS[this.state.step].height);
    if (params.encodings.every((e) => e.scaleResolutionDownBy === scale)) return;
    for (const e of params.encodings) e.scaleResolutionDownBy = scale;
    this.trace(`video scaled down by ${scale}`);
    await t.sender.setParameters(params).catch((e) => console.warn("setParameters failed", e));
  }
}
