/**
 * The spectator stream's `inputs` text (lobby_protocol.ts `stream`): confirmed inputs of
 * consecutive frames as lowercase hex, STREAM_CHARS_PER_FRAME characters a frame (player 0's input
 * byte, then player 1's). Text because the lobby wire is JSON; hex because batches then
 * concatenate into the backlog as they are, and the lobby checks them with one regex.
 *
 * @module
 */

import { STREAM_CHARS_PER_FRAME } from "./limits.ts";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const VALID = /^(?:[0-9a-f]{4})*$/;

/** `inputs[2f]`, `inputs[2f+1]` (player 0's and 1's input of each frame) as stream text. */
export function encodeStreamInputs(inputs: Uint8Array): string {
  let out = "";
  for (let i = 0; i < inputs.length; i++) out += HEX[inputs[i]];
  return out;
}

/** Stream text back to interleaved input bytes; null if it is not whole frames of hex. */
export function decodeStreamInputs(text: string): Uint8Array | null {
  if (typeof text !== "string" || text.length % STREAM_CHARS_PER_FRAME !== 0) return null;
  if (!VALID.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
