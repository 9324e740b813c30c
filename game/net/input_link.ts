/**
 * The input link: the input transport's state machine as plain state and one reducer, with no
 * channels and no timers. `stepInputLink(link, event)` applies one event (a local input pushed,
 * a packet received on either channel, the resend timer fired, a poll, a close) and returns what
 * the shell must do, in order: send bytes, report a link state, offer remote inputs to the
 * consumer, pass a control message on, schedule or cancel the one resend, stop listening.
 *
 * The protocol itself (redundancy window, acks, RTT echoes, loss from sequence numbers, silence
 * and ack timeouts) is described in `input_transport.ts`, the shell; this file is what it says.
 *
 * The state is mutated in place rather than copied: the unacked ring, the sequence history and
 * the sent-time ring are typed arrays a copy per packet would allocate again and again. Every
 * transition still happens here and only here, and a test drives them without any I/O.
 *
 * Delivery is a request, not a call: a `deliver` effect offers frames starting at the next
 * expected one; the shell hands them to the consumer one by one and reports each with an
 * `accepted` event, or the rest with a `refused` event (back-pressure), so only frames the
 * consumer took are ever acked.
 *
 * @module
 */

import {
  type ControlMessage,
  decodeControl,
  type Decoded,
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
import type { EffectSink } from "./effect_list.ts";

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

/** The link's settings, validated once by {@link inputLinkConfig}. */
export interface InputLinkConfig {
  window: number;
  interruptedAfterMs: number;
  disconnectedAfterMs: number;
  pingIntervalMs: number;
  keepaliveMs: number;
  /** 0: no resend. */
  resendAfterMs: number;
  ackTimeoutMs: number;
}

/** Default number of frames per packet. */
export const DEFAULT_WINDOW = 32;
/** Default delay of the resend after each `sendInput` (see `input_transport.ts` for why 2 ms). */
export const DEFAULT_RESEND_AFTER_MS = 2;
/** Period of the loss-rate sample. */
export const LOSS_SAMPLE_MS = 1000;
/** Local frames that may stay unacknowledged; beyond, the link is ended as `disconnected`. */
export const MAX_UNACKED_FRAMES = 1 << 16;
/** Pings answered per second at most (the honest rate is 4); the bucket holds this many. */
export const MAX_PINGS_PER_SECOND = 10;

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

/** Validates the settings (defaults filled in); throws a RangeError naming the bad one. */
export function inputLinkConfig(opts: Partial<InputLinkConfig> = {}): InputLinkConfig {
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
  return {
    window,
    interruptedAfterMs,
    disconnectedAfterMs,
    pingIntervalMs,
    keepaliveMs,
    resendAfterMs,
    ackTimeoutMs,
  };
}

/** What happens to a link: every input of {@link stepInputLink}. `now` is clock ms. */
export type InputLinkEvent =
  /** The local input of `frame` (consecutive from 0), 0..255. */
  | { kind: "local-input"; frame: number; input: number; now: number }
  /** Bytes arrived on the unreliable input channel. */
  | { kind: "input-packet"; bytes: Uint8Array; now: number }
  /** Bytes arrived on the reliable control channel. */
  | { kind: "control-packet"; bytes: Uint8Array; now: number }
  /** The consumer took remote `frame` (offered by a `deliver` effect). */
  | { kind: "accepted"; frame: number }
  /** The consumer refused an offered frame: it and the `count - 1` after it are not acked. */
  | { kind: "refused"; count: number }
  /** The resend scheduled by a `schedule-resend` effect is due. */
  | { kind: "resend-due"; now: number }
  /** Once per tick: keepalive, ping, liveness, the loss sample. */
  | { kind: "poll"; now: number }
  /** Our current frame, carried by every packet from now on. */
  | { kind: "set-frame"; frame: number }
  /** A reliable control message of ours to send; `bytes` is it encoded (the caller validated). */
  | { kind: "send-control"; bytes: Uint8Array }
  /** Our own close: send `bye` and stop. */
  | { kind: "close"; reason: string };

/** What the shell must do, in order. */
export type InputLinkEffect =
  | { kind: "send-input"; bytes: Uint8Array }
  | { kind: "send-control"; bytes: Uint8Array }
  | { kind: "state"; state: LinkState }
  /** A fresh packet told the peer's current frame, at `atMs`. */
  | { kind: "peer-frame"; frame: number; atMs: number }
  /** Offer `inputs[i]` as frame `start + i`, in order, answering `accepted` / `refused`. */
  | { kind: "deliver"; start: number; inputs: Uint8Array }
  /** A control message for the app (ping and pong stay inside). */
  | { kind: "control"; msg: ControlMessage }
  | { kind: "schedule-resend"; afterMs: number }
  | { kind: "cancel-resend" }
  /** The link ended: stop listening to both channels. */
  | { kind: "detach" };

/** One link's whole state. Read it through {@link inputLinkStats}; change it only by a step. */
export interface InputLink {
  readonly config: InputLinkConfig;
  state: LinkState;
  /** Local inputs not yet acked, in a growable ring indexed by frame & mask. */
  ring: Uint8Array;
  mask: number;
  nextLocalFrame: number;
  ackedLocalFrame: number;
  /** One scratch buffer and one view per packet length: a send allocates only its bytes. */
  scratch: Uint8Array;
  views: Uint8Array[];
  outgoing: InputPacket;
  /** The one `schedule-resend` effect (its delay is a setting), shared by every send. */
  readonly scheduleResend: InputLinkEffect;
  localFrame: number;
  /** When each of the last ECHO_MODULO packets went out, by seq % ECHO_MODULO. */
  sentAt: Float64Array;
  /** Arrival of the highest sequence number received (what the next packet echoes). */
  highestSeqAt: number;
  rttSamples: Float64Array;
  rttSampleCount: number;
  lastAckProgressAt: number;
  pingTokens: number;
  pingTokensAt: number;
  peerFrame: number;
  controlRttMs: number;
  nextSeq: number;
  lastInputSentAt: number;
  resendPending: boolean;
  lastRemoteFrame: number;
  /** Inbound sequence numbers seen, unwrapped to a growing integer, by ext & (SEQ_HISTORY - 1). */
  seqSeen: Float64Array;
  seqFirst: number;
  seqHighest: number;
  seqDistinct: number;
  lossSampleAt: number;
  lossExpectedAtSample: number;
  lossReceivedAtSample: number;
  lossRate: number;
  lossSampled: boolean;
  rttMs: number;
  rttLastMs: number;
  rttSampled: boolean;
  lastPingAt: number;
  lastHeardAt: number;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  malformed: number;
  duplicates: number;
  resends: number;
  rejected: number;
}

/** A fresh, `open` link at clock time `now`. */
export function createInputLink(config: InputLinkConfig, now: number): InputLink {
  const scratch = new Uint8Array(config.window);
  const views = Array.from({ length: config.window + 1 }, (_, n) => scratch.subarray(0, n));
  return {
    config,
    state: "open",
    ring: new Uint8Array(64),
    mask: 63,
    nextLocalFrame: 0,
    ackedLocalFrame: -1,
    scratch,
    views,
    outgoing: { start: 0, ack: -1, inputs: views[0], seq: 0, echo: -1, holdMs: 0, frame: 0 },
    scheduleResend: Object.freeze({ kind: "schedule-resend", afterMs: config.resendAfterMs }),
    localFrame: 0,
    sentAt: new Float64Array(ECHO_MODULO).fill(NaN),
    highestSeqAt: -Infinity,
    rttSamples: new Float64Array(RTT_MIN_SAMPLES).fill(Infinity),
    rttSampleCount: 0,
    lastAckProgressAt: now,
    pingTokens: MAX_PINGS_PER_SECOND,
    pingTokensAt: now,
    peerFrame: -1,
    controlRttMs: 0,
    nextSeq: 0,
    lastInputSentAt: -Infinity,
    resendPending: false,
    lastRemoteFrame: -1,
    seqSeen: new Float64Array(SEQ_HISTORY).fill(NaN),
    // The peer's first packet is seq 0, so loss before the first arrival counts too.
    seqFirst: 0,
    seqHighest: -1,
    seqDistinct: 0,
    lossSampleAt: now,
    lossExpectedAtSample: 0,
    lossReceivedAtSample: 0,
    lossRate: 0,
    lossSampled: false,
    rttMs: 0,
    rttLastMs: 0,
    rttSampled: false,
    lastPingAt: -Infinity,
    lastHeardAt: now,
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    malformed: 0,
    duplicates: 0,
    resends: 0,
    rejected: 0,
  };
}

/**
 * Starts both input streams of a fresh link mid-match (a resume): our next input is `nextLocal`,
 * the peer's next one `nextRemote`, and everything before them is known on both sides, so nothing
 * is resent or waited for twice. Throws a RangeError once any input has gone either way, or for a
 * frame outside 0..MAX_FRAME.
 */
export function startInputLinkAt(link: InputLink, nextLocal: number, nextRemote: number): void {
  if (link.nextLocalFrame !== 0 || link.lastRemoteFrame !== -1) {
    throw new RangeError("startAt: the input streams have started already");
  }
  for (const f of [nextLocal, nextRemote]) {
    if (!Number.isInteger(f) || f < 0 || f > MAX_FRAME) {
      throw new RangeError(`startAt: a frame must be an integer 0..${MAX_FRAME}, got ${f}`);
    }
  }
  // The ring is indexed by frame & mask, so moving the counters is the whole change.
  link.nextLocalFrame = nextLocal;
  link.ackedLocalFrame = nextLocal - 1;
  link.lastRemoteFrame = nextRemote - 1;
}

/** `disconnected` or `closed`: the link takes no more events (but stats). */
export function isTerminal(link: InputLink): boolean {
  return link.state === "disconnected" || link.state === "closed";
}

/**
 * Applies one event to `link` and returns what the shell must do, in order. Throws only on API
 * misuse of a `local-input` (a non-consecutive frame, an input outside 0..255).
 */
export function stepInputLink(link: InputLink, event: InputLinkEvent): InputLinkEffect[] {
  const out: InputLinkEffect[] = [];
  stepInputLinkInto(link, event, out);
  return out;
}

/**
 * {@link stepInputLink} writing into `out`, a caller-owned list it empties first (an array, or an
 * `EffectList`, which keeps its storage when emptied): the shell reuses one per nesting depth, so
 * the 60 Hz path allocates no list per event. The link keeps neither
 * `event` nor `out`, so the caller may reuse both.
 */
export function stepInputLinkInto(
  link: InputLink,
  event: InputLinkEvent,
  out: EffectSink<InputLinkEffect>,
): void {
  out.length = 0;
  switch (event.kind) {
    case "local-input":
      localInput(link, event.frame, event.input, event.now, out);
      break;
    case "input-packet":
      inputPacket(link, event.bytes, event.now, out);
      break;
    case "control-packet":
      controlPacket(link, event.bytes, event.now, out);
      break;
    case "accepted":
      if (!isTerminal(link) && event.frame === link.lastRemoteFrame + 1) {
        link.lastRemoteFrame = event.frame;
      }
      break;
    case "refused":
      link.rejected += Math.max(0, event.count); // back-pressure: not delivered, not acked
      break;
    case "resend-due":
      link.resendPending = false;
      if (isTerminal(link)) break;
      if (link.ackedLocalFrame >= link.nextLocalFrame - 1) break; // the peer has it all already
      link.resends++;
      sendPacket(link, event.now, out);
      break;
    case "poll":
      poll(link, event.now, out);
      break;
    case "set-frame":
      if (Number.isInteger(event.frame) && event.frame >= 0 && event.frame <= MAX_FRAME) {
        link.localFrame = event.frame;
      }
      break;
    case "send-control":
      if (!isTerminal(link)) sendControlBytes(link, event.bytes, out);
      break;
    case "close":
      if (isTerminal(link)) break;
      sendControlBytes(
        link,
        encodeControl({ kind: "bye", reason: String(event.reason).slice(0, 256) }),
        out,
      );
      end(link, "closed", out);
      break;
  }
}

/** The least of the last RTT samples (ms), 0 before the first. */
function rttMinOf(link: InputLink): number {
  let rttMin = Infinity;
  for (let i = 0; i < RTT_MIN_SAMPLES; i++) {
    if (link.rttSamples[i] < rttMin) rttMin = link.rttSamples[i];
  }
  return rttMin === Infinity ? 0 : rttMin;
}

/**
 * Writes the two RTT figures of {@link inputLinkStats} (`rttMs`, `rttMinMs`) into `into`: what a
 * session reads every tick, without the whole stats object each time.
 */
export function readInputLinkRtt(link: InputLink, into: { rttMs: number; rttMinMs: number }): void {
  into.rttMs = link.rttMs;
  into.rttMinMs = rttMinOf(link);
}

/** The counters and estimates of `link` now. */
export function inputLinkStats(link: InputLink): TransportStats {
  const expected = link.seqHighest - link.seqFirst + 1;
  const rttMin = rttMinOf(link);
  return {
    rttMs: link.rttMs,
    rttLastMs: link.rttLastMs,
    lossRate: link.lossRate,
    packetsSent: link.packetsSent,
    packetsReceived: link.packetsReceived,
    packetsLost: Math.max(0, expected - link.seqDistinct),
    bytesSent: link.bytesSent,
    bytesReceived: link.bytesReceived,
    lastRemoteFrame: link.lastRemoteFrame,
    ackedLocalFrame: link.ackedLocalFrame,
    malformed: link.malformed,
    duplicates: link.duplicates,
    resends: link.resends,
    rttMinMs: rttMin,
    controlRttMs: link.controlRttMs,
    rejected: link.rejected,
    peerFrame: link.peerFrame,
  };
}

// Effects with no fields, or with only the link's settings, are shared: nobody writes to them.
const CANCEL_RESEND: InputLinkEffect = Object.freeze({ kind: "cancel-resend" });
const DETACH: InputLinkEffect = Object.freeze({ kind: "detach" });

function setState(link: InputLink, next: LinkState, out: EffectSink<InputLinkEffect>) {
  if (next === link.state) return;
  link.state = next;
  out.push({ kind: "state", state: next });
}

function end(link: InputLink, state: "closed" | "disconnected", out: EffectSink<InputLinkEffect>) {
  cancelResend(link, out);
  if (state === "closed") out.push(DETACH);
  setState(link, state, out);
  if (state === "disconnected") out.push(DETACH);
}

function cancelResend(link: InputLink, out: EffectSink<InputLinkEffect>) {
  if (!link.resendPending) return;
  link.resendPending = false;
  out.push(CANCEL_RESEND);
}

function sendControlBytes(link: InputLink, bytes: Uint8Array, out: EffectSink<InputLinkEffect>) {
  link.bytesSent += bytes.length;
  out.push({ kind: "send-control", bytes });
}

function sendPacket(link: InputLink, now: number, out: EffectSink<InputLinkEffect>) {
  // Whatever goes out now repeats the whole unacked window: a pending resend would add nothing.
  cancelResend(link, out);
  const start = link.ackedLocalFrame + 1;
  const n = Math.min(link.config.window, link.nextLocalFrame - start);
  for (let i = 0; i < n; i++) link.scratch[i] = link.ring[(start + i) & link.mask];
  const p = link.outgoing;
  p.start = Math.min(start, MAX_FRAME);
  p.ack = link.lastRemoteFrame;
  p.inputs = link.views[n];
  p.seq = link.nextSeq;
  p.frame = link.localFrame;
  const hold = Math.floor(now - link.highestSeqAt);
  if (link.seqHighest >= 0 && hold >= 0 && hold <= MAX_HOLD_MS) {
    p.echo = link.seqHighest % ECHO_MODULO;
    p.holdMs = hold;
  } else {
    p.echo = -1;
    p.holdMs = 0;
  }
  link.sentAt[link.nextSeq % ECHO_MODULO] = now;
  link.nextSeq = (link.nextSeq + 1) % SEQ_MODULO;
  const bytes = encodeInputPacket(p);
  link.packetsSent++;
  link.lastInputSentAt = now;
  link.bytesSent += bytes.length;
  out.push({ kind: "send-input", bytes });
}

function localInput(
  link: InputLink,
  frame: number,
  value: number,
  now: number,
  out: EffectSink<InputLinkEffect>,
) {
  if (isTerminal(link)) return; // the game loop may tick once more after the end: not an error
  if (frame !== link.nextLocalFrame) {
    throw new RangeError(`sendInput: expected frame ${link.nextLocalFrame}, got ${frame}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`sendInput: input must be an integer 0..255, got ${value}`);
  }
  if (frame > MAX_FRAME) throw new RangeError("sendInput: frame numbers are exhausted");
  const unacked = link.nextLocalFrame - link.ackedLocalFrame - 1;
  if (unacked >= MAX_UNACKED_FRAMES) {
    end(link, "disconnected", out); // takes our inputs but never acks: a dead or hostile link
    return;
  }
  if (unacked === 0) link.lastAckProgressAt = now; // the ack clock starts with this frame
  if (unacked >= link.ring.length) grow(link);
  link.ring[frame & link.mask] = value;
  link.nextLocalFrame++;
  sendPacket(link, now, out);
  if (link.config.resendAfterMs > 0) {
    link.resendPending = true;
    out.push(link.scheduleResend);
  }
}

function grow(link: InputLink) {
  const bigger = new Uint8Array(link.ring.length * 2);
  const biggerMask = bigger.length - 1;
  for (let f = link.ackedLocalFrame + 1; f < link.nextLocalFrame; f++) {
    bigger[f & biggerMask] = link.ring[f & link.mask];
  }
  link.ring = bigger;
  link.mask = biggerMask;
}

function heard(link: InputLink, now: number, out: EffectSink<InputLinkEffect>) {
  link.lastHeardAt = now;
  if (link.state === "interrupted") setState(link, "open", out);
}

/** Records an inbound sequence number; returns false for a duplicate. */
function trackSeq(link: InputLink, seq: number, now: number): boolean {
  // Serial-number arithmetic: the nearest unwrapped value to the highest seen so far.
  const delta =
    ((seq - (((link.seqHighest % SEQ_MODULO) + SEQ_MODULO) % SEQ_MODULO) + SEQ_MODULO * 1.5) %
      SEQ_MODULO) -
    SEQ_MODULO / 2;
  const ext = link.seqHighest + delta;
  if (ext <= link.seqHighest - SEQ_HISTORY) return false; // too old to tell: a duplicate
  const slot = ext & (SEQ_HISTORY - 1);
  if (link.seqSeen[slot] === ext) return false;
  link.seqSeen[slot] = ext;
  link.seqDistinct++;
  if (ext > link.seqHighest) {
    link.seqHighest = ext;
    link.highestSeqAt = now;
  }
  if (ext < link.seqFirst) link.seqFirst = ext;
  return true;
}

/**
 * What both channels do first with a packet: count its bytes, drop it after the end, and decode
 * it; a packet that does not decode counts as malformed. Null when there is nothing to act on.
 */
function receive<T>(
  link: InputLink,
  bytes: Uint8Array,
  decode: (bytes: Uint8Array) => Decoded<T>,
): T | null {
  link.bytesReceived += bytes?.length ?? 0;
  if (isTerminal(link)) return null;
  const d = decode(bytes);
  if (d.ok) return d.value;
  link.malformed++;
  return null;
}

function inputPacket(
  link: InputLink,
  bytes: Uint8Array,
  now: number,
  out: EffectSink<InputLinkEffect>,
) {
  const p = receive(link, bytes, decodeInputPacket);
  if (!p) return;
  if (p.ack >= link.nextLocalFrame) {
    link.malformed++; // acks a frame we never sent
    return;
  }
  heard(link, now, out);
  if (trackSeq(link, p.seq!, now)) {
    link.packetsReceived++;
    freshPacket(link, p, now, out);
  } else link.duplicates++;
  if (p.ack > link.ackedLocalFrame) {
    link.ackedLocalFrame = p.ack;
    link.lastAckProgressAt = now;
  }
  const next = link.lastRemoteFrame + 1;
  const end = p.start + p.inputs.length;
  // A packet starting past `next` was never sent by an honest peer: it delivers nothing.
  if (p.start <= next && next < end) {
    out.push({ kind: "deliver", start: next, inputs: p.inputs.subarray(next - p.start) });
  }
}

/** RTT from the echo and the peer's frame, from a packet seen for the first time. */
function freshPacket(
  link: InputLink,
  p: InputPacket,
  now: number,
  out: EffectSink<InputLinkEffect>,
) {
  if (p.echo! >= 0) {
    const sample = now - link.sentAt[p.echo!] - p.holdMs!;
    // NaN (never sent) or out of range: a forged echo or one older than the sent-time ring.
    if (sample >= 0 && sample <= MAX_RTT_SAMPLE_MS) {
      link.rttLastMs = sample;
      link.rttMs = link.rttSampled ? link.rttMs + (sample - link.rttMs) / 8 : sample;
      link.rttSampled = true;
      link.rttSamples[link.rttSampleCount++ % RTT_MIN_SAMPLES] = sample;
    }
  }
  if (p.frame! > link.peerFrame) link.peerFrame = p.frame!;
  out.push({ kind: "peer-frame", frame: p.frame!, atMs: now });
}

function controlPacket(
  link: InputLink,
  bytes: Uint8Array,
  now: number,
  out: EffectSink<InputLinkEffect>,
) {
  const msg = receive(link, bytes, decodeControl);
  if (!msg) return;
  switch (msg.kind) {
    case "ping":
      heard(link, now, out);
      link.pingTokens = Math.min(
        MAX_PINGS_PER_SECOND,
        link.pingTokens + (now - link.pingTokensAt) * MAX_PINGS_PER_SECOND / 1000,
      );
      link.pingTokensAt = now;
      if (link.pingTokens < 1) {
        link.rejected++; // a ping flood: answering would amplify it
        return;
      }
      link.pingTokens--;
      sendControlBytes(link, encodeControl({ kind: "pong", t: msg.t }), out);
      return;
    case "pong": {
      const sample = now - msg.t;
      if (!(sample >= 0 && sample <= MAX_RTT_SAMPLE_MS)) {
        link.malformed++; // not an answer to any ping of ours
        return;
      }
      heard(link, now, out);
      link.controlRttMs = link.controlRttMs > 0
        ? link.controlRttMs + (sample - link.controlRttMs) / 8
        : sample;
      if (link.rttSampleCount === 0) {
        // No echo on the input channel yet: the control channel's figure is all we have.
        link.rttLastMs = sample;
        link.rttMs = link.rttSampled ? link.rttMs + (sample - link.rttMs) / 8 : sample;
        link.rttSampled = true;
      }
      return;
    }
    case "bye":
      heard(link, now, out);
      out.push({ kind: "control", msg });
      end(link, "closed", out);
      return;
    default:
      heard(link, now, out);
      out.push({ kind: "control", msg });
  }
}

function poll(link: InputLink, now: number, out: EffectSink<InputLinkEffect>) {
  if (isTerminal(link)) return;
  const { interruptedAfterMs, disconnectedAfterMs, ackTimeoutMs, pingIntervalMs, keepaliveMs } =
    link.config;
  const silence = now - link.lastHeardAt;
  const unacked = link.nextLocalFrame - link.ackedLocalFrame - 1;
  // The ack timeout is for a peer that keeps sending but never acks; a silent link is the
  // disconnect timeout's business (the match's grace period), so its clock waits meanwhile.
  if (silence >= interruptedAfterMs) link.lastAckProgressAt = now;
  if (
    silence >= disconnectedAfterMs || (unacked > 0 && now - link.lastAckProgressAt >= ackTimeoutMs)
  ) {
    end(link, "disconnected", out);
    return;
  }
  if (silence >= interruptedAfterMs) setState(link, "interrupted", out);
  if (now - link.lastPingAt >= pingIntervalMs) {
    link.lastPingAt = now;
    sendControlBytes(link, encodeControl({ kind: "ping", t: now }), out);
  }
  if (now - link.lastInputSentAt >= keepaliveMs) sendPacket(link, now, out);
  sampleLoss(link, now);
}

function sampleLoss(link: InputLink, now: number) {
  if (now - link.lossSampleAt < LOSS_SAMPLE_MS) return;
  const expected = link.seqHighest - link.seqFirst + 1;
  const dExpected = expected - link.lossExpectedAtSample;
  const dReceived = link.seqDistinct - link.lossReceivedAtSample;
  link.lossSampleAt = now;
  link.lossExpectedAtSample = expected;
  link.lossReceivedAtSample = link.seqDistinct;
  if (dExpected <= 0) return;
  // Late (reordered) packets can make one sample negative and the previous one high.
  const sample = Math.min(1, Math.max(0, (dExpected - dReceived) / dExpected));
  link.lossRate = link.lossSampled ? link.lossRate + (sample - link.lossRate) / 4 : sample;
  link.lossSampled = true;
}
