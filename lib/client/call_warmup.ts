/**
 * Getting a call ready while it rings, so that *Accept* leads straight to video: the call room's code
 * loaded, the camera open, the ICE servers fetched and the peer connection made (offer, answer, ICE and
 * DTLS), with no media on it until the call is answered. Once answered, the call room opens in place of
 * the home page on the home page's signaling connection: no page load, no new connection, and nobody
 * offline for a moment in between.
 * A reload of the call's URL opens the call page as before.
 */
import { signal } from "@preact/signals";
import { h, render } from "preact";
import { preloadLazy } from "../../server/fresh/client.ts";
import type { Me } from "../history.ts";
import type { IceServersResponse } from "../rest.ts";
import { apiJson } from "./api.ts";
import type { CallController } from "./call_controller.ts";
import { type Facing, getLocalMedia, type LocalMedia as Acquired } from "./media.ts";
import { onRelayed, type Relayed } from "./relayed.ts";
import type { SignalingSocket } from "./signaling.ts";

/** What a call room takes over from the page it opens in. */
export interface CallHandoff {
  /**
   * The call's participants as far as this page knows them, in the order they came in (its creator
   * first): who opens the negotiation (lib/negotiation.ts).
   */
  members: readonly string[];
  socket?: SignalingSocket;
  media?: Promise<Acquired>;
  ice?: Promise<IceServersResponse>;
  /** The other side, known while it rings. */
  peer?: string;
  /** Send no media until releaseMedia(): the call is not answered yet (its connection is made meanwhile). */
  holdMedia?: boolean;
  /** Signals received before the call took over; stops collecting them. */
  takeSignals?: () => Relayed[];
  /** The peer is being rung: what this page signals waits until it is (a rejection: never sent). */
  sendAfter?: Promise<unknown>;
  /** A peer connection gathering candidates since the call was placed (CallWarmup.gatherEarly). */
  gathered?: Promise<RTCPeerConnection | undefined>;
}

const loadRoom = () => import("../../islands/CallRoom.tsx");
/** The connection's code alone: on a slow link it arrives well before the room's, and the offer needs only it. */
const loadController = () => import("./call_controller.ts");

/** Whether the browser already lets this site use camera and microphone (asking would show a prompt). */
async function mediaAllowed(): Promise<boolean> {
  try {
    const states = await Promise.all(
      ["camera", "microphone"].map((name) => navigator.permissions.query({ name: name as PermissionName })),
    );
    return states.every((s) => s.state === "granted");
  } catch {
    return false; // no Permissions API for devices: ask when the call is answered
  }
}

const stopTracks = (media: Promise<Acquired> | undefined) =>
  media?.then((m) => m.stream.getTracks().forEach((t) => t.stop())).catch(() => {});

export class CallWarmup {
  /** The camera while it rings, for a preview (null: not opened). */
  readonly preview = signal<MediaStream | null>(null);
  private media?: Promise<Acquired>;
  private ice?: Promise<IceServersResponse>;
  private room?: ReturnType<typeof loadRoom>;
  private controller?: ReturnType<typeof loadController>;
  /** The caller's peer connection, gathering its candidates while the call is placed (gatherEarly). */
  private gathered?: Promise<RTCPeerConnection | undefined>;
  /** The call connected while it rings (the technician's offer, the expert's answer), its media held back. */
  private call?: CallController;
  private warming?: Promise<void>;
  /** Offers and candidates the caller sent while it rings (expert), until a call takes them over. */
  private early?: { callId: string; signals: Relayed[]; stop: () => void };
  /** The call the expert accepted: its media is not held back any more. */
  private accepted?: string;

  /**
   * Loads the call room's code once the home page is idle: on a slow link it takes seconds, and a call
   * that rings meanwhile could not make its connection before it arrived. Returns a cancel.
   */
  prefetchRoom(): () => void {
    const load = () => {
      preloadLazy(); // every file of the connection and the room at once, not one import after another
      this.loadController().then(() => {
        this.room ??= loadRoom();
        this.room.then(() => performance.mark("call:room-code"), () => this.room = undefined);
      }, () => {});
    };
    if (typeof requestIdleCallback === "function") {
      const id = requestIdleCallback(load, { timeout: 2000 });
      return () => cancelIdleCallback(id);
    }
    const id = setTimeout(load, 500);
    return () => clearTimeout(id);
  }

  /**
   * `camera`: "ask" opens it now (the technician pressed Call: the prompt belongs to that tap);
   * "if-allowed" opens it only when no prompt would appear (an expert is not asked before answering).
   */
  start(facing: Facing, camera: "ask" | "if-allowed"): Promise<void> {
    return this.warming ??= this.warm(facing, camera);
  }

  /**
   * The caller: a peer connection starts gathering candidates as soon as the ICE servers are known. A TURN
   * allocation takes several round trips (over TCP or TLS, five), which a slow link makes seconds; this way
   * they overlap placing the call and ringing it. Call after start().
   */
  gatherEarly(): void {
    if (this.gathered || !this.ice) return;
    this.gathered = this.ice.then(({ iceServers, iceTransportPolicy }) =>
      iceServers.length && this.warming
        ? new RTCPeerConnection({ iceServers, iceTransportPolicy, iceCandidatePoolSize: 1 })
        : undefined
    ).catch(() => undefined);
  }

  /** The gathering connection, to the call that takes it (once). */
  private takeGathered(): Promise<RTCPeerConnection | undefined> | undefined {
    const gathered = this.gathered;
    this.gathered = undefined;
    return gathered;
  }

  /** The connection's code, loaded once (tried again after a failure). */
  private loadController(): ReturnType<typeof loadController> {
    this.controller ??= loadController();
    this.controller.catch(() => this.controller = undefined);
    return this.controller;
  }

  private async warm(facing: Facing, camera: "ask" | "if-allowed"): Promise<void> {
    this.loadController();
    this.room ??= loadRoom();
    this.room.catch(() => this.room = undefined); // tried again on entering
    // Without them the call can still try direct paths (the call room fetches fresh ones on a restart).
    this.ice ??= apiJson<IceServersResponse>("GET", "/api/ice-servers")
      .finally(() => performance.mark("call:ice-servers"))
      .catch(() => ({ iceServers: [], ttl: 0, iceTransportPolicy: "all" as const }));
    if (this.media || (camera === "if-allowed" && !(await mediaAllowed()))) return;
    const media = this.media = getLocalMedia(facing);
    const acquired = await media;
    performance.mark("call:camera");
    if (this.media === media) this.preview.value = acquired.stream;
  }

  /**
   * The technician is calling `expert`: set up its peer connection now, while the expert is being rung
   * (`rung`: the call-request's answer), and send the offer once they are.
   */
  async prepare(
    callId: string,
    me: Me,
    socket: SignalingSocket,
    expert: string,
    rung: Promise<unknown>,
  ): Promise<void> {
    rung.then(() => performance.mark("call:ringing"), () => {});
    const { CallController } = await this.loadController();
    if (this.call || !this.media) return; // cancelled meanwhile, or already prepared
    const handoff = {
      members: [me.userId],
      socket,
      media: this.media,
      ice: this.ice,
      peer: expert,
      holdMedia: true,
      sendAfter: rung,
      gathered: this.takeGathered(),
    };
    this.call = new CallController(callId, me, handoff);
    this.call.prepare().catch(() => {});
  }

  /**
   * The expert is rung by `from`: the caller's offer, when it comes, is answered at once, and the two
   * pages connect while it rings; neither sends media until the call is answered (answer(), enter()).
   * Only with the camera already open: an expert is not asked for it before answering.
   */
  expectOffer(callId: string, me: Me, socket: SignalingSocket, from: string): void {
    this.early?.stop();
    const early = { callId, signals: [] as Relayed[], stop: () => {} };
    early.stop = onRelayed(socket, callId, (m) => {
      if (m.from !== from) return;
      early.signals.push(m);
      if (m.signal.type === "description") this.answerEarly(callId, me, socket, from).catch(() => {});
    });
    this.early = early;
  }

  private async answerEarly(callId: string, me: Me, socket: SignalingSocket, from: string) {
    await this.warming;
    const { CallController } = await this.loadController();
    if (this.call || !this.media || this.early?.callId !== callId) return;
    const handoff = {
      ...this.handoff(socket, callId, [from]),
      peer: from,
      holdMedia: this.accepted !== callId,
    };
    this.call = new CallController(callId, me, handoff);
    await this.call.prepare();
  }

  /** The expert accepts: its media starts on the connection made while it rang, before the acceptance goes. */
  async answer(callId: string): Promise<void> {
    this.accepted = callId;
    if (this.call?.callId === callId) await this.call.releaseMedia();
  }

  private handoff(socket: SignalingSocket, callId: string, members: readonly string[]): CallHandoff {
    const early = this.early?.callId === callId ? this.early : undefined;
    return {
      members,
      socket,
      media: this.media,
      ice: this.ice,
      takeSignals: early && (() => {
        early.stop();
        return early.signals.splice(0);
      }),
    };
  }

  /** The call will not happen: the camera goes off. */
  cancel(): void {
    this.early?.stop();
    this.early = undefined;
    this.warming = undefined;
    stopTracks(this.media);
    this.media = undefined;
    this.preview.value = null;
    this.call?.stop();
    this.call = undefined;
    this.takeGathered()?.then((pc) => pc?.close());
  }

  /**
   * Replaces the page with the room of the answered call, which takes over socket, camera and ICE servers.
   * `creator`: who made the call (the caller, or this user).
   */
  async enter(callId: string, me: Me, socket: SignalingSocket, creator: string): Promise<void> {
    const handoff = this.handoff(socket, callId, [creator]);
    const prepared = this.call?.callId === callId ? this.call : undefined;
    if (!prepared) handoff.gathered = this.takeGathered();
    this.takeGathered()?.then((pc) => pc?.close()); // not taken by the call prepared before
    this.media = this.call = undefined; // the call room owns them now
    this.preview.value = null;
    prepared?.releaseMedia(); // answered: the technician's media starts (the expert's did with Accept)
    let room;
    try {
      room = await (this.room ?? loadRoom());
    } catch {
      stopTracks(handoff.media);
      return location.assign(`/call/${encodeURIComponent(callId)}`); // the code did not load: the page will
    }
    const call = prepared ?? new room.CallController(callId, me, handoff);
    call.start().catch(() => {}); // joins before the room is drawn; the room reports a failure
    for (const el of document.body.children) (el as HTMLElement).hidden = true;
    const root = document.createElement("div");
    root.className = "call-in-place";
    document.body.append(root);
    history.pushState(null, "", `/call/${encodeURIComponent(callId)}`);
    scrollTo(0, 0);
    render(h(room.default, { callId, me, members: handoff.members, controller: call }), root);
    performance.mark("call:room");
  }
}
