/**
 * Everything a call page does besides drawing the UI: media, the signaling
 * socket, the peer connection (CallPeer), quality (annotations and chat: CallBoard). State lives in
 * signals so the island re-renders on change; tests read it through
 * `window.__mobimaint`.
 */
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { Me } from "../history.ts";
import { opensNegotiation } from "../negotiation.ts";
import type { CallDetailResponse } from "../rest.ts";
import { apiJson } from "./api.ts";
import { CallBoard } from "./call_board.ts";
import { CallPeer } from "./call_peer.ts";
import type { CallHandoff } from "./call_warmup.ts";
import { FreezeBoard } from "./freeze_board.ts";
import { Anchoring } from "./tracking/anchoring.ts";
import { LocalMedia } from "./local_media.ts";
import { MediaStateSync } from "./media_state.ts";
import type { PeerSession } from "./peer.ts";
import { LinkWatch } from "./link_watch.ts";
import type { Quality } from "./quality.ts";
import { ConnectionLostError, connectSignaling, request, type SignalingSocket } from "./signaling.ts";
import { ScreenWake } from "./wake_lock.ts";

/** How long a warning (an action that failed) stays on screen; the same words again restart it. */
const WARNING_MS = 10_000;

/** A signaling connection up this long before it was cut is tried again at once (see connect()). */
const STEADY_CONNECTION_MS = 5000;

export type SignalingState = "connecting" | "connected" | "reconnecting";

export class CallController {
  readonly signaling = signal<SignalingState>("connecting");
  readonly peerState = signal<RTCPeerConnectionState | "waiting">("waiting");
  readonly peerId = signal<string | null>(null);
  readonly peerPresent = signal(false);
  readonly remoteStream = signal<MediaStream | null>(null);
  readonly warnings = signal<string[]>([]);
  readonly notice = signal<string | null>(null);
  readonly ended = signal<string | null>(null);
  /** The link's quality (badge) and its recovery. */
  readonly link: LinkWatch;
  readonly quality: ReadonlySignal<Quality | null>;
  readonly names = signal<Record<string, string>>({});
  /** When the call became active (an Expert accepted), for the call timer. */
  readonly startedAt = signal<number | null>(null);
  /** The other participant's microphone and camera state. */
  readonly mediaState: MediaStateSync;
  /** Keeps the screen on while the call lasts. */
  readonly wake = new ScreenWake();
  /** Annotations and chat. */
  readonly board: CallBoard;
  /** This page's camera and microphone. */
  readonly media: LocalMedia;
  /** Camera tracking and poses for anchored drawings. */
  readonly anchoring: Anchoring;
  /** The frozen frame and the call's snapshots. */
  readonly freeze: FreezeBoard;
  /** The other participant, in the call, has turned its camera off (its picture is the last frame received). */
  readonly peerCameraOff: ReadonlySignal<boolean>;
  /**
   * The camera everyone annotates (the technician's) is turned off: its picture on the expert's page is
   * the last frame received, so the page shows that the camera is off instead, and takes no still from it.
   */
  readonly annotatedCameraOff: ReadonlySignal<boolean>;
  /** Names of server events received, in order (diagnostics and tests). */
  readonly events: string[] = [];
  /** Signaling connections made (1 + reconnects) and ICE restarts this page made, whatever the cause. */
  readonly counters = { connects: 0, iceRestarts: 0 };

  private socket?: SignalingSocket;
  /** The peer connection and its signals. */
  private readonly peer: CallPeer;
  private joined = false;
  private stopped = false;
  private readonly warningTimers = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * `handoff`: the call's members as this page knows them, and what the home page got ready while the
   * call rang (socket, camera, ICE servers).
   */
  constructor(readonly callId: string, readonly me: Me, private readonly handoff: CallHandoff) {
    this.names.value = { [me.userId]: me.username };
    const warn = (w: string) => {
      this.warnings.value = [...this.warnings.value.filter((x) => x !== w), w];
      clearTimeout(this.warningTimers.get(w));
      this.warningTimers.set(
        w,
        setTimeout(() => {
          this.warningTimers.delete(w);
          this.warnings.value = this.warnings.value.filter((x) => x !== w);
        }, WARNING_MS),
      );
    };
    this.board = new CallBoard(callId, me.userId, warn);
    this.anchoring = new Anchoring(callId, me.role === "Technician", this.board.annotations);
    this.media = new LocalMedia(
      me.role === "Technician" ? "environment" : "user",
      warn,
      (track) => this.peer.session?.replaceVideoTrack(track) ?? Promise.resolve(),
    );
    this.mediaState = new MediaStateSync(callId, me.userId, this.media);
    this.peerCameraOff = computed(() => this.peerPresent.value && !this.mediaState.peer.value.video);
    this.annotatedCameraOff = computed(() =>
      me.role === "Technician" ? this.media.cameraOff.value : this.peerCameraOff.value
    );
    this.freeze = new FreezeBoard(
      callId,
      me.role === "Technician",
      () => this.media.stream.value?.getVideoTracks()[0],
      warn,
      () => this.anchoring.anchorNow(),
      this.annotatedCameraOff,
    );
    this.link = new LinkWatch(
      () => this.peer.session,
      // A camera turned off on the other side sends little or nothing: that is not a bad connection.
      () => this.mediaState.peer.value.video,
      (session, servers, reason) => {
        if (this.stopped) return;
        this.note(`ice-restart:${reason}`);
        session.restartIce(servers);
      },
    );
    this.quality = this.link.quality;
    this.peer = new CallPeer({
      callId,
      me,
      handoff,
      link: this.link,
      media: this.media,
      anchoring: this.anchoring,
      board: this.board,
      peerId: this.peerId,
      peerState: this.peerState,
      remoteStream: this.remoteStream,
      socket: () => this.socket,
      note: (entry) => this.note(entry),
      iceRestarted: () => this.counters.iceRestarts++,
    });
  }

  /** The current peer connection (tests read its pc). */
  get session(): PeerSession | undefined {
    return this.peer.session;
  }

  /** The other participant's name: the one connected, else the one the call record names. */
  get peerName(): string {
    const names = this.names.value;
    return names[this.peerId.value ?? ""] ??
      Object.entries(names).find(([id]) => id !== this.me.userId)?.[1] ?? "the other participant";
  }

  private prepared?: Promise<MediaStream>;
  private preparedDone = false;

  /**
   * Camera, microphone and ICE servers; the technician, who makes the first offer, also sets up its
   * peer connection (offer made, candidates gathered; sent once the expert is in the room). Runs while
   * the call rings when the home page prepares it (call_warmup.ts), else as the call page starts.
   */
  prepare(): Promise<MediaStream> {
    return this.prepared ??= Promise.all([
      this.media.open(this.handoff.media),
      this.handoff.ice ?? this.link.fetchIce(),
      this.handoff.gathered,
    ]).then(([media, ice, gathered]) => {
      this.link.useIce(ice);
      this.peer.adoptGathered(gathered);
      const { socket, peer } = this.handoff;
      if (peer) this.peerId.value = peer;
      if (socket && !this.stopped) this.peer.listen(this.socket = socket);
      if (opensNegotiation(this.handoff.members, this.me.userId) && !this.stopped) this.peer.ensure();
      this.preparedDone = true;
      return media;
    });
  }

  private started?: Promise<void>;

  /** Joins the call: media, signaling, the peer connection. Safe to call again (the room calls it too). */
  start(): Promise<void> {
    return this.started ??= this.run();
  }

  private async run(): Promise<void> {
    const path = `/api/calls/${encodeURIComponent(this.callId)}`;
    const details = apiJson<CallDetailResponse>("GET", path).then((c) => {
      this.addNames(c.participants);
      this.startedAt.value = c.startTime ?? null;
      this.freeze.load(c);
    }).catch(() => {});
    // A call just answered has no stored state yet: its room need not wait for it.
    const [media] = await Promise.all([this.prepare(), this.handoff.socket ? undefined : details]);
    if (this.stopped) return media.getTracks().forEach((t) => t.stop());
    performance.mark("call:media");
    this.wake.hold();
    this.connect();
    this.link.start(() => {
      this.notice.value = null;
      // Do not wait for the socket's backoff timer: the server only keeps us in the call for a grace period.
      if (this.socket && !this.socket.connected) this.socket.disconnect().connect();
    });
    const offline = () => this.notice.value = "You are offline. The call resumes when the network is back.";
    addEventListener("offline", offline);
    this.cleanup.push(() => removeEventListener("offline", offline));
  }

  private cleanup: (() => void)[] = [];

  /** Keeps the latest 1,000 diagnostic entries (a long call must not grow memory). */
  private note(entry: string) {
    if (this.events.push(entry) > 1000) this.events.splice(0, this.events.length - 1000);
  }

  private addNames(users: { userId: string; username: string }[]) {
    this.names.value = {
      ...this.names.value,
      ...Object.fromEntries(users.map((u) => [u.userId, u.username])),
    };
  }

  private connect() {
    const s = this.socket = this.handoff.socket ?? connectSignaling(this.me.userId, "none");
    const { callId, me } = this;
    s.onAny((event: string) => this.note(event));
    let connectedAt = 0;
    const joinCall = async () => {
      connectedAt = Date.now();
      this.counters.connects++;
      this.signaling.value = "connected";
      if (this.notice.value?.startsWith("Connection to the server")) this.notice.value = null;
      const rejoin = this.joined;
      try {
        await request(s, "join-call", { callId, userId: me.userId, role: me.role });
        if (!this.joined) performance.mark("call:joined");
        this.joined = true;
        this.anchoring.joined();
      } catch (e) {
        // Only the server's refusal ends the call here. A connection lost before the answer came (its ack
        // is rejected on disconnect) joins again when it is back; one that never answered is made anew.
        if (e instanceof ConnectionLostError) {
          if (s.connected && !this.stopped) s.disconnect().connect();
          return;
        }
        return this.finish((e as Error).message || "This call is not available.", false);
      }
      this.mediaState.announce();
      // A new signaling connection may mean a new network path: renegotiate ICE.
      if (rejoin) this.link.restartIce("signaling");
    };
    s.on("connect", joinCall);
    s.on("disconnect", (reason) => {
      if (reason === "io client disconnect" || this.stopped) return;
      this.signaling.value = "reconnecting";
      this.notice.value = "Connection to the server lost. Reconnecting…";
      // A connection cut under the page (a network switch, a NAT rebinding) is tried again at once, not after
      // the backoff's first 200–600 ms: the call's ICE restart waits for this socket. Later tries back off,
      // and so does a connection that was up only briefly (a server that drops it would be hammered).
      const cut = reason === "transport close" || reason === "transport error";
      if (cut && Date.now() - connectedAt >= STEADY_CONNECTION_MS) s.disconnect().connect();
    });
    s.on("existing-users", ({ users }) => {
      this.addNames(users);
      const other = users.find((u) => u.userId !== me.userId);
      if (other) this.peerArrived(other.userId, true);
    });
    s.on("user-joined", ({ userId }) => {
      if (userId === me.userId) return;
      this.peerArrived(userId);
      if (!this.names.value[userId]) {
        apiJson<CallDetailResponse>("GET", `/api/calls/${encodeURIComponent(callId)}`).then((c) =>
          this.addNames(c.participants)
        ).catch(() => {});
      }
    });
    s.on("user-left", ({ userId }) => {
      if (userId !== this.peerId.value) return;
      this.peerPresent.value = false;
      this.mediaState.reset();
      this.notice.value = `${this.peerName} left the call. Waiting for them to come back…`;
      this.peer.close();
    });
    this.peer.listen(s);
    this.board.attach(s);
    this.anchoring.attachSocket(s);
    this.freeze.attach(s);
    this.mediaState.attach(s);
    s.on("call-ended", ({ from }) => {
      const words = from && from !== me.userId
        ? `${this.names.value[from] ?? "The other participant"} ended the call.`
        : "The call has ended.";
      // Leave at once (not after the grace period), so the call is over for everyone's history now.
      const left = request(s, "end-call", { callId }, 1000).catch(() => {});
      left.finally(() => this.finish(words));
    });
    s.on("error", (e) => console.warn("signaling error", e.code, e.message));
    if (s.connected) joinCall(); // the home page's connection, handed over
  }

  /** The call is answered: media flows on the connection made while it rang. */
  releaseMedia(): Promise<void> {
    return this.peer.releaseMedia(this.preparedDone ? undefined : this.prepared);
  }

  private peerArrived(userId: string, before = false) {
    performance.mark("call:peer");
    this.peerId.value = userId;
    this.peerPresent.value = true;
    this.mediaState.announce();
    if (this.notice.value?.includes("left the call")) this.notice.value = null;
    this.peer.arrived(before);
  }

  /** The peer connection's raw stats (diagnostics and tests). */
  stats(): Promise<RTCStatsReport | undefined> {
    return this.peer.session?.pc.getStats() ?? Promise.resolve(undefined);
  }

  // ---- controls ----

  async end() {
    if (this.socket) await request(this.socket, "end-call", { callId: this.callId }).catch(() => {});
    this.finish("You ended the call.", true, 0);
  }

  /** Shows why the call is over, releases everything and goes home. */
  finish(message: string, goHome = true, delayMs = 2500) {
    if (this.ended.value) return;
    this.ended.value = message;
    this.stop();
    if (goHome) setTimeout(() => location.assign("/"), delayMs);
  }

  stop() {
    this.stopped = true;
    this.link.stop();
    this.cleanup.forEach((f) => f());
    this.peer.stop();
    this.anchoring.stop();
    this.board.stop();
    this.media.stop();
    this.mediaState.stop();
    this.wake.release();
    this.warningTimers.forEach((t) => clearTimeout(t));
    // A home page's connection lent to a call that never started stays with the home page.
    if (!this.handoff.socket || this.started) this.socket?.close();
  }
}
