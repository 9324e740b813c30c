/**
 * Closing a WebSocket only once the client has gone quiet.
 *
 * Deno drops the TCP connection without sending the close frame when a data frame arrives after
 * `close()` was called (the frame was already in flight). A client that was closed for flooding or
 * for an oversized frame, which is exactly when more frames are in flight, would then see 1006
 * instead of the close code that explains why. So the server stops handling the connection at
 * once, but calls `close()` only after no frame arrived for `quietMs`, or after `maxWaitMs` at the
 * latest (a client that never stops gets the abrupt close it asked for).
 */

/** The part of a WebSocket this needs. */
export interface Closable {
  close(code: number, reason: string): void;
}

/** Options of {@link createQuietCloser}. */
export interface QuietCloseOptions {
  quietMs?: number;
  maxWaitMs?: number;
  now?: () => number;
}

/** A pending close for one socket. */
export interface QuietCloser {
  /** Call for every incoming frame. */
  noteFrame(): void;
  /** Closes with `code` once the client is quiet. Later calls are ignored. */
  close(code: number, reason: string): void;
  /** Closes now if a close is pending (e.g. server shutdown). */
  flush(): void;
  /** The socket closed: stop waiting. */
  cancel(): void;
}

/** Wraps `socket` so that `close` waits for the client to go quiet. */
export function createQuietCloser(socket: Closable, opts: QuietCloseOptions = {}): QuietCloser {
  const quietMs = opts.quietMs ?? 25;
  const maxWaitMs = opts.maxWaitMs ?? 1000;
  const now = opts.now ?? (() => performance.now());
  let lastFrame = -Infinity;
  let pending: { code: number; reason: string; deadline: number } | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;

  const closeNow = () => {
    clearTimeout(timer);
    if (pending === null || done) return;
    done = true;
    try {
      socket.close(pending.code, pending.reason);
    } catch {
      // Already closed by the other side.
    }
  };

  const check = () => {
    const t = now();
    if (t - lastFrame >= quietMs || t >= pending!.deadline) return closeNow();
    timer = setTimeout(check, quietMs);
  };

  return {
    noteFrame() {
      lastFrame = now();
    },
    close(code, reason) {
      if (pending !== null || done) return;
      pending = { code, reason, deadline: now() + maxWaitMs };
      timer = setTimeout(check, quietMs);
    },
    flush: closeNow,
    cancel() {
      clearTimeout(timer);
      done = true;
    },
  };
}
