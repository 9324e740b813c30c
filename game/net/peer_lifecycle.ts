/**
 * The peer connection's lifecycle as plain state and one reducer, with no RTCPeerConnection and
 * no timers: `stepPeerLifecycle(lifecycle, event)` applies one event (connect, an ICE or channel
 * change, a signal from the peer, a local candidate, a timer due, close) and returns what the
 * shell (`peer_connection.ts`) must do, in order.
 *
 *     new ──connect──> connecting ──both channels open──> open <──ICE back── interrupted
 *                          │                               │ └──ICE disconnected/failed──┘
 *                          └─ICE failed / connect timeout──┴──no path after the restarts──> failed
 *     any ──close() / peer closed──> closed
 *
 * What lives here: who offers (the role), which signal is acceptable when (an offer only for the
 * answerer, a second description only as an ICE restart), candidate buffering both ways (local
 * candidates wait for our description, remote ones for theirs), the connect timeout's clear
 * error, and recovery: the offerer's relay-only retry before open, the ICE restart after
 * `restartAfterMs` of `disconnected` (or at once on `failed`), at most {@link MAX_RESTARTS}, and
 * the answerer's deadline for the offerer's restart. The SDP calls are async and stay in the
 * shell; it reports their outcome back as events.
 *
 * @module
 */
import type { Role } from "../../shared/lobby_protocol.ts";

/**
 * Lifecycle of the connection. `interrupted` is an open connection whose ICE path went quiet and
 * may come back; `closed` and `failed` are terminal (`failed` carries an error).
 */
export type PeerState = "new" | "connecting" | "open" | "interrupted" | "closed" | "failed";

/** ICE restarts per connection: one may fail too (the relay is down); then the match is over. */
export const MAX_RESTARTS = 2;

/** The two timers of a connection: the connect deadline and the one recovery step. */
export type PeerTimer = "connect" | "recovery";

/** Steps timed by the shell (ms from `paired`), named as in `ConnectTimings`. */
export type PeerMark = "start" | "iceConnected" | "controlOpen" | "inputOpen" | "open";

/** Settings of one lifecycle, fixed at creation. */
export interface PeerLifecycleConfig {
  role: Role;
  /** TURN is configured (or the policy is already relay-only). */
  hasTurn: boolean;
  /** The ICE policy starts relay-only. */
  relayOnly: boolean;
  connectTimeoutMs: number;
  /** 0: no relay-only retry before open. */
  relayAfterMs: number;
  /** 0: no ICE restart after open. */
  restartAfterMs: number;
}

/** What the recovery timer does when it fires. */
export type Recovery = "relay-check" | "restart" | "lost";

/** One connection's lifecycle state. Change it only by a step. */
export interface PeerLifecycle {
  readonly config: PeerLifecycleConfig;
  state: PeerState;
  error: Error | null;
  /** Both channels were open once (the connect succeeded). */
  opened: boolean;
  /** ICE has a working path (or a channel just opened, which implies one). */
  iceUp: boolean;
  restarts: number;
  relayOnly: boolean;
  /** What the armed recovery timer is for, null when none is armed. */
  recovery: Recovery | null;
  /** Our description went out: local candidates may follow it. */
  descriptionSent: boolean;
  outgoing: (RTCIceCandidateInit | null)[];
  /** The peer's description is set: its candidates can be added. */
  remoteDescriptionSet: boolean;
  incoming: (RTCIceCandidateInit | null)[];
  localCandidates: number;
  remoteCandidates: number;
  queuedCandidates: number;
  rejectedCandidates: number;
}

/** The RTCPeerConnection's state as the shell reads it when it reports an event. */
export interface IceView {
  ice: string;
  conn: string;
  signalingState?: string;
  /** Both DataChannels are `open`. */
  bothOpen: boolean;
}

/** What happens to a connection: every input of {@link stepPeerLifecycle}. */
export type PeerLifecycleEvent =
  | { kind: "connect"; view: IceView }
  | { kind: "transport-change"; view: IceView }
  | { kind: "channel-open"; channel: "controlOpen" | "inputOpen"; view: IceView }
  | { kind: "channel-close" }
  /** A local candidate that passed the filter; null ends them. */
  | { kind: "local-candidate"; candidate: RTCIceCandidateInit | null }
  /** Our offer or answer went out. */
  | { kind: "description-sent" }
  /** A signal relayed from the peer, unvalidated. */
  | { kind: "signal"; data: unknown; view: IceView }
  /** The shell set the peer's description (of an `apply-description`). */
  | { kind: "remote-description-set"; type: "offer" | "answer"; renegotiation: boolean }
  /** The description is applied and answered: the held remote candidates can go in. */
  | { kind: "remote-ready" }
  /** The browser rejected a remote candidate. */
  | { kind: "candidate-rejected" }
  | { kind: "timer"; timer: PeerTimer; view: IceView }
  /** The shell is about to run a restart offer: may it (one at a time, within the limit)? */
  | { kind: "restart-begin"; view: IceView; canSetConfiguration: boolean }
  /** The caller's liveness check says the path went quiet. */
  | { kind: "repair" }
  /** An async step failed; `message` is the whole error. */
  | { kind: "fail"; message: string }
  | { kind: "close" };

/** What the shell must do, in order. */
export type PeerLifecycleEffect =
  | { kind: "state"; state: PeerState }
  | { kind: "mark"; name: PeerMark }
  | { kind: "set-timer"; timer: PeerTimer; afterMs: number }
  | { kind: "clear-timer"; timer: PeerTimer }
  | { kind: "make-offer" }
  /** Run an ICE restart offer (the shell asks `restart-begin` first, in its signal order). */
  | { kind: "restart-ice" }
  /** Answer of `restart-begin`: go ahead, switching to relay-only first when `relayOnly`. */
  | { kind: "begin-restart"; relayOnly: boolean }
  | { kind: "send-candidate"; candidate: RTCIceCandidateInit | null }
  | { kind: "add-candidate"; candidate: RTCIceCandidateInit | null }
  | { kind: "apply-description"; type: "offer" | "answer"; sdp: string; renegotiation: boolean }
  /** Start watching the selected candidate pair; `read-path`: read it once now. */
  | { kind: "watch-path" }
  | { kind: "read-path" }
  /** The connect succeeded (resolve `connect()`). */
  | { kind: "opened" }
  /** The end: stop every timer, close channels and connection, reject a pending `connect()`. */
  | { kind: "teardown"; error: Error };

/** A fresh lifecycle in `new`. */
export function createPeerLifecycle(config: PeerLifecycleConfig): PeerLifecycle {
  return {
    config,
    state: "new",
    error: null,
    opened: false,
    iceUp: false,
    restarts: 0,
    relayOnly: config.relayOnly,
    recovery: null,
    descriptionSent: false,
    outgoing: [],
    remoteDescriptionSet: false,
    incoming: [],
    localCandidates: 0,
    remoteCandidates: 0,
    queuedCandidates: 0,
    rejectedCandidates: 0,
  };
}

/** `closed` or `failed`. */
export function isPeerTerminal(l: PeerLifecycle): boolean {
  return l.state === "closed" || l.state === "failed";
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Applies one event and returns what the shell must do, in order. Never throws. */
export function stepPeerLifecycle(
  l: PeerLifecycle,
  event: PeerLifecycleEvent,
): PeerLifecycleEffect[] {
  const out: PeerLifecycleEffect[] = [];
  switch (event.kind) {
    case "connect":
      connect(l, event.view, out);
      break;
    case "transport-change":
      transportChange(l, event.view, out);
      break;
    case "channel-open":
      if (isPeerTerminal(l)) break;
      out.push({ kind: "mark", name: event.channel });
      // A channel opening implies a working path even if the ICE event has not arrived yet.
      l.iceUp = true;
      refresh(l, event.view, out);
      break;
    case "channel-close":
      // The remote page closing (or the SCTP association dying) closes the channels.
      finish(l, "closed", new Error("the peer closed the connection"), out);
      break;
    case "local-candidate":
      if (isPeerTerminal(l)) break;
      if (event.candidate !== null) l.localCandidates++;
      if (l.descriptionSent) out.push({ kind: "send-candidate", candidate: event.candidate });
      else l.outgoing.push(event.candidate);
      break;
    case "description-sent":
      l.descriptionSent = true;
      for (const candidate of l.outgoing.splice(0)) out.push({ kind: "send-candidate", candidate });
      break;
    case "signal":
      signal(l, event.data, event.view, out);
      break;
    case "remote-description-set":
      if (isPeerTerminal(l)) break;
      l.remoteDescriptionSet = true;
      // The restart's new candidates wait for the new answer, as the first ones did.
      if (event.type === "offer" && event.renegotiation) l.descriptionSent = false;
      break;
    case "remote-ready":
      if (isPeerTerminal(l)) break;
      for (const candidate of l.incoming.splice(0)) out.push({ kind: "add-candidate", candidate });
      break;
    case "candidate-rejected":
      l.rejectedCandidates++;
      break;
    case "timer":
      timer(l, event.timer, event.view, out);
      break;
    case "restart-begin":
      // One restart at a time: a second offer before the first one's answer would orphan it.
      if (isPeerTerminal(l) || l.restarts >= MAX_RESTARTS) break;
      if (event.view.signalingState !== undefined && event.view.signalingState !== "stable") break;
      l.restarts++;
      {
        const toRelay = l.config.hasTurn && !l.relayOnly && event.canSetConfiguration;
        if (toRelay) l.relayOnly = true;
        // New local candidates wait for the new offer, as the first ones did.
        l.descriptionSent = false;
        out.push({ kind: "begin-restart", relayOnly: toRelay });
      }
      break;
    case "repair":
      if (!l.opened || isPeerTerminal(l)) break;
      restartIce(l, out);
      break;
    case "fail":
      fail(l, event.message, out);
      break;
    case "close":
      finish(l, "closed", null, out);
      break;
  }
  return out;
}

function setState(l: PeerLifecycle, next: PeerState, out: PeerLifecycleEffect[]) {
  if (l.state === next) return;
  l.state = next;
  out.push({ kind: "state", state: next });
}

function finish(
  l: PeerLifecycle,
  next: "closed" | "failed",
  why: Error | null,
  out: PeerLifecycleEffect[],
) {
  if (isPeerTerminal(l)) return;
  l.error = why;
  l.recovery = null;
  out.push({
    kind: "teardown",
    error: why ?? new Error("peer connection closed before it opened"),
  });
  setState(l, next, out);
}

function fail(l: PeerLifecycle, message: string, out: PeerLifecycleEffect[]) {
  finish(l, "failed", new Error(message), out);
}

// Without TURN, a failed connect is what two players behind symmetric NATs (or strict
// firewalls) get: say what would fix it, so the player and the operator know it is not a bug.
function noRelay(l: PeerLifecycle): string {
  return l.config.hasTurn
    ? ""
    : ": no direct path works and the lobby offers no TURN relay, which these networks need";
}

function describe(l: PeerLifecycle, view: IceView): string {
  return `ice ${view.ice}, ${l.localCandidates} local and ${l.remoteCandidates} remote candidates`;
}

function clearRecovery(l: PeerLifecycle, out: PeerLifecycleEffect[]) {
  if (l.recovery === null) return;
  l.recovery = null;
  out.push({ kind: "clear-timer", timer: "recovery" });
}

function armRecovery(
  l: PeerLifecycle,
  what: Recovery,
  afterMs: number,
  out: PeerLifecycleEffect[],
) {
  l.recovery = what;
  out.push({ kind: "set-timer", timer: "recovery", afterMs });
}

function connect(l: PeerLifecycle, view: IceView, out: PeerLifecycleEffect[]) {
  if (l.state !== "new") return;
  const { role, hasTurn, relayAfterMs, connectTimeoutMs } = l.config;
  out.push({ kind: "mark", name: "start" });
  setState(l, "connecting", out);
  out.push({ kind: "set-timer", timer: "connect", afterMs: connectTimeoutMs });
  if (role === "offerer") {
    out.push({ kind: "make-offer" });
    // No path yet although TURN is there: the direct checks are stuck; retry on the relay
    // alone (only once the answer is in, so the retry's answer cannot be confused with it).
    if (hasTurn && !l.relayOnly && relayAfterMs > 0) {
      armRecovery(l, "relay-check", relayAfterMs, out);
    }
  }
  // Channels may already be open if signals were handled before connect().
  refresh(l, view, out);
}

function refresh(l: PeerLifecycle, view: IceView, out: PeerLifecycleEffect[]) {
  if (isPeerTerminal(l) || l.state === "new" || !view.bothOpen) return;
  if (l.state === "connecting") {
    l.opened = true;
    out.push({ kind: "mark", name: "open" }, { kind: "watch-path" });
    out.push({ kind: "clear-timer", timer: "connect" });
    clearRecovery(l, out);
    setState(l, "open", out);
    out.push({ kind: "opened" });
    return;
  }
  setState(l, l.iceUp ? "open" : "interrupted", out);
}

function transportChange(l: PeerLifecycle, view: IceView, out: PeerLifecycleEffect[]) {
  if (isPeerTerminal(l)) return;
  const { ice, conn } = view;
  if (ice === "connected" || ice === "completed") {
    out.push({ kind: "mark", name: "iceConnected" });
    if (l.opened) out.push({ kind: "read-path" });
  }
  if (conn === "failed" || ice === "failed") {
    if (!l.opened) {
      fail(l, `ICE failed: no route to peer${noRelay(l)} (${describe(l, view)})`, out);
      return;
    }
    l.iceUp = false;
    // The offerer restarts at once; the answerer gives it time to.
    if (!recover(l, 0, out)) fail(l, "connection lost: ICE failed after the peer went silent", out);
    refresh(l, view, out);
    return;
  }
  if (conn === "closed") {
    finish(l, "closed", new Error("the peer closed the connection"), out);
    return;
  }
  if (conn === "disconnected" || ice === "disconnected") {
    l.iceUp = false;
    if (l.opened && l.recovery === null) recover(l, l.config.restartAfterMs, out);
  } else if (conn === "connected" || ice === "connected" || ice === "completed") {
    l.iceUp = true;
    if (l.opened) clearRecovery(l, out);
  }
  refresh(l, view, out);
}

/**
 * Arms the next recovery step `afterMs` from now (0: at once). The offerer restarts ICE, then
 * gives the restart `connectTimeoutMs`; the answerer waits that long for the offerer's restart.
 * Returns false when nothing is left to try.
 */
function recover(l: PeerLifecycle, afterMs: number, out: PeerLifecycleEffect[]): boolean {
  const { restartAfterMs, role, connectTimeoutMs } = l.config;
  if (restartAfterMs === 0 || l.restarts >= MAX_RESTARTS) return false;
  if (role === "answerer") armRecovery(l, "lost", afterMs + connectTimeoutMs, out);
  else armRecovery(l, "restart", afterMs, out);
  return true;
}

// An ICE restart is a new offer with fresh credentials (the lobby relays it like the first);
// the shell runs it in signal order and asks `restart-begin` before it starts.
function restartIce(l: PeerLifecycle, out: PeerLifecycleEffect[]) {
  if (isPeerTerminal(l) || l.config.role !== "offerer" || l.restarts >= MAX_RESTARTS) return;
  out.push({ kind: "restart-ice" });
}

function timer(l: PeerLifecycle, which: PeerTimer, view: IceView, out: PeerLifecycleEffect[]) {
  if (isPeerTerminal(l)) return;
  if (which === "connect") {
    const within = seconds(l.config.connectTimeoutMs);
    fail(
      l,
      `ICE failed: no route to peer within ${within}${noRelay(l)} (${describe(l, view)})`,
      out,
    );
    return;
  }
  const what = l.recovery;
  l.recovery = null;
  if (what === "relay-check") {
    if (!l.opened && view.signalingState === "stable") restartIce(l, out);
  } else if (what === "restart") {
    restartIce(l, out);
    armRecovery(l, "lost", l.config.connectTimeoutMs, out);
  } else if (what === "lost") {
    if (!l.iceUp) {
      fail(l, "connection lost: ICE found no path again after the peer went silent", out);
    }
  }
}

function signal(l: PeerLifecycle, data: unknown, view: IceView, out: PeerLifecycleEffect[]) {
  if (isPeerTerminal(l)) return;
  if (!isRecord(data)) {
    fail(l, "signalling error: a signal must be an object", out);
    return;
  }
  if (data.kind === "offer" || data.kind === "answer") {
    const kind = data.kind;
    if (typeof data.sdp !== "string" || data.sdp === "") {
      fail(l, `signalling error: the ${kind} has no sdp`, out);
      return;
    }
    const role = l.config.role;
    const expected = role === "offerer" ? "answer" : "offer";
    if (kind !== expected) {
      fail(l, `signalling error: the ${role} received an ${kind}`, out);
      return;
    }
    // After the first exchange only an ICE restart renegotiates: an offer when stable (answerer),
    // the answer to our own restart offer (offerer). Anything else is out of order.
    const renegotiation = l.remoteDescriptionSet &&
      (kind === "offer"
        ? view.signalingState === "stable"
        : view.signalingState === "have-local-offer");
    if (l.remoteDescriptionSet && !renegotiation) {
      fail(l, `signalling error: a second ${kind} arrived`, out);
      return;
    }
    out.push({ kind: "apply-description", type: kind, sdp: data.sdp, renegotiation });
    return;
  }
  if (data.kind === "candidate") {
    const c = data.candidate;
    if (c !== null && (!isRecord(c) || typeof c.candidate !== "string")) {
      // One garbled candidate is not fatal: others may still connect.
      l.rejectedCandidates++;
      return;
    }
    const init = c as RTCIceCandidateInit | null;
    if (init !== null) l.remoteCandidates++;
    if (!l.remoteDescriptionSet) {
      if (init !== null) l.queuedCandidates++;
      l.incoming.push(init);
      return;
    }
    out.push({ kind: "add-candidate", candidate: init });
    return;
  }
  fail(l, `signalling error: unknown signal kind ${JSON.stringify(data.kind)}`, out);
}
