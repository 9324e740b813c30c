// Issue 13: how long a reloaded page takes to rebuild an air-hockey match from the survivor's
// resume snapshot (re-simulating every final frame through the session, no rendering), for
// five minutes of play by default. Bot-like held buttons from the test script.
//
// usage: deno run -A bench/resume_rebuild.ts [--frames N] [--runs N]
import { encodeResumeSnapshot } from "../shared/resume_format.ts";
import { createHockey } from "../game/examples/air_hockey/sim/hockey.ts";
import { resumeP2PSession, type SessionTransport } from "../game/net/mod.ts";
import { scriptedInput } from "../game/net/test_game.ts";

/** One measurement: frames rebuilt, snapshot bytes, and wall time of each run (ms). */
export interface RebuildMeasurement {
  frames: number;
  snapshotBytes: number;
  /** A plain re-simulation of the same frames with a checksum each, no session (the floor). */
  plainMs: number;
  rebuildMs: number[];
}

// Ten minutes on the clock, no point limit: five minutes of play never end the match.
const rules = { pointsToWin: 0, timeLimitTicks: 10 * 60 * 60, seed: 42 };

const idle: SessionTransport = {
  sendInput() {},
  onInput: null,
  sendControl() {},
  onControl: null,
  stats: () => ({ rttMs: 0, lossRate: 0, packetsSent: 0, packetsReceived: 0, packetsLost: 0 }),
};

/** Rebuilds `frames` frames of air hockey `runs` times from one snapshot. */
export function measureRebuild(frames: number, runs: number): RebuildMeasurement {
  const log = new Uint8Array(2 * frames);
  for (let f = 0; f < frames; f++) {
    log[2 * f] = scriptedInput(1, 0, f);
    log[2 * f + 1] = scriptedInput(1, 1, f);
  }
  const game = createHockey(rules);
  const t0 = performance.now();
  let sum = 0;
  for (let f = 0; f < frames; f++) {
    game.advance([log[2 * f], log[2 * f + 1]]);
    sum ^= game.checksum();
  }
  const plainMs = performance.now() - t0;
  if (sum === 0.5) throw new Error("unreachable: keeps the checksums from being optimized away");
  const snapshot = encodeResumeSnapshot({
    survivor: 0,
    final: frames - 1,
    checksum: game.checksum(),
    log,
    survivorInputs: new Uint8Array(4),
    returnerInputs: new Uint8Array(0),
  });
  const rebuildMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const resumed = resumeP2PSession(
      { game: createHockey(rules), transport: idle, localPlayer: 1 },
      snapshot,
    );
    rebuildMs.push(performance.now() - t);
    if (!resumed.ok) throw new Error(resumed.error);
  }
  return { frames, snapshotBytes: snapshot.length, plainMs, rebuildMs };
}

if (import.meta.main) {
  const arg = (name: string, dflt: number) => {
    const i = Deno.args.indexOf(name);
    return i === -1 ? dflt : Number(Deno.args[i + 1]);
  };
  console.log(JSON.stringify(measureRebuild(arg("--frames", 5 * 60 * 60), arg("--runs", 5))));
}
