/**
 * The input transport: turns an unordered, lossy, duplicating `input` channel into an exactly-once,
 * in-order stream of the remote player's inputs, and runs liveness and RTT over both channels.
 *
 * Sending. Every packet carries the OLDEST unacknowledged local inputs (at most `window` frames,
 * starting right after the newest frame the peer acknowledged) and the ack of the newest remote
 * frame received contiguously. Any single packet can be lost at no cost: the next one repeats what
 * is still unacked. `sendInput` sends one packet and schedules one resend of the unacked window
 * `resendAfterMs` later (2 ms by default): without it a lost packet's inputs wait for the
 * next tick's packet, a whole frame later, which is what put the tail latency at 5% loss above
 * "one-way delay plus one frame". 2 ms rather than later: a lost packet then costs 2 ms instead of
 * 8 (issue 15 measured p99 at 20 ms + 5% real loss: 29.8 ms with 8, 25.5 with 2, 25.8 with 1), and
 * 1 ms would risk both copies falling into the same loss burst. The resend is skipped when the peer has acked everything by
 * then, and cancelled when another packet goes out first (a catch-up `sendInput`, a keepalive),
 * since that one already repeats the window. It costs a second packet per frame: twice the packet
 * rate, about twice the bytes on the wire. `poll` sends a keepalive packet (the same content:
 * unacked inputs and the ack) when nothing went out for `keepaliveMs`, so acks and
 * retransmissions keep flowing while the session stalls. A resend counts as a packet sent, so
 * during play (a packet every frame, a resend 2 ms later) the gaps stay under
 * `keepaliveMs` and no keepalive goes out beside them.
 *
 * Every packet, resends included, gets a fresh sequence number: a resend is a new packet that the
 * network may lose on its own, so the receiver's loss estimate stays "packets lost / packets
 * sent", and only a true network duplicate (same number twice) counts as a duplicate.
 *
 * Receiving. An honest peer's packet always starts at or before our next expected frame (it starts
 * right after our ack, and acks only grow), so reassembly needs no out-of-order buffer: frames at
 * or below the newest delivered one are duplicates or stale and skipped, the next expected one is
 * delivered, and anything past a gap (only a buggy or hostile peer sends that) is ignored. Inputs
 * are not consumed while `onInput` is null: they stay unacked and arrive again.
 *
 * Measuring. RTT rides the unreliable input channel, so the control channel's retransmissions
 * (SCTP head-of-line blocking) never move it: every packet echoes the newest sequence number
 * received from the peer (7 bits) and how long it was held (`holdMs`); RTT = now - when we sent
 * the echoed packet - hold. `rttMs` is smoothed like TCP's SRTT (EWMA, 1/8), `rttLastMs` the
 * latest sample, `rttMinMs` the least of the last 16 (what time sync uses). Until the first echo
 * arrives, and as `controlRttMs` always, `ping`/`pong` on the control channel measure it too.
 * Each packet also carries the sender's current frame (`setFrame`), delivered to `onPeerFrame`
 * with its arrival time for the session's time sync.
 * Loss (inbound, what the peer sent that never arrived): every input packet carries a 16-bit
 * sequence number; expected = span of sequence numbers seen, received = distinct ones seen, so
 * reordering and duplication do not count as loss. `packetsLost` is cumulative; `lossRate` is
 * sampled once per second and smoothed (EWMA, 1/4).
 *
 * Liveness. Any valid packet on either channel counts as hearing from the peer. This is network
 * liveness: a peer whose game loop stopped (a background tab) but whose page still runs echoes our
 * pings and stays `open`; noticing that it stopped sending inputs (`lastRemoteFrame` stuck) is the
 * session's and the app's job, with their own, longer patience. `poll` moves
 * `open` to `interrupted` after `interruptedAfterMs` of silence, back to `open` when a packet
 * arrives, and to `disconnected` after `disconnectedAfterMs` (terminal: the match is over). A
 * `bye` from the peer, or our own `close()`, makes the state `closed` (terminal).
 *
 * Hostile input. Malformed packets (undecodable, or acking frames never sent) are counted in
 * `stats().malformed` and ignored; nothing received makes the transport throw. Pings beyond
 * `MAX_PINGS_PER_SECOND` go unanswered and inputs the consumer refuses (`onInput` returns false:
 * back-pressure) are neither delivered nor acked; both count in `stats().rejected`. A peer that
 * keeps sending but never acks our inputs for `ackTimeoutMs` is a dead link: `disconnected`.
 * Only API misuse (non-consecutive frames, inputs outside 0..255, invalid control messages)
 * throws, at the caller.
 *
 * The state machine is `input_link.ts` (a reducer, tested without I/O); this file is its shell: it
 * owns the two channels, the resend timer and the consumer's callbacks, and carries out the
 * effects each step returns.
 *
 * @module
 */

import { type ControlMessage, encodeControl } from "../../shared/peer_protocol.ts";
import { type Clock, realClock } from "./clock.ts";
import {
  createInputLink,
  inputLinkConfig,
  type InputLinkEffect,
  type InputLinkEvent,
  inputLinkStats,
  isTerminal,
  type LinkState,
  readInputLinkRtt,
  startInputLinkAt,
  stepInputLinkInto,
  type TransportStats,
} from "./input_link.ts";
import type { PacketChannel } from "./packet_channel.ts";
import { EffectList } from "./effect_list.ts";

export type { LinkState, TransportStats } from "./input_link.ts";
export {
  DEFAULT_RESEND_AFTER_MS,
  DEFAULT_WINDOW,
  LOSS_SAMPLE_MS,
  MAX_PINGS_PER_SECOND,
  MAX_UNACKED_FRAMES,
} from "./input_link.ts";

/** How to build a transport. Only the two channels are required. */
export interface InputTransportOptions {
  input: PacketChannel;
  control: PacketChannel;
  clock?: Clock;
  /** Max unacked frames per packet, default 32, at most `MAX_INPUT_WINDOW`. */
  window?: number;
  /** Silence before `interrupted`, default 500 ms. */
  interruptedAfterMs?: number;
  /** Silence before `disconnected`, default 3000 ms. */
  disconnectedAfterMs?: number;
  /** Ping period on the control channel, default 250 ms. */
  pingIntervalMs?: number;
  /** `poll` sends a keepalive input packet when nothing was sent for this long, default 15 ms. */
  keepaliveMs?: number;
  /**
   * Delay of the one resend of the unacked window after each `sendInput`, default
   * `DEFAULT_RESEND_AFTER_MS`; 0 disables resending (half the packets, a frame more tail latency
   * under loss). The resend is a `setTimeout`: call `sendInput` from `requestAnimationFrame` or a
   * worker's message, as `runMatch` does, not from a page `setTimeout` chain, where browsers clamp
   * nested timers to 4 ms (measured in Chromium: a 1 ms timer fired after 4.3 ms).
   */
  resendAfterMs?: number;
  /** A peer that sends but acknowledges none of our inputs this long is dead; default 10000 ms. */
  ackTimeoutMs?: number;
}

/** The input transport of one peer. */
export interface InputTransport {
  /** Records the local input for `frame` (consecutive from 0) and sends one packet with all unacked inputs. */
  sendInput(frame: number, input: number): void;
  /**
   * Remote inputs, delivered exactly once each, in frame order, without gaps. Returning `false`
   * refuses the frame (back-pressure): it is not acked, so the peer sends it again later.
   */
  onInput: ((frame: number, input: number) => unknown) | null;
  /** The peer's current frame from each fresh input packet, with its arrival time (clock ms). */
  onPeerFrame: ((frame: number, atMs: number) => void) | null;
  /** Our current frame, carried by every packet from now on (for the peer's time sync). */
  setFrame(frame: number): void;
  /** The transport's clock (ms), so a session can time its own samples on the same timeline. */
  now(): number;
  /** Sends a reliable control message; throws on an invalid message (a sender bug). */
  sendControl(msg: ControlMessage): void;
  /**
   * Control messages other than ping/pong (those are handled inside). Messages that arrive while
   * this is null are queued (up to `MAX_QUEUED_CONTROL`) and delivered when it is set.
   */
  onControl: ((msg: ControlMessage) => void) | null;
  onState: ((state: LinkState) => void) | null;
  /** Call once per tick: keepalive/ping, liveness. */
  poll(): void;
  /**
   * Starts both input streams mid-match (a resume): our next input is `nextLocal`, the peer's
   * next one `nextRemote`, everything before them already known on both sides (nothing is resent
   * or expected again). Only before any input went either way; a RangeError otherwise.
   */
  startAt(nextLocal: number, nextRemote: number): void;
  readonly state: LinkState;
  stats(): TransportStats;
  /**
   * Writes `stats().rttMs` and `stats().rttMinMs` into `into` and nothing else: the session reads
   * them every tick, and a whole stats object per tick was garbage. Optional, so a transport of
   * your own need not have it (the session then calls `stats()`).
   */
  readRtt?(into: { rttMs: number; rttMinMs: number }): void;
  /**
   * `stats().ackedLocalFrame` (the newest local frame the peer acknowledged) without building
   * the stats object. Optional, like `readRtt`.
   */
  ackedFrame?(): number;
  /** Sends `bye` (with `reason`, default "closed") and stops; later calls do nothing. */
  close(reason?: string): void;
}

const EMPTY_BYTES = new Uint8Array(0);

/** Control messages kept while `onControl` is null; beyond this they are dropped. */
export const MAX_QUEUED_CONTROL = 256;

/** Creates the transport and takes over `onmessage` of both channels. */
export function createInputTransport(opts: InputTransportOptions): InputTransport {
  const { input, control } = opts;
  if (!input || !control) throw new TypeError("input transport: needs input and control channels");
  const clock = opts.clock ?? realClock;
  const link = createInputLink(inputLinkConfig(opts), clock.now());
  let resendTimer: number | null = null;
  let onControl: ((msg: ControlMessage) => void) | null = null;
  const controlQueue: ControlMessage[] = [];

  const safeSend = (channel: PacketChannel, bytes: Uint8Array) => {
    try {
      channel.send(bytes);
    } catch {
      // A DataChannel that is closing throws; liveness detection reports the dead link.
    }
  };

  // One effects list per nesting depth (a callback run by an effect may step the link again while
  // the outer list is still being carried out), reused from event to event: at 60 Hz a fresh list
  // per event was a good part of the tick's garbage.
  // EffectList, not an array: emptying an array gives its storage back to V8, so the next event
  // allocated it again.
  const lists: EffectList<InputLinkEffect>[] = [];
  let depth = 0;
  const step = (event: InputLinkEvent) => {
    const out = lists[depth] ?? (lists[depth] = new EffectList());
    depth++;
    try {
      stepInputLinkInto(link, event, out);
      run(out);
    } finally {
      depth--;
      out.clear(); // holds no packet's bytes until the next event
    }
  };
  // The hot events, one object each, refilled per event: the link reads an event and keeps none.
  const localInputEvent = { kind: "local-input" as const, frame: 0, input: 0, now: 0 };
  const inputPacketEvent = {
    kind: "input-packet" as const,
    bytes: EMPTY_BYTES as Uint8Array,
    now: 0,
  };
  const acceptedEvent = { kind: "accepted" as const, frame: 0 };
  const resendDueEvent = { kind: "resend-due" as const, now: 0 };
  const pollEvent = { kind: "poll" as const, now: 0 };
  const setFrameEvent = { kind: "set-frame" as const, frame: 0 };

  // Effects run in order; a callback may end the link (or step it again) midway, so once it is
  // over nothing more goes out and no consumer hears more than the end.
  const run = (effects: EffectList<InputLinkEffect>) => {
    for (let i = 0; i < effects.length; i++) {
      const e = effects.at(i);
      switch (e.kind) {
        case "send-input":
          safeSend(input, e.bytes);
          break;
        case "send-control":
          safeSend(control, e.bytes);
          break;
        case "state":
          transport.onState?.(e.state);
          break;
        case "peer-frame":
          if (!isTerminal(link)) transport.onPeerFrame?.(e.frame, e.atMs);
          break;
        case "deliver":
          deliver(e.start, e.inputs);
          break;
        case "control":
          if (onControl) onControl(e.msg);
          else if (controlQueue.length < MAX_QUEUED_CONTROL) controlQueue.push(e.msg);
          break;
        case "schedule-resend":
          // A send above may have reached a channel whose callbacks ended us: schedule nothing.
          if (!isTerminal(link) && resendTimer === null) {
            resendTimer = clock.setTimeout(resendNow, e.afterMs);
          }
          break;
        case "cancel-resend":
          if (resendTimer !== null) clock.clearTimeout(resendTimer);
          resendTimer = null;
          break;
        case "detach":
          input.onmessage = null;
          control.onmessage = null;
          break;
      }
    }
  };

  const deliver = (start: number, inputs: Uint8Array) => {
    for (let i = 0; i < inputs.length; i++) {
      const cb = transport.onInput;
      if (!cb || isTerminal(link)) return; // not consumed: the peer repeats it until we ack
      if (cb(start + i, inputs[i]) === false) {
        step({ kind: "refused", count: inputs.length - i });
        return;
      }
      acceptedEvent.frame = start + i;
      step(acceptedEvent);
    }
  };

  // One function for every resend, so scheduling one allocates no closure.
  const resendNow = () => {
    resendTimer = null;
    resendDueEvent.now = clock.now();
    step(resendDueEvent);
  };

  input.onmessage = (bytes) => {
    inputPacketEvent.bytes = bytes;
    inputPacketEvent.now = clock.now();
    step(inputPacketEvent);
    inputPacketEvent.bytes = EMPTY_BYTES; // don't keep the packet alive
  };
  control.onmessage = (bytes) => step({ kind: "control-packet", bytes, now: clock.now() });

  const transport: InputTransport = {
    onInput: null,
    onPeerFrame: null,
    onState: null,
    setFrame: (frame) => {
      setFrameEvent.frame = frame;
      step(setFrameEvent);
    },
    now: () => clock.now(),
    startAt: (nextLocal, nextRemote) => startInputLinkAt(link, nextLocal, nextRemote),
    get onControl() {
      return onControl;
    },
    set onControl(cb) {
      onControl = cb;
      while (onControl && controlQueue.length > 0) onControl(controlQueue.shift()!);
    },
    get state() {
      return link.state;
    },
    sendInput: (frame, value) => {
      localInputEvent.frame = frame;
      localInputEvent.input = value;
      localInputEvent.now = clock.now();
      step(localInputEvent);
    },
    sendControl(msg) {
      const bytes = encodeControl(msg); // throws on a bad message even after close: a sender bug
      step({ kind: "send-control", bytes });
    },
    poll: () => {
      pollEvent.now = clock.now();
      step(pollEvent);
    },
    stats: (): TransportStats => inputLinkStats(link),
    readRtt: (into) => readInputLinkRtt(link, into),
    ackedFrame: () => link.ackedLocalFrame,
    close: (reason = "closed") => step({ kind: "close", reason }),
  };
  return transport;
}
