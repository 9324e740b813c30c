/**
 * A resume snapshot over the reliable control channel: cut into `resume` control messages of at
 * most {@link RESUME_CHUNK_BYTES} (a five-minute match's snapshot is already larger than one
 * message), and put back together on the other side. The assembler is a pure reducer over
 * untrusted messages: pieces out of order, a changed count, a gap or a total over
 * `MAX_RESUME_BYTES` is a clear error, never a throw, and it holds at most one snapshot.
 *
 * @module
 */

import { type ControlMessage, MAX_RESUME_CHUNKS, RESUME_CHUNK_BYTES } from "./peer_protocol.ts";
import { MAX_RESUME_BYTES } from "./resume_format.ts";

/** One piece of a snapshot on the wire. */
export type ResumeChunk = Extract<ControlMessage, { kind: "resume" }>;

/** Cuts `bytes` into chunks, in order. Throws a RangeError over `MAX_RESUME_BYTES` (a bug). */
export function chunkResume(bytes: Uint8Array): ResumeChunk[] {
  if (bytes.length > MAX_RESUME_BYTES) {
    throw new RangeError(`resume snapshot of ${bytes.length} bytes exceeds ${MAX_RESUME_BYTES}`);
  }
  const count = Math.max(1, Math.ceil(bytes.length / RESUME_CHUNK_BYTES));
  if (count > MAX_RESUME_CHUNKS) throw new RangeError("resume snapshot: too many chunks");
  return Array.from({ length: count }, (_, index) => ({
    kind: "resume" as const,
    index,
    count,
    data: bytes.slice(index * RESUME_CHUNK_BYTES, (index + 1) * RESUME_CHUNK_BYTES),
  }));
}

/** The assembler's state: the pieces so far of the snapshot under way. */
export interface ResumeAssembly {
  count: number;
  parts: Uint8Array[];
  bytes: number;
}

/** Nothing received yet. */
export const EMPTY_ASSEMBLY: ResumeAssembly = { count: 0, parts: [], bytes: 0 };

/** What one more chunk made of the assembly. */
export type AssemblyStep =
  | { type: "partial"; state: ResumeAssembly }
  | { type: "done"; state: ResumeAssembly; bytes: Uint8Array }
  | { type: "error"; state: ResumeAssembly; error: string };

/**
 * Adds `chunk` (already validated by `decodeControl`, but hostile in sequence). The channel is
 * reliable and ordered, so pieces must come as 0, 1, … count-1 with one count; anything else is
 * an error and starts over.
 */
export function addResumeChunk(state: ResumeAssembly, chunk: ResumeChunk): AssemblyStep {
  const fail = (error: string): AssemblyStep => ({ type: "error", state: EMPTY_ASSEMBLY, error });
  const { index, count, data } = chunk;
  if (!Number.isInteger(count) || count < 1 || count > MAX_RESUME_CHUNKS) {
    return fail(`resume: count ${String(count).slice(0, 20)} out of range`);
  }
  if (state.parts.length === 0 && index !== 0) return fail(`resume: piece ${index} before piece 0`);
  if (state.parts.length > 0 && count !== state.count) return fail("resume: the count changed");
  if (index !== state.parts.length) {
    return fail(`resume: piece ${index} where ${state.parts.length} was due`);
  }
  if (!(data instanceof Uint8Array) || data.length > RESUME_CHUNK_BYTES) {
    return fail("resume: a piece is not binary or too large");
  }
  // Every piece but the last is full: a sender cannot stretch the count with tiny pieces.
  if (index < count - 1 && data.length !== RESUME_CHUNK_BYTES) {
    return fail(`resume: piece ${index} of ${count} is short`);
  }
  const bytes = state.bytes + data.length;
  if (bytes > MAX_RESUME_BYTES) return fail(`resume: more than ${MAX_RESUME_BYTES} bytes`);
  const next: ResumeAssembly = { count, parts: [...state.parts, data], bytes };
  if (next.parts.length < count) return { type: "partial", state: next };
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const p of next.parts) {
    out.set(p, at);
    at += p.length;
  }
  return { type: "done", state: EMPTY_ASSEMBLY, bytes: out };
}
