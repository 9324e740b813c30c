/**
 * The file-descriptor budget: how many sockets the lobby may hold open before accept() would run
 * out of descriptors. Every accepted TCP socket costs one descriptor, and so do the rest of the
 * process (Redis, a static file being sent) and the burst of sockets the accept loop takes in one
 * go before the over-the-cap ones are closed. The socket cap is clamped at start-up so that all
 * of it fits in the descriptors still free under the soft `RLIMIT_NOFILE` (`ulimit -n`).
 *
 * Deno refuses to read /proc/self/limits without --allow-all, so the free descriptors are
 * measured instead: open /dev/null until the need is covered or EMFILE says no, then close them.
 */

/** How many connections the kernel may queue for accept(): also the largest burst accepted at once. */
export function listenBacklog(freeFds: number | null): number {
  if (freeFds === null) return 511;
  return Math.max(16, Math.min(511, Math.floor(freeFds / 8)));
}

/** Descriptors kept out of the socket budget: Redis, files being sent, the accept burst. */
export function fdReserve(freeFds: number | null): number {
  return 32 + listenBacklog(freeFds);
}

/**
 * How many more descriptors this process can open, counting up to `need` (so the answer is
 * `need` when at least that many are free). Takes a few milliseconds per thousand.
 */
export function probeFreeFds(need: number): number {
  const files: Deno.FsFile[] = [];
  try {
    while (files.length < need) files.push(Deno.openSync("/dev/null"));
  } catch {
    // EMFILE (or no /dev/null): what was opened is the answer.
  } finally {
    for (const f of files) f.close();
  }
  return files.length;
}

/** The socket cap the lobby runs with. */
export interface SocketBudget {
  /** Concurrent TCP sockets (HTTP and WebSocket) the lobby accepts. */
  maxSockets: number;
  /** Descriptors found free at start-up (counted up to what the configuration needs), if known. */
  freeFds: number | null;
  /** True when `maxSockets` is below what was configured, to fit the descriptor budget. */
  clamped: boolean;
  /** The listen backlog that goes with it. */
  backlog: number;
}

/** Descriptors to look for: the configured sockets plus their reserve. */
export function fdsNeeded(maxConnections: number): number {
  return maxConnections + fdReserve(maxConnections * 8);
}

/**
 * Fits the configured connection cap into the free descriptors: at most `freeFds - reserve`
 * sockets (at least 1, so a tiny limit still serves someone). `freeFds` null: unknown, no clamp.
 */
export function planSocketBudget(maxConnections: number, freeFds: number | null): SocketBudget {
  const backlog = listenBacklog(freeFds);
  if (freeFds === null || freeFds >= fdsNeeded(maxConnections)) {
    return { maxSockets: maxConnections, freeFds, clamped: false, backlog: listenBacklog(null) };
  }
  const room = Math.max(1, freeFds - fdReserve(freeFds));
  return {
    maxSockets: Math.min(maxConnections, room),
    freeFds,
    clamped: room < maxConnections,
    backlog,
  };
}
