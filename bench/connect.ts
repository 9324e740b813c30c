// Benchmark 2: connect time in headless Chromium on loopback, from `paired` to both channels open
// (on both pages), through duet (lobby + signalling client + peer connection) vs a bare
// RTCPeerConnection pair with the same two negotiated channels and a minimal relay. Same browser,
// same run; tries alternate duet/bare so drift on a busy machine hits both alike.
//
// usage: deno run -A bench/connect.ts [--quick] [--out FILE]   (inside a loopback-only namespace)
import { call, openBrowser } from "./browser.ts";
import { startLobbyProcess } from "../signal/testing/lobby_process.ts";
import { BENCH_LOBBY_ENV } from "./lobby_env.ts";
import type { ConnectResult } from "./page_connect.ts";
import { round, roundSummary, summarize } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";

/** Connect time of one try: first `paired` on either page to the last channel open on either. */
export function connectMs(a: ConnectResult, b: ConnectResult): number {
  return Math.max(a.openAt, b.openAt) - Math.min(a.pairedAt, b.pairedAt);
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, rej) =>
      setTimeout(() => rej(new Error(`${what}: no result in ${ms} ms`)), ms)
    ),
  ]);

/** Runs `tries` alternating duet/bare connects; failures are counted, not thrown. */
export async function runConnect(quick: boolean, port = 18_700) {
  const tries = quick ? 6 : 40;
  const duet: number[] = [], bare: number[] = [];
  const errors: string[] = [];
  const b = await openBrowser();
  const lobby = await startLobbyProcess({
    ...BENCH_LOBBY_ENV,
    PORT: String(port),
    LOG_LEVEL: "warn",
  }).catch((e) => {
    errors.push(`duet lobby: ${(e as Error).message}`);
    return null;
  });
  try {
    const [p1, p2] = [await b.newPage(), await b.newPage()];
    for (let i = 0; i < tries + 2; i++) {
      const warm = i < 2; // first tries warm up the browser's WebRTC stack, not counted
      if (lobby) {
        try {
          await Promise.all([call(p1, "duetReady", lobby.ws), call(p2, "duetReady", lobby.ws)]);
          const code = await call(p1, "duetCreate");
          await call(p2, "duetJoin", code);
          const [ra, rb] = await withTimeout(
            Promise.all([call(p1, "duetResult"), call(p2, "duetResult")]),
            15_000,
            "duet connect",
          );
          if (!warm) duet.push(connectMs(ra, rb));
        } catch (e) {
          if (!warm) errors.push(`duet try ${i}: ${(e as Error).message}`);
        } finally {
          await Promise.all([call(p1, "duetClose"), call(p2, "duetClose")]).catch(() => {});
        }
      }
      try {
        const room = `r${i}`;
        const [ra, rb] = await withTimeout(
          Promise.all([
            call(p1, "bareConnect", b.relayUrl, room),
            call(p2, "bareConnect", b.relayUrl, room),
          ]),
          15_000,
          "bare connect",
        );
        if (!warm) bare.push(connectMs(ra, rb));
      } catch (e) {
        if (!warm) errors.push(`bare try ${i}: ${(e as Error).message}`);
      } finally {
        await Promise.all([call(p1, "bareClose"), call(p2, "bareClose")]).catch(() => {});
      }
    }
  } finally {
    await lobby?.stop();
    await b.close();
  }
  const sd = roundSummary(summarize(duet)), sb = roundSummary(summarize(bare));
  console.error(
    `  connect duet p50 ${sd.p50} p95 ${sd.p95} ms (n=${sd.n}); bare p50 ${sb.p50} p95 ${sb.p95} ms (n=${sb.n})`,
  );
  return {
    connect: {
      conditions:
        `headless Chromium ${b.version}, two pages of one browser, loopback-only network ` +
        `namespace; ${tries} tries each after 2 warm-up tries, duet and bare alternating; time from ` +
        `the first page's \`paired\` to the last of the 4 channels open`,
      tries,
      duet: sd,
      bare: sb,
      p50Ratio: round(sd.p50 / sb.p50),
      errors,
    },
    samples: { "connect.duet": duet, "connect.bare": bare },
  };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  await writeJson(a.out, await runConnect(a.quick));
}
