/**
 * The lobby's own metrics (names, help, labels), counted by the server, the sessions and the
 * registries, and exposed at `GET /metrics`. Counters are per process; Prometheus sums them over
 * processes. Gauges computed at scrape time (connections, players, rooms by state) are added by
 * the server.
 */
import { ERROR_CODES, type SignalData, utf8ByteLength } from "../shared/lobby_protocol.ts";
import { type Counter, createMetrics, type MetricsRegistry } from "./metrics.ts";

/** Why a WebSocket handshake was refused before the upgrade. */
export const REJECT_REASONS = [
  "capacity",
  "ip-limit",
  "origin",
  "shutting-down",
  "bad-handshake",
  "authorize",
] as const;
/** A {@link REJECT_REASONS} value. */
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Which rate limit dropped a message. */
export type RateLimitScope = "connection" | "ip";

/** The lobby's counters, plus the registry to add gauges to and render. */
export interface LobbyMetrics {
  readonly registry: MetricsRegistry;
  /** WebSockets accepted (upgraded). */
  connectionsAccepted: Counter;
  /** Handshakes refused, `{reason}`. */
  connectionsRejected: Counter;
  /** Valid client messages handled, `{type}`. */
  messages: Counter;
  /** `error` messages sent to clients, `{code}`. */
  errors: Counter;
  /** Rooms that got their second player. */
  pairings: Counter;
  /** `signal` messages relayed to a peer, `{kind}` (offer, answer, candidate). */
  relayedMessages: Counter;
  /** UTF-8 bytes of relayed SDPs and ICE candidate strings (see {@link signalBytes}). */
  relayedBytes: Counter;
  /** Messages dropped by a rate limit, `{scope}`. */
  rateLimitedMessages: Counter;
  /** Connections that hit a rate limit at least once, `{scope}`. */
  rateLimitedClients: Counter;
  /** `ice-servers` refreshes sent. */
  iceRefreshes: Counter;
}

/**
 * The payload size of a relayed signal: its SDP or candidate string in UTF-8 bytes. Counted from
 * the strings in hand (no re-serialization on the relay's hot path); the JSON around them is a
 * few dozen bytes per message.
 */
export function signalBytes(data: SignalData): number {
  if (data.kind === "candidate") {
    return data.candidate ? utf8ByteLength(data.candidate.candidate) : 0;
  }
  return utf8ByteLength(data.sdp);
}

/** Creates the lobby's counters in a fresh registry. */
export function createLobbyMetrics(registry: MetricsRegistry = createMetrics()): LobbyMetrics {
  const scopes = [{ scope: "connection" }, { scope: "ip" }];
  return {
    registry,
    connectionsAccepted: registry.counter(
      "duet_connections_accepted_total",
      "Lobby WebSocket connections accepted.",
    ),
    connectionsRejected: registry.counter(
      "duet_connections_rejected_total",
      "Lobby WebSocket handshakes refused before the upgrade, by reason.",
      { labels: ["reason"], initial: REJECT_REASONS.map((reason) => ({ reason })) },
    ),
    messages: registry.counter(
      "duet_messages_total",
      "Valid lobby messages received from clients, by type.",
      { labels: ["type"] },
    ),
    errors: registry.counter(
      "duet_errors_total",
      "Lobby errors sent to clients, by error code.",
      { labels: ["code"], initial: ERROR_CODES.map((code) => ({ code })) },
    ),
    pairings: registry.counter("duet_pairings_total", "Rooms that got their second player."),
    relayedMessages: registry.counter(
      "duet_relayed_messages_total",
      "WebRTC signalling messages relayed between paired players, by kind.",
      {
        labels: ["kind"],
        initial: [{ kind: "offer" }, { kind: "answer" }, { kind: "candidate" }],
      },
    ),
    relayedBytes: registry.counter(
      "duet_relayed_bytes_total",
      "UTF-8 bytes of relayed signalling payloads (SDPs and ICE candidate strings).",
    ),
    rateLimitedMessages: registry.counter(
      "duet_rate_limited_messages_total",
      "Client messages dropped by a rate limit, by scope (connection or ip).",
      { labels: ["scope"], initial: scopes },
    ),
    rateLimitedClients: registry.counter(
      "duet_rate_limited_clients_total",
      "Connections that hit a rate limit at least once, by scope (connection or ip).",
      { labels: ["scope"], initial: scopes },
    ),
    iceRefreshes: registry.counter(
      "duet_ice_refreshes_total",
      "ice-servers messages sent with fresh TURN credentials.",
    ),
  };
}
