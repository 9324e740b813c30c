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
 * @module
 */

import {
  type ControlMessage,
  decodeControl,
  decodeInputPacket,
  ECHO_MODULO,
  encodeControl,
  encodeInputPacket,
  type InputPacket,
  MAX_FRAME,
  MAX_HOLD_MS,
  MAX_INPUT_WINDOW,
  SEQ_MODULO,
} from "../../shared/peer_protocol.ts";
import { type Clock, realClock } from "./clock.ts";
import type { PacketChannel } from "./packet_channel.ts";

/** Connection health as the transport sees it. `disconnected` and `closed` are terminal. */
export type LinkState = "open" | "interrupted" | "disconnected" | "closed";

/** Counters and estimates for overlays, logs and the session's time sync. */
export interface TransportStats {
  /** Smoothed round-trip time (ms); 0 until the first pong. */
  rttMs: number;
  /** Inbound loss estimate, 0..1, sampled once a second (0 until the first sample). */
  lossRate: number;
  /** Input packets sent (inputs, resends and keepalives). */
  packetsSent: number;
  /** Distinct valid input packets received (duplicates excluded). */
  packetsReceived: number;
  /** Input packets the peer sent that have not arrived (from sequence-number gaps). */
  packetsLost: number;
  /** Bytes sent on both channels. */
  bytesSent: number;
  /** Bytes received on both channels, malformed packets included. */
  bytesReceived: number;
  /** Newest remote frame delivered to `onInput` (contiguous), -1 for none. Also our ack. */
  lastRemoteFrame: number;
  /** Newest local frame the peer acknowledged, -1 for none. */
  ackedLocalFrame: number;
  /** Packets on either channel that failed to decode or validate, and were ignored. */
  malformed: number;
  /** Latest RTT sample (ms); 0 until the first pong. (Addition to the contract.) */
  rttLastMs: number;
  /** Duplicate input packets received (same sequence number). (Addition to the contract.) */
  duplicates: number;
  /** Of `packetsSent`, the scheduled resends that went out. (Addition to the contract.) */
  resends: number;
  /** Least RTT sample of the last 16 (ms), 0 until the first; time sync's one-way delay. */
  rttMinMs: number;
  /** Smoothed RTT of the control channel's ping/pong (diagnostics; retransmissions inflate it). */
  controlRttMs: number;
  /** Hostile or excess traffic refused: pings over the rate limit, input frames held back. */
  rejected: number;
  /** Newest frame the peer reported as its current one (input packets), -1 for none. */
  peerFrame: number;
}

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
   * under loss).
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
  /** Sends `bye` (with `reason`, default "closed") and stops; later calls do nothing. */
  close(reason?: string): void;
}

/** Default number of frames per packet. */
export const DEFAULT_WINDOW = 32;
/** Default delay of the resend after each `sendInput` (see the module docs for why 2 ms). */
export const DEFAULT_RESEND_AFTER_MS = 2;
/** Control messages kept while `onControl` is null; beyond this they are dropped. */
export const MAX_QUEUED_CONTROL = 256;
/** Period of the loss-rate sample. */
export const LOSS_SAMPLE_MS = 1000;
/** Local frames that may stay unacknowledged; beyond, the link is ended as `disconnected`. */
export const MAX_UNACKED_FRAMES = 1 << 16;
/** Pings answered per second at most (the honest rate is 4); the bucket holds this many. */
export const MAX_PINGS_PER_SECOND = 10;
// Sent times remembered for echoes: one per sequence number modulo ECHO_MODULO.
const RTT_MIN_SAMPLES = 16;

// RTT samples outside this range are bogus (a forged pong or a clock jump).
const MAX_RTT_SAMPLE_MS = 60_000;
// Sequence numbers remembered for duplicate detection (a power of two).
const SEQ_HISTORY = 1024;

function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`input transport: ${name} must be a positive number, got ${v}`);
  }
  return v;
}

/** Creates the transport and takes over `onmessage` of both channels. */
export function createInputTransport(opts: InputTransportOptions): InputTransport {
  const { input, control } = opts;
  if (!input || !control) throw new TypeError("input transport: needs input and control channels");
  const clock = opts.clock ?? realClock;
  const window = opts.window ?? DEFAULT_WINDOW;
  if (!Number.isInteger(window) || window < 1 || window > MAX_INPUT_WINDOW) {
    throw new RangeError(`input transport: window must be an integer 1..${MAX_INPUT_WINDOW}`);
  }
  const interruptedAfterMs = positive("interruptedAfterMs", opts.interruptedAfterMs, 500);
  const disconnectedAfterMs = positive("disconnectedAfterMs", opts.disconnectedAfterMs, 3000);
  if (disconnectedAfterMs < interruptedAfterMs) {
    throw new RangeError("input transport: disconnectedAfterMs must be >= interruptedAfterMs");
  }
  const pingIntervalMs = positive("pingIntervalMs", opts.pingIntervalMs, 250);
  const keepaliveMs = positive("keepaliveMs", opts.keepaliveMs, 15);
  const ackTimeoutMs = positive("ackTimeoutMs", opts.ackTimeoutMs, 10_000);
  const resendAfterMs = opts.resendAfterMs ?? DEFAULT_RESEND_AFTER_MS;
  if (typeof resendAfterMs !== "number" || !Number.isFinite(resendAfterMs) || resendAfterMs < 0) {
    throw new RangeError(
      `input transport: resendAfterMs must be a number >= 0 (0 disables), got ${resendAfterMs}`,
    );
  }

  let state: LinkState = "open";

  // Local inputs not yet acked, in a growable ring indexed by frame & mask.
  let ring = new Uint8Array(64);
  let mask = ring.length - 1;
  let nextLocalFrame = 0;
  let ackedLocalFrame = -1;
  // One scratch buffer and one view per packet length: sending allocates only the encoded bytes.
  const scratch = new Uint8Array(window);
  const views = Array.from({ length: window + 1 }, (_, n) => scratch.subarray(0, n));
  const outgoing: InputPacket = {
    start: 0,
    ack: -1,
    inputs: views[0],
    seq: 0,
    echo: -1,
    holdMs: 0,
    frame: 0,
  };
  let localFrame = 0;
  // When each of the last ECHO_MODULO packets went out, by seq % ECHO_MODULO.
  const sentAt = new Float64Array(ECHO_MODULO).fill(NaN);
  // Arrival of the highest sequence number received (what the next packet echoes).
  let highestSeqAt = -Infinity;
  const rttSamples = new Float64Array(RTT_MIN_SAMPLES).fill(Infinity);
  let rttSampleCount = 0;
  let lastAckProgressAt = clock.now();
  let pingTokens = MAX_PINGS_PER_SECOND, pingTokensAt = clock.now();
  let peerFrame = -1;
  let controlRttMs = 0;
  let nextSeq = 0;
  let lastInputSentAt = -Infinity;
  // The pending resend's timer id, null when none is scheduled.
  let resendTimer: number | null = null;

  let lastRemoteFrame = -1;

  // Inbound sequence tracking, with sequence numbers unwrapped to a growing integer.
  const seqSeen = new Float64Array(SEQ_HISTORY).fill(NaN);
  // The peer's first packet is seq 0, so loss before the first arrival counts too.
  let seqFirst = 0, seqHighest = -1, seqDistinct = 0;
  let lossSampleAt = clock.now(), lossExpectedAtSample = 0, lossReceivedAtSample = 0;
  let lossRate = 0, lossSampled = false;

  let rttMs = 0, rttLastMs = 0, rttSampled = false;
  let lastPingAt = -Infinity;
  let lastHeardAt = clock.now();

  const counters = {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    malformed: 0,
    duplicates: 0,
    resends: 0,
    rejected: 0,
  };

  let onControl: ((msg: ControlMessage) => void) | null = null;
  const controlQueue: ControlMessage[] = [];

  const terminal = () => state === "disconnected" || state === "closed";

  const setState = (next: LinkState) => {
    if (next === state) return;
    state = next;
    transport.onState?.(next);
  };

  const safeSend = (channel: PacketChannel, bytes: Uint8Array) => {
    counters.bytesSent += bytes.length;
    try {
      channel.send(bytes);
    } catch {
      // A DataChannel that is closing throws; liveness detection reports the dead link.
    }
  };

  const sendControlNow = (msg: ControlMessage) => safeSend(control, encodeControl(msg));

  const cancelResend = () => {
    if (resendTimer === null) return;
    clock.clearTimeout(resendTimer);
    resendTimer = null;
  };

  const sendPacket = () => {
    // Whatever goes out now repeats the whole unacked window: a pending resend would add nothing.
    cancelResend();
    const start = ackedLocalFrame + 1;
    const n = Math.min(window, nextLocalFrame - start);
    for (let i = 0; i < n; i++) scratch[i] = ring[(start + i) & mask];
    outgoing.start = Math.min(start, MAX_FRAME);
    outgoing.ack = lastRemoteFrame;
    outgoing.inputs = views[n];
    outgoing.seq = nextSeq;
    outgoing.frame = localFrame;
    const now = clock.now();
    const hold = Math.floor(now - highestSeqAt);
    if (seqHighest >= 0 && hold >= 0 && hold <= MAX_HOLD_MS) {
      outgoing.echo = seqHighest % ECHO_MODULO;
      outgoing.holdMs = hold;
    } else {
      outgoing.echo = -1;
      outgoing.holdMs = 0;
    }
    sentAt[nextSeq % ECHO_MODULO] = now;
    nextSeq = (nextSeq + 1) % SEQ_MODULO;
    const bytes = encodeInputPacket(outgoing);
    counters.packetsSent++;
    lastInputSentAt = now;
    safeSend(input, bytes);
  };

  // One function for every resend, so scheduling one allocates no closure.
  const resendNow = () => {
    resendTimer = null;
    if (terminal()) return;
    if (ackedLocalFrame >= nextLocalFrame - 1) return; // the peer has it all already
    counters.resends++;
    sendPacket();
  };

  const grow = () => {
    const bigger = new Uint8Array(ring.length * 2);
    const biggerMask = bigger.length - 1;
    for (let f = ackedLocalFrame + 1; f < nextLocalFrame; f++) {
      bigger[f & biggerMask] = ring[f & mask];
    }
    ring = bigger;
    mask = biggerMask;
  };

  const heard = () => {
    lastHeardAt = clock.now();
    if (state === "interrupted") setState("open");
  };

  /** Records an inbound sequence number; returns false for a duplicate. */
  const trackSeq = (seq: number): boolean => {
    // Serial-number arithmetic: the nearest unwrapped value to the highest seen so far.
    const delta =
      ((seq - (((seqHighest % SEQ_MODULO) + SEQ_MODULO) % SEQ_MODULO) + SEQ_MODULO * 1.5) %
        SEQ_MODULO) -
      SEQ_MODULO / 2;
    const ext = seqHighest + delta;
    if (ext <= seqHighest - SEQ_HISTORY) return false; // too old to tell: treat as a duplicate
    const slot = ext & (SEQ_HISTORY - 1);
    if (seqSeen[slot] === ext) return false;
    seqSeen[slot] = ext;
    seqDistinct++;
    if (ext > seqHighest) {
      seqHighest = ext;
      highestSeqAt = clock.now();
    }
    if (ext < seqFirst) seqFirst = ext;
    return true;
  };

  const expectedPackets = () => seqHighest - seqFirst + 1;

  const onInputPacket = (bytes: Uint8Array) => {
    counters.bytesReceived += bytes?.length ?? 0;
    if (terminal()) return;
    const d = decodeInputPacket(bytes);
    if (!d.ok) {
      counters.malformed++;
      return;
    }
    const p = d.value;
    if (p.ack >= nextLocalFrame) {
      counters.malformed++; // acks a frame we never sent
      return;
    }
    heard();
    if (trackSeq(p.seq!)) {
      counters.packetsReceived++;
      onFreshPacket(p);
    } else counters.duplicates++;
    if (terminal()) return;
    if (p.ack > ackedLocalFrame) {
      ackedLocalFrame = p.ack;
      lastAckProgressAt = clock.now();
    }
    const end = p.start + p.inputs.length;
    for (let f = Math.max(p.start, lastRemoteFrame + 1); f < end; f++) {
      if (f !== lastRemoteFrame + 1) break; // past a gap: never sent by an honest peer
      const cb = transport.onInput;
      if (!cb || terminal()) break; // not consumed: the peer repeats it until we ack
      if (cb(f, p.inputs[f - p.start]) === false) {
        counters.rejected += end - f; // back-pressure: not delivered, not acked
        break;
      }
      lastRemoteFrame = f;
    }
  };

  /** RTT from the echo and the peer's frame, from a packet seen for the first time. */
  const onFreshPacket = (p: InputPacket) => {
    const now = clock.now();
    if (p.echo! >= 0) {
      const sample = now - sentAt[p.echo!] - p.holdMs!;
      // NaN (never sent) or out of range: a forged echo or one older than the sent-time ring.
      if (sample >= 0 && sample <= MAX_RTT_SAMPLE_MS) {
        rttLastMs = sample;
        rttMs = rttSampled ? rttMs + (sample - rttMs) / 8 : sample;
        rttSampled = true;
        rttSamples[rttSampleCount++ % RTT_MIN_SAMPLES] = sample;
      }
    }
    if (p.frame! > peerFrame) peerFrame = p.frame!;
    transport.onPeerFrame?.(p.frame!, now);
  };

  const rttMin = () => {
    let m = Infinity;
    for (let i = 0; i < RTT_MIN_SAMPLES; i++) if (rttSamples[i] < m) m = rttSamples[i];
    return m === Infinity ? 0 : m;
  };

  const deliverControl = (msg: ControlMessage) => {
    if (onControl) onControl(msg);
    else if (controlQueue.length < MAX_QUEUED_CONTROL) controlQueue.push(msg);
  };

  const onControlPacket = (bytes: Uint8Array) => {
    counters.bytesReceived += bytes?.length ?? 0;
    if (terminal()) return;
    const d = decodeControl(bytes);
    if (!d.ok) {
      counters.malformed++;
      return;
    }
    const msg = d.value;
    const now = clock.now();
    switch (msg.kind) {
      case "ping":
        heard();
        pingTokens = Math.min(
          MAX_PINGS_PER_SECOND,
          pingTokens + (now - pingTokensAt) * MAX_PINGS_PER_SECOND / 1000,
        );
        pingTokensAt = now;
        if (pingTokens < 1) {
          counters.rejected++; // a ping flood: answering would amplify it
          return;
        }
        pingTokens--;
        sendControlNow({ kind: "pong", t: msg.t });
        return;
      case "pong": {
        const sample = now - msg.t;
        if (!(sample >= 0 && sample <= MAX_RTT_SAMPLE_MS)) {
          counters.malformed++; // not an answer to any ping of ours
          return;
        }
        heard();
        controlRttMs = controlRttMs > 0 ? controlRttMs + (sample - controlRttMs) / 8 : sample;
        if (rttSampleCount === 0) {
          // No echo on the input channel yet: the control channel's figure is all we have.
          rttLastMs = sample;
          rttMs = rttSampled ? rttMs + (sample - rttMs) / 8 : sample;
          rttSampled = true;
        }
        return;
      }
      case "bye":
        heard();
        deliverControl(msg);
        stop();
        return;
      default:
        heard();
        deliverControl(msg);
    }
  };

  const stop = () => {
    cancelResend();
    input.onmessage = null;
    control.onmessage = null;
    setState("closed");
  };

  const sampleLoss = (now: number) => {
    if (now - lossSampleAt < LOSS_SAMPLE_MS) return;
    const expected = expectedPackets();
    const dExpected = expected - lossExpectedAtSample;
    const dReceived = seqDistinct - lossReceivedAtSample;
    lossSampleAt = now;
    lossExpectedAtSample = expected;
    lossReceivedAtSample = seqDistinct;
    if (dExpected <= 0) return;
    // Late (reordered) packets can make one sample negative and the previous one high.
    const sample = Math.min(1, Math.max(0, (dExpected - dReceived) / dExpected));
    lossRate = lossSampled ? lossRate + (sample - lossRate) / 4 : sample;
    lossSampled = true;
  };

  input.onmessage = onInputPacket;
  control.onmessage = onControlPacket;

  const dead = () => {
    cancelResend();
    setState("disconnected");
    input.onmessage = null;
    control.onmessage = null;
  };

  const transport: InputTransport = {
    onInput: null,
    onPeerFrame: null,
    onState: null,
    setFrame(frame) {
      if (Number.isInteger(frame) && frame >= 0 && frame <= MAX_FRAME) localFrame = frame;
    },
    now: () => clock.now(),
    startAt(nextLocal, nextRemote) {
      if (nextLocalFrame !== 0 || lastRemoteFrame !== -1) {
        throw new RangeError("startAt: the input streams have started already");
      }
      for (const f of [nextLocal, nextRemote]) {
        if (!Number.isInteger(f) || f < 0 || f > MAX_FRAME) {
          throw new RangeError(`startAt: a frame must be an integer 0..${MAX_FRAME}, got ${f}`);
        }
      }
      nextLocalFrame = nextLocal;
      ackedLocalFrame = nextLocal - 1;
      lastRemoteFrame = nextRemote - 1;
    },
    get onControl() {
      return onControl;
    },
    set onControl(cb) {
      onControl = cb;
      while (onControl && controlQueue.length > 0) onControl(controlQueue.shift()!);
    },
    get state() {
      return state;
    },
    sendInput(frame, value) {
      if (terminal()) return; // the game loop may tick once more after the end: not an error
      if (frame !== nextLocalFrame) {
        throw new RangeError(`sendInput: expected frame ${nextLocalFrame}, got ${frame}`);
      }
      if (!Number.isInteger(value) || value < 0 || value > 255) {
        throw new RangeError(`sendInput: input must be an integer 0..255, got ${value}`);
      }
      if (frame > MAX_FRAME) throw new RangeError("sendInput: frame numbers are exhausted");
      const unacked = nextLocalFrame - ackedLocalFrame - 1;
      if (unacked >= MAX_UNACKED_FRAMES) {
        dead(); // the peer takes our inputs but never acks: a dead (or hostile) link, not a throw
        return;
      }
      if (unacked === 0) lastAckProgressAt = clock.now(); // the ack clock starts with this frame
      if (unacked >= ring.length) grow();
      ring[frame & mask] = value;
      nextLocalFrame++;
      sendPacket();
      // sendPacket may have reached a channel whose callbacks ended us: schedule nothing then.
      if (resendAfterMs > 0 && !terminal()) {
        resendTimer = clock.setTimeout(resendNow, resendAfterMs);
      }
    },
    sendControl(msg) {
      const bytes = encodeControl(msg); // throws on a bad message even after close: a sender bug
      if (terminal()) return;
      safeSend(control, bytes);
    },
    poll() {
      if (terminal()) return;
      const now = clock.now();
      const silence = now - lastHeardAt;
      const unacked = nextLocalFrame - ackedLocalFrame - 1;
      // The ack timeout is for a peer that keeps sending but never acks; a silent link is the
      // disconnect timeout's business (the match's grace period), so its clock waits meanwhile.
      if (silence >= interruptedAfterMs) lastAckProgressAt = now;
      if (
        silence >= disconnectedAfterMs || (unacked > 0 && now - lastAckProgressAt >= ackTimeoutMs)
      ) {
        dead();
        return;
      }
      if (silence >= interruptedAfterMs) setState("interrupted");
      if (now - lastPingAt >= pingIntervalMs) {
        lastPingAt = now;
        sendControlNow({ kind: "ping", t: now });
      }
      if (now - lastInputSentAt >= keepaliveMs) sendPacket();
      sampleLoss(now);
    },
    stats() {
      const expected = expectedPackets();
      return {
        rttMs,
        rttLastMs,
        lossRate,
        packetsSent: counters.packetsSent,
        packetsReceived: counters.packetsReceived,
        packetsLost: Math.max(0, expected - seqDistinct),
        bytesSent: counters.bytesSent,
        bytesReceived: counters.bytesReceived,
        lastRemoteFrame,
        ackedLocalFrame,
        malformed: counters.malformed,
        duplicates: counters.duplicates,
        resends: counters.resends,
        rttMinMs: rttMin(),
        controlRttMs,
        rejected: counters.rejected,
        peerFrame,
      };
    },
    close(reason = "closed") {
      if (terminal()) return;
      sendControlNow({ kind: "bye", reason: String(reason).slice(0, 256) });
      stop();
    },
  };
  return transport;
}
