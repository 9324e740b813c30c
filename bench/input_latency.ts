// Benchmark 3: input delivery latency between two Chromium pages at 60 Hz under real UDP delay
// and loss (run.ts starts this file inside netimpair or tc netem; see sandbox.ts). duet's
// unreliable channel with redundancy and the same frames on a reliable ordered channel run at the
// same time over one connection (page_input.ts): per-frame latency from the sender's send to the
// receiver's delivery to the game, frames lost to the game, stalls, and what duet's transport
// sent per direction (packets, resends, bytes per second).
//
// usage: deno run -A bench/input_latency.ts [--quick] [--out FILE] [--impair DELAY,LOSS]
//   (--impair only labels the run: the impairment itself comes from the namespace it runs in)
import { call, openBrowser } from "./browser.ts";
import { startLobbyProcess } from "../signal/testing/lobby_process.ts";
import type { InputRunResult } from "./page_input.ts";
import { round } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";
import { analyse, parseImpair, sendRates } from "./input_analysis.ts";

// How long the pages keep receiving (and keepalive-polling) after the last frame.
const DRAIN_MS = 1500;

/** One condition, in the current network namespace. */
export async function runInputCondition(
  seconds: number,
  label: { delayMs: number; lossPct: number },
  port = 18_800,
) {
  const frames = Math.round(seconds * 60);
  const b = await openBrowser();
  const lobby = await startLobbyProcess({ PORT: String(port), LOG_LEVEL: "warn" });
  try {
    const [p1, p2] = [await b.newPage(), await b.newPage()];
    await Promise.all([call(p1, "duetReady", lobby.ws), call(p2, "duetReady", lobby.ws)]);
    const code = await call(p1, "duetCreate");
    await call(p2, "duetJoin", code);
    await Promise.all([call(p1, "duetResult"), call(p2, "duetResult")]);
    await Promise.all([call(p1, "inputPrepare"), call(p2, "inputPrepare")]);
    const startAt = Date.now() + 500; // epoch ms; pages use timeOrigin + now, which tracks it
    const [ra, rb] = await Promise.all([
      call(p1, "inputRun", frames, startAt, DRAIN_MS),
      call(p2, "inputRun", frames, startAt, DRAIN_MS),
    ]);
    await Promise.all([call(p1, "inputClose"), call(p2, "inputClose")]);
    await Promise.all([call(p1, "duetClose"), call(p2, "duetClose")]);
    const duet = analyse(ra, rb, "duet"), reliable = analyse(ra, rb, "reliable");
    const lossSeen = (r: InputRunResult) =>
      r.stats.packetsLost / Math.max(1, r.stats.packetsLost + r.stats.packetsReceived);
    const rates = sendRates([ra, rb], seconds + DRAIN_MS / 1000);
    const result = {
      delayMs: label.delayMs,
      lossPct: label.lossPct,
      seconds,
      chromium: b.version,
      duet: { ...duet, samples: undefined },
      reliable: { ...reliable, samples: undefined },
      measuredUdpLossPct: round(((lossSeen(ra) + lossSeen(rb)) / 2) * 100, 2),
      // duet's cost per direction, over the run plus its drain (see sendRates).
      duetSend: {
        packetsPerS: round(rates.packetsPerS, 1),
        resendsPerS: round(rates.resendsPerS, 1),
        bytesPerS: round(rates.bytesPerS, 0),
      },
      pageTimerLateMsP50: round(Math.max(ra.tickLateP50, rb.tickLateP50), 2),
      pageTimerLateMsMax: round(Math.max(ra.tickLateMax, rb.tickLateMax), 2),
    };
    console.error(
      `  input ${label.delayMs} ms + ${label.lossPct}%: duet p50 ${duet.latencyMs.p50} p99 ` +
        `${duet.latencyMs.p99} max ${duet.latencyMs.max} lost ${duet.framesLost} stalls ${duet.stalls}; ` +
        `reliable p50 ${reliable.latencyMs.p50} p99 ${reliable.latencyMs.p99} max ${reliable.latencyMs.max} ` +
        `stalls ${reliable.stalls}; measured loss ${result.measuredUdpLossPct}%; duet sends ` +
        `${result.duetSend.packetsPerS} packets/s (${result.duetSend.resendsPerS} resends), ` +
        `${result.duetSend.bytesPerS} B/s per direction`,
    );
    return { result, samples: { duet: duet.samples, reliable: reliable.samples } };
  } finally {
    await lobby.stop();
    await b.close();
  }
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  const imp = parseImpair(a.impair);
  await writeJson(a.out, await runInputCondition(a.quick ? 3 : 20, imp));
}
