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
 * @module
 */
import "webrtc-adapter";
import type { Role, SignalData } from "../../shared/lobby_protocol.ts";
import { type Clock, realClock } from "./clock.ts";
import { type ConnectionPath, pathFromStats, samePath } from "./connection_path.ts";
import type { PacketChannel } from "./packet_channel.ts";

/**
 * Lifecycle of the connection. `interrupted` is an open connection whose ICE path went quiet and
 * may come back; `closed` and `failed` are terminal (`failed` carries {@link PeerConnection.error}).
 */
export type PeerState = "new" | "connecting" | "open" | "interrupted" | "closed" | "failed";

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

/** ICE restarts per connection: one may fail too (the relay is down); then the match is over. */
const MAX_RESTARTS = 2;

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

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
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

  let state: PeerState = "new";
  let error: Error | null = null;
  let timer: number | null = null;
  let connecting: Promise<void> | null = null;
  let settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  let iceUp = false;
  let path: ConnectionPath | null = null;
  let pathTimer: number | null = null;
  let pathReading = false;
  let restarts = 0;
  let relayOnly = opts.iceTransportPolicy === "relay";
  // One timer for every recovery step: the relay-only retry before open, the restart after a
  // disconnect, and the answerer's deadline for the offerer's restart.
  let recoveryTimer: number | null = null;
  // Local candidates wait until our description has gone out, so the peer never sees a candidate
  // before the offer/answer it belongs to.
  let descriptionSent = false;
  const outgoing: (RTCIceCandidateInit | null)[] = [];
  // Remote candidates wait until the remote description is set (addIceCandidate would reject).
  let remoteDescriptionSet = false;
  const incoming: (RTCIceCandidateInit | null)[] = [];
  // Signals are applied one at a time, in arrival order, since each step is async.
  let chain: Promise<void> = Promise.resolve();
  const diag = { localCandidates: 0, remoteCandidates: 0, queuedCandidates: 0, rejected: 0 };
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

  const terminal = (): boolean => state === "closed" || state === "failed";

  const setState = (next: PeerState): void => {
    if (state === next) return;
    state = next;
    self.onState?.(next);
  };

  const teardown = (): void => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    if (pathTimer !== null) clock.clearTimeout(pathTimer);
    pathTimer = null;
    if (recoveryTimer !== null) clock.clearTimeout(recoveryTimer);
    recoveryTimer = null;
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

  const finish = (next: "closed" | "failed", why: Error | null): void => {
    if (terminal()) return;
    error = why;
    teardown();
    settle?.reject(why ?? new Error("peer connection closed before it opened"));
    settle = null;
    setState(next);
  };

  const fail = (message: string): void => finish("failed", new Error(message));

  const refresh = (): void => {
    if (terminal() || state === "new") return;
    const bothOpen = controlDc.readyState === "open" && inputDc.readyState === "open";
    if (!bothOpen) return;
    if (state === "connecting") {
      mark("open");
      watchPath();
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      if (recoveryTimer !== null) clock.clearTimeout(recoveryTimer);
      recoveryTimer = null;
      setState("open");
      settle?.resolve();
      settle = null;
      return;
    }
    setState(iceUp ? "open" : "interrupted");
  };

  const onTransportChange = (): void => {
    if (terminal()) return;
    const ice = pc.iceConnectionState;
    const conn = pc.connectionState ?? ice;
    if (ice === "connected" || ice === "completed") {
      mark("iceConnected");
      if (marks.open !== null) readPath();
    }
    if (conn === "failed" || ice === "failed") {
      if (marks.open === null) {
        fail(`ICE failed: no route to peer${noRelay()} (${describe()})`);
        return;
      }
      iceUp = false;
      // The offerer restarts at once; the answerer gives it time to.
      if (!recover(0)) fail("connection lost: ICE failed after the peer went silent");
      refresh();
      return;
    }
    if (conn === "closed") {
      finish("closed", new Error("the peer closed the connection"));
      return;
    }
    if (conn === "disconnected" || ice === "disconnected") {
      iceUp = false;
      if (marks.open !== null && recoveryTimer === null) recover(restartAfterMs);
    } else if (conn === "connected" || ice === "connected" || ice === "completed") {
      iceUp = true;
      if (marks.open !== null && recoveryTimer !== null) {
        clock.clearTimeout(recoveryTimer);
        recoveryTimer = null;
      }
    }
    refresh();
  };

  // An ICE restart is a new offer with fresh credentials (the lobby relays it like the first);
  // relay-only when TURN is configured, because the direct path has just shown it does not work.
  const restartIce = (): void => {
    if (terminal() || opts.role !== "offerer" || restarts >= MAX_RESTARTS) return;
    chain = chain.then(async () => {
      // One restart at a time: a second offer before the first one's answer would orphan it.
      if (terminal() || restarts >= MAX_RESTARTS) return;
      if (pc.signalingState !== undefined && pc.signalingState !== "stable") return;
      restarts++;
      if (hasTurn && !relayOnly && typeof pc.setConfiguration === "function") {
        pc.setConfiguration({ ...pc.getConfiguration(), iceTransportPolicy: "relay" });
        relayOnly = true;
      }
      // New local candidates wait for the new offer, as the first ones did.
      descriptionSent = false;
      const offer = await pc.createOffer({ iceRestart: true });
      if (terminal()) return;
      await pc.setLocalDescription(offer);
      if (terminal()) return;
      sendDescription(pc.localDescription ?? offer);
    }).catch((e) => {
      fail(`ICE restart failed: ${(e as Error).message}`);
    });
  };

  /**
   * Arms the next recovery step `afterMs` from now (0: at once). The offerer restarts ICE, then
   * gives the restart `connectTimeoutMs`; the answerer waits that long for the offerer's restart.
   * Returns false when nothing is left to try.
   */
  const recover = (afterMs: number): boolean => {
    if (restartAfterMs === 0 || restarts >= MAX_RESTARTS) return false;
    if (recoveryTimer !== null) clock.clearTimeout(recoveryTimer);
    const lost = () => {
      recoveryTimer = null;
      if (!iceUp) fail("connection lost: ICE found no path again after the peer went silent");
    };
    if (opts.role === "answerer") {
      recoveryTimer = clock.setTimeout(lost, afterMs + timeoutMs);
      return true;
    }
    recoveryTimer = clock.setTimeout(() => {
      restartIce();
      recoveryTimer = clock.setTimeout(lost, timeoutMs);
    }, afterMs);
    return true;
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

  // Without TURN, a failed connect is what two players behind symmetric NATs (or strict
  // firewalls) get: say what would fix it, so the player and the operator know it is not a bug.
  const noRelay = (): string =>
    hasTurn
      ? ""
      : ": no direct path works and the lobby offers no TURN relay, which these networks need";

  const describe = (): string =>
    `ice ${pc.iceConnectionState}, ${diag.localCandidates} local and ` +
    `${diag.remoteCandidates} remote candidates`;

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
      diag.localCandidates++;
    }
    if (descriptionSent) sendCandidate(c);
    else outgoing.push(c);
  };
  pc.oniceconnectionstatechange = onTransportChange;
  pc.onconnectionstatechange = onTransportChange;

  const onChannelOpen = (name: "controlOpen" | "inputOpen") => () => {
    mark(name);
    // A channel opening implies a working path even if the ICE event has not arrived yet.
    iceUp = true;
    refresh();
  };
  controlDc.onopen = onChannelOpen("controlOpen");
  inputDc.onopen = onChannelOpen("inputOpen");
  // The remote page closing (or the SCTP association dying) closes the channels.
  const onChannelClose = () => finish("closed", new Error("the peer closed the connection"));
  controlDc.onclose = onChannelClose;
  inputDc.onclose = onChannelClose;

  const sendDescription = (desc: RTCSessionDescriptionInit | null): void => {
    if (!desc?.sdp || (desc.type !== "offer" && desc.type !== "answer")) {
      throw new Error("the browser produced no local description");
    }
    opts.sendSignal({ kind: desc.type, sdp: desc.sdp });
    descriptionSent = true;
    for (const c of outgoing.splice(0)) sendCandidate(c);
  };

  const addRemoteCandidate = async (c: RTCIceCandidateInit | null): Promise<void> => {
    try {
      // No argument is the spec's end-of-candidates; some browsers reject a null argument.
      if (c === null) await pc.addIceCandidate();
      else await pc.addIceCandidate(c);
    } catch {
      if (c !== null) diag.rejected++;
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

  const applyDescription = async (kind: "offer" | "answer", sdp: string): Promise<void> => {
    const expected = opts.role === "offerer" ? "answer" : "offer";
    if (kind !== expected) {
      fail(`signalling error: the ${opts.role} received an ${kind}`);
      return;
    }
    // After the first exchange only an ICE restart renegotiates: an offer when stable (answerer),
    // the answer to our own restart offer (offerer). Anything else is out of order.
    const renegotiation = remoteDescriptionSet &&
      (kind === "offer"
        ? pc.signalingState === "stable"
        : pc.signalingState === "have-local-offer");
    if (remoteDescriptionSet && !renegotiation) {
      fail(`signalling error: a second ${kind} arrived`);
      return;
    }
    try {
      await pc.setRemoteDescription({ type: kind, sdp });
    } catch (e) {
      fail(`signalling error: the peer's ${kind} was rejected: ${(e as Error).message}`);
      return;
    }
    if (terminal()) return;
    remoteDescriptionSet = true;
    mark(kind);
    if (kind === "offer") {
      // The restart's new candidates wait for the new answer, as the first ones did.
      if (renegotiation) descriptionSent = false;
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
    for (const c of incoming.splice(0)) await addRemoteCandidate(c);
  };

  const applySignal = async (data: unknown): Promise<void> => {
    if (terminal()) return;
    if (!isRecord(data)) {
      fail("signalling error: a signal must be an object");
      return;
    }
    if (data.kind === "offer" || data.kind === "answer") {
      if (typeof data.sdp !== "string" || data.sdp === "") {
        fail(`signalling error: the ${data.kind} has no sdp`);
        return;
      }
      await applyDescription(data.kind, data.sdp);
      return;
    }
    if (data.kind === "candidate") {
      const c = data.candidate;
      if (c !== null && (!isRecord(c) || typeof c.candidate !== "string")) {
        // One garbled candidate is not fatal: others may still connect.
        diag.rejected++;
        return;
      }
      const init = c as RTCIceCandidateInit | null;
      if (init !== null) diag.remoteCandidates++;
      if (!remoteDescriptionSet) {
        if (init !== null) diag.queuedCandidates++;
        incoming.push(init);
        return;
      }
      await addRemoteCandidate(init);
      return;
    }
    fail(`signalling error: unknown signal kind ${JSON.stringify(data.kind)}`);
  };

  const self: PeerConnection = {
    role: opts.role,
    get state() {
      return state;
    },
    get error() {
      return error;
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
        connecting = Promise.reject(error ?? new Error("peer connection is closed"));
        return connecting;
      }
      connecting = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      mark("start");
      setState("connecting");
      timer = clock.setTimeout(() => {
        timer = null;
        fail(
          `ICE failed: no route to peer within ${seconds(timeoutMs)}${noRelay()} (${describe()})`,
        );
      }, timeoutMs);
      if (opts.role === "offerer") {
        chain = chain.then(makeOffer).catch((e) => {
          fail(`signalling error: could not create the offer: ${(e as Error).message}`);
        });
        // No path yet although TURN is there: the direct checks are stuck; retry on the relay
        // alone (only once the answer is in, so the retry's answer cannot be confused with it).
        if (hasTurn && !relayOnly && relayAfterMs > 0) {
          recoveryTimer = clock.setTimeout(() => {
            recoveryTimer = null;
            if (marks.open === null && pc.signalingState === "stable") restartIce();
          }, relayAfterMs);
        }
      }
      // Channels may already be open if signals were handled before connect().
      refresh();
      return connecting;
    },
    handleSignal(data) {
      chain = chain.then(() => applySignal(data)).catch((e) => {
        fail(`signalling error: ${(e as Error).message}`);
      });
    },
    timings: () => ({ ...marks }),
    diagnostics: () => ({
      localCandidates: diag.localCandidates,
      remoteCandidates: diag.remoteCandidates,
      queuedCandidates: diag.queuedCandidates,
      rejectedCandidates: diag.rejected,
      iceConnectionState: pc.iceConnectionState,
      connectionState: pc.connectionState ?? pc.iceConnectionState,
      restarts,
    }),
    repair() {
      if (marks.open === null || terminal()) return;
      restartIce();
    },
    close() {
      finish("closed", null);
    },
  };
  return self;
}
