/**
 * The players whose sockets are on this process, as the Redis registry tracks them: registered
 * (`local`), registering (`connecting`), and their per-IP keys; `connect` and `disconnect` run
 * the scripts that add and remove them in Redis.
 *
 * @module
 */
import type { Registration } from "./lobby_registry.ts";
import type { Logger } from "./log.ts";
import { randomBase32 } from "./random_id.ts";
import type { RedisClient } from "./redis_client.ts";
import type { ProcessState } from "./redis_liveness_decisions.ts";
import { ID_LENGTH } from "./redis_steps.ts";
import type { PlayerId } from "./room_registry.ts";

/** What {@link createLocalPlayers} needs of the registry. */
export interface LocalPlayersContext {
  run: RedisClient["run"];
  /** The disconnect script's grace arguments, as of now. */
  graceArgs: () => string[];
  log: Logger;
  getState(): ProcessState;
}

/** This process's players. */
export interface LocalPlayers {
  /** Players whose socket is here and registered. */
  readonly local: Set<PlayerId>;
  /** Players whose `connect` script is under way (not in `local` yet, maybe in Redis already). */
  readonly connecting: Set<PlayerId>;
  /** Per-IP keys, for the password backoff. */
  readonly addresses: Map<PlayerId, string>;
  /** Mints an id and a name and registers them in Redis (`ready`). */
  connect(address?: string): Registration;
  /** Forgets the player here and in Redis, retrying until it lands (see {@link disconnectRetryMs}). */
  disconnect(player: PlayerId): Promise<void>;
}

/**
 * The wait before retrying a failed disconnect: 50 ms doubling per attempt, at most 2 s (a Redis
 * blip passes quickly; an outage must not become a retry storm).
 */
export function disconnectRetryMs(attempt: number): number {
  return Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
}

/** Creates the empty player sets and their two steps. */
export function createLocalPlayers(ctx: LocalPlayersContext): LocalPlayers {
  const { run, log } = ctx;
  const local = new Set<PlayerId>();
  const connecting = new Set<PlayerId>();
  const addresses = new Map<PlayerId, string>();
  return {
    local,
    connecting,
    addresses,
    connect(address) {
      const id = randomBase32(ID_LENGTH).toLowerCase();
      const name = `Player-${randomBase32(4)}`;
      connecting.add(id);
      addresses.set(id, address ?? "");
      const ready = (async () => {
        try {
          const [result] = await run("connect", [id, name], false);
          if (result !== "ok") throw new Error(`this lobby process is not registered (${result})`);
          local.add(id);
        } catch (err) {
          addresses.delete(id);
          throw err;
        } finally {
          connecting.delete(id);
        }
      })();
      return { id, name, ready };
    },
    async disconnect(player) {
      // While closing, close() removes every local player in one sweep.
      const state = ctx.getState();
      if (state === "closing" || state === "closed") return;
      local.delete(player);
      addresses.delete(player);
      // Nobody else would ever retry a lost disconnect (the socket is gone): retry until it
      // lands, or until this process is fenced or closing (then the reap removes the player).
      for (let attempt = 0;; attempt++) {
        try {
          await run("disconnect", [player, ...ctx.graceArgs()], false);
          return;
        } catch (err) {
          const now = ctx.getState();
          if (now !== "running" && now !== "starting") return;
          if (attempt === 0) log.warn("redis-disconnect-retry", { player, error: err });
          await new Promise((r) => setTimeout(r, disconnectRetryMs(attempt)));
        }
      }
    },
  };
}
