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
 * in `peer_lifecycle.ts`, tested without I/O. Its shell is split by concept: `peer_driver.ts` owns
 * the RTCPeerConnection and runs the effects and the async SDP steps, `data_channel.ts` adapts the
 * channels, `selected_path.ts` reads the selected candidate pair, `connect_timings.ts` records the
 * timings. This file checks the options and presents the public {@link PeerConnection}.
 *
 * @module
 */
import "webrtc-adapter";
import type { Role, SignalData } from "../../shared/lobby_protocol.ts";
import { type Clock, realClock } from "./clock.ts";
import type { ConnectTimings } from "./connect_timings.ts";
import type { ConnectionPath } from "./connection_path.ts";
import type { PacketChannel } from "./packet_channel.ts";
import type { PeerLifecycleConfig, PeerState } from "./peer_lifecycle.ts";
import { PeerDriver } from "./peer_driver.ts";

export type { ConnectTimings } from "./connect_timings.ts";
export { CONTROL_CHANNEL_INIT, INPUT_CHANNEL_INIT } from "./data_channel.ts";
export type { PeerState } from "./peer_lifecycle.ts";
export { PATH_POLL_MS } from "./selected_path.ts";

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

/** The lifecycle's settings from the options, each checked once, up front. */
function lifecycleConfig(
  opts: PeerConnectionOptions,
  config: RTCConfiguration,
): PeerLifecycleConfig {
  if (opts.role !== "offerer" && opts.role !== "answerer") {
    throw new Error(`peer role must be "offerer" or "answerer", got ${String(opts.role)}`);
  }
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(connectTimeoutMs > 0)) {
    throw new RangeError(`connectTimeoutMs must be > 0, got ${connectTimeoutMs}`);
  }
  const hasTurn = opts.iceTransportPolicy === "relay" ||
    config.iceServers!.some((server) =>
      (Array.isArray(server.urls) ? server.urls : [server.urls]).some((u) => /^turns?:/i.test(u))
    );
  return {
    role: opts.role,
    hasTurn,
    relayOnly: opts.iceTransportPolicy === "relay",
    connectTimeoutMs,
    relayAfterMs: opts.relayAfterMs ?? DEFAULT_RELAY_AFTER_MS,
    restartAfterMs: opts.restartAfterMs ?? DEFAULT_RESTART_AFTER_MS,
  };
}

/** Creates the connection and its two channels; nothing is sent until {@link PeerConnection.connect}. */
export function createPeerConnection(opts: PeerConnectionOptions): PeerConnection {
  const config: RTCConfiguration = { iceServers: opts.iceServers ?? [] };
  const lifecycle = lifecycleConfig(opts, config);
  if (opts.iceTransportPolicy) config.iceTransportPolicy = opts.iceTransportPolicy;
  const pc = (opts.createRTCPeerConnection ?? ((c) => new RTCPeerConnection(c)))(config);
  const clock: Clock = opts.clock ?? realClock;
  const driver = new PeerDriver(pc, {
    lifecycle,
    sendSignal: opts.sendSignal,
    candidateFilter: opts.candidateFilter,
    pairedAt: opts.pairedAt ?? null,
    clock,
    onState: (state) => self.onState?.(state),
    onPath: (path) => self.onPath?.(path),
  });
  const life = driver.life;
  const self: PeerConnection = {
    role: opts.role,
    get state() {
      return life.state;
    },
    get error() {
      return life.error;
    },
    control: driver.control,
    input: driver.input,
    onState: null,
    get path() {
      return driver.selected.path;
    },
    onPath: null,
    raw: pc,
    connect: () => driver.connect(),
    handleSignal: (data) => driver.handleSignal(data),
    timings: () => driver.marks.timings(),
    diagnostics: () => ({
      localCandidates: life.localCandidates,
      remoteCandidates: life.remoteCandidates,
      queuedCandidates: life.queuedCandidates,
      rejectedCandidates: life.rejectedCandidates,
      iceConnectionState: pc.iceConnectionState,
      connectionState: pc.connectionState ?? pc.iceConnectionState,
      restarts: life.restarts,
    }),
    repair: () => driver.repair(),
    close: () => driver.close(),
  };
  return self;
}
