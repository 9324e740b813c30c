// Benchmark: does watching cost the players anything? Two pages of one headless Chromium play a
// bot match of the example game through the package's match runner (page_spectate.ts) over a
// real duet connection, three ways: the offerer not streaming at all, streaming its confirmed
// inputs to the lobby with nobody watching, and with 8 spectators watching (WebSocket clients of
// the real lobby in this process, each receiving the whole stream). Reported per condition: the
// players' tick time per animation frame (the runner's update, streaming included) and the input
// channel's round trip, p50/p99, plus what the spectators received. Spectators are relayed by the
// lobby, so the players' only extra work is one small WebSocket message every 8 frames.
//
// usage: deno run -A bench/spectators.ts [--quick] [--out FILE]   (inside a loopback-only namespace)
import { call, openBrowser } from "./browser.ts";
import { startLobbyProcess } from "../signal/testing/lobby_process.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";

/** One condition of the run. */
export interface SpectatorCondition {
  label: string;
  stream: boolean;
  spectators: number;
}

/** The conditions compared: no stream, a stream nobody watches, 8 spectators. */
export const SPECTATOR_CONDITIONS: readonly SpectatorCondition[] = [
  { label: "no stream", stream: false, spectators: 0 },
  { label: "0 spectators", stream: true, spectators: 0 },
  { label: "8 spectators", stream: true, spectators: 8 },
];

/** One row of the report. */
export interface SpectatorRow {
  label: string;
  spectators: number;
  stream: boolean;
  /** Both players' runner update per animation frame, ms. */
  tickMs: Summary;
  /** Both players' input channel round trip, ms (one-way input latency is half). */
  rttMs: Summary;
  /** Batches the offerer streamed. */
  batches: number;
  /** The frames the offerer confirmed, and the fewest any spectator received. */
  confirmedFrame: number;
  spectatorFramesMin: number | null;
  stalls: number;
}

/** A lobby client that watches `room` and counts the frames it is streamed. */
async function spectator(ws: string, room: string) {
  const socket = new WebSocket(ws);
  let frames = 0;
  let ended = false;
  const watching = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("spectator: no watching within 10 s")), 10_000);
    socket.onmessage = (e) => {
      const m = JSON.parse(String(e.data));
      if (m.type === "welcome") socket.send(JSON.stringify({ type: "watch", room, rid: 1 }));
      else if (m.type === "watching") {
        clearTimeout(timer);
        resolve();
      } else if (m.type === "error" && m.rid === 1) {
        clearTimeout(timer);
        reject(new Error(`spectator: ${m.code}: ${m.message}`));
      } else if (m.type === "stream") frames = Math.max(frames, m.from + m.inputs.length / 4);
      else if (m.type === "stream-end") ended = true;
    };
    socket.onerror = () => reject(new Error("spectator: socket error"));
  });
  await watching;
  return {
    get frames() {
      return frames;
    },
    get ended() {
      return ended;
    },
    close: () => socket.close(),
  };
}

/** Runs every condition on one browser and one lobby. */
export async function runSpectators(quick: boolean, port = 18_950) {
  const seconds = quick ? 3 : 15;
  const rows: SpectatorRow[] = [];
  const errors: string[] = [];
  const b = await openBrowser();
  const lobby = await startLobbyProcess({ PORT: String(port), LOG_LEVEL: "warn" });
  try {
    for (const [i, c] of SPECTATOR_CONDITIONS.entries()) {
      const [p1, p2] = [await b.newPage(), await b.newPage()];
      const watchers: Awaited<ReturnType<typeof spectator>>[] = [];
      try {
        await Promise.all([call(p1, "duetReady", lobby.ws), call(p2, "duetReady", lobby.ws)]);
        const code = await call(p1, "duetCreate");
        await call(p2, "duetJoin", code);
        await Promise.all([call(p1, "duetResult"), call(p2, "duetResult")]);
        for (let n = 0; n < c.spectators; n++) watchers.push(await spectator(lobby.ws, code));
        await Promise.all([call(p1, "spectatePrepare"), call(p2, "spectatePrepare")]);
        const pages = await Promise.all([
          call(p1, "spectateRun", seconds, `spectate-${i}`, 31 + 2 * i, c.stream),
          call(p2, "spectateRun", seconds, `spectate-${i}`, 32 + 2 * i, c.stream),
        ].map((x, k) => x.then((r) => ({ ...r, page: k }))));
        // Let the last batches reach the spectators before counting.
        await new Promise((r) => setTimeout(r, 500));
        const offerer = pages.find((p) => p.batches > 0) ?? pages[0];
        const row: SpectatorRow = {
          label: c.label,
          spectators: c.spectators,
          stream: c.stream,
          tickMs: roundSummary(summarize(pages.flatMap((p) => p.tickMs)), 3),
          rttMs: roundSummary(summarize(pages.flatMap((p) => p.rttMs)), 2),
          batches: pages.reduce((n, p) => n + p.batches, 0),
          confirmedFrame: offerer.confirmedFrame,
          spectatorFramesMin: watchers.length ? Math.min(...watchers.map((w) => w.frames)) : null,
          stalls: pages.reduce((n, p) => n + p.stalls, 0),
        };
        rows.push(row);
        for (const p of pages) {
          console.error(
            `    page ${p.page + 1}: ${p.phase}, confirmed ${p.confirmedFrame}, ` +
              `${p.batches} batches, ${p.tickMs.length} frames timed`,
          );
        }
        console.error(
          `  spectators ${c.label}: tick p50 ${row.tickMs.p50} p99 ${row.tickMs.p99} ms; input ` +
            `rtt p50 ${row.rttMs.p50} p99 ${row.rttMs.p99} ms; ${row.batches} batches; ` +
            `spectators got ${row.spectatorFramesMin ?? "-"} of ${row.confirmedFrame + 1} frames`,
        );
      } catch (e) {
        errors.push(`${c.label}: ${(e as Error).message}`);
      } finally {
        for (const w of watchers) w.close();
        await Promise.all([call(p1, "duetClose"), call(p2, "duetClose")]).catch(() => {});
        await Promise.all([p1.close(), p2.close()]).catch(() => {});
      }
    }
  } finally {
    await lobby.stop();
    await b.close();
  }
  return {
    spectators: {
      conditions: `headless Chromium ${b.version}, two pages of one browser, loopback; a bot ` +
        `match of the example (the package runner playing air hockey) for ${seconds} s per ` +
        `condition; the offerer streams its confirmed inputs to the lobby every 8 frames (as ` +
        `runMatch does), spectators are WebSocket clients of the same lobby process watching ` +
        `the room; tick = the runner's update per animation frame (both pages pooled); input ` +
        `rtt = the transport's ping on the input channel, sampled every 100 ms.`,
      chromium: b.version,
      rows,
      errors,
    },
  };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  await writeJson(a.out, await runSpectators(a.quick));
}
