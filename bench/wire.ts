// Benchmark 4: the input wire format. Bytes per input packet with 1 and 8 unacked frames (msgpack
// positional array vs JSON of the same content), encode+decode µs per packet, the packet size the
// real transport produces in steady state over a simulated 20 ms / 5% link, and bytes per second
// per direction at 60 Hz with the DataChannel's packet overheads (stated, not sniffed).
//
// usage: deno run -A bench/wire.ts [--quick] [--out FILE]
import {
  decodeInputPacket,
  encodeControl,
  encodeInputPacket,
  type InputPacket,
} from "../shared/peer_protocol.ts";
import { createInputTransport } from "../game/net/input_transport.ts";
import { createSimulatedPair, NO_IMPAIRMENT } from "../game/net/network_sim.ts";
import { createManualClock } from "../game/net/clock.ts";
import type { PacketChannel } from "../game/net/packet_channel.ts";
import { round } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";

/**
 * Per-packet bytes below the DataChannel message on the wire, for one SCTP DATA chunk in one
 * DTLS 1.2 record (AES-128-GCM, which Chromium negotiates) in one UDP/IPv4 datagram. A SACK chunk
 * usually rides along when both sides send at 60 Hz; it is counted. Estimates from the RFCs.
 */
export const OVERHEAD_BYTES = {
  sctpCommonHeader: 12, // RFC 9260 §3
  sctpDataChunkHeader: 16, // DATA chunk with stream id/ssn/ppid (RFC 9260 §3.3.1)
  sctpSackChunk: 16, // bundled SACK without gap blocks (RFC 9260 §3.3.4)
  dtlsRecordHeader: 13, // RFC 6347 §4.1
  dtlsAeadExpansion: 24, // AES-GCM: 8-byte explicit nonce + 16-byte tag (RFC 5288)
  udpHeader: 8,
  ipv4Header: 20,
} as const;

/** Bytes on the wire for one DataChannel message of `payload` bytes (SCTP pads chunks to 4). */
export function wireBytes(payload: number): number {
  const o = OVERHEAD_BYTES;
  const padded = Math.ceil((o.sctpDataChunkHeader + payload) / 4) * 4;
  return o.sctpCommonHeader + padded + o.sctpSackChunk + o.dtlsRecordHeader +
    o.dtlsAeadExpansion + o.udpHeader + o.ipv4Header;
}

/** An input packet carrying `frames` unacked inputs ending at frame `newest`. */
export function samplePacket(frames: number, newest: number): InputPacket {
  const inputs = new Uint8Array(frames);
  for (let i = 0; i < frames; i++) inputs[i] = (i * 37 + 5) & 0x3f;
  // As in play: the sender's frame two behind its newest input (input delay 2), an echo and a
  // hold of a few ms for the RTT.
  return {
    start: newest - frames + 1,
    ack: newest - 3,
    inputs,
    seq: newest & 0xffff,
    echo: newest & 0x7f,
    holdMs: 6,
    frame: newest - 2,
  };
}

/** JSON of the same content, as a naive implementation would send it (keyed object, byte array). */
export function jsonEncode(p: InputPacket): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      start: p.start,
      ack: p.ack,
      inputs: Array.from(p.inputs),
      seq: p.seq,
      echo: p.echo,
      holdMs: p.holdMs,
      frame: p.frame,
    }),
  );
}

/** The JSON decoder for the comparison; like the msgpack path it returns a typed packet. */
export function jsonDecode(bytes: Uint8Array): InputPacket {
  const o = JSON.parse(new TextDecoder().decode(bytes));
  return {
    start: o.start,
    ack: o.ack,
    inputs: Uint8Array.from(o.inputs),
    seq: o.seq,
    echo: o.echo,
    holdMs: o.holdMs,
    frame: o.frame,
  };
}

/** Mean µs per encode+decode round of `p`, over `iters` iterations after a warm-up. */
function timeCodec(
  p: InputPacket,
  encode: (p: InputPacket) => Uint8Array,
  decode: (b: Uint8Array) => unknown,
  iters: number,
): { usPerPacket: number; runs: number[] } {
  let sink = 0;
  for (let i = 0; i < Math.min(iters, 20_000); i++) sink += decode(encode(p)) ? 1 : 0;
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) {
      const b = encode(p);
      if (decode(b)) sink++;
    }
    runs.push(((performance.now() - t0) * 1000) / iters);
  }
  if (sink < 0) console.log(sink); // keep the loop observable so it is not optimised away
  runs.sort((a, b) => a - b);
  return { usPerPacket: runs[2], runs };
}

/**
 * Runs two real transports against each other over the seeded simulator for `frames` ticks at
 * 60 Hz (manual clock), counting what the sender puts on its input channel.
 */
export function steadyState(frames: number, delayMs: number, loss: number) {
  const clock = createManualClock(0);
  const [ia, ib] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs, loss, seed: 7 }, clock);
  const [ca, cb] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs, seed: 8 }, clock);
  let inputBytes = 0, inputPackets = 0, controlBytes = 0;
  const counting = (inner: PacketChannel, onSend: (n: number) => void): PacketChannel => {
    const ch: PacketChannel = {
      send(d) {
        onSend(d.length);
        inner.send(d);
      },
      get onmessage() {
        return inner.onmessage;
      },
      set onmessage(f) {
        inner.onmessage = f;
      },
    };
    return ch;
  };
  const a = createInputTransport({
    input: counting(ia, (n) => (inputBytes += n, inputPackets++)),
    control: counting(ca, (n) => controlBytes += n),
    clock,
  });
  const b = createInputTransport({ input: ib, control: cb, clock });
  let delivered = 0;
  b.onInput = () => delivered++;
  a.onInput = () => {};
  const tick = 1000 / 60;
  for (let f = 0; f < frames; f++) {
    a.sendInput(f, f & 0x1f);
    b.sendInput(f, (f >> 2) & 0x1f);
    a.poll();
    b.poll();
    clock.advance(tick);
  }
  const seconds = (frames * tick) / 1000;
  return {
    delayMs,
    lossPct: loss * 100,
    frames,
    inputPacketsPerS: inputPackets / seconds,
    meanInputPacketBytes: inputBytes / inputPackets,
    controlBytesPerS: controlBytes / seconds,
    deliveredFrames: delivered,
  };
}

/** The whole wire benchmark. */
export function runWire(quick: boolean) {
  const iters = quick ? 20_000 : 200_000;
  const newest = 3600; // one minute into a match: frame numbers take 3 bytes in msgpack
  const late = 0x0100_0000; // after ~3 days of frames: worst-case 5-byte integers
  const packets = [1, 8].map((frames) => {
    const p = samplePacket(frames, newest);
    const mp = encodeInputPacket(p);
    const js = jsonEncode(p);
    const mpT = timeCodec(p, encodeInputPacket, decodeInputPacket, iters);
    const jsT = timeCodec(p, jsonEncode, jsonDecode, iters);
    return {
      frames,
      msgpackBytes: mp.length,
      msgpackBytesWorstFrameNumbers: encodeInputPacket(samplePacket(frames, late)).length,
      jsonBytes: js.length,
      msgpackEncodeDecodeUs: round(mpT.usPerPacket, 4),
      jsonEncodeDecodeUs: round(jsT.usPerPacket, 4),
      msgpackOverJsonTime: round(mpT.usPerPacket / jsT.usPerPacket),
      msgpackOverJsonBytes: round(mp.length / js.length),
    };
  });
  const steady = [steadyState(quick ? 600 : 3600, 0, 0), steadyState(quick ? 600 : 3600, 20, 0.05)];
  const ping = encodeControl({ kind: "ping", t: 123456.789 }).length;
  const perDirection = steady.map((s) => {
    const inputPerS = s.inputPacketsPerS * wireBytes(s.meanInputPacketBytes);
    // Pings 4/s and their pongs each way on the control channel.
    const controlPerS = 2 * 4 * wireBytes(ping);
    return {
      conditions: `${s.delayMs} ms one-way, ${s.lossPct}% loss (simulated)`,
      inputPacketsPerS: round(s.inputPacketsPerS, 1),
      meanInputPacketBytes: round(s.meanInputPacketBytes, 2),
      payloadBytesPerS: round(s.inputPacketsPerS * s.meanInputPacketBytes + s.controlBytesPerS, 0),
      wireBytesPerS: round(inputPerS + controlPerS, 0),
      wireKbitPerS: round(((inputPerS + controlPerS) * 8) / 1000, 1),
    };
  });
  return {
    wire: {
      conditions:
        `msgpack positional array vs JSON keyed object of the same packet; frame numbers around ${newest} ` +
        `(worst case 2^24+); timing: median of 5 runs of ${iters} encode+decode each, in Deno ${Deno.version.deno}`,
      packets,
      overheadBytes: OVERHEAD_BYTES,
      overheadPerPacket: wireBytes(0),
      perDirection,
      steadyState: steady.map((s) => ({
        ...s,
        meanInputPacketBytes: round(s.meanInputPacketBytes, 2),
      })),
    },
  };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  const r = runWire(a.quick);
  await writeJson(a.out, r);
}
