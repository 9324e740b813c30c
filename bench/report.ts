// The benchmark report: issue 6's and issue 15's targets judged against the figures, the console table and the
// markdown page. Pure functions of the results object, so the verdicts are testable.

/** A loosely typed view of latest.json (sections may be missing when a benchmark failed). */
// deno-lint-ignore no-explicit-any
export type Results = Record<string, any>;

/** One target of the issue with the figure it is judged on. */
export interface Verdict {
  id: string;
  target: string;
  figure: string;
  /** null: not measured in this run (a benchmark failed or was skipped). */
  pass: boolean | null;
}

import { SERVER_KINDS } from "./load_protocol.ts";

const fmt = (x: unknown, digits = 1): string =>
  typeof x === "number" && Number.isFinite(x) ? String(Number(x.toFixed(digits))) : "n/a";

const num = (x: unknown): number => (typeof x === "number" ? x : NaN);

/** One line of plain text from an error message (no ANSI colours, no stack, bounded). */
export function oneLine(s: unknown): string {
  return String(s ?? "")
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, "")
    .replace(/\s*Stack backtrace:[\s\S]*/, "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}

function judge(ok: boolean, ...figures: number[]): boolean | null {
  return figures.every(Number.isFinite) ? ok : null;
}

/** The relay row for `pairs` of one server, or undefined. */
export function relayAt(r: Results, server: string, pairs: number) {
  return (r.lobby?.[server]?.relay as Results[] | undefined)?.find((x) => x.pairs === pairs);
}

/** The floor relay of the stack duet's lobby runs on (see lobby_load.ts: detectLobbyStack). */
export function floorKind(r: Results): "floor-deno" | "floor-ws" {
  return r.lobby?.duetStack === "ws" ? "floor-ws" : "floor-deno";
}

/** The idle row at the largest level a server held, or undefined. */
function idleTop(r: Results, server: string): Results | undefined {
  const rows = (r.lobby?.[server]?.idle ?? []) as Results[];
  return rows.reduce<Results | undefined>((m, x) => (!m || x.target > m.target ? x : m), undefined);
}

/** Client-size target: the client entry without the UI, minified + gzip. */
export const CLIENT_GZIP_LIMIT_BYTES = 30_000;
/** Tick-budget target: netcode main-thread time per frame, p99. */
export const NETCODE_P99_LIMIT_MS = 0.5;

/** Judges every target of issues 6 and 15. */
export function verdicts(r: Results): Verdict[] {
  const out: Verdict[] = [];
  const floor = floorKind(r);
  const d1k = relayAt(r, "duet", 1000), p1k = relayAt(r, "peerjs", 1000);
  const f1k = relayAt(r, floor, 1000);
  const dCpu = num(d1k?.serverCpuUsPerMsg), pCpu = num(p1k?.serverCpuUsPerMsg);
  const fCpu = num(f1k?.serverCpuUsPerMsg);
  out.push({
    id: "relay-cpu-floor",
    target: `relay: server CPU per message at 1000 pairs <= 1.1x the bare relay on the same stack`,
    figure: `duet ${fmt(dCpu, 2)} µs vs ${floor} ${fmt(fCpu, 2)} µs = ${fmt(dCpu / fCpu, 2)}x`,
    pass: judge(dCpu <= 1.1 * fCpu, dCpu, fCpu),
  });
  out.push({
    id: "relay-cpu-peerjs",
    target: "relay: server CPU per message at 1000 pairs <= 0.9x PeerJS's",
    figure: `duet ${fmt(dCpu, 2)} µs vs PeerJS ${fmt(pCpu, 2)} µs = ${fmt(dCpu / pCpu, 2)}x ` +
      `(${floor} ${fmt(fCpu / pCpu, 2)}x)`,
    pass: judge(dCpu <= 0.9 * pCpu, dCpu, pCpu),
  });
  for (const pairs of [100, 1000]) {
    const d = num(relayAt(r, "duet", pairs)?.rttMs?.p99);
    const p = num(relayAt(r, "peerjs", pairs)?.rttMs?.p99);
    const f = num(relayAt(r, floor, pairs)?.rttMs?.p99);
    out.push({
      id: `relay-p99-${pairs}`,
      target: `relay: RTT p99 at ${pairs} pairs <= PeerJS's and <= 1.2x the bare relay's`,
      figure: `duet ${fmt(d, 2)} ms vs PeerJS ${fmt(p, 2)} ms, ${floor} ${fmt(f, 2)} ms (${
        fmt(d / f, 2)
      }x)`,
      pass: judge(d <= p && d <= 1.2 * f, d, p, f),
    });
  }
  const di = idleTop(r, "duet"), fi = idleTop(r, floor);
  const dKiB = num(di?.rssKiBPerConn), fKiB = num(fi?.rssKiBPerConn);
  out.push({
    id: "idle-rss",
    target: "idle: server RSS per connection <= the bare holder's + 2 KiB (largest level)",
    figure: `duet ${fmt(dKiB, 2)} KiB vs ${floor} ${fmt(fKiB, 2)} KiB at ${
      di?.target ?? "n/a"
    } connections (PeerJS ${fmt(num(idleTop(r, "peerjs")?.rssKiBPerConn), 2)} KiB)`,
    pass: judge(dKiB <= fKiB + 2 && di?.target === fi?.target, dKiB, fKiB),
  });
  const cd = r.connect?.duet, cb = r.connect?.bare;
  const cdP50 = num(cd?.p50), cbP50 = num(cb?.p50), cdP95 = num(cd?.p95);
  out.push({
    id: "connect-p50",
    target: "connect: duet p50 within 1.5x of the bare pair's",
    figure: `duet ${fmt(cdP50)} ms vs bare ${fmt(cbP50)} ms = ${fmt(cdP50 / cbP50, 2)}x`,
    pass: judge(cdP50 <= 1.5 * cbP50, cdP50, cbP50),
  });
  out.push({
    id: "connect-p95",
    target: "connect: duet p95 under 100 ms on loopback",
    figure: `duet p95 ${fmt(cdP95)} ms (bare ${fmt(num(cb?.p95))} ms)`,
    pass: judge(cdP95 < 100, cdP95),
  });
  const lossy = r.input?.duet, rel = r.input?.reliable;
  const base = r.input?.baseline?.duet;
  const iP99 = num(lossy?.latencyMs?.p99), bP99 = num(base?.latencyMs?.p99);
  const impaired = r.input?.impaired?.realImpairment === true;
  const noReal = impaired ? "" : " — NO REAL IMPAIRMENT in this run";
  out.push({
    id: "input-p99",
    target: "input at 20 ms + 5% loss: duet p99 <= 1.1x its p99 at 20 ms + 0% (same run)",
    figure: `duet p99 ${fmt(iP99)} ms vs ${fmt(bP99)} ms with no loss = ${
      fmt(iP99 / bP99, 2)
    }x; reliable ordered p99 ${fmt(num(rel?.latencyMs?.p99))} ms${noReal}`,
    pass: impaired ? judge(iP99 <= 1.1 * bP99, iP99, bP99) : null,
  });
  const lost = num(lossy?.framesLost);
  out.push({
    id: "input-lost",
    target: "input at 20 ms + 5% loss: zero frames lost to the game",
    figure: `duet ${fmt(lost, 0)} of ${fmt(num(lossy?.framesSent), 0)} frames lost; stalls ${
      fmt(num(lossy?.stalls), 0)
    } (reliable: ${fmt(num(rel?.framesLost), 0)} lost, ${fmt(num(rel?.stalls), 0)} stalls)`,
    pass: impaired ? judge(lost === 0, lost) : null,
  });
  const send = r.input?.runs?.find((x: Results) => x.lossPct === 5)?.duetSend;
  const pps = num(send?.packetsPerS);
  out.push({
    id: "input-packets",
    target: "input at 20 ms + 5% loss: <= 120 input packets/s per direction (bytes/s beside)",
    figure: `${fmt(pps, 1)} packets/s (${fmt(num(send?.resendsPerS), 1)} resends), ${
      fmt(num(send?.bytesPerS), 0)
    } B/s DataChannel payload per direction`,
    pass: judge(pps <= 120, pps),
  });
  const p8 = (r.wire?.packets as Results[] | undefined)?.find((p) => p.frames === 8);
  const w = num(p8?.msgpackBytesWorstFrameNumbers);
  out.push({
    id: "wire-bytes",
    target: "wire: at most 24 bytes per input packet carrying 8 frames",
    figure: `${fmt(num(p8?.msgpackBytes), 0)} bytes (frame numbers ~3600), ${
      fmt(w, 0)
    } bytes worst case (frame numbers >= 2^24); JSON ${fmt(num(p8?.jsonBytes), 0)} bytes`,
    pass: judge(w <= 24, w),
  });
  const rb = (r.rollback?.rows as Results[] | undefined)?.find((x) =>
    x.runtime === "chromium" && x.depth === 8
  );
  const rbP99 = num(rb?.usPerTick?.p99);
  out.push({
    id: "rollback-8",
    target: "rollback: an 8-frame rollback tick of the demo game under 2 ms in Chromium",
    figure: `p50 ${fmt(num(rb?.usPerTick?.p50), 2)} µs, p99 ${fmt(rbP99, 2)} µs per tick`,
    pass: judge(rbP99 < 2000, rbP99),
  });
  const client = (r.size?.entries as Results[] | undefined)?.find((e) => e.role === "client");
  const gz = num(client?.gzipBytes);
  const peer = (r.size?.entries as Results[] | undefined)?.find((e) => e.role === "peerjs");
  // The smallest realistic game import beside it: what a game that names its imports pays.
  const game = (r.size?.entries as Results[] | undefined)?.find((e) => e.role === "import");
  out.push({
    id: "client-size",
    target: "size: the client entry (no UI), minified + gzip, <= 30 kB",
    figure: `${client?.label ?? "client"} ${fmt(gz / 1000, 1)} kB gzip${
      game?.gzipBytes ? `; ${game.label} ${fmt(game.gzipBytes / 1000, 1)} kB` : ""
    }; PeerJS client ${
      peer?.gzipBytes ? `${fmt(peer.gzipBytes / 1000, 1)} kB` : (peer?.error ?? "n/a")
    }`,
    pass: judge(gz <= CLIENT_GZIP_LIMIT_BYTES, gz),
  });
  const freeze = ((r.recovery?.rows ?? []) as Results[]).filter((x) => x.kind === "freeze");
  const worst = freeze.length ? Math.max(...freeze.map((x) => num(x.secondsToSync))) : NaN;
  out.push({
    id: "recovery-freeze",
    target: "recovery: after a 400 ms freeze at 30 ms one-way, both sides within a frame in <= 1 s",
    figure: freeze.length
      ? `worst of ${freeze.length} seeds ${fmt(worst, 3)} s; rollbacks in the 5 s after ${
        freeze.map((x) => x.rollbacks).join("/")
      } (mean depth ${freeze.map((x) => fmt(num(x.meanDepth), 2)).join("/")}); before issue 11: ` +
        "6.1 s, 56 rollbacks of mean depth 5.3"
      : "not measured",
    pass: judge(worst <= 1, worst),
  });
  const t8 = (r.tick?.rows as Results[] | undefined)?.find((x) => x.rollbackFrames === 8);
  const t0 = (r.tick?.rows as Results[] | undefined)?.find((x) => x.rollbackFrames === 0);
  const n99 = num(t8?.netcodeMs?.p99);
  out.push({
    id: "tick-netcode",
    target: "tick: netcode main-thread time per frame in Chromium, p99 <= 0.5 ms at 8 frames",
    figure: `netcode p99 ${fmt(n99, 3)} ms (p50 ${fmt(num(t8?.netcodeMs?.p50), 3)}; mean ` +
      `rollback depth ${fmt(num(t8?.meanRollbackDepth), 1)}); at 0 frames p99 ${
        fmt(num(t0?.netcodeMs?.p99), 3)
      } ms; whole example frame p50 ${fmt(num(t8?.frameMs?.p50), 2)} ms, rendering p50 ~${
        fmt(num(t8?.renderMsP50), 2)
      } ms`,
    pass: judge(n99 <= NETCODE_P99_LIMIT_MS, n99),
  });
  const tr = t8?.traced;
  if (tr) {
    out[out.length - 1].figure += `; traced pass: wall p99 ${fmt(num(tr.wallMs?.p99), 3)} ms, ` +
      `on-CPU p99 ${fmt(num(tr.cpuMs?.p99), 3)} ms (judged on the untraced wall p99)`;
  }
  return out;
}

/**
 * Why the tick target is missed, with the traced pass's figures when it ran: how much of the
 * slowest frames' wall time the main thread spent on a CPU, and what it ran there.
 */
export function tickMissReason(r: Results): string {
  const t8 = (r.tick?.rows as Results[] | undefined)?.find((x) => x.rollbackFrames === 8);
  const tr = t8?.traced;
  const wall = num(tr?.tail?.meanWallMs), cpu = num(tr?.tail?.meanCpuMs);
  if (!tr || !Number.isFinite(wall) || !Number.isFinite(cpu) || !(wall > 0)) {
    return MISS_REASONS["tick-netcode"];
  }
  const top = ((tr.tail?.top ?? []) as Results[]).slice(0, 3)
    .map((x) => `${x.fn} ${fmt(num(x.ms), 2)}`).join(", ");
  return `judged on wall time, which on 2 cores counts the main thread's wait for a core: at 8 ` +
    `frames of rollback the traced slowest 1% of frames take ${
      fmt(wall, 2)
    } ms on the wall clock but ` +
    `${fmt(cpu, 2)} ms on the main thread's CPU (${fmt((1 - cpu / wall) * 100, 0)}% waiting; ` +
    `on-CPU p99 ${fmt(num(tr.cpuMs?.p99), 3)} ms), ${fmt(num(tr.tail?.meanSendCpuMs), 2)} ms of ` +
    `it in DataChannel sends` + (top ? `; sampled there (ms per frame): ${top}` : "");
}

/**
 * The tick section's traced pass: wall and on-CPU netcode per frame side by side, and what the
 * slowest 1% of traced frames are made of. Says so when the pass did not run.
 */
export function tracedTable(rows: Results[]): string {
  const traced = rows.filter((x) => x.traced);
  if (!traced.length) return "Traced pass (on-CPU time): not run in this report (see errors).\n";
  return [
    "Traced pass: the target is judged on the wall-clock p99 above; the same netcode stretches " +
    "on the main thread's CPU clock are beside it here. Wall minus on-CPU is time the main " +
    "thread was ready but not running (2 cores shared with the browser's WebRTC and compositor " +
    "threads): no change to duet's code shortens that part. Each mark costs the traced figures " +
    "its µs (about one per netcode stretch plus two per send inside one); callees are the V8 " +
    "sampler's leaf functions inside the slowest 1% of frames' netcode, ms per frame, " +
    "wall-weighted.",
    "",
    mdTable(
      [
        "rollback",
        "traced frames",
        "wall p50/p99 ms",
        "on-CPU p50/p99 ms",
        "sends on-CPU p50 ms",
        "slowest 1%: frames, wall/on-CPU/sends ms",
        "mark µs x marks/frame",
        "slowest 1% sampled (ms/frame)",
      ],
      traced.map((x) => {
        const t = x.traced;
        return [
          `${x.rollbackFrames} frames`,
          t.frames,
          `${fmt(t.wallMs?.p50, 3)}/${fmt(t.wallMs?.p99, 3)}`,
          t.threadTime === false
            ? "no thread time"
            : `${fmt(t.cpuMs?.p50, 3)}/${fmt(t.cpuMs?.p99, 3)}`,
          fmt(t.sendCpuMsP50, 3),
          `${t.tail?.frames ?? "n/a"}: ${fmt(t.tail?.meanWallMs, 3)}/${fmt(t.tail?.meanCpuMs, 3)}/${
            fmt(t.tail?.meanSendCpuMs, 3)
          }`,
          `${fmt(t.markUs, 1)} x ${fmt(t.marksPerFrameP50, 0)}`,
          t.sampler === false
            ? "sampler off (tick_budget.ts --callees)"
            : ((t.tail?.top ?? []) as Results[]).map((c) => `${c.fn} ${fmt(c.ms, 3)}`).join(", ") ||
              "none",
        ];
      }),
    ),
    "",
  ].join("\n");
}

/** "pass" / "MISS" / "not measured". */
export function mark(v: Verdict): string {
  return v.pass === null ? "not measured" : v.pass ? "pass" : "MISS";
}

/** A markdown table from a header row and body rows. */
export function mdTable(head: string[], rows: (string | number)[][]): string {
  const esc = (c: string | number) => String(c).replaceAll("|", "\\|");
  return [
    `| ${head.map(esc).join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** A fixed-width console table. */
export function textTable(head: string[], rows: (string | number)[][]): string {
  const all = [head, ...rows].map((r) => r.map(String));
  const w = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join("  ").trimEnd();
  return [line(all[0]), w.map((n) => "-".repeat(n)).join("  "), ...all.slice(1).map(line)].join(
    "\n",
  );
}

/** The verdict table for the console. */
export function consoleSummary(r: Results): string {
  return textTable(
    ["target", "figure", "verdict"],
    verdicts(r).map((v) => [v.id, v.figure, mark(v)]),
  );
}

/** Each round's p99 as "lowest-highest (rounds)"; one round as itself; "n/a" when unknown. */
export function roundSpread(p99s: number[] | undefined): string {
  if (!p99s?.length) return "n/a";
  if (p99s.length === 1) return fmt(p99s[0], 2);
  return `${fmt(Math.min(...p99s), 2)}-${fmt(Math.max(...p99s), 2)} (${p99s.length})`;
}

/** Rows of the relay table (both servers, every level). */
function relayRows(r: Results): (string | number)[][] {
  const rows: (string | number)[][] = [];
  for (const s of SERVER_KINDS) {
    for (const x of (r.lobby?.[s]?.relay ?? []) as Results[]) {
      rows.push([
        s,
        x.pairs,
        fmt(x.messagesPerS, 0),
        fmt(x.serverCpuUsPerMsg, 2),
        `${fmt(x.serverCpuPct, 0)}% (waited ${fmt(x.serverRunDelayPct, 0)}%)`,
        `${fmt(x.generatorCpuPct, 0)}% (lag max ${fmt(x.generatorLagMaxMs, 0)} ms)`,
        fmt(x.rttMs?.p50, 2),
        fmt(x.rttMs?.p99, 2),
        roundSpread(x.rttP99ByRoundMs),
        fmt(x.rttMs?.max, 2),
        x.lostOrLate ?? "n/a",
        x.serverErrors ?? "n/a",
        oneLine(x.firstError),
      ]);
    }
  }
  return rows;
}

/**
 * The strategy that wins under loss: the lowest p99 among runs that lost no frame and stayed at
 * or under 120 packets/s per direction (the default run included), or null if none qualifies.
 */
export function bestStrategy(r: Results): Results | null {
  const lossy = (r.input?.runs as Results[] | undefined)?.find((x) => x.lossPct === 5);
  if (!lossy) return null;
  const rows: Results[] = [
    {
      strategy: { default: true },
      latencyMs: lossy.duet?.latencyMs,
      framesLost: lossy.duet?.framesLost,
      packetsPerS: lossy.duetSend?.packetsPerS,
    },
    ...((lossy.strategies ?? []) as Results[]),
  ];
  const ok = rows.filter((x) =>
    x.framesLost === 0 && x.packetsPerS <= 120 && Number.isFinite(x.latencyMs?.p99)
  );
  return ok.reduce<Results | null>(
    (b, x) => (!b || x.latencyMs.p99 < b.latencyMs.p99 ? x : b),
    null,
  );
}

function strategySection(r: Results): string {
  const lossy = (r.input?.runs as Results[] | undefined)?.find((x) => x.lossPct === 5);
  const base = num(r.input?.baseline?.duet?.latencyMs?.p99);
  if (!lossy?.strategies?.length) return "";
  const name = (s: Results) =>
    s.default ? "transport default" : Object.entries(s).map(([k, v]) => `${k} ${v}`).join(", ");
  const rows = [
    {
      strategy: { default: true },
      seconds: lossy.seconds,
      latencyMs: lossy.duet?.latencyMs,
      framesLost: lossy.duet?.framesLost,
      packetsPerS: lossy.duetSend?.packetsPerS,
      bytesPerS: lossy.duetSend?.bytesPerS,
      measuredUdpLossPct: lossy.measuredUdpLossPct,
      pageTimerLateMsMax: lossy.pageTimerLateMsMax,
    },
    ...(lossy.strategies as Results[]),
  ];
  const best = bestStrategy(r);
  return [
    "### Resend strategies under 20 ms + 5% loss (same run, one connection each)",
    "",
    "The transport's options driven from the bench page (game/net/input_transport.ts is not " +
    "changed): each row is a fresh duet connection of the same two pages under the same " +
    "impairment, frames as above; the ratio is to the default's p99 at 20 ms + 0%.",
    "",
    mdTable(
      [
        "strategy",
        "s",
        "p50 ms",
        "p99 ms",
        "p99 / no-loss p99",
        "max ms",
        "lost",
        "packets/s",
        "B/s",
        "UDP loss",
        "timer late max ms",
      ],
      rows.map((x) => [
        name(x.strategy),
        x.seconds ?? "?",
        fmt(x.latencyMs?.p50, 2),
        fmt(x.latencyMs?.p99, 2),
        fmt(num(x.latencyMs?.p99) / base, 2),
        fmt(x.latencyMs?.max, 2),
        x.framesLost ?? "n/a",
        fmt(x.packetsPerS, 1),
        fmt(x.bytesPerS, 0),
        `${fmt(x.measuredUdpLossPct, 2)}%`,
        fmt(x.pageTimerLateMsMax, 1),
      ]),
    ),
    "",
    (best
      ? `Lowest p99 with nothing lost at <= 120 packets/s in this run: **${
        name(best.strategy)
      }** (${fmt(best.latencyMs?.p99, 2)} ms).`
      : "No strategy lost nothing at <= 120 packets/s in this run.") +
    (r.input?.impaired?.realImpairment === true
      ? ""
      : " NO REAL IMPAIRMENT in this run: not a basis for choosing the default.") +
    (lossy.strategyErrors?.length
      ? ` Strategy runs that failed: ${lossy.strategyErrors.map(oneLine).join("; ")}.`
      : ""),
    "",
  ].join("\n");
}

/** Which result section each target is judged from (for staleness flags). */
const SECTION_OF: Record<string, string> = {
  "relay-cpu-floor": "lobby",
  "relay-cpu-peerjs": "lobby",
  "relay-p99-100": "lobby",
  "relay-p99-1000": "lobby",
  "idle-rss": "lobby",
  "connect-p50": "connect",
  "connect-p95": "connect",
  "input-p99": "input",
  "input-lost": "input",
  "input-packets": "input",
  "wire-bytes": "wire",
  "rollback-8": "rollback",
  "recovery-freeze": "recovery",
  "client-size": "size",
  "tick-netcode": "tick",
};

/**
 * Why a target is missed, in one line each (the closing note has the evidence): what the
 * investigations found, so a reader of the table does not have to guess.
 */
export const MISS_REASONS: Record<string, string> = {
  "idle-rss": "~620 B of heap per connection above the ws floor (the session object, the address " +
    "ticket, the registry's player and the hub's entry)",
  "input-p99":
    "the lossy p99 is one-way delay + the 2 ms resend + the page's timer lateness, and " +
    "rows of the same setting differ by up to 3 ms between connections of one run (see the " +
    "resend table)",
  "client-size": "webrtc-adapter and msgpackr (both required) are ~23 kB of it; duet's own code " +
    "alone is ~39 kB, which 30 kB would leave ~7 kB for (see the size section's shares and the " +
    "closing note)",
  "connect-p95": "a tail: on a loaded machine (see the load averages above) both paths' p95 grow " +
    "alike; 34 ms at load < 1 (67077f0)",
  "tick-netcode": "not GC (no GC in the slowest 1% of frames; 4.9-5.3 KB/tick now): the page's " +
    "main thread waits for a CPU about as long as it runs on 2 cores beside the browser's WebRTC " +
    "threads (the traced pass's wall vs on-CPU time shows how much), and the slowest frames " +
    "spend ~0.65 ms inside DataChannel send (closing note)",
};

/** Why a target has no verdict or missed it: the benchmark's error, or the known reason. */
export function whyNot(r: Results, x: Verdict): string {
  if (x.pass === true) return "";
  const section = SECTION_OF[x.id];
  const err = (r.errors as string[] | undefined)?.find((e) => e.startsWith(section));
  if (x.pass === null) {
    return err ? `did not run: ${oneLine(err).slice(0, 160)}` : "not run in this report";
  }
  if (x.id === "tick-netcode") return tickMissReason(r);
  if (x.id.startsWith("relay-")) return relayMissReason(r, x.id);
  if (x.id === "client-size") return sizeMissReason(r);
  return MISS_REASONS[x.id] ?? "";
}

/** Why the client entry is over 30 kB, from this run's shares (the full bundle minus one without). */
export function sizeMissReason(r: Results): string {
  const shares = (((r.size?.entries ?? []) as Results[]).find((e) => e.shares?.length)?.shares ??
    []) as { input: string; gzipBytes: number }[];
  const kb = (b: number) => fmt(b / 1000, 1);
  const own = shares.find((x) => x.input.startsWith("duet's own code"));
  const deps = shares.filter((x) => x !== own);
  if (!own || deps.length === 0) return MISS_REASONS["client-size"];
  const depBytes = deps.reduce((a, x) => a + x.gzipBytes, 0);
  return `${deps.map((x) => `${x.input} ${kb(x.gzipBytes)} kB`).join(", ")} (all required) ` +
    `are ${kb(depBytes)} kB of it; duet's own code alone is ${kb(own.gzipBytes)} kB, which 30 kB ` +
    `would leave ${kb(Math.max(0, 30_000 - depBytes))} kB for (the size section's shares)`;
}

/** Sections measured at another commit than the report's own (meta.commit). */
export function staleSections(r: Results): { section: string; commit: string }[] {
  const head = r.meta?.commit;
  const at = (r.meta?.sectionCommits ?? {}) as Record<string, string>;
  return Object.entries(at)
    .filter(([, c]) => head && c && c !== head)
    .map(([section, commit]) => ({ section, commit }));
}

function staleNote(r: Results, id: string): string {
  const c = r.meta?.sectionCommits?.[SECTION_OF[id]];
  return c && r.meta?.commit && c !== r.meta.commit ? ` (MEASURED AT ${c})` : "";
}

/**
 * Where duet's CPU per relayed message goes above the floor's, from bench/relay_cpu_profile.ts
 * (the `lobbyProfile` job): the coarse groups and the phases, duet beside the floor.
 */
export function relayProfileSection(r: Results): string {
  const P = r.lobbyProfile;
  if (!P) return "";
  const rows = (xs: Results[]) =>
    xs.map((x) => [x.phase, fmt(x.duet, 2), fmt(x.floor, 2), fmt(x.delta, 2)]);
  const head = ["phase", "duet µs/msg", "floor µs/msg", "duet - floor"];
  return [
    "### Where duet's CPU per relayed message goes, above the `ws` floor",
    "",
    `bench/relay_cpu_profile.ts, ${P.runs} run(s) of each at ${P.pairs} pairs, duet and the ` +
    "floor interleaved: each server in a child process under V8's CPU profiler (200 µs " +
    "sampling) for a window of a known number of relayed messages, its main thread's CPU time " +
    "over the window from schedstat; a phase's µs is its share of the samples x that CPU time / " +
    "the messages (medians over the runs). A phase is the nearest JavaScript frame (a builtin " +
    "counts for its caller; an inlined function for the one it is inlined into): duet's code by " +
    "function, `ws` and Deno's node layer by file. The young generation is emptied before the " +
    "window and holds it, so GC is not in it. The load is rounds (every pair's first client " +
    "sends at once, the other echoes), not the open loop of the table above, so the totals " +
    "differ from its figures; the difference between the two servers is what this splits. " +
    `Main thread: duet ${fmt(P.mainUs?.duet, 2)} µs/msg, floor ${fmt(P.mainUs?.floor, 2)}; ` +
    `all threads, unprofiled windows: duet ${fmt(P.allThreadsUs?.duet, 2)}, floor ${
      fmt(P.allThreadsUs?.floor, 2)
    }.`,
    "",
    mdTable(head, rows(P.groups ?? [])),
    "",
    mdTable(head, rows(P.phases ?? [])),
    "",
  ].join("\n");
}

/** duet's own functions above the floor in the profile: their sum and the largest, in words. */
export function profileWords(r: Results, top = 4): string {
  const P = r.lobbyProfile;
  if (!P) return "no relay profile in this report (`npm run bench -- --only lobbyProfile`)";
  const app = ((P.phases ?? []) as Results[]).filter((x) => String(x.phase).startsWith("app "));
  const own = app.reduce((a, x) => a + num(x.delta), 0);
  const group = (g: string) => ((P.groups ?? []) as Results[]).find((x) => x.phase === g);
  const largest = [...app].sort((a, b) => b.delta - a.delta).slice(0, top)
    .map((x) => `${String(x.phase).split(" ")[1]} ${fmt(x.delta, 2)}`).join(", ");
  return `the relay profile (below the relay table) puts duet's own code at ${
    fmt(own, 2)
  } µs of main-thread CPU per message above the floor's handler (${largest}), ` +
    `Deno's node layer at ${fmt(num(group("node-compat")?.delta), 2)} and \`ws\` at ${
      fmt(num(group("ws")?.delta), 2)
    } µs`;
}

/** The tail profile's rows on each core: the process under test's threads, others, idle. */
const TAIL_ORDER = ["main thread", "V8 GC helpers", "other threads", "other processes", "idle"];

/** A server's tail-profile row for one core and who ran there, if it has one. */
const tailRow = (s: Results, core: number, who: string): Results | undefined =>
  (s.rows ?? []).find((x: Results) => x.core === core && x.who === who);

/** The servers of the tail profile, in the order of the relay table. */
const TAIL_SERVERS = ["duet", "floor-ws", "peerjs"];

/**
 * What ran on each core while the slowest 1% of the 100-pair round trips were in flight, from
 * bench/relay_tail_profile.ts (the `lobbyTail` job), beside the same split over the whole window.
 */
export function relayTailSection(r: Results): string {
  const T = r.lobbyTail;
  if (!T) return "";
  const head = "### What the slowest 1% of round trips at 100 pairs waited on";
  if (T.error) return [head, "", `Not measured: ${oneLine(T.error)}.`, ""].join("\n");
  const servers = TAIL_SERVERS.map((k) => (T.servers ?? []).find((x: Results) => x.server === k))
    .filter(Boolean) as Results[];
  const keys: string[] = [];
  for (const s of servers) {
    for (const row of s.rows ?? []) {
      const k = `${row.core}\t${row.who}`;
      if (!keys.includes(k)) keys.push(k);
    }
  }
  const coreName = (c: number) => c === 0 ? "0 (server)" : c === 1 ? "1 (generator)" : String(c);
  const rank = (k: string) => {
    const who = k.split("\t")[1].replace(/^(server|generator) /, "");
    const i = TAIL_ORDER.indexOf(who);
    return Number(k.split("\t")[0]) * 100 + (i < 0 ? TAIL_ORDER.length : i);
  };
  const rows = keys.sort((a, b) => rank(a) - rank(b))
    .map((k) => {
      const [core, who] = k.split("\t");
      const cells = servers.flatMap((s) => {
        const x = tailRow(s, Number(core), who);
        return [fmt(x?.slowPct ?? 0), fmt(x?.allPct ?? 0)];
      });
      return [coreName(Number(core)), who, ...cells];
    });
  return [
    head,
    "",
    "bench/relay_tail_profile.ts: the 100-pair level of the table above (same load, servers and " +
    `pinning) for ${T.rounds} round(s) of each, with every CPU sampled by \`perf record -a\` ` +
    `(cpu-clock, ${fmt(servers[0]?.sampleHz, 0)} samples/s per core, every thread of every ` +
    "process) and each round trip's send time and RTT written by the generator. A slow window is " +
    "the time a round trip at or above its round's p99 was in flight (overlapping ones merged); " +
    "each cell is the share of that core's time inside the slow windows, then over the whole " +
    "measured windows. A share that rises in the slow windows is what the tail waited on. The " +
    "server's V8 GC helpers are its V8 platform threads (parallel scavenge, concurrent marking " +
    "and sweeping), which share the one core the server is pinned to with its main thread " +
    "(Node leaves its own unnamed, so PeerJS's are among its other threads). " +
    "Idle is what is left of a core's time (a tickless idle core takes no samples). perf's own " +
    "process is among the other processes.",
    "",
    mdTable(
      ["core", "who", ...servers.flatMap((s) => [`${s.server} slow %`, `${s.server} all %`])],
      rows,
    ),
    "",
    ...servers.map((s) =>
      `- ${s.server}: round p99s ${(s.p99ByRoundMs ?? []).join(", ")} ms; slow windows ${
        fmt(s.slowMs, 0)
      } ms of ${fmt(s.windowMs / 1000, 0)} s; other processes in them: ${
        (s.others ?? []).map((o: Results) => `${o.comm} ${fmt(o.ms, 1)} ms`).join(", ") || "none"
      }`
    ),
    "",
  ].join("\n");
}

/** The tail profile in words: each server's own core in its slow windows vs overall. */
export function tailWords(r: Results): string {
  const T = r.lobbyTail;
  if (!T?.servers?.length) {
    return T?.error
      ? `the tail profile did not run (${oneLine(T.error)})`
      : "no tail profile in this report (`npm run bench -- --only lobbyTail`)";
  }
  const pct = (s: Results, core: number, who: string, k: "slowPct" | "allPct") =>
    fmt(tailRow(s, core, who)?.[k] ?? 0, 0);
  const busy = (s: Results, k: "slowPct" | "allPct") =>
    fmt(
      100 - (tailRow(s, 1, "idle")?.[k] ?? 100),
      0,
    );
  const one = (s: Results) =>
    `${s.server} main thread ${pct(s, 0, "server main thread", "slowPct")}% (${
      pct(s, 0, "server main thread", "allPct")
    }% overall), its V8 GC helpers ${pct(s, 0, "server V8 GC helpers", "slowPct")}% (${
      pct(s, 0, "server V8 GC helpers", "allPct")
    }%), other processes ${pct(s, 0, "other processes", "slowPct")}% (${
      pct(s, 0, "other processes", "allPct")
    }%), idle ${pct(s, 0, "idle", "slowPct")}% (${pct(s, 0, "idle", "allPct")}%), and the ` +
    `generator's core was busy ${busy(s, "slowPct")}% (${busy(s, "allPct")}%)`;
  const of = (k: string) => T.servers.find((s: Results) => s.server === k);
  const duet = of("duet"), floor = of("floor-ws");
  const mainSlow = (s: Results) =>
    num(
      tailRow(s, 0, "server main thread")?.slowPct,
    );
  const d = duet && floor ? mainSlow(duet) - mainSlow(floor) : NaN;
  const versus = Number.isFinite(d)
    ? `; duet's main thread held ${fmt(Math.abs(d), 1)} points ${
      d >= 0 ? "more" : "less"
    } of its slow windows than the floor's`
    : "";
  return `in the slowest 1% of round trips (the tail profile below the relay table) the server's ` +
    `core ran: ${TAIL_SERVERS.map(of).filter(Boolean).map(one).join("; ")}${versus}`;
}

/** Why a relay target is missed, from this run's figures and its profile. */
export function relayMissReason(r: Results, id: string): string {
  const floor = floorKind(r);
  const cpu = (k: string) => num(relayAt(r, k, 1000)?.serverCpuUsPerMsg);
  if (id === "relay-cpu-floor") {
    return `duet checks each frame's structure on its bytes, finds the peer's route and writes ` +
      `an envelope around the client's data; the floor forwards the frame unchecked: ` +
      profileWords(r);
  }
  if (id === "relay-cpu-peerjs") {
    const ratio = cpu(floor) / cpu("peerjs");
    return `the ${floor} relay, which does nothing but forward, is itself ${
      fmt(ratio, 2)
    }x PeerJS in this run, so 0.9x PeerJS needs duet at or under ${
      fmt(0.9 / ratio, 2)
    }x its floor; ${profileWords(r)}`;
  }
  const pairs = id === "relay-p99-100" ? 100 : 1000;
  const spread = (k: string) => roundSpread(relayAt(r, k, pairs)?.rttP99ByRoundMs);
  const rounds = relayAt(r, "duet", pairs)?.rttP99ByRoundMs?.length ?? 0;
  const spreads = `the p99 of each of the ${rounds} rounds: duet ${spread("duet")}, PeerJS ${
    spread("peerjs")
  }, ${floor} ${spread(floor)} ms`;
  if (pairs === 100) {
    return `${spreads}. The rounds of one server spread as far as the servers differ; ` +
      tailWords(r);
  }
  return `${spreads}; at this level the servers use 80-95% of their core and the generator most ` +
    `of the other, so the tail is queueing behind each server's own CPU per message ` +
    `(duet ${fmt(cpu("duet") / cpu(floor), 2)}x the floor's here)`;
}

/** The Redis mode beside one in-memory lobby: pairing, RTT and CPU per message. */
function redisSection(r: Results): string {
  const L = r.lobby;
  if (!L?.["duet-redis"]) return "";
  const R = L["duet-redis"];
  const rows: (string | number)[][] = [];
  for (const [k, label] of [["duet", "1 lobby, memory"], ["duet-redis", "2 lobbies + Redis"]]) {
    const x = L[k];
    if (!x) continue;
    rows.push([
      label,
      "pairing",
      fmt(x.pairingMs?.p50, 2),
      fmt(x.pairingMs?.p99, 2),
      "",
      x.pairingMs?.n ?? 0,
    ]);
    for (const row of (x.relay ?? []) as Results[]) {
      if (k === "duet" && !(R.relay ?? []).some((y: Results) => y.pairs === row.pairs)) continue;
      rows.push([
        label,
        `relay ${row.pairs} pairs`,
        fmt(row.rttMs?.p50, 2),
        fmt(row.rttMs?.p99, 2),
        fmt(row.serverCpuUsPerMsg, 2),
        row.rttMs?.n ?? 0,
      ]);
    }
  }
  return [
    "### Redis mode: two lobby processes sharing one Redis",
    "",
    "Every pair spans the two processes (A on the first lobby, B on the second), so each relayed " +
    "message goes lobby -> Redis (one Lua script appending to the other process's inbox stream) " +
    "-> the other lobby. CPU per message is the sum over both lobbies and redis-server, all three " +
    "pinned to the same core as the in-memory lobby; pairing is the second join (on the other " +
    "process) to both `paired`.",
    "",
    R.error ? `**duet-redis failed:** ${oneLine(R.error)}\n` : "",
    mdTable(["lobby", "what", "p50 ms", "p99 ms", "server CPU µs/msg", "n"], rows),
    "",
  ].join("\n");
}

/** The whole markdown report; `figures` maps a chart key to its file name beside the report. */
export function markdown(r: Results, figures: Record<string, string>): string {
  const m = r.meta ?? {};
  const v = verdicts(r);
  const fig = (key: string, caption: string) =>
    figures[key] ? `\n![${caption}](${figures[key]})\n\n*${caption}*\n` : "";
  const parts: string[] = [];
  parts.push(
    `# duet benchmarks${m.quick ? " (QUICK SMOKE RUN: small counts, not for quoting)" : ""}`,
    "",
    `Run ${m.date ?? "?"} on ${m.cpuModel ?? "?"} (${m.cpus ?? "?"} CPUs), Linux ${
      m.kernel ?? "?"
    }, Deno ${m.deno ?? "?"}, Node ${m.node ?? "?"}, Chromium ${m.chromium ?? "?"}; commit ${
      m.commit ?? "?"
    }; ${fmt(m.durationS, 0)} s in all. Load average at the start: ${m.loadAvg ?? "?"}.`,
    "All traffic is on loopback. Medians and ratios below come from this one run.",
    m.loadAvgPerBenchmark
      ? `1-minute load average before -> after each benchmark (${m.cpus ?? "?"} CPUs; well above ` +
        `the CPU count means other work competed and tails are inflated): ${
          Object.entries(m.loadAvgPerBenchmark).map(([k, x]) => `${k} ${x}`).join(", ")
        }.`
      : "",
    "",
    "## Targets (issues 6 and 15)",
    "",
    mdTable(
      ["target", "figure", "verdict", "why (if not met)"],
      v.map((x) => [x.target, x.figure + staleNote(r, x.id), mark(x), whyNot(r, x)]),
    ),
    "",
  );
  const stale = staleSections(r);
  if (stale.length) {
    parts.push(
      `**Figures from an older commit than this report's (${m.commit ?? "?"}):** ` +
        stale.map((x) => `${x.section} at ${x.commit}`).join(", ") +
        ". Rerun them (`npm run bench -- --only NAME`) before quoting.",
      "",
    );
  }
  const misses = v.filter((x) => x.pass === false);
  const unmeasured = v.filter((x) => x.pass === null);
  if (misses.length || unmeasured.length) {
    parts.push(
      "Missed or not measured: " +
        [...misses, ...unmeasured].map((x) => `\`${x.id}\``).join(", ") +
        ". See the closing note.",
      "",
    );
  }

  const L = r.lobby;
  if (L) {
    parts.push(
      "## 1. Lobby server vs PeerJS server and the bare relays (the floor)",
      "",
      L.conditions ?? "",
      "",
      mdTable(
        ["server", "what runs"],
        SERVER_KINDS.filter((s) => L[s]).map((s) => [s, L[s]?.command ?? ""]),
      ),
      "",
      `duet's lobby runs on the ${L.duetStack ?? "?"} stack; its floor is \`${floorKind(r)}\`.` +
        (L.elapsedS ? ` The benchmark took ${L.elapsedS} s.` : ""),
      "",
      L.skipped?.length
        ? `**Skipped (the benchmark's ${
          num(L.config?.budgetMs) / 1000
        } s time budget was spent, a slow or busy machine):** ${L.skipped.join(", ")}.\n`
        : "",
      SERVER_KINDS.filter((s) => L[s]?.error).map((s) =>
        `**${s} failed:** ${oneLine(L[s].error)}\n`
      )
        .join("\n"),
      "### Idle connections",
      "",
      mdTable(
        ["server", "target", "held", "failed", "server RSS KiB", "KiB per idle connection"],
        SERVER_KINDS.flatMap((s) =>
          ((L[s]?.idle ?? []) as Results[]).map((x) => [
            s,
            x.target,
            x.held,
            x.failed,
            x.rssKiB,
            fmt(x.rssKiBPerConn, 2),
          ])
        ),
      ),
      "",
      "### Relay of ~100-byte messages between pairs",
      "",
      mdTable(
        [
          "server",
          "pairs",
          "msg/s",
          "server CPU µs/msg",
          "server CPU",
          "generator CPU",
          "RTT p50 ms",
          "RTT p99 ms",
          "p99 of each round ms",
          "RTT max ms",
          "unanswered",
          "error replies",
          "setup error",
        ],
        relayRows(r),
      ),
      "",
      `Pairing latency (second join to both \`paired\`, one pair at a time): duet in memory p50 ${
        fmt(L.duet?.pairingMs?.p50, 2)
      } ms, p99 ${fmt(L.duet?.pairingMs?.p99, 2)} ms over ${L.duet?.pairingMs?.n ?? 0} pairs.`,
      "",
      relayProfileSection(r),
      relayTailSection(r),
      redisSection(r),
      fig(
        "relay",
        "Relay round-trip time CDF (log scale), duet vs the bare relays and PeerJS, 100 and 1000 pairs",
      ),
    );
  }
  // A run of the profile alone (--only lobbyProfile) into a report with no lobby section.
  if (!L && r.lobbyProfile) parts.push(relayProfileSection(r));
  if (!L && r.lobbyTail) parts.push(relayTailSection(r));
  const C = r.connect;
  if (C) {
    parts.push(
      "## 2. Connect time: duet vs bare RTCPeerConnection",
      "",
      C.conditions ?? "",
      "",
      mdTable(["path", "n", "p50 ms", "p95 ms", "max ms"], [
        ["duet", C.duet?.n, fmt(C.duet?.p50), fmt(C.duet?.p95), fmt(C.duet?.max)],
        ["bare", C.bare?.n, fmt(C.bare?.p50), fmt(C.bare?.p95), fmt(C.bare?.max)],
      ]),
      "",
      `duet p50 / bare p50 = ${fmt(C.p50Ratio, 2)}.` +
        (C.errors?.length ? ` Errors: ${C.errors.slice(0, 3).map(oneLine).join("; ")}` : ""),
      fig("connect", "Connect time CDF, duet vs bare pair"),
    );
  }
  const I = r.input;
  if (I) {
    parts.push(
      "## 3. Input latency under real packet loss",
      "",
      I.conditionsText ?? "",
      "",
      mdTable(
        [
          "network",
          "how",
          "way",
          "frames",
          "p50 ms",
          "p99 ms",
          "max ms",
          "lost to game",
          "stalls (frames)",
          "measured UDP loss",
          "page timer late p50/max ms",
        ],
        ((I.runs ?? []) as Results[]).flatMap((run) =>
          ["duet", "reliable"].map((k) => [
            `${run.delayMs} ms + ${run.lossPct}%`,
            run.sandbox?.method ?? "?",
            k === "duet" ? "duet: unreliable + redundancy" : "reliable ordered, 1 frame/msg",
            run[k]?.framesSent ?? "n/a",
            fmt(run[k]?.latencyMs?.p50, 2),
            fmt(run[k]?.latencyMs?.p99, 2),
            fmt(run[k]?.latencyMs?.max, 2),
            run[k]?.framesLost ?? "n/a",
            `${run[k]?.stalls ?? "n/a"} (${run[k]?.stalledFrames ?? "n/a"})`,
            `${fmt(run.measuredUdpLossPct, 2)}%`,
            `${fmt(run.pageTimerLateMsP50, 1)}/${fmt(run.pageTimerLateMsMax, 1)}`,
          ])
        ),
      ),
      "",
      ((I.runs ?? []) as Results[]).map((x) =>
        `- ${x.delayMs} ms + ${x.lossPct}%: ${x.sandbox?.description ?? ""}` +
        (x.error ? ` — ERROR ${oneLine(x.error)}` : "")
      ).join("\n"),
      fig("input", "Input delivery latency CDF, duet vs reliable ordered channel"),
    );
  }
  if (I) parts.push(strategySection(r));
  const S = r.size;
  if (S) {
    parts.push(
      "## Client size",
      "",
      S.conditions ?? "",
      "",
      mdTable(
        ["entry", "minified B", "gzip B", "largest inputs (minified B)"],
        ((S.entries ?? []) as Results[]).map((e) => [
          e.label,
          e.minifiedBytes ?? "n/a",
          e.gzipBytes ?? "n/a",
          e.error
            ? `not measured: ${oneLine(e.error)}`
            : ((e.top ?? []) as Results[]).map((t) => `${t.input} ${t.bytes}`).join(", "),
        ]),
      ),
      "",
    );
    const shares = ((S.entries ?? []) as Results[]).find((e) => e.shares?.length)?.shares as
      | Results[]
      | undefined;
    if (shares) {
      parts.push(
        "Where the client entry's gzip bytes go (the full bundle minus one built without that " +
          "dependency; webrtc-adapter takes `sdp` with it): " +
          shares.map((x) => `${x.input} ${fmt(num(x.gzipBytes) / 1000, 1)} kB`).join(", ") + ".",
        "",
      );
    }
  }
  const T = r.tick;
  if (T) {
    parts.push(
      "## Tick budget in Chromium",
      "",
      T.conditions ?? "",
      "",
      mdTable(
        [
          "rollback",
          "sim delay ms",
          "input delay",
          "frames",
          "netcode p50 ms",
          "p99 ms",
          "max ms",
          "rollback depth mean/max",
          "rollbacks/s",
          "stalls",
          "example frame p50/p99 ms",
          "rendering p50 ms (frame - netcode)",
        ],
        ((T.rows ?? []) as Results[]).map((x) => [
          `${x.rollbackFrames} frames`,
          x.delayMs,
          x.inputDelay,
          x.frames,
          fmt(x.netcodeMs?.p50, 3),
          fmt(x.netcodeMs?.p99, 3),
          fmt(x.netcodeMs?.max, 3),
          `${fmt(x.meanRollbackDepth, 2)}/${x.maxRollbackDepth ?? "n/a"}`,
          fmt(x.rollbacksPerS, 1),
          x.stalls ?? "n/a",
          `${fmt(x.frameMs?.p50, 2)}/${fmt(x.frameMs?.p99, 2)}`,
          fmt(x.renderMsP50, 2),
        ]),
      ),
      "",
      tracedTable((T.rows ?? []) as Results[]),
      T.errors?.length ? `Errors: ${T.errors.map(oneLine).join("; ")}\n` : "",
    );
  }
  const W = r.wire;
  if (W) {
    parts.push(
      "## 4. Wire format",
      "",
      W.conditions ?? "",
      "",
      mdTable(
        [
          "frames",
          "msgpack B",
          "msgpack B (frames >= 2^24)",
          "JSON B",
          "msgpack µs enc+dec",
          "JSON µs enc+dec",
        ],
        ((W.packets ?? []) as Results[]).map((p) => [
          p.frames,
          p.msgpackBytes,
          p.msgpackBytesWorstFrameNumbers,
          p.jsonBytes,
          fmt(p.msgpackEncodeDecodeUs, 3),
          fmt(p.jsonEncodeDecodeUs, 3),
        ]),
      ),
      "",
      `Per-packet overhead below the DataChannel message (estimate, stated not sniffed): ${
        Object.entries(W.overheadBytes ?? {}).map(([k, n]) => `${k} ${n}`).join(", ")
      } = ${fmt(W.overheadPerPacket, 0)} bytes, plus SCTP padding to 4 bytes.`,
      "",
      mdTable(
        [
          "link (simulated)",
          "input packets/s",
          "mean input packet B",
          "payload B/s",
          "on-wire B/s",
          "kbit/s",
        ],
        ((W.perDirection ?? []) as Results[]).map((p) => [
          p.conditions,
          p.inputPacketsPerS,
          p.meanInputPacketBytes,
          p.payloadBytesPerS,
          p.wireBytesPerS,
          p.wireKbitPerS,
        ]),
      ),
      "",
      "Per direction, including the transport's pings and pongs (4/s each way).",
      "",
    );
  }
  const R = r.rollback;
  if (R) {
    parts.push(
      "## 5. Rollback cost",
      "",
      R.conditions ?? "",
      "",
      mdTable(
        ["runtime", "depth", "mean depth", "p50 µs/tick", "p99 µs/tick", "max µs/tick"],
        ((R.rows ?? []) as Results[]).map((x) => [
          x.runtime,
          x.depth,
          fmt(x.meanDepth, 2),
          fmt(x.usPerTick?.p50, 2),
          fmt(x.usPerTick?.p99, 2),
          fmt(x.usPerTick?.max, 2),
        ]),
      ),
      "",
      R.errors?.length ? `Errors: ${R.errors.map(oneLine).join("; ")}\n` : "",
    );
  }
  const V = r.recovery;
  if (V) {
    parts.push(
      "## 6. Recovery after a hitch (time sync)",
      "",
      V.conditions ?? "",
      "",
      mdTable(
        ["hitch", "seed", "s to |skew| <= 1", "rollbacks in 5 s", "mean depth", "steady/s"],
        ((V.rows ?? []) as Results[]).map((x) => [
          `${x.kind} ${x.hitchMs} ms`,
          x.seed,
          fmt(x.secondsToSync, 3),
          x.rollbacks,
          fmt(x.meanDepth, 2),
          fmt(x.steadyRollbacksPerSecond, 2),
        ]),
      ),
      "",
    );
  }
  const U = r.resume;
  if (U) {
    parts.push(
      "## 7. Resume after an outage and after a reload (issue 13)",
      "",
      U.conditions ?? "",
      "",
      mdTable(
        ["case", "resumed", "p50 ms", "p95 ms", "max ms", "checksums"],
        ((U.cases ?? []) as Results[]).map((x) => [
          x.kind,
          `${x.tries - x.failed}/${x.tries}`,
          fmt(x.ms?.p50, 0),
          fmt(x.ms?.p95, 0),
          fmt(x.ms?.max, 0),
          x.inSync === null ? "n/a" : x.inSync ? "agree" : "differ",
        ]),
      ),
      "",
      U.errors?.length ? `Errors: ${U.errors.map(oneLine).join("; ")}\n` : "",
    );
  }
  const spect = r.spectators;
  if (spect) {
    parts.push(
      "## 8. Spectators cost the players nothing (issue 12)",
      "",
      spect.conditions ?? "",
      "",
      mdTable(
        [
          "condition",
          "tick p50 ms",
          "tick p99 ms",
          "input rtt p50 ms",
          "input rtt p99 ms",
          "batches",
          "spectators got",
          "stalls",
        ],
        ((spect.rows ?? []) as Results[]).map((x) => [
          x.label,
          fmt(x.tickMs?.p50, 3),
          fmt(x.tickMs?.p99, 3),
          fmt(x.rttMs?.p50, 2),
          fmt(x.rttMs?.p99, 2),
          x.batches,
          x.spectatorFramesMin === null
            ? "–"
            : `${x.spectatorFramesMin} of ${x.confirmedFrame + 1} frames`,
          x.stalls,
        ]),
      ),
      "",
      spect.errors?.length ? `Errors: ${spect.errors.map(oneLine).join("; ")}\n` : "",
    );
  }
  parts.push("## Closing note", "", r.note ?? "(none)", "");
  if (r.errors?.length) parts.push("Benchmark errors: " + r.errors.map(oneLine).join("; "), "");
  return parts.join("\n");
}
