/**
 * The WebRTC connection to the paired player: one RTCPeerConnection carrying the two negotiated
 * DataChannels of the design (id 0 `control`: reliable, ordered; id 1 `input`: unordered,
 * `maxRetransmits: 0`), each adapted to a {@link PacketChannel}.
 *
 * The lobby's `paired.role` decides who offers, so there is never offer glare. ICE trickles both
 * ways: local candidates go to the lobby as they are found (a `null` candidate ends them), and
 * remote candidates that arrive before the remote description are held until it is set. A connect
 * timeout turns "ICE never found a route" into a clear error instead of a page that waits forever.
 *
 * `webrtc-adapter` is imported here and only here, so every browser gets the same, spec-shaped API.
 *
 * The lifecycle (states, signal order, candidate buffering, timeouts, ICE restarts) is a reducer
 * in `peer_lifecycle.ts`, tested without I/O; this file is its shell: it owns the
 * RTCPeerConnection, the channels and the timers, runs the async SDP steps in arrival order, and
 * reads the selected candidate pair.
 *
 * @module
 */
import "webrtc-adapter";
import type { Role, SignalData } from "../../shared/lobby_protocol.ts";
import { type Clock, realClock } from "./clock.ts";
import { type ConnectionPath, pathFromStats, samePath } from "./connection_path.ts";
import type { PacketChannel } from "./packet_channel.ts";
import {
  createPeerLifecycle,
  type IceView,
  isPeerTerminal,
  type PeerLifecycleEffect,
  type PeerLifecycleEvent,
  type PeerState,
  type PeerTimer,
  stepPeerLifecycle,
} from "./peer_lifecycle.ts";

export type { PeerState } from "./peer_lifecycle.ts";

/**
 * Milliseconds from `paired` to each step of connecting (null until reached), for the
 * connect-time benchmark and for diagnosing a slow connect.
 */
export interface ConnectTimings {
  /** `connect()` was called. */
  start: number | null;
  /** The offer went out (offerer) or was applied (answerer). */
  offer: number | null;
  /** The answer was applied (offerer) or went out (answerer). */
  answer: number | null;
  /** ICE found a working candidate pair. */
  iceConnected: number | null;
  /** Each channel opened. */
  controlOpen: number | null;
  inputOpen: number | null;
  /** Both channels open: the connection is usable. */
  open: number | null;
}

/** Counters that explain a failed or slow connect. */
export interface PeerDiagnostics {
  localCandidates: number;
  remoteCandidates: number;
  /** Remote candidates that arrived before the remote description and had to wait. */
  queuedCandidates: number;
  /** Remote candidates the browser rejected (ignored: others may still work). */
  rejectedCandidates: number;
  iceConnectionState: string;
  connectionState: string;
  /** ICE restarts so far (relay-only retries included). */
  restarts: number;
}

/** How to build a {@link PeerConnection}. */
export interface PeerConnectionOptions {
  /** From the lobby's `paired`: the offerer sends the offer. */
  role: Role;
  /** Sends one signal to the peer through the lobby. */
  sendSignal: (data: SignalData) => void;
  /** From the lobby's `welcome`. */
  iceServers?: RTCIceServer[];
  /** `"relay"` forces TURN (tests; networks where only a relay works). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Gives up if both channels are not open this long after `connect()`; default 10 000 ms. */
  connectTimeoutMs?: number;
  /**
   * With TURN configured and no path found this long after `connect()`, the offerer restarts ICE
   * relay-only (default {@link DEFAULT_RELAY_AFTER_MS}; 0 turns it off).
   */
  relayAfterMs?: number;
  /**
   * An open connection whose ICE path stays `disconnected` this long (or `failed`) is restarted by
   * the offerer, relay-only when TURN is configured (default {@link DEFAULT_RESTART_AFTER_MS}; 0
   * turns it off). The answerer waits up to `connectTimeoutMs` for that restart before failing.
   */
  restartAfterMs?: number;
  /** Local candidates for which this returns false are never sent (lets tests break ICE for real). */
  candidateFilter?: (candidate: RTCIceCandidateInit) => boolean;
  /** When `paired` arrived (clock time); timings count from here. Defaults to `connect()` time. */
  pairedAt?: number;
  clock?: Clock;
  /** Injectable for tests; defaults to the browser's RTCPeerConnection. */
  createRTCPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
}

/** One WebRTC connection to the paired player. */
export interface PeerConnection {
  readonly role: Role;
  readonly state: PeerState;
  /** Why the connection failed or closed (null while healthy or after a local close()). */
  readonly error: Error | null;
  /** Reliable, ordered channel (id 0): handshake, pings, checksums, chat, end of match. */
  readonly control: PacketChannel;
  /** Unordered, unreliable channel (id 1): input frames only. */
  readonly input: PacketChannel;
  /** Called on every state change. */
  onState: ((state: PeerState) => void) | null;
  /**
   * The network path of the selected ICE candidate pair (direct or relayed, candidate types,
   * protocols), from `getStats()`; null until a pair is selected. Re-read when the pair changes
   * and every {@link PATH_POLL_MS} while connected.
   */
  readonly path: ConnectionPath | null;
  /** Called when {@link PeerConnection.path} changes. */
  onPath: ((path: ConnectionPath) => void) | null;
  /**
   * Starts negotiating (the offerer sends its offer) and arms the connect timeout. Resolves when
   * both channels are open; rejects with the failure (or on close) otherwise. Idempotent.
   */
  connect(): Promise<void>;
  /**
   * Feeds a signal relayed from the peer. Never throws; a signal that cannot apply (wrong kind for
   * this role, an SDP the browser rejects) fails the connection with a clear error.
   */
  handleSignal(data: SignalData): void;
  timings(): ConnectTimings;
  diagnostics(): PeerDiagnostics;
  /** The underlying RTCPeerConnection, for getStats() (e.g. which candidate pair was chosen). */
  readonly raw: RTCPeerConnection;
  /**
   * The path went quiet (the caller's own liveness check says so, which is quicker than ICE's
   * `disconnected`): the offerer restarts ICE, relay-only when TURN is configured, at most twice
   * per connection; the answerer does nothing (it answers the restart).
   */
  repair(): void;
  /** Closes both channels and the connection. Safe to call in any state. */
  close(): void;
}

/** DataChannel settings shared by both peers; negotiated ids mean no in-band channel setup. */
export const CONTROL_CHANNEL_INIT: RTCDataChannelInit = { negotiated: true, id: 0, ordered: true };
/** The input channel trades reliability for latency: inputs are repeated until acked instead. */
export const INPUT_CHANNEL_INIT: RTCDataChannelInit = {
  negotiated: true,
  id: 1,
  ordered: false,
  maxRetransmits: 0,
};

/** Default for {@link PeerConnectionOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Default for {@link PeerConnectionOptions.relayAfterMs}. Measured in the NAT lab, ICE with TURN
 * candidates connects in 0.2-0.7 s even behind symmetric NATs; five seconds without a path means
 * the direct checks are stuck, and a relay-only retry still fits in the connect timeout.
 */
export const DEFAULT_RELAY_AFTER_MS = 5_000;

/**
 * Default for {@link PeerConnectionOptions.restartAfterMs}. Browsers only say `disconnected`
 * after 2-3 s without answers to their checks; Chromium then sometimes moves to another working
 * pair by itself, Firefox never does (measured: a direct pair cut mid-match stayed dead). A
 * second more, and the offerer restarts ICE.
 */
export const DEFAULT_RESTART_AFTER_MS = 1_000;

/**
 * How often the selected candidate pair is re-read while connected. Chromium announces a new pair
 * (`selectedcandidatepairchange`), Firefox does not; the poll also catches what an event misses.
 */
export const PATH_POLL_MS = 2_000;

const encoder = new TextEncoder();

function adaptChannel(dc: RTCDataChannel): PacketChannel {
  dc.binaryType = "arraybuffer";
  const channel: PacketChannel = {
    send(data) {
      // Before open or after close the packet is dropped: callers watch the connection state, and
      // the transport already treats every packet as losable.
      if (dc.readyState !== "open") return;
      try {
        dc.send(data as Uint8Array<ArrayBuffer>);
      } catch {
        // The send buffer is full or the channel closed under us: same as a lost packet.
      }
    },
    onmessage: null,
  };
  dc.onmessage = (ev: MessageEvent) => {
    const d = ev.data;
    // A string or Blob is not something duet sends; pass its bytes on so the decoder rejects and
    // counts it instead of it vanishing silently.
    const bytes = d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : encoder.encode(String(d));
    channel.onmessage?.(bytes);
  };
  return channel;
}

/** Creates the connection and its two channels; nothing is sent until {@link PeerConnection.connect}. */
export function createPeerConnection(opts: PeerConnectionOptions): PeerConnection {
  if (opts.role !== "offerer" && opts.role !== "answerer") {
    throw new Error(`peer role must be "offerer" or "answerer", got ${String(opts.role)}`);
  }
  const clock = opts.clock ?? realClock;
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`connectTimeoutMs must be > 0, got ${timeoutMs}`);
  const config: RTCConfiguration = { iceServers: opts.iceServers ?? [] };
  const relayAfterMs = opts.relayAfterMs ?? DEFAULT_RELAY_AFTER_MS;
  const restartAfterMs = opts.restartAfterMs ?? DEFAULT_RESTART_AFTER_MS;
  const hasTurn = opts.iceTransportPolicy === "relay" ||
    config.iceServers!.some((server) =>
      (Array.isArray(server.urls) ? server.urls : [server.urls]).some((u) => /^turns?:/i.test(u))
    );
  if (opts.iceTransportPolicy) config.iceTransportPolicy = opts.iceTransportPolicy;
  const pc = (opts.createRTCPeerConnection ?? ((c) => new RTCPeerConnection(c)))(config);

  // Both channels exist before the offer, so the offer's SDP already carries the SCTP section.
  const controlDc = pc.createDataChannel("control", CONTROL_CHANNEL_INIT);
  const inputDc = pc.createDataChannel("input", INPUT_CHANNEL_INIT);
  const control = adaptChannel(controlDc);
  const input = adaptChannel(inputDc);

  const life = createPeerLifecycle({
    role: opts.role,
    hasTurn,
    relayOnly: opts.iceTransportPolicy === "relay",
    connectTimeoutMs: timeoutMs,
    relayAfterMs,
    restartAfterMs,
  });
  const timers: Record<PeerTimer, number | null> = { connect: null, recovery: null };
  let connecting: Promise<void> | null = null;
  let settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  let path: ConnectionPath | null = null;
  let pathTimer: number | null = null;
  let pathReading = false;
  // Signals are applied one at a time, in arrival order, since each step is async.
  let chain: Promise<void> = Promise.resolve();
  const marks: ConnectTimings = {
    start: null,
    offer: null,
    answer: null,
    iceConnected: null,
    controlOpen: null,
    inputOpen: null,
    open: null,
  };
  let origin: number | null = opts.pairedAt ?? null;
  const mark = (name: keyof ConnectTimings): void => {
    if (marks[name] !== null) return;
    if (origin === null) origin = clock.now();
    marks[name] = clock.now() - origin;
  };

  const terminal = (): boolean => isPeerTerminal(life);
  const view = (): IceView => ({
    ice: pc.iceConnectionState,
    conn: pc.connectionState ?? pc.iceConnectionState,
    signalingState: pc.signalingState,
    bothOpen: controlDc.readyState === "open" && inputDc.readyState === "open",
  });

  type AsyncEffect = Extract<PeerLifecycleEffect, { kind: "apply-description" | "add-candidate" }>;

  /** Carries out the effects in order; returns the async ones (SDP work) for the caller to await. */
  const run = (effects: PeerLifecycleEffect[]): AsyncEffect[] => {
    const later: AsyncEffect[] = [];
    for (const e of effects) {
      switch (e.kind) {
        case "state":
          self.onState?.(e.state);
          break;
        case "mark":
          mark(e.name);
          break;
        case "set-timer": {
          const which = e.timer;
          if (timers[which] !== null) clock.clearTimeout(timers[which]!);
          timers[which] = clock.setTimeout(() => {
            timers[which] = null;
            step({ kind: "timer", timer: which, view: view() });
          }, e.afterMs);
          break;
        }
        case "clear-timer":
          if (timers[e.timer] !== null) clock.clearTimeout(timers[e.timer]!);
          timers[e.timer] = null;
          break;
        case "make-offer":
          chain = chain.then(makeOffer).catch((err) => {
            fail(`signalling error: could not create the offer: ${(err as Error).message}`);
          });
          break;
        case "restart-ice":
          chain = chain.then(restartOffer).catch((err) => {
            fail(`ICE restart failed: ${(err as Error).message}`);
          });
          break;
        case "begin-restart":
          if (e.relayOnly) {
            pc.setConfiguration({ ...pc.getConfiguration(), iceTransportPolicy: "relay" });
          }
          break;
        case "send-candidate":
          sendCandidate(e.candidate);
          break;
        case "watch-path":
          watchPath();
          break;
        case "read-path":
          readPath();
          break;
        case "opened":
          settle?.resolve();
          settle = null;
          break;
        case "teardown":
          teardown();
          settle?.reject(e.error);
          settle = null;
          break;
        case "apply-description":
        case "add-candidate":
          later.push(e);
          break;
      }
    }
    return later;
  };

  const step = (event: PeerLifecycleEvent): PeerLifecycleEffect[] => {
    const effects = stepPeerLifecycle(life, event);
    run(effects);
    return effects;
  };

  const fail = (message: string): void => void step({ kind: "fail", message });

  const teardown = (): void => {
    for (const which of ["connect", "recovery"] as const) {
      if (timers[which] !== null) clock.clearTimeout(timers[which]!);
      timers[which] = null;
    }
    if (pathTimer !== null) clock.clearTimeout(pathTimer);
    pathTimer = null;
    pc.onicecandidate = null;
    pc.oniceconnectionstatechange = null;
    pc.onconnectionstatechange = null;
    for (const dc of [controlDc, inputDc]) {
      dc.onopen = null;
      dc.onclose = null;
      dc.onmessage = null;
      try {
        dc.close();
      } catch { /* already closed */ }
    }
    try {
      pc.close();
    } catch { /* already closed */ }
  };

  // getStats() is async and not free: one read at a time, and none after the end.
  const readPath = (): void => {
    if (terminal() || pathReading || typeof pc.getStats !== "function") return;
    pathReading = true;
    pc.getStats().then((report) => {
      pathReading = false;
      if (terminal()) return;
      const next = pathFromStats(report.values());
      if (next && !samePath(path, next)) {
        path = next;
        self.onPath?.(next);
      }
    }, () => {
      pathReading = false;
    });
  };
  const pollPath = (): void => {
    pathTimer = null;
    if (terminal()) return;
    readPath();
    pathTimer = clock.setTimeout(pollPath, PATH_POLL_MS);
  };
  const watchPath = (): void => {
    if (pathTimer !== null || terminal()) return;
    readPath();
    pathTimer = clock.setTimeout(pollPath, PATH_POLL_MS);
    // Chromium says when ICE switches pairs (e.g. from a direct pair that died to the relay).
    const ice = (pc as { sctp?: { transport?: { iceTransport?: EventTarget } } | null }).sctp
      ?.transport?.iceTransport;
    ice?.addEventListener?.("selectedcandidatepairchange", readPath);
  };

  const sendCandidate = (c: RTCIceCandidateInit | null): void => {
    opts.sendSignal({
      kind: "candidate",
      candidate: c && {
        candidate: c.candidate ?? "",
        sdpMid: c.sdpMid ?? null,
        sdpMLineIndex: c.sdpMLineIndex ?? null,
        usernameFragment: c.usernameFragment ?? null,
      },
    });
  };

  pc.onicecandidate = (ev: RTCPeerConnectionIceEvent) => {
    if (terminal()) return;
    let c: RTCIceCandidateInit | null = null;
    if (ev.candidate && ev.candidate.candidate !== "") {
      c = ev.candidate.toJSON();
      if (opts.candidateFilter && !opts.candidateFilter(c)) return;
    }
    step({ kind: "local-candidate", candidate: c });
  };
  const onTransportChange = () => void step({ kind: "transport-change", view: view() });
  pc.oniceconnectionstatechange = onTransportChange;
  pc.onconnectionstatechange = onTransportChange;

  const onChannelOpen = (channel: "controlOpen" | "inputOpen") => () =>
    void step({ kind: "channel-open", channel, view: view() });
  controlDc.onopen = onChannelOpen("controlOpen");
  inputDc.onopen = onChannelOpen("inputOpen");
  const onChannelClose = () => void step({ kind: "channel-close" });
  controlDc.onclose = onChannelClose;
  inputDc.onclose = onChannelClose;

  const sendDescription = (desc: RTCSessionDescriptionInit | null): void => {
    if (!desc?.sdp || (desc.type !== "offer" && desc.type !== "answer")) {
      throw new Error("the browser produced no local description");
    }
    opts.sendSignal({ kind: desc.type, sdp: desc.sdp });
    step({ kind: "description-sent" });
  };

  const addRemoteCandidate = async (c: RTCIceCandidateInit | null): Promise<void> => {
    try {
      // No argument is the spec's end-of-candidates; some browsers reject a null argument.
      if (c === null) await pc.addIceCandidate();
      else await pc.addIceCandidate(c);
    } catch {
      if (c !== null) step({ kind: "candidate-rejected" });
    }
  };

  const makeOffer = async (): Promise<void> => {
    const offer = await pc.createOffer();
    if (terminal()) return;
    await pc.setLocalDescription(offer);
    if (terminal()) return;
    sendDescription(pc.localDescription ?? offer);
    mark("offer");
  };

  // An ICE restart is a new offer with fresh credentials (the lobby relays it like the first);
  // relay-only when TURN is configured, because the direct path has just shown it does not work.
  const restartOffer = async (): Promise<void> => {
    const begun = step({
      kind: "restart-begin",
      view: view(),
      canSetConfiguration: typeof pc.setConfiguration === "function",
    });
    if (!begun.some((e) => e.kind === "begin-restart")) return;
    const offer = await pc.createOffer({ iceRestart: true });
    if (terminal()) return;
    await pc.setLocalDescription(offer);
    if (terminal()) return;
    sendDescription(pc.localDescription ?? offer);
  };

  const applyDescription = async (
    kind: "offer" | "answer",
    sdp: string,
    renegotiation: boolean,
  ): Promise<void> => {
    try {
      await pc.setRemoteDescription({ type: kind, sdp });
    } catch (e) {
      fail(`signalling error: the peer's ${kind} was rejected: ${(e as Error).message}`);
      return;
    }
    if (terminal()) return;
    step({ kind: "remote-description-set", type: kind, renegotiation });
    mark(kind);
    if (kind === "offer") {
      try {
        const answer = await pc.createAnswer();
        if (terminal()) return;
        await pc.setLocalDescription(answer);
        if (terminal()) return;
        sendDescription(pc.localDescription ?? answer);
        mark("answer");
      } catch (e) {
        fail(`signalling error: could not answer: ${(e as Error).message}`);
        return;
      }
    }
    await runAsync(run(stepPeerLifecycle(life, { kind: "remote-ready" })));
  };

  const runAsync = async (effects: AsyncEffect[]): Promise<void> => {
    for (const e of effects) {
      if (e.kind === "add-candidate") await addRemoteCandidate(e.candidate);
      else await applyDescription(e.type, e.sdp, e.renegotiation);
    }
  };

  const self: PeerConnection = {
    role: opts.role,
    get state() {
      return life.state;
    },
    get error() {
      return life.error;
    },
    control,
    input,
    onState: null,
    get path() {
      return path;
    },
    onPath: null,
    raw: pc,
    connect() {
      if (connecting) return connecting;
      if (terminal()) {
        connecting = Promise.reject(life.error ?? new Error("peer connection is closed"));
        return connecting;
      }
      connecting = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      step({ kind: "connect", view: view() });
      return connecting;
    },
    handleSignal(data) {
      chain = chain.then(() =>
        runAsync(run(stepPeerLifecycle(life, { kind: "signal", data, view: view() })))
      ).catch((e) => {
        fail(`signalling error: ${(e as Error).message}`);
      });
    },
    timings: () => ({ ...marks }),
    diagnostics: () => ({
      localCandidates: life.localCandidates,
      remoteCandidates: life.remoteCandidates,
      queuedCandidates: life.queuedCandidates,
      rejectedCandidates: life.rejectedCandidates,
      iceConnectionState: pc.iceConnectionState,
      connectionState: pc.connectionState ?? pc.iceConnectionState,
      restarts: life.restarts,
    }),
    repair: () => void step({ kind: "repair" }),
    close: () => void step({ kind: "close" }),
  };
  return self;
}
