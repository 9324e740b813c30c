/**
 * Deadlines for every accepted TCP socket, before and besides the WebSocket protocol: a socket that
 * has not delivered a complete request head (or upgrade request) within `requestTimeoutMs` of being
 * accepted, or within `keepAliveTimeoutMs` of its previous response, is closed (slowloris: headers
 * or upgrade trickled, idle keep-alive); a response that makes no progress for `requestTimeoutMs`
 * (a client that does not read, or an authorization hook that never answers) is closed too. Request
 * bodies are never read: every route is GET or HEAD, and a request with a body is answered and
 * closed. Upgraded sockets are left to the WebSocket heartbeat.
 *
 * Pure: the server keeps one {@link GuardedSocket} per socket, sweeps them on a timer and closes
 * what {@link checkSocket} says to close.
 */

/** Where a socket is in its life. */
export type SocketPhase = "request" | "response" | "websocket";

/** The deadlines (ms). */
export interface SocketTimeouts {
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** One socket's clock. */
export interface GuardedSocket {
  phase: SocketPhase;
  /** When the phase began, or (responses) when the last byte went out. */
  since: number;
  /** Responses completed on this socket (0: still waiting for its first request). */
  served: number;
  /** Bytes written when last checked (responses: progress resets the clock). */
  written: number;
}

/** A freshly accepted socket. */
export function acceptedSocket(now: number): GuardedSocket {
  return { phase: "request", since: now, served: 0, written: 0 };
}

/** The socket's request head arrived: now it is ours to answer. */
export function requestArrived(s: GuardedSocket, now: number, written: number): GuardedSocket {
  return { ...s, phase: "response", since: now, written };
}

/** The response went out completely: the socket waits for its next request (keep-alive). */
export function responseDone(s: GuardedSocket, now: number): GuardedSocket {
  return { ...s, phase: "request", since: now, served: s.served + 1 };
}

/** The socket became a WebSocket. */
export function upgraded(s: GuardedSocket, now: number): GuardedSocket {
  return { ...s, phase: "websocket", since: now };
}

/** The sweep's verdict on one socket: its updated clock, and whether to close it now. */
export function checkSocket(
  s: GuardedSocket,
  now: number,
  written: number,
  t: SocketTimeouts,
): { socket: GuardedSocket; close: boolean } {
  switch (s.phase) {
    case "websocket":
      return { socket: s, close: false };
    case "request": {
      const limit = s.served === 0 ? t.requestTimeoutMs : t.keepAliveTimeoutMs;
      return { socket: s, close: now - s.since >= limit };
    }
    case "response": {
      if (written !== s.written) return { socket: { ...s, since: now, written }, close: false };
      return { socket: s, close: now - s.since >= t.requestTimeoutMs };
    }
  }
}
