/**
 * The in-memory {@link LobbyRegistry}: the zero-setup default for a single lobby process. The
 * rooms are room_registry.ts's plain state; each step applies it and hands the effects to the hub
 * synchronously, so nothing ever waits for a tick. A plain relayed signal skips the effects:
 * `relay` asks the rooms for the peer (`route`) and sends the client's `data` text inside the
 * route's envelope (relay_signal.ts), counting what countEffects would have counted; a plain
 * trickled candidate does the same on the frame's bytes (`relayBytes`, relay_signal_bytes.ts).
 */
import type { ClientMessage } from "../shared/lobby_protocol.ts";
import { fireHook, type LobbyHooks } from "./lobby_hooks.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import { createLobbyMetrics, type LobbyMetrics, signalBytes } from "./lobby_metrics.ts";
import type { LobbyRegistry } from "./lobby_registry.ts";
import { type Logger, silentLogger } from "./log.ts";
import { createPasswordAttempts, type PasswordAttemptsOptions } from "./password_attempts.ts";
import { createRoomRegistry, type Effect, type RoomRegistry } from "./room_registry.ts";
import { relayedBytes } from "./relay_signal_bytes.ts";

/** Label sets of the relay's counters, made once: the hot path allocates none. */
const KIND_LABELS = {
  offer: { kind: "offer" },
  answer: { kind: "answer" },
  candidate: { kind: "candidate" },
} as const;

/** Options of {@link createMemoryRegistry}. */
export interface MemoryRegistryOptions {
  hub: LobbyHub;
  /** The state machine; a fresh one by default. */
  rooms?: RoomRegistry;
  maxRooms?: number;
  /** How long a dropped player's seat is held mid-match (ms); ignored with `rooms`. */
  resumeGraceMs?: number;
  /** The wrong-password backoff (password_attempts.ts); its defaults otherwise. */
  passwordAttempts?: PasswordAttemptsOptions;
  metrics?: LobbyMetrics;
  /** Called once per pairing and once per end of one (lobby_hooks.ts). */
  hooks?: LobbyHooks;
  log?: Logger;
}

/** Counts what a step caused: errors by code, pairings, relayed signals. */
export function countEffects(metrics: LobbyMetrics, effects: readonly Effect[]): void {
  for (const e of effects) {
    if (e.kind !== "send") continue;
    const m = e.message;
    if (m.type === "error") metrics.errors.inc({ code: m.code });
    // Both players get `paired`; one pairing.
    else if (m.type === "paired" && m.role === "answerer" && !m.resumed) metrics.pairings.inc();
    else if (m.type === "signal") {
      metrics.relayedMessages.inc({ kind: m.data.kind });
      metrics.relayedBytes.inc(undefined, signalBytes(m.data));
    }
  }
}

/** Creates an in-memory registry delivering to `hub`. */
export function createMemoryRegistry(opts: MemoryRegistryOptions): LobbyRegistry {
  const rooms = opts.rooms ?? createRoomRegistry({
    maxRooms: opts.maxRooms,
    resumeGraceMs: opts.resumeGraceMs,
    passwordAttempts: createPasswordAttempts(opts.passwordAttempts),
  });
  const metrics = opts.metrics ?? createLobbyMetrics();
  const { hub, hooks } = opts;
  const log = opts.log ?? silentLogger;
  let closed = false;
  // Held seats' grace timers, by token: the registry is told when each may be over.
  const graceTimers = new Map<string, ReturnType<typeof setTimeout>>();

  const fire = (effects: Effect[]) => {
    for (const e of effects) {
      if (e.kind === "event") {
        fireHook(
          hooks,
          e.event,
          (err) => log.error("hook-failed", { hook: e.event.type, error: err }),
        );
      }
    }
  };
  const apply = (effects: Effect[]) => {
    countEffects(metrics, effects);
    hub.deliver(effects);
    fire(effects);
    for (const e of effects) {
      if (e.kind !== "expire") continue;
      clearTimeout(graceTimers.get(e.token));
      graceTimers.set(
        e.token,
        setTimeout(() => {
          graceTimers.delete(e.token);
          if (!closed) apply(rooms.expire(e.token));
        }, e.afterMs),
      );
    }
  };

  return {
    kind: "memory",
    connect(address) {
      const { id, name } = rooms.connect(address);
      return { id, name, ready: null };
    },
    handle(player, message: ClientMessage) {
      if (closed) return;
      apply(rooms.handle(player, message));
    },
    relay(player, signal) {
      if (closed) return false;
      const route = rooms.route(player, signal.data.kind, signal.session);
      if (route === null) return false;
      // What countEffects counts for a relayed signal effect.
      metrics.relayedMessages.inc(KIND_LABELS[signal.data.kind]);
      metrics.relayedBytes.inc(undefined, signalBytes(signal.data));
      hub.sendText(route.to, route.head + signal.dataText + route.tail);
      return true;
    },
    relayBytes(player, signal, frame) {
      if (closed) return false;
      const route = rooms.route(player, "candidate", signal.session);
      if (route === null) return false;
      // What relay counts: readRelayCandidateBytes took the candidate string's size from the bytes.
      metrics.relayedMessages.inc(KIND_LABELS.candidate);
      metrics.relayedBytes.inc(undefined, signal.payloadBytes);
      hub.sendBytes(route.to, relayedBytes(route.headBytes, frame, signal, route.tailBytes));
      return true;
    },
    disconnect(player) {
      if (closed) return;
      apply(rooms.disconnect(player));
    },
    publicRooms: () => rooms.publicRooms(),
    roomStates: () => rooms.roomStates(),
    localPlayers: () => rooms.counts().players,
    status: () => ({ ready: !closed, detail: closed ? "closed" : "in-memory registry" }),
    close() {
      // The rooms die with the process; nobody is left to tell, but the hooks hear of it.
      if (!closed) fire(rooms.shutdown());
      closed = true;
      for (const t of graceTimers.values()) clearTimeout(t);
      graceTimers.clear();
      return Promise.resolve();
    },
  };
}
