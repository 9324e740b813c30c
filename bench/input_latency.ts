// Benchmark 3: input delivery latency between two Chromium pages at 60 Hz under real UDP delay
// and loss (run.ts starts this file inside netimpair or tc netem; see sandbox.ts). duet's
// unreliable channel with redundancy and the same frames on a reliable ordered channel run at the
// same time over one connection (page_input.ts): per-frame latency from the sender's send to the
// receiver's delivery to the game, frames lost to the game, stalls, and what duet's transport
// sent per direction (packets, resends, bytes per second).
//
// usage: deno run -A bench/input_latency.ts [--quick] [--out FILE] [--impair DELAY,LOSS]
//   [--strategies 4,2,1,timeout]  also run with these resendAfterMs values, or the default
//                  driven from a setTimeout chain (one connection each)
//   (--impair only labels the run: the impairment itself comes from the namespace it runs in)
import { call, openBrowser } from "./browser.ts";
import { startLobbyProcess } from "../signal/testing/lobby_process.ts";
import { BENCH_LOBBY_ENV } from "./lobby_env.ts";
import type { InputRunResult, InputStrategy } from "./page_input.ts";
import { round } from "./stats.ts";
import { parseArgs, parseStrategies, writeJson } from "./cli.ts";
import { analyse, type DeliveryStats, parseImpair, sendRates } from "./input_analysis.ts";

// How long the pages keep receiving (and keepalive-polling) after the last frame.
const DRAIN_MS = 1500;

/** One strategy's figures (the transport options it ran with, latency, loss, cost). */
export interface StrategyResult {
  strategy: InputStrategy;
  seconds: number;
  latencyMs: DeliveryStats["latencyMs"];
  framesLost: number;
  stalls: number;
  packetsPerS: number;
  resendsPerS: number;
  bytesPerS: number;
  measuredUdpLossPct: number;
  pageTimerLateMsMax: number;
}

/**
 * One condition, in the current network namespace: the transport's defaults for `seconds`
 * (the figures the targets judge), then each of `strategies` for `strategySeconds` on a fresh
 * connection of the same pages, so the sweep sees the same network in the same run.
 */
export async function runInputCondition(
  seconds: number,
  label: { delayMs: number; lossPct: number },
  strategies: InputStrategy[] = [],
  strategySeconds = seconds,
  port = 18_800,
) {
  const b = await openBrowser();
  const lobby = await startLobbyProcess({
    ...BENCH_LOBBY_ENV,
    PORT: String(port),
    LOG_LEVEL: "warn",
  });
  try {
    const [p1, p2] = [await b.newPage(), await b.newPage()];
    const once = async (secs: number, strategy: InputStrategy) => {
      const frames = Math.round(secs * 60);
      await Promise.all([call(p1, "duetReady", lobby.ws), call(p2, "duetReady", lobby.ws)]);
      const code = await call(p1, "duetCreate");
      await call(p2, "duetJoin", code);
      await Promise.all([call(p1, "duetResult"), call(p2, "duetResult")]);
      await Promise.all([call(p1, "inputPrepare", strategy), call(p2, "inputPrepare", strategy)]);
      const startAt = Date.now() + 500; // epoch ms; pages use timeOrigin + now, which tracks it
      const [ra, rb] = await Promise.all([
        call(p1, "inputRun", frames, startAt, DRAIN_MS),
        call(p2, "inputRun", frames, startAt, DRAIN_MS),
      ]);
      await Promise.all([call(p1, "inputClose"), call(p2, "inputClose")]);
      await Promise.all([call(p1, "duetClose"), call(p2, "duetClose")]);
      const lossSeen = (r: InputRunResult) =>
        r.stats.packetsLost / Math.max(1, r.stats.packetsLost + r.stats.packetsReceived);
      return {
        ra,
        rb,
        rates: sendRates([ra, rb], secs + DRAIN_MS / 1000),
        lossPct: round(((lossSeen(ra) + lossSeen(rb)) / 2) * 100, 2),
      };
    };
    const { ra, rb, rates, lossPct } = await once(seconds, {});
    const duet = analyse(ra, rb, "duet"), reliable = analyse(ra, rb, "reliable");
    const result = {
      delayMs: label.delayMs,
      lossPct: label.lossPct,
      seconds,
      chromium: b.version,
      duet: { ...duet, samples: undefined },
      reliable: { ...reliable, samples: undefined },
      measuredUdpLossPct: lossPct,
      // duet's cost per direction, over the run plus its drain (see sendRates).
      duetSend: {
        packetsPerS: round(rates.packetsPerS, 1),
        resendsPerS: round(rates.resendsPerS, 1),
        bytesPerS: round(rates.bytesPerS, 0),
      },
      pageTimerLateMsP50: round(Math.max(ra.tickLateP50, rb.tickLateP50), 2),
      pageTimerLateMsMax: round(Math.max(ra.tickLateMax, rb.tickLateMax), 2),
      strategies: [] as StrategyResult[],
      strategyErrors: [] as string[],
    };
    console.error(
      `  input ${label.delayMs} ms + ${label.lossPct}%: duet p50 ${duet.latencyMs.p50} p99 ` +
        `${duet.latencyMs.p99} max ${duet.latencyMs.max} lost ${duet.framesLost} stalls ${duet.stalls}; ` +
        `reliable p50 ${reliable.latencyMs.p50} p99 ${reliable.latencyMs.p99} max ${reliable.latencyMs.max} ` +
        `stalls ${reliable.stalls}; measured loss ${result.measuredUdpLossPct}%; duet sends ` +
        `${result.duetSend.packetsPerS} packets/s (${result.duetSend.resendsPerS} resends), ` +
        `${result.duetSend.bytesPerS} B/s per direction`,
    );
    for (const strategy of strategies) {
      // A strategy run that fails (a connect on a slow machine) is reported; the default's stays.
      const x = await once(strategySeconds, strategy).catch(async (e: Error) => {
        result.strategyErrors.push(`${JSON.stringify(strategy)}: ${e.message}`);
        const pages = [p1, p2];
        await Promise.all(pages.map((p) => call(p, "inputClose"))).catch(() => {});
        await Promise.all(pages.map((p) => call(p, "duetClose"))).catch(() => {});
        return null;
      });
      if (!x) continue;
      const d = analyse(x.ra, x.rb, "duet");
      const row: StrategyResult = {
        strategy,
        seconds: strategySeconds,
        latencyMs: d.latencyMs,
        framesLost: d.framesLost,
        stalls: d.stalls,
        packetsPerS: round(x.rates.packetsPerS, 1),
        resendsPerS: round(x.rates.resendsPerS, 1),
        bytesPerS: round(x.rates.bytesPerS, 0),
        measuredUdpLossPct: x.lossPct,
        pageTimerLateMsMax: round(Math.max(x.ra.tickLateMax, x.rb.tickLateMax), 2),
      };
      result.strategies.push(row);
      console.error(
        `  input ${label.delayMs} ms + ${label.lossPct}% ${JSON.stringify(strategy)}: p50 ` +
          `${d.latencyMs.p50} p99 ${d.latencyMs.p99} max ${d.latencyMs.max} lost ${d.framesLost}; ` +
          `${row.packetsPerS} packets/s, ${row.bytesPerS} B/s; loss ${x.lossPct}%`,
      );
    }
    return { result, samples: { duet: duet.samples, reliable: reliable.samples } };
  } finally {
    await lobby.stop();
    await b.close();
  }
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  const imp = parseImpair(a.impair);
  const strategies = parseStrategies(a.strategies ?? undefined);
  await writeJson(
    a.out,
    // The default's p99 is a target: 40 s (4800 frames) puts ~48 frames above it, so a few late
    // packets move it less; each sweep row is a comparison only and keeps 20 s.
    await runInputCondition(a.quick ? 3 : 40, imp, strategies, a.quick ? 2 : 20),
  );
}
