/**
 * The file-descriptor budget: how many sockets the lobby may hold open before accept() would run
 * out of descriptors. Every accepted TCP socket costs one descriptor, and so do the process itself
 * (the runtime, the listening socket, Redis, a static file being sent) and the burst of sockets the
 * accept loop takes in one go before the over-the-cap ones are closed. The socket cap is clamped so
 * that all of it fits under the soft `RLIMIT_NOFILE` (`ulimit -n`).
 */

/** The soft "Max open files" limit from the text of `/proc/self/limits`, or null if absent. */
export function parseOpenFileLimit(limitsText: string): number | null {
  const m = limitsText.match(/^Max open files\s+(\d+|unlimited)\s+/m);
  if (!m) return null;
  return m[1] === "unlimited" ? null : Number(m[1]);
}

/** The process's soft open-file limit (Linux: /proc/self/limits), or null when unknown. */
export function readOpenFileLimit(): number | null {
  try {
    return parseOpenFileLimit(Deno.readTextFileSync("/proc/self/limits"));
  } catch {
    return null;
  }
}

/** How many connections the kernel may queue for accept(): also the largest burst accepted at once. */
export function listenBacklog(fdLimit: number | null): number {
  if (fdLimit === null) return 511;
  return Math.max(16, Math.min(511, Math.floor(fdLimit / 8)));
}

/** Descriptors kept out of the socket budget: the runtime's own, Redis, files, the accept burst. */
export function fdReserve(fdLimit: number | null): number {
  return 48 + listenBacklog(fdLimit);
}

/** The socket cap the lobby runs with. */
export interface SocketBudget {
  /** Concurrent TCP sockets (HTTP and WebSocket) the lobby accepts. */
  maxSockets: number;
  /** The soft open-file limit, if known. */
  fdLimit: number | null;
  /** True when `maxSockets` is below what was configured, to fit the descriptor budget. */
  clamped: boolean;
  /** The listen backlog that goes with it. */
  backlog: number;
}

/**
 * Fits the configured connection cap into the descriptor budget: at most `fdLimit - reserve`
 * sockets (at least 1, so a tiny limit still serves someone).
 */
export function planSocketBudget(maxConnections: number, fdLimit: number | null): SocketBudget {
  const backlog = listenBacklog(fdLimit);
  if (fdLimit === null) return { maxSockets: maxConnections, fdLimit, clamped: false, backlog };
  const room = Math.max(1, fdLimit - fdReserve(fdLimit));
  return {
    maxSockets: Math.min(maxConnections, room),
    fdLimit,
    clamped: room < maxConnections,
    backlog,
  };
}
