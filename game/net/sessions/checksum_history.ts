/**
 * The checksums of a session's confirmed frames, so `checksum(f)` can answer for any recent frame
 * (two pages are compared after the fact). 4 bytes a frame in chunks of 4096 frames; at least the
 * newest `limit` frames are kept, older chunks are dropped whole.
 *
 * @module
 */

/** Checksums of consecutive frames from 0. */
export interface ChecksumHistory {
  /** Records the checksum of `frame`, which must be the next one (frames come in order). */
  push(frame: number, checksum: number): void;
  /** The checksum of `frame` if still kept, else undefined. */
  get(frame: number): number | undefined;
}

const CHUNK = 4096;

/** Creates an empty history that keeps at least the newest `limit` frames (limit >= 1). */
export function createChecksumHistory(limit: number): ChecksumHistory {
  const chunks: Uint32Array[] = [];
  let base = 0; // frame of chunks[0][0]
  let next = 0; // next frame to push
  return {
    push(frame, checksum) {
      if (frame !== next) throw new Error(`checksum history: frame ${frame}, expected ${next}`);
      const i = frame - base;
      if (i % CHUNK === 0) chunks.push(new Uint32Array(CHUNK));
      chunks[(i / CHUNK) | 0][i % CHUNK] = checksum;
      next++;
      // Drop the oldest chunk only when what remains still covers `limit` frames.
      if (next - base - CHUNK >= limit) {
        chunks.shift();
        base += CHUNK;
      }
    },
    get(frame) {
      if (!Number.isInteger(frame) || frame < base || frame >= next) return undefined;
      const i = frame - base;
      return chunks[(i / CHUNK) | 0][i % CHUNK];
    },
  };
}
