/**
 * The glue between pairing and playing: given a lobby client that is `paired`, it builds the
 * WebRTC connection (signals relayed through the lobby), then the input transport over the two
 * channels, optionally impaired by the seeded network simulator (`?sim=`), and reports one state.
 *
 * ```ts
 * const match = connectMatch({ lobby, sim: params.sim });
 * const transport = await match.ready; // rejects with e.g. "ICE failed: no route to peer within 10 s"
 * runner.connect(transport);           // the session takes over transport.onInput/onControl/onState
 * lobby.onPeerLeft = () => match.peerLeft();
 * ```
 *
 * States: `connecting` until both channels are open; `open`; `interrupted` while the ICE path or the
 * transport hears nothing for a moment; then one terminal state: `disconnected` (the peer closed,
 * went silent past the transport's timeout, said `bye`, or left the lobby before connecting),
 * `failed` (ICE or signalling failed, see `error`), or `closed` (we closed).
 *
 * It takes over `lobby.onSignal` for the peer connection (restored to null when it ends), says
 * `bye` when the page is hidden for good (`pagehide`: closed or navigated away; not while the
 * lobby holds our seat, see `resumable`: a reload comes back into the match), and hands
 * out the transport through a thin wrapper, so the session may set `onState` freely while the
 * match connection still sees the link state.
 *
 * @module
 */
import type { Pairing, SignalingClient } from "./signaling_client.ts";
import {
  type ConnectTimings,
  createPeerConnection,
  type PeerConnection,
  type PeerConnectionOptions,
  type PeerState,
} from "./peer_connection.ts";
import {
  createInputTransport,
  type InputTransport,
  type InputTransportOptions,
  type LinkState,
} from "./input_transport.ts";
import {
  parseSimParam,
  type SimOptions,
  simulateChannel,
  simulateReliableChannel,
} from "./network_sim.ts";
import { deriveSeed } from "./prng.ts";
import type { ConnectionPath } from "./connection_path.ts";
import { type Clock, realClock } from "./clock.ts";
import type { PacketChannel } from "./packet_channel.ts";

/** One state for the whole match link (see the module docs). */
export type MatchConnectionState =
  | "connecting"
  | "open"
  | "interrupted"
  | "disconnected"
  | "failed"
  | "closed";

/** How to build a {@link MatchConnection}. */
export interface MatchConnectionOptions {
  /** A lobby client that has been paired (`lobby.paired` is set) and is welcomed. */
  lobby: SignalingClient;
  /** Impairs what this side sends: a `?sim=` string or parsed options; none when absent/empty. */
  sim?: string | SimOptions | null;
  /** Forces TURN with `"relay"` (tests; restrictive networks). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** See {@link PeerConnectionOptions.connectTimeoutMs} (default 10 s). */
  connectTimeoutMs?: number;
  /** See {@link PeerConnectionOptions.relayAfterMs} (relay-only retry before open). */
  relayAfterMs?: number;
  /** See {@link PeerConnectionOptions.restartAfterMs} (ICE restart after a disconnect). */
  restartAfterMs?: number;
  /** Input transport settings (window, silence timeouts, ping period). */
  transport?: Omit<InputTransportOptions, "input" | "control" | "clock">;
  clock?: Clock;
  /**
   * While true, `pagehide` says no `bye`: the lobby holds our seat, so the page may be reloading
   * and come back, and the peer waits the grace period instead of ending the match at once.
   */
  resumable?: () => boolean;
  /** Test hooks passed to the peer connection. */
  createRTCPeerConnection?: PeerConnectionOptions["createRTCPeerConnection"];
  candidateFilter?: PeerConnectionOptions["candidateFilter"];
}

/** The connection to the paired player, from signalling to the input transport. */
export interface MatchConnection {
  readonly state: MatchConnectionState;
  /** Why the match link ended (null while healthy and after a local close()). */
  readonly error: Error | null;
  readonly pairing: Pairing;
  /** Our player index: 0 for the offerer, 1 for the answerer. */
  readonly player: 0 | 1;
  readonly peer: PeerConnection;
  /** The input transport, once open; null before. */
  readonly transport: InputTransport | null;
  /** Resolves with the transport when both channels are open; rejects with the failure. */
  readonly ready: Promise<InputTransport>;
  onState: ((state: MatchConnectionState) => void) | null;
  /**
   * The network path in use (direct or relayed, and how), from the selected ICE candidate pair;
   * null until one is selected. See {@link PeerConnection.path}.
   */
  readonly path: ConnectionPath | null;
  /** Called when {@link MatchConnection.path} changes (the first pair, or a switch). */
  onPath: ((path: ConnectionPath) => void) | null;
  /** Milliseconds from `paired` to each connect step. */
  timings(): ConnectTimings;
  /** Tell it the lobby reported `peer-left`: before open that ends the attempt at once. */
  peerLeft(): void;
  /** Says `bye` to the peer (when open) and closes everything. */
  close(reason?: string): void;
  /**
   * Closes everything without a `bye`: the link is being replaced (the peer's page came back on
   * a new connection), so nothing must tell the peer the match is over.
   */
  abandon(): void;
}

// The bye must leave before the RTCPeerConnection is torn down.
const BYE_GRACE_MS = 100;

/**
 * Silence after which the match is over, unless the caller sets the transport's
 * `disconnectedAfterMs`. Longer than the transport's own 3 s default because a dead path is
 * repaired, not given up: browsers take 2-3 s to call ICE `disconnected`, then the offerer
 * restarts ICE (relay-only with TURN), which took 0.2-0.7 s in the NAT lab. Shorter than the match
 * runner's 8 s give-up on a silent opponent.
 */
export const MATCH_SILENCE_MS = 7_000;

/**
 * The link has been `interrupted` (no packet for the transport's 500 ms) this long: ask the peer
 * connection to repair the path (an ICE restart by the offerer). ICE's own `disconnected` came 6 s
 * after a cut between Chromium and Firefox in the NAT lab, and then neither side moved on.
 */
export const REPAIR_AFTER_MS = 1_000;

function simOptions(sim: MatchConnectionOptions["sim"]): SimOptions | null {
  if (sim === undefined || sim === null) return null;
  const o = typeof sim === "string" ? (sim.trim() === "" ? null : parseSimParam(sim)) : sim;
  if (!o) return null;
  const idle = o.loss === 0 && o.delayMs === 0 && o.jitterMs === 0 && o.duplicate === 0 &&
    o.reorder === 0;
  return idle ? null : o;
}

/** Starts connecting to the paired peer at once. Throws if the lobby client is not paired. */
export function connectMatch(opts: MatchConnectionOptions): MatchConnection {
  const { lobby } = opts;
  const pairing = lobby.paired;
  if (!pairing) throw new Error("connectMatch: the lobby client is not paired");
  const clock = opts.clock ?? realClock;
  // Parse before anything is built, so a bad ?sim= is a clear error, not a half-made connection.
  const sim = simOptions(opts.sim);
  const silenceMs = opts.transport?.disconnectedAfterMs ?? MATCH_SILENCE_MS;

  let state: MatchConnectionState = "connecting";
  let error: Error | null = null;
  let transport: InputTransport | null = null;
  let inner: InputTransport | null = null;
  const disposers: (() => void)[] = [];

  const peer = createPeerConnection({
    role: pairing.role,
    sendSignal: (data) => {
      lobby.signal(data);
    },
    iceServers: lobby.welcome?.iceServers ?? [],
    iceTransportPolicy: opts.iceTransportPolicy,
    connectTimeoutMs: opts.connectTimeoutMs,
    relayAfterMs: opts.relayAfterMs,
    restartAfterMs: opts.restartAfterMs,
    pairedAt: pairing.at,
    clock,
    createRTCPeerConnection: opts.createRTCPeerConnection,
    candidateFilter: opts.candidateFilter,
  });

  const terminal = () => state === "disconnected" || state === "failed" || state === "closed";

  // Non-terminal changes only; terminal ones go through end().
  const setState = (next: "open" | "interrupted"): void => {
    if (state === next || terminal()) return;
    state = next;
    self.onState?.(next);
  };

  // Ending: settle the state first, then stop the transport, then (after the bye had time to
  // leave through the simulator's delay) drop the simulators and the RTCPeerConnection.
  const end = (
    next: "disconnected" | "failed" | "closed",
    why: Error | null,
    bye?: string,
  ): void => {
    if (terminal()) return;
    error = why;
    state = next;
    if (lobby.onSignal === onSignal) lobby.onSignal = null;
    if (inner && bye !== undefined) inner.close(bye);
    else inner?.close("disconnected");
    const grace = inner && bye !== undefined
      ? BYE_GRACE_MS + (sim ? sim.delayMs + sim.jitterMs : 0)
      : 0;
    const teardown = () => {
      for (const d of disposers.splice(0)) d();
      peer.close();
    };
    if (grace > 0) clock.setTimeout(teardown, grace);
    else teardown();
    self.onState?.(next);
  };

  const onSignal = peer.handleSignal;
  lobby.onSignal = onSignal;

  // A page being closed or navigated away says bye, so the peer learns at once instead of after
  // the silence timeout (browsers tear RTCPeerConnections down without telling the other side).
  const onPageHide = () => {
    if (!opts.resumable?.()) self.close("page closed");
  };
  globalThis.addEventListener?.("pagehide", onPageHide);
  disposers.push(() => globalThis.removeEventListener?.("pagehide", onPageHide));

  const impair = (ch: PacketChannel, reliable: boolean, stream: number): PacketChannel => {
    if (!sim) return ch;
    // Distinct streams per player and channel: both pages may share one ?sim= seed.
    const o = { ...sim, seed: deriveSeed(sim.seed, pairing.player * 2 + stream) };
    const wrapped = reliable
      ? simulateReliableChannel(ch, o, clock)
      : simulateChannel(ch, o, clock);
    disposers.push(() => wrapped.dispose());
    return wrapped;
  };

  let repairTimer: number | null = null;
  const stopRepair = () => {
    if (repairTimer !== null) clock.clearTimeout(repairTimer);
    repairTimer = null;
  };
  disposers.push(stopRepair);

  const linkChanged = (s: LinkState): void => {
    if (s === "interrupted") {
      if (repairTimer === null && opts.restartAfterMs !== 0) {
        repairTimer = clock.setTimeout(() => {
          repairTimer = null;
          peer.repair();
        }, REPAIR_AFTER_MS);
      }
    } else stopRepair();
    if (s === "disconnected") {
      const ms = silenceMs;
      end("disconnected", new Error(`the peer went silent for ${ms / 1000} s`));
    } else if (s === "closed") {
      // Our own endings set the state first, so a transport closing here is the peer's `bye`.
      end("disconnected", new Error("the peer left the match"));
    } else if (s === "interrupted") setState("interrupted");
    else if (peer.state === "open") setState("open");
  };

  const ready = peer.connect().then(() => {
    if (terminal()) throw error ?? new Error("the match connection was closed");
    const t = createInputTransport({
      ...opts.transport,
      disconnectedAfterMs: silenceMs,
      input: impair(peer.input, false, 0),
      control: impair(peer.control, true, 1),
      clock,
    });
    inner = t;
    // When the whole connection failed (ICE), the transport only says "closed", which alone
    // would read as the peer leaving on purpose: the game is told the link dropped.
    const linkState = (s: LinkState): LinkState =>
      s === "closed" && state === "failed" ? "disconnected" : s;
    t.onState = (s) => {
      linkChanged(s);
      wrapper.onState?.(linkState(s));
    };
    const wrapper: InputTransport = {
      sendInput: (frame, input) => t.sendInput(frame, input),
      get onInput() {
        return t.onInput;
      },
      set onInput(h) {
        t.onInput = h;
      },
      // Time sync rides the input packets: the session's frame out, the peer's frame in.
      get onPeerFrame() {
        return t.onPeerFrame;
      },
      set onPeerFrame(h) {
        t.onPeerFrame = h;
      },
      setFrame: (frame) => t.setFrame(frame),
      now: () => t.now(),
      sendControl: (msg) => t.sendControl(msg),
      get onControl() {
        return t.onControl;
      },
      set onControl(h) {
        t.onControl = h;
      },
      onState: null,
      poll: () => t.poll(),
      startAt: (nextLocal, nextRemote) => t.startAt(nextLocal, nextRemote),
      get state() {
        return linkState(t.state);
      },
      stats: () => t.stats(),
      close: (reason) => self.close(reason),
    };
    transport = wrapper;
    return wrapper;
  }, (e: Error) => {
    // When the match ended first (peer left, local close), its reason beats the peer's generic one.
    throw error ?? e;
  });
  // The failure is also in `state`/`error`; nobody awaiting `ready` is not an unhandled error.
  ready.catch(() => {});

  peer.onState = (s: PeerState) => {
    if (s === "failed") end("failed", peer.error);
    else if (s === "closed") end("disconnected", peer.error ?? new Error("the peer closed"));
    else if (s === "interrupted") setState("interrupted");
    else if (s === "open" && inner?.state !== "interrupted") setState("open");
  };

  peer.onPath = (p) => self.onPath?.(p);

  const self: MatchConnection = {
    get state() {
      return state;
    },
    get error() {
      return error;
    },
    pairing,
    player: pairing.player,
    peer,
    get transport() {
      return transport;
    },
    ready,
    onState: null,
    get path() {
      return peer.path;
    },
    onPath: null,
    timings: () => peer.timings(),
    peerLeft() {
      if (state !== "connecting") return;
      end("disconnected", new Error("the peer left the lobby before the connection opened"));
    },
    close(reason = "closed") {
      end("closed", null, reason);
    },
    abandon() {
      end("closed", null);
    },
  };
  return self;
}
