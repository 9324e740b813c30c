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
import {
  initialMatchLink,
  isLinkTerminal,
  type MatchConnectionState,
  type MatchLinkEffect,
  type MatchLinkEvent,
  stepMatchLink,
} from "./match_link.ts";

export type { MatchConnectionState } from "./match_link.ts";

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

  let link = initialMatchLink();
  let transport: InputTransport | null = null;
  let inner: InputTransport | null = null;
  let repairTimer: number | null = null;
  const disposers: (() => void)[] = [];
  const linkConfig = { silenceMs, repair: opts.restartAfterMs !== 0 };

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

  const dispatch = (event: MatchLinkEvent): void => {
    const r = stepMatchLink(link, event, linkConfig);
    link = r.link;
    for (const e of r.effects) run(e);
  };
  const cancelRepair = () => {
    if (repairTimer !== null) clock.clearTimeout(repairTimer);
    repairTimer = null;
  };
  disposers.push(cancelRepair);

  function run(e: MatchLinkEffect): void {
    switch (e.type) {
      case "state":
        self.onState?.(e.state);
        break;
      case "arm-repair":
        repairTimer = clock.setTimeout(() => {
          repairTimer = null;
          dispatch({ type: "repair-due" });
        }, REPAIR_AFTER_MS);
        break;
      case "cancel-repair":
        cancelRepair();
        break;
      case "repair":
        peer.repair();
        break;
      case "end":
        teardown(e.bye);
        break;
    }
  }

  // Ending (the state is already settled): stop the transport, then, after the bye had time to
  // leave through the simulator's delay, drop the simulators and the RTCPeerConnection.
  function teardown(bye: string | undefined): void {
    if (lobby.onSignal === onSignal) lobby.onSignal = null;
    if (inner && bye !== undefined) inner.close(bye);
    else inner?.close("disconnected");
    const grace = inner && bye !== undefined
      ? BYE_GRACE_MS + (sim ? sim.delayMs + sim.jitterMs : 0)
      : 0;
    const done = () => {
      for (const d of disposers.splice(0)) d();
      peer.close();
    };
    if (grace > 0) clock.setTimeout(done, grace);
    else done();
  }

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

  const ready = peer.connect().then(() => {
    if (isLinkTerminal(link.state)) {
      throw link.error ?? new Error("the match connection was closed");
    }
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
      s === "closed" && link.state === "failed" ? "disconnected" : s;
    const wrapper = shareTransport(t, linkState, (reason) => self.close(reason));
    t.onState = (s) => {
      dispatch({ type: "link", state: s, peerOpen: peer.state === "open" });
      wrapper.onState?.(linkState(s));
    };
    transport = wrapper;
    return wrapper;
  }, (e: Error) => {
    // When the match ended first (peer left, local close), its reason beats the peer's generic one.
    throw link.error ?? e;
  });
  // The failure is also in `state`/`error`; nobody awaiting `ready` is not an unhandled error.
  ready.catch(() => {});

  peer.onState = (s: PeerState) => dispatch({ type: "peer", state: s, error: peer.error });

  peer.onPath = (p) => self.onPath?.(p);

  const self: MatchConnection = {
    get state() {
      return link.state;
    },
    get error() {
      return link.error;
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
    peerLeft: () => dispatch({ type: "peer-left" }),
    close: (reason = "closed") => dispatch({ type: "close", bye: reason }),
    abandon: () => dispatch({ type: "close" }),
  };
  return self;
}

/**
 * The transport as the session sees it: every call passes through to `t`, except that `onState`
 * is the session's own (the match connection keeps `t.onState` for itself), `state` reads through
 * `linkState`, and `close` closes the whole match connection.
 */
function shareTransport(
  t: InputTransport,
  linkState: (s: LinkState) => LinkState,
  close: (reason?: string) => void,
): InputTransport {
  return {
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
    close,
  };
}
