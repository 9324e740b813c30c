/**
 * How the match runner's session sees the input transport: through a proxy that always speaks to
 * the transport attached now, so a resume can move the session onto a fresh link without the
 * session holding the dead one, and so no control message is lost while the session does not
 * exist yet. The runner takes every control message and link state first (the lifecycle's
 * `app`, the peer's `bye` and the `resume` chunks are its own) and passes the rest on with
 * {@link SessionLink.toSession}: to the session if it listens, else into a queue it gets when
 * play begins. Remote inputs are not taken before then: they stay unconsumed in the transport,
 * which resends them.
 *
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import type { Clock } from "../clock.ts";
import type { InputTransport, LinkState } from "../input_transport.ts";
import type { SessionTransport } from "../sessions/p2p_session.ts";

/** Control messages kept for a session that does not exist yet; beyond this they are dropped. */
export const MAX_PENDING_CONTROL = 256;

/** What the runner hears from the attached transport. */
export interface LinkHandlers {
  /** Every control message, in order (the runner passes the session's on with `toSession`). */
  control(message: ControlMessage): void;
  /** Every link state, as the transport reports it. */
  state(state: LinkState): void;
}

/** The proxy and the transport behind it; see the module comment. */
export interface SessionLink {
  /** What the session is given as its transport: always the attached one. */
  readonly proxy: SessionTransport;
  /** The attached transport, null before the first `attach`. */
  readonly transport: InputTransport | null;
  /** Takes `t`'s events for `on` and the proxy; the transport before it hears nothing more. */
  attach(t: InputTransport, on: LinkHandlers): void;
  /**
   * A control message for the session: now if it listens, else kept until {@link play} (not a
   * `hello`, and at most {@link MAX_PENDING_CONTROL}).
   */
  toSession(message: ControlMessage): void;
  /** A link state for the session, if it listens. */
  stateToSession(state: LinkState): void;
  /** The session exists: the kept control messages go to it, then the inputs flow. */
  play(): void;
  /** Only lets the inputs flow (a resume: the session listens already). */
  flowInputs(): void;
  /**
   * Sends on the attached transport while its link is up, else drops `message`: a channel that
   * is going away is no error here, as the lifecycle hears of it from the link state.
   */
  trySend(message: ControlMessage): void;
  /** The attached transport's RTT into `into`; without a transport `into` is left as it is. */
  readRtt(into: { rttMs: number; rttMinMs: number }): void;
}

/** Creates a link with no transport; `clock` is the proxy's `now`. */
export function createSessionLink(clock: Clock): SessionLink {
  let transport: InputTransport | null = null;
  const pending: ControlMessage[] = [];
  const proxy: SessionTransport = {
    sendInput: (f, i) => transport?.sendInput(f, i),
    onInput: null,
    sendControl: (m) => transport?.sendControl(m),
    // A resume starts the fresh transport's streams where the session goes on.
    startAt: (l, r) => transport?.startAt(l, r),
    onControl: null,
    onState: null,
    stats: () => transport!.stats(),
    readRtt(into) {
      const t = transport!;
      if (t.readRtt) t.readRtt(into);
      else {
        const s = t.stats();
        into.rttMs = s.rttMs;
        into.rttMinMs = s.rttMinMs;
      }
    },
    poll: () => transport?.poll(),
    // Time sync rides the input packets (see time_sync.ts).
    onPeerFrame: null,
    setFrame: (f) => transport?.setFrame(f),
    now: () => clock.now(),
  };

  const link: SessionLink = {
    proxy,
    get transport() {
      return transport;
    },
    attach(t, on) {
      const old = transport;
      if (old) {
        old.onControl = null;
        old.onState = null;
        old.onInput = null;
        old.onPeerFrame = null;
      }
      transport = t;
      t.onPeerFrame = (f, at) => proxy.onPeerFrame?.(f, at);
      t.onControl = (m) => on.control(m);
      t.onState = (s) => on.state(s);
    },
    toSession(m) {
      if (proxy.onControl) proxy.onControl(m);
      else if (m.kind !== "hello" && pending.length < MAX_PENDING_CONTROL) pending.push(m);
    },
    stateToSession(s) {
      proxy.onState?.(s);
    },
    play() {
      for (const m of pending.splice(0)) proxy.onControl?.(m);
      link.flowInputs();
    },
    flowInputs() {
      if (transport) transport.onInput = (f, i) => proxy.onInput?.(f, i);
    },
    trySend(m) {
      const t = transport;
      if (!t || t.state === "closed" || t.state === "disconnected") return;
      try {
        t.sendControl(m);
      } catch {
        // Going away (see above): the link state tells the lifecycle.
      }
    },
    readRtt(into) {
      if (transport) proxy.readRtt!(into);
    },
  };
  return link;
}
