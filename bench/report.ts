// The benchmark report: issue 6's targets judged against the figures, the console table and the
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

/** Judges every target of issue 6. */
export function verdicts(r: Results): Verdict[] {
  const out: Verdict[] = [];
  const d1k = relayAt(r, "duet", 1000), p1k = relayAt(r, "peerjs", 1000);
  const dCpu = num(d1k?.serverCpuUsPerMsg), pCpu = num(p1k?.serverCpuUsPerMsg);
  out.push({
    id: "relay-cpu",
    target: "relay: server CPU per relayed message <= 0.8x PeerJS's (1000 pairs)",
    figure: `duet ${fmt(dCpu, 2)} µs vs PeerJS ${fmt(pCpu, 2)} µs = ${fmt(dCpu / pCpu, 2)}x`,
    pass: judge(dCpu <= 0.8 * pCpu, dCpu, pCpu),
  });
  const dP99 = num(d1k?.rttMs?.p99), pP99 = num(p1k?.rttMs?.p99);
  out.push({
    id: "relay-p99",
    target: "relay: RTT p99 at 1000 pairs no worse than PeerJS's",
    figure: `duet ${fmt(dP99, 2)} ms vs PeerJS ${fmt(pP99, 2)} ms`,
    pass: judge(dP99 <= pP99, dP99, pP99),
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
  const delay = num(r.input?.impaired?.delayMs);
  const limit = delay + 1000 / 60;
  const iP99 = num(lossy?.latencyMs?.p99);
  const impaired = r.input?.impaired?.realImpairment === true;
  out.push({
    id: "input-p99",
    target: "input at 20 ms + 5% loss: duet p99 <= one-way delay + one frame (~37 ms)",
    figure: `duet p99 ${fmt(iP99)} ms (limit ${fmt(limit)} ms); reliable ordered p99 ${
      fmt(num(rel?.latencyMs?.p99))
    } ms${impaired ? "" : " — NO REAL IMPAIRMENT in this run"}`,
    pass: impaired ? judge(iP99 <= limit, iP99, limit) : null,
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
  return out;
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

/** Rows of the relay table (both servers, every level). */
function relayRows(r: Results): (string | number)[][] {
  const rows: (string | number)[][] = [];
  for (const s of ["duet", "peerjs"]) {
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
        fmt(x.rttMs?.max, 2),
        x.lostOrLate ?? "n/a",
        x.serverErrors ?? "n/a",
        oneLine(x.firstError),
      ]);
    }
  }
  return rows;
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
    "## Targets (issue 6)",
    "",
    mdTable(["target", "figure", "verdict"], v.map((x) => [x.target, x.figure, mark(x)])),
    "",
  );
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
      "## 1. Lobby server vs PeerJS server",
      "",
      L.conditions ?? "",
      "",
      ["duet", "peerjs"].filter((s) => L[s]?.error).map((s) =>
        `**${s} failed:** ${oneLine(L[s].error)}\n`
      )
        .join("\n"),
      "### Idle connections",
      "",
      mdTable(
        ["server", "target", "held", "failed", "server RSS KiB", "KiB per idle connection"],
        ["duet", "peerjs"].flatMap((s) =>
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
          "RTT max ms",
          "unanswered",
          "error replies",
          "setup error",
        ],
        relayRows(r),
      ),
      "",
      `Pairing latency (duet, second join to both \`paired\`, one pair at a time): p50 ${
        fmt(L.duet?.pairingMs?.p50, 2)
      } ms, p99 ${fmt(L.duet?.pairingMs?.p99, 2)} ms over ${L.duet?.pairingMs?.n ?? 0} pairs.`,
      fig("relay", "Relay round-trip time CDF (log scale), duet vs PeerJS, 100 and 1000 pairs"),
    );
  }
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
  parts.push("## Closing note", "", r.note ?? "(none)", "");
  if (r.errors?.length) parts.push("Benchmark errors: " + r.errors.map(oneLine).join("; "), "");
  return parts.join("\n");
}
