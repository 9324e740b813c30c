/**
 * Resume, in the functional core (issue 13): a player whose page reloaded comes back into the
 * running match. The surviving side takes a {@link ResumeSnapshot} of its core and forgets the
 * old peer; the returning side rebuilds a core from the snapshot.
 *
 * Why re-simulation from the input log, not the peer's serialized state: the log is what the
 * session already has for every game (2 bytes a frame, a few KB run-length encoded), while a
 * state needs the game's optional `serialize` plus a `deserialize` no game has, and a state
 * blob cannot be checked without trusting it. Replaying the log through the game's own
 * deterministic `advance` rebuilds exactly what the survivor has, and the survivor's checksum of
 * the final frame proves it (a wrong seed, build or damaged log is a clear error, not a desync
 * a minute later). It is fast: no rendering, no saves beyond the ring's (see the resume tests for
 * five minutes of air hockey).
 *
 * @module
 */

import { MAX_RESUME_PENDING, type ResumeSnapshot } from "../../../shared/resume_format.ts";
import type { RollbackGame } from "../game.ts";
import { createTimeSync } from "../time_sync.ts";
import { forgetPeer } from "./desync_detector.ts";
import { createP2PCore, finalize, type P2PCore } from "./p2p_core.ts";
import type { SessionEffect } from "./session_effect.ts";
import type { SessionConfig } from "./session_options.ts";

/**
 * The survivor's snapshot of `core`, and a clean slate for a new peer: time sync starts over and
 * the old peer's pending checksums are forgotten (its inputs past the final frame stay, as the
 * snapshot hands them to the returning side). Throws when the core cannot resume (stopped, or a
 * match past the input log's length).
 */
export function takeResumeSnapshot<S>(core: P2PCore<S>): ResumeSnapshot {
  if (core.state !== "running") throw new RangeError("resume: the session is stopped");
  const final = core.lastFinal;
  if (core.log.frames !== final + 1) {
    throw new RangeError(`resume: the match is longer than the input log (${core.log.frames})`);
  }
  const pending = (queue: P2PCore["local"]) => {
    const n = queue.confirmedFrame - final;
    if (n > MAX_RESUME_PENDING) throw new RangeError("resume: too many pending inputs");
    const out = new Uint8Array(Math.max(0, n));
    for (let i = 0; i < out.length; i++) out[i] = queue.input(final + 1 + i);
    return out;
  };
  const snapshot: ResumeSnapshot = {
    survivor: core.config.localPlayer,
    final,
    checksum: final >= 0 ? core.history.get(final) ?? 0 : 0,
    log: core.log.bytes.slice(0, 2 * (final + 1)),
    survivorInputs: pending(core.local),
    returnerInputs: pending(core.remote),
  };
  core.timeSync = createTimeSync(core.config.timeSync);
  core.remoteAdvantage = 0;
  forgetPeer(core.desync, final);
  return snapshot;
}

/** A rebuilt core, with the `confirmed` effects of the replayed frames; or why not. */
export type RebuiltCore<S> =
  | { ok: true; core: P2PCore<S>; effects: SessionEffect[] }
  | { ok: false; error: string };

/**
 * Rebuilds the returning side's core from a (decoded, validated) snapshot: the game, in its
 * initial state, is re-simulated through frames 0..final, the checksum of `final` is checked, and
 * both sides' pending inputs are queued, so the core goes on at frame `final + 1`.
 */
export function rebuildCore<S>(
  config: SessionConfig,
  game: RollbackGame<S>,
  snapshot: ResumeSnapshot,
): RebuiltCore<S> {
  if (snapshot.survivor === config.localPlayer) {
    return { ok: false, error: `the snapshot is player ${snapshot.survivor}'s own side` };
  }
  const core = createP2PCore(config, game);
  const { sync, log } = { sync: core.sync, log: snapshot.log };
  const effects: SessionEffect[] = [];
  for (let f = 0; f <= snapshot.final; f++) {
    sync.queues[0].add(f, log[2 * f]);
    sync.queues[1].add(f, log[2 * f + 1]);
    sync.advance(true);
    finalize(core, effects, false);
  }
  if (snapshot.final >= 0 && core.history.get(snapshot.final) !== snapshot.checksum) {
    return {
      ok: false,
      error: `the rebuilt match differs from the survivor's at frame ${snapshot.final} ` +
        "(another seed, build or game?)",
    };
  }
  const at = snapshot.final + 1;
  snapshot.survivorInputs.forEach((v, i) => core.remote.add(at + i, v));
  snapshot.returnerInputs.forEach((v, i) => core.local.add(at + i, v));
  const mine = snapshot.returnerInputs;
  core.lastLocalInput = mine.length > 0
    ? mine[mine.length - 1]
    : snapshot.final >= 0
    ? log[2 * snapshot.final + config.localPlayer]
    : 0;
  // The survivor compared everything up to `final` with the old page: start after it.
  forgetPeer(core.desync, snapshot.final);
  return { ok: true, core, effects };
}
