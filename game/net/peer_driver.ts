/**
 * The imperative shell around the peer lifecycle reducer (`peer_lifecycle.ts`): one object that
 * owns the RTCPeerConnection, its two DataChannels and the timers for the connection's lifetime,
 * feeds the browser's events to the reducer, and carries out the effects it returns. The async
 * SDP steps (offer, answer, ICE restart, remote descriptions and candidates) run one at a time, in
 * arrival order.
 *
 * @module
 */
import type { Role, SignalData } from "../../shared/lobby_protocol.ts";
import type { Clock } from "./clock.ts";
import { ConnectMarks } from "./connect_timings.ts";
import type { ConnectionPath } from "./connection_path.ts";
import { adaptChannel, CONTROL_CHANNEL_INIT, INPUT_CHANNEL_INIT } from "./data_channel.ts";
import type { PacketChannel } from "./packet_channel.ts";
import {
  createPeerLifecycle,
  type IceView,
  isPeerTerminal,
  type PeerLifecycle,
  type PeerLifecycleConfig,
  type PeerLifecycleEffect,
  type PeerLifecycleEvent,
  type PeerState,
  type PeerTimer,
  stepPeerLifecycle,
} from "./peer_lifecycle.ts";
import { SelectedPath } from "./selected_path.ts";

/** What a {@link PeerDriver} needs besides its RTCPeerConnection; settings already checked. */
export interface PeerDriverOptions {
  lifecycle: PeerLifecycleConfig;
  sendSignal: (data: SignalData) => void;
  candidateFilter?: (candidate: RTCIceCandidateInit) => boolean;
  /** Clock time timings count from; null means the first mark. */
  pairedAt: number | null;
  clock: Clock;
  onState: (state: PeerState) => void;
  onPath: (path: ConnectionPath) => void;
}

type AsyncEffect = Extract<PeerLifecycleEffect, { kind: "apply-description" | "add-candidate" }>;

/** Runs one peer connection: the lifecycle's effects against a real RTCPeerConnection. */
export class PeerDriver {
  /** The connection this driver owns and closes. */
  readonly pc: RTCPeerConnection;
  /** Reliable, ordered channel (id 0). */
  readonly control: PacketChannel;
  /** Unordered, unreliable channel (id 1). */
  readonly input: PacketChannel;
  /** The reducer's state: read it, never write it. */
  readonly life: PeerLifecycle;
  /** Connect timings. */
  readonly marks: ConnectMarks;
  /** The selected candidate pair. */
  readonly selected: SelectedPath;
  #opts: PeerDriverOptions;
  #controlDc: RTCDataChannel;
  #inputDc: RTCDataChannel;
  #timers: Record<PeerTimer, number | null> = { connect: null, recovery: null };
  #connecting: Promise<void> | null = null;
  #settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  // Signals are applied one at a time, in arrival order, since each step is async.
  #chain: Promise<void> = Promise.resolve();

  /** Creates both channels and listens to the connection; nothing is sent until `connect()`. */
  constructor(pc: RTCPeerConnection, opts: PeerDriverOptions) {
    this.pc = pc;
    this.#opts = opts;
    this.life = createPeerLifecycle(opts.lifecycle);
    this.marks = new ConnectMarks(opts.clock, opts.pairedAt);
    this.selected = new SelectedPath(pc, opts.clock, () => this.#terminal(), opts.onPath);
    // Both channels exist before the offer, so the offer's SDP already carries the SCTP section.
    this.#controlDc = pc.createDataChannel("control", CONTROL_CHANNEL_INIT);
    this.#inputDc = pc.createDataChannel("input", INPUT_CHANNEL_INIT);
    this.control = adaptChannel(this.#controlDc);
    this.input = adaptChannel(this.#inputDc);
    this.#listen();
  }

  /** The lobby's role for this side. */
  get role(): Role {
    return this.life.config.role;
  }

  /** Starts negotiating; resolves when both channels are open. Idempotent. */
  connect(): Promise<void> {
    if (this.#connecting) return this.#connecting;
    if (this.#terminal()) {
      this.#connecting = Promise.reject(this.life.error ?? new Error("peer connection is closed"));
      return this.#connecting;
    }
    this.#connecting = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#step({ kind: "connect", view: this.#view() });
    return this.#connecting;
  }

  /** Queues a signal from the peer behind the SDP work already in flight. Never throws. */
  handleSignal(data: SignalData): void {
    this.#chain = this.#chain.then(() =>
      this.#runAsync(
        this.#run(stepPeerLifecycle(this.life, { kind: "signal", data, view: this.#view() })),
      )
    ).catch((e) => {
      this.#fail(`signalling error: ${(e as Error).message}`);
    });
  }

  /** The caller's liveness check says the path went quiet. */
  repair(): void {
    this.#step({ kind: "repair" });
  }

  /** Closes the channels and the connection; safe in any state. */
  close(): void {
    this.#step({ kind: "close" });
  }

  #terminal(): boolean {
    return isPeerTerminal(this.life);
  }

  #view(): IceView {
    const pc = this.pc;
    return {
      ice: pc.iceConnectionState,
      conn: pc.connectionState ?? pc.iceConnectionState,
      signalingState: pc.signalingState,
      bothOpen: this.#controlDc.readyState === "open" && this.#inputDc.readyState === "open",
    };
  }

  #listen(): void {
    this.pc.onicecandidate = (ev: RTCPeerConnectionIceEvent) => {
      if (this.#terminal()) return;
      let c: RTCIceCandidateInit | null = null;
      if (ev.candidate && ev.candidate.candidate !== "") {
        c = ev.candidate.toJSON();
        if (this.#opts.candidateFilter && !this.#opts.candidateFilter(c)) return;
      }
      this.#step({ kind: "local-candidate", candidate: c });
    };
    const onTransportChange = () =>
      void this.#step({ kind: "transport-change", view: this.#view() });
    this.pc.oniceconnectionstatechange = onTransportChange;
    this.pc.onconnectionstatechange = onTransportChange;
    const onOpen = (channel: "controlOpen" | "inputOpen") => () =>
      void this.#step({ kind: "channel-open", channel, view: this.#view() });
    this.#controlDc.onopen = onOpen("controlOpen");
    this.#inputDc.onopen = onOpen("inputOpen");
    const onClose = () => void this.#step({ kind: "channel-close" });
    this.#controlDc.onclose = onClose;
    this.#inputDc.onclose = onClose;
  }

  #step(event: PeerLifecycleEvent): PeerLifecycleEffect[] {
    const effects = stepPeerLifecycle(this.life, event);
    this.#run(effects);
    return effects;
  }

  #fail(message: string): void {
    this.#step({ kind: "fail", message });
  }

  /** Carries out the effects in order; returns the async ones (SDP work) for the caller to await. */
  #run(effects: PeerLifecycleEffect[]): AsyncEffect[] {
    const later: AsyncEffect[] = [];
    for (const e of effects) {
      switch (e.kind) {
        case "state":
          this.#opts.onState(e.state);
          break;
        case "mark":
          this.marks.mark(e.name);
          break;
        case "set-timer":
          this.#setTimer(e.timer, e.afterMs);
          break;
        case "clear-timer":
          this.#clearTimer(e.timer);
          break;
        case "make-offer":
          this.#chain = this.#chain.then(() => this.#makeOffer()).catch((err) => {
            this.#fail(`signalling error: could not create the offer: ${(err as Error).message}`);
          });
          break;
        case "restart-ice":
          this.#chain = this.#chain.then(() => this.#restartOffer()).catch((err) => {
            this.#fail(`ICE restart failed: ${(err as Error).message}`);
          });
          break;
        case "begin-restart":
          if (e.relayOnly) {
            this.pc.setConfiguration({
              ...this.pc.getConfiguration(),
              iceTransportPolicy: "relay",
            });
          }
          break;
        case "send-candidate":
          this.#sendCandidate(e.candidate);
          break;
        case "watch-path":
          this.selected.watch();
          break;
        case "read-path":
          this.selected.read();
          break;
        case "opened":
          this.#settle?.resolve();
          this.#settle = null;
          break;
        case "teardown":
          this.#teardown();
          this.#settle?.reject(e.error);
          this.#settle = null;
          break;
        case "apply-description":
        case "add-candidate":
          later.push(e);
          break;
      }
    }
    return later;
  }

  async #runAsync(effects: AsyncEffect[]): Promise<void> {
    for (const e of effects) {
      if (e.kind === "add-candidate") await this.#addRemoteCandidate(e.candidate);
      else await this.#applyDescription(e.type, e.sdp, e.renegotiation);
    }
  }

  #setTimer(which: PeerTimer, afterMs: number): void {
    this.#clearTimer(which);
    this.#timers[which] = this.#opts.clock.setTimeout(() => {
      this.#timers[which] = null;
      this.#step({ kind: "timer", timer: which, view: this.#view() });
    }, afterMs);
  }

  #clearTimer(which: PeerTimer): void {
    if (this.#timers[which] !== null) this.#opts.clock.clearTimeout(this.#timers[which]!);
    this.#timers[which] = null;
  }

  #teardown(): void {
    this.#clearTimer("connect");
    this.#clearTimer("recovery");
    this.selected.stop();
    this.pc.onicecandidate = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.onconnectionstatechange = null;
    for (const dc of [this.#controlDc, this.#inputDc]) {
      dc.onopen = null;
      dc.onclose = null;
      dc.onmessage = null;
      try {
        dc.close();
      } catch { /* already closed */ }
    }
    try {
      this.pc.close();
    } catch { /* already closed */ }
  }

  #sendCandidate(c: RTCIceCandidateInit | null): void {
    this.#opts.sendSignal({
      kind: "candidate",
      candidate: c && {
        candidate: c.candidate ?? "",
        sdpMid: c.sdpMid ?? null,
        sdpMLineIndex: c.sdpMLineIndex ?? null,
        usernameFragment: c.usernameFragment ?? null,
      },
    });
  }

  #sendDescription(desc: RTCSessionDescriptionInit | null): void {
    if (!desc?.sdp || (desc.type !== "offer" && desc.type !== "answer")) {
      throw new Error("the browser produced no local description");
    }
    this.#opts.sendSignal({ kind: desc.type, sdp: desc.sdp });
    this.#step({ kind: "description-sent" });
  }

  async #addRemoteCandidate(c: RTCIceCandidateInit | null): Promise<void> {
    try {
      // No argument is the spec's end-of-candidates; some browsers reject a null argument.
      if (c === null) await this.pc.addIceCandidate();
      else await this.pc.addIceCandidate(c);
    } catch {
      if (c !== null) this.#step({ kind: "candidate-rejected" });
    }
  }

  async #makeOffer(): Promise<void> {
    const offer = await this.pc.createOffer();
    if (this.#terminal()) return;
    await this.pc.setLocalDescription(offer);
    if (this.#terminal()) return;
    this.#sendDescription(this.pc.localDescription ?? offer);
    this.marks.mark("offer");
  }

  // An ICE restart is a new offer with fresh credentials (the lobby relays it like the first);
  // relay-only when TURN is configured, because the direct path has just shown it does not work.
  async #restartOffer(): Promise<void> {
    const begun = this.#step({
      kind: "restart-begin",
      view: this.#view(),
      canSetConfiguration: typeof this.pc.setConfiguration === "function",
    });
    if (!begun.some((e) => e.kind === "begin-restart")) return;
    const offer = await this.pc.createOffer({ iceRestart: true });
    if (this.#terminal()) return;
    await this.pc.setLocalDescription(offer);
    if (this.#terminal()) return;
    this.#sendDescription(this.pc.localDescription ?? offer);
  }

  async #applyDescription(
    kind: "offer" | "answer",
    sdp: string,
    renegotiation: boolean,
  ): Promise<void> {
    try {
      await this.pc.setRemoteDescription({ type: kind, sdp });
    } catch (e) {
      this.#fail(`signalling error: the peer's ${kind} was rejected: ${(e as Error).message}`);
      return;
    }
    if (this.#terminal()) return;
    this.#step({ kind: "remote-description-set", type: kind, renegotiation });
    this.marks.mark(kind);
    if (kind === "offer" && !(await this.#answer())) return;
    await this.#runAsync(this.#run(stepPeerLifecycle(this.life, { kind: "remote-ready" })));
  }

  /** Answers the offer just applied; false when the connection ended or failed meanwhile. */
  async #answer(): Promise<boolean> {
    try {
      const answer = await this.pc.createAnswer();
      if (this.#terminal()) return false;
      await this.pc.setLocalDescription(answer);
      if (this.#terminal()) return false;
      this.#sendDescription(this.pc.localDescription ?? answer);
      this.marks.mark("answer");
      return true;
    } catch (e) {
      this.#fail(`signalling error: could not answer: ${(e as Error).message}`);
      return false;
    }
  }
}
