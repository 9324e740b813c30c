/**
 * The two halves of a resume hand-over between the pages of one pairing, without I/O. The
 * survivor (whose page stayed) moves its session onto the fresh link and sends the returner (whose
 * page reloaded) its intro and then the session's snapshot in `resume` chunks ({@link handOver},
 * {@link handoverMessages}); the returner puts the chunks
 * back together ({@link createResumeIntake}) and holds the whole snapshot until its game exists,
 * since the chunks may arrive before the handshake is done.
 *
 * The survivor's messages are all made before the first is sent, so a snapshot over
 * `MAX_RESUME_BYTES` fails the hand-over with nothing sent. Before the split the intro went out
 * first and the chunks then failed; now the returner hears only the `bye` of the failed pairing,
 * not an intro that starts a handshake with a survivor that is already gone.
 *
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import {
  addResumeChunk,
  chunkResume,
  EMPTY_ASSEMBLY,
  type ResumeAssembly,
  type ResumeChunk,
} from "../../../shared/resume_chunks.ts";
import { errorText } from "../error_text.ts";
import type { SessionTransport } from "../sessions/p2p_session.ts";
import type { Intro } from "./match_lifecycle.ts";

/**
 * What the survivor sends a returning page, in order: the returner's lifecycle starts over, so
 * it needs our intro first, then the match so far. Throws (a RangeError) on an oversized snapshot.
 */
export function handoverMessages(intro: Intro, snapshot: Uint8Array): ControlMessage[] {
  return [{ kind: "app", data: intro }, ...chunkResume(snapshot)];
}

/** The part of a session the survivor's half needs (a `P2PSession` fits). */
export interface ResumableSession {
  /** Moves the session onto `transport` and returns its snapshot. */
  resume(transport: SessionTransport): Uint8Array;
}

/**
 * The survivor's half: moves `session` onto `transport` (the runner's proxy, already in front of
 * the fresh link) and sends `link` the {@link handoverMessages}. A failure of either is an error
 * for the runner to end the pairing with, never a throw.
 */
export function handOver(
  session: ResumableSession,
  transport: SessionTransport,
  link: { sendControl(message: ControlMessage): void },
  intro: Intro,
): { ok: true } | { ok: false; error: string } {
  try {
    const snapshot = session.resume(transport);
    for (const m of handoverMessages(intro, snapshot)) link.sendControl(m);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `could not resume: ${errorText(e)}` };
  }
}

/** What one chunk made of the intake. */
export type IntakeStep =
  | { type: "partial" }
  | { type: "ready" }
  | { type: "ignored" }
  | { type: "error"; error: string };

/** The returner's side: the snapshot's pieces so far, then the whole of it until taken. */
export interface ResumeIntake {
  /** True while a whole snapshot waits to be taken. */
  readonly ready: boolean;
  /** Adds a chunk; once a whole snapshot waits, more chunks are ignored. */
  add(chunk: ResumeChunk): IntakeStep;
  /** The whole snapshot, once: null before it is complete (and after it was taken). */
  take(): Uint8Array | null;
}

/** Creates an empty intake. */
export function createResumeIntake(): ResumeIntake {
  let assembly: ResumeAssembly = EMPTY_ASSEMBLY;
  let snapshot: Uint8Array | null = null;
  return {
    get ready() {
      return snapshot !== null;
    },
    add(chunk) {
      if (snapshot) return { type: "ignored" };
      const r = addResumeChunk(assembly, chunk);
      assembly = r.state;
      if (r.type === "error") {
        return { type: "error", error: `the match handed over is damaged: ${r.error}` };
      }
      if (r.type === "partial") return { type: "partial" };
      snapshot = r.bytes;
      return { type: "ready" };
    },
    take() {
      const s = snapshot;
      snapshot = null;
      return s;
    },
  };
}
