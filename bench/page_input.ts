// Browser side of the input-latency benchmark (bundled into the bench page). On an open duet
// connection both pages send the same 60 Hz input frames two ways at once, so both see the same
// network at the same moments:
// - duet: the real input transport (every packet repeats all unacked frames) on the unordered,
//   maxRetransmits 0 `input` channel;
// - reliable: each frame once, as a one-frame input packet, on an extra negotiated reliable
//   ordered channel (id 2), as a netcode without redundancy would send it.
// Each page records when it sent and when it received every frame (epoch ms).
import { createInputTransport, type InputTransport } from "../game/net/input_transport.ts";
import { decodeInputPacket, encodeInputPacket } from "../shared/peer_protocol.ts";
import { currentPeer, epoch } from "./page_connect.ts";

/** What one page saw; arrays are indexed by frame, NaN where nothing happened. */
export interface InputRunResult {
  frames: number;
  sentDuet: number[];
  recvDuet: number[];
  sentReliable: number[];
  recvReliable: number[];
  /** Transport counters at the end (loss estimate, packets, bytes). */
  stats: Record<string, number>;
  /** How late the page's 60 Hz timer fired (ms), p50 and max: page-side jitter. */
  tickLateP50: number;
  tickLateMax: number;
}

let transport: InputTransport | null = null;
let reliable: RTCDataChannel | null = null;

/**
 * Transport options a run may set (the strategies the bench compares); unset = the default.
 * `driver` is the bench's, not the transport's: what wakes the sender every frame (see `wakeAt`).
 */
export interface InputStrategy {
  resendAfterMs?: number;
  keepaliveMs?: number;
  driver?: "worker" | "timeout";
}

/**
 * Opens the extra reliable channel and the duet transport on this page's open connection, with
 * `strategy`'s options over the transport's defaults.
 */
export function inputPrepare(strategy: InputStrategy = {}): Promise<void> {
  const peer = currentPeer();
  if (!peer || peer.state !== "open") return Promise.reject(new Error("no open duet connection"));
  const { driver, ...options } = strategy;
  stopWaker();
  transport = createInputTransport({ input: peer.input, control: peer.control, ...options });
  wakeAt = driver === "timeout" ? timeoutWaker() : workerWaker();
  const ch = peer.raw.createDataChannel("bench-reliable", {
    negotiated: true,
    id: 2,
    ordered: true,
  });
  ch.binaryType = "arraybuffer";
  reliable = ch;
  if (ch.readyState === "open") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("reliable channel did not open")), 10_000);
    ch.onopen = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

/** Calls `cb` at epoch time `at` (or as soon as it can). */
type Waker = (at: number, cb: () => void) => void;
let wakeAt: Waker | null = null;
let stopWaker = () => {};

// The sender is woken the way the package's match loop is (game/net/tick_pump.ts): by a message
// from a worker's timer, or by requestAnimationFrame; never by a chain of setTimeouts on the page.
// Browsers clamp a timer set from inside a timer chain nested 5 deep to 4 ms (HTML's timer
// nesting level; measured here in Chromium: setTimeout(1) fired after 4.3 ms, and
// scheduler.postTask's delay the same), so a page that ticks from setTimeout gets its 2 ms
// resend 4 ms late; the `timeout` driver keeps that case in the report.
const WAKER_SOURCE = "onmessage=(e)=>setTimeout(()=>postMessage(0),e.data);";

function workerWaker(): Waker {
  const url = URL.createObjectURL(new Blob([WAKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  stopWaker = () => worker.terminate();
  let pending: (() => void) | null = null;
  worker.onmessage = () => {
    const cb = pending;
    pending = null;
    cb?.();
  };
  return (at, cb) => {
    pending = cb;
    worker.postMessage(Math.max(0, at - epoch()));
  };
}

function timeoutWaker(): Waker {
  return (at, cb) => setTimeout(cb, Math.max(0, at - epoch()));
}

/** A varied input byte, so packets carry realistic, changing content. */
const inputFor = (f: number) => ((f >> 3) * 7 + (f >> 5)) & 0x1f;

/**
 * Sends `frames` frames at 60 Hz starting at epoch time `startAt` (both pages get the same), then
 * keeps receiving for `drainMs`, and returns what this page sent and received.
 */
export function inputRun(
  frames: number,
  startAt: number,
  drainMs: number,
): Promise<InputRunResult> {
  const t = transport, ch = reliable, wake = wakeAt;
  if (!t || !ch || !wake) return Promise.reject(new Error("inputPrepare first"));
  const nan = () => new Array<number>(frames).fill(NaN);
  const r: InputRunResult = {
    frames,
    sentDuet: nan(),
    recvDuet: nan(),
    sentReliable: nan(),
    recvReliable: nan(),
    stats: {},
    tickLateP50: NaN,
    tickLateMax: NaN,
  };
  t.onInput = (f) => {
    if (f < frames) r.recvDuet[f] = epoch();
  };
  t.onControl = () => {};
  ch.onmessage = (e) => {
    const d = decodeInputPacket(new Uint8Array(e.data as ArrayBuffer));
    if (d.ok && d.value.start < frames) r.recvReliable[d.value.start] = epoch();
  };
  const period = 1000 / 60;
  const late: number[] = [];
  let next = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = epoch();
      if (next < frames) late.push(now - (startAt + next * period));
      while (next < frames && startAt + next * period <= now) {
        const input = inputFor(next);
        r.sentDuet[next] = epoch();
        t.sendInput(next, input);
        r.sentReliable[next] = epoch();
        if (ch.readyState === "open") {
          ch.send(
            encodeInputPacket({ start: next, ack: -1, inputs: Uint8Array.of(input) }) as Uint8Array<
              ArrayBuffer
            >,
          );
        }
        next++;
      }
      t.poll();
      if (next < frames) {
        wake(startAt + next * period, tick);
      } else if (epoch() < startAt + frames * period + drainMs) {
        wake(epoch() + period, tick);
      } else {
        late.sort((a, b) => a - b);
        r.tickLateP50 = late[Math.floor(late.length / 2)] ?? NaN;
        r.tickLateMax = late[late.length - 1] ?? NaN;
        r.stats = { ...t.stats() } as unknown as Record<string, number>;
        resolve(r);
      }
    };
    wake(startAt, tick);
  });
}

/** Stops the transport and closes the extra channel. */
export function inputClose(): void {
  transport?.close("bench done");
  reliable?.close();
  stopWaker();
  stopWaker = () => {};
  transport = null;
  reliable = null;
  wakeAt = null;
}
