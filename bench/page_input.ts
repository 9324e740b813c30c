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

/** Transport options a run may set (the strategies the bench compares); unset = the default. */
export interface InputStrategy {
  resendAfterMs?: number;
  keepaliveMs?: number;
}

/**
 * Opens the extra reliable channel and the duet transport on this page's open connection, with
 * `strategy`'s options over the transport's defaults.
 */
export function inputPrepare(strategy: InputStrategy = {}): Promise<void> {
  const peer = currentPeer();
  if (!peer || peer.state !== "open") return Promise.reject(new Error("no open duet connection"));
  transport = createInputTransport({ input: peer.input, control: peer.control, ...strategy });
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
  const t = transport, ch = reliable;
  if (!t || !ch) return Promise.reject(new Error("inputPrepare first"));
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
        setTimeout(tick, Math.max(0, startAt + next * period - epoch()));
      } else if (epoch() < startAt + frames * period + drainMs) {
        setTimeout(tick, period);
      } else {
        late.sort((a, b) => a - b);
        r.tickLateP50 = late[Math.floor(late.length / 2)] ?? NaN;
        r.tickLateMax = late[late.length - 1] ?? NaN;
        r.stats = { ...t.stats() } as unknown as Record<string, number>;
        resolve(r);
      }
    };
    setTimeout(tick, Math.max(0, startAt - epoch()));
  });
}

/** Stops the transport and closes the extra channel. */
export function inputClose(): void {
  transport?.close("bench done");
  reliable?.close();
  transport = null;
  reliable = null;
}
