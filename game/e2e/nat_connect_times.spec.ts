// A measurement, not a test (skipped unless DUET_MEASURE=1): connect time, from `paired` to both
// channels open, per network path in the NAT lab, with the path each try ended up on. Two
// Chromiums, the network test page (harness.html), a fresh page pair per try. Prints a Markdown
// table and writes it as JSON to the test's output directory. The README's operations section
// quotes it. Run (root):
//   npm run build && DUET_MEASURE=1 unshare -n sh -c 'ip link set lo up && exec npx playwright test game/e2e/nat_connect_times.spec.ts'
import { test } from "@playwright/test";
import { writeFileSync } from "node:fs";
import process from "node:process";
import { createNetLab, labUnavailable, type NatKind } from "./net_lab.ts";
import { startLabCoturn, startLabLobby } from "./lab_services.ts";
import { type LabPage, launchLabChromium } from "./lab_browsers.ts";
import type { LabPlace } from "./net_lab.ts";

const TRIES = Number(process.env.DUET_MEASURE_TRIES ?? 10);

interface Case {
  name: string;
  nats: [NatKind, NatKind];
  places: [LabPlace, LabPlace];
  lobby: "turn" | "stun" | "none";
  query: string;
  /** Fewer tries where every try waits out the 10 s connect timeout. */
  tries?: number;
}

const both = (kind: NatKind): [NatKind, NatKind] => [kind, kind];

const row = (
  name: string,
  nats: [NatKind, NatKind],
  lobby: Case["lobby"],
  query: string,
  tries?: number,
  places: [LabPlace, LabPlace] = ["home1", "home2"],
): Case => ({ name, nats, places, lobby, query, tries });

const CASES: Case[] = [
  row("same network (host)", both("eim"), "turn", "", undefined, ["wan", "wan"]),
  row("2 EIM NATs (srflx)", both("eim"), "turn", ""),
  row("EIM + symmetric, TURN", ["eim", "symmetric"], "turn", ""),
  row("2 symmetric, TURN", both("symmetric"), "turn", ""),
  row("2 symmetric, relay only", both("symmetric"), "turn", "&relay"),
  row("2 EIM NATs, STUN only", both("eim"), "stun", ""),
  // Fewer tries where every try waits out the 10 s connect timeout.
  row("EIM + symmetric, STUN only", ["eim", "symmetric"], "stun", "", 3),
  row("2 symmetric, STUN only", both("symmetric"), "stun", "", 3),
  row("2 EIM NATs, no STUN or TURN", both("eim"), "none", "", 3),
];

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

// Playwright requires the fixtures argument to be an object pattern, even an empty one.
// deno-lint-ignore no-empty-pattern
test("connect time per network path in the NAT lab", async ({}, testInfo) => {
  test.skip(!process.env.DUET_MEASURE, "a measurement: DUET_MEASURE=1 runs it");
  const why = labUnavailable();
  test.skip(why !== null, why ?? "");
  test.setTimeout(30 * 60_000);
  const lab = createNetLab();
  const turn = await startLabCoturn(lab);
  const lobbies = {
    turn: await startLabLobby(lab, 8000, {
      ICE_STUN_URLS: turn.stunUrl,
      TURN_URLS: turn.turnUrls,
      TURN_SECRET: turn.secret,
    }),
    stun: await startLabLobby(lab, 8001, { ICE_STUN_URLS: turn.stunUrl }),
    none: await startLabLobby(lab, 8002, {}),
  };
  const origins = [lobbies.turn.http, lobbies.stun.http, lobbies.none.http];
  const only = process.env.DUET_MEASURE_CASES?.split(",");
  const rows: Record<string, unknown>[] = [];
  try {
    for (const c of CASES) {
      if (only && !only.some((o) => c.name.includes(o))) continue;
      const tries = c.tries ?? TRIES;
      lab.setNats(c.nats);
      const pages: LabPage[] = await Promise.all(
        c.places.map((p) => launchLabChromium(lab, p, origins)),
      );
      const times: number[] = [];
      const paths = new Map<string, number>();
      let failures = 0;
      let error = "";
      for (let i = 0; i < tries; i++) {
        const url = `${lobbies[c.lobby].http}/e2e/harness.html?name=T${i}${c.query}`;
        await Promise.all(pages.map((p) => p.goto(url)));
        const results = await Promise.allSettled(
          pages.map((p) => p.evaluate(() => globalThis.harness.connect(), null)),
        );
        const ok = results.every((r) => r.status === "fulfilled");
        if (!ok) {
          failures++;
          const r = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
          error = String(r.reason).slice(0, 200);
          continue;
        }
        // The slower side decides when the match can start.
        const opens = results.map((r) =>
          (r as PromiseFulfilledResult<{ timings: { open: number } }>).value.timings.open
        );
        times.push(Math.max(...opens));
        // The path is read a moment after open.
        await new Promise((r) => setTimeout(r, 300));
        const path = await pages[0].evaluate(() => globalThis.harness.snapshot().path, null);
        const key = path ? `${path.kind} ${path.local}→${path.remote}` : "unknown";
        paths.set(key, (paths.get(key) ?? 0) + 1);
      }
      await Promise.all(pages.map((p) => p.close()));
      rows.push({
        case: c.name,
        tries,
        connected: times.length,
        p50: Math.round(quantile(times, 0.5)),
        p90: Math.round(quantile(times, 0.9)),
        max: times.length ? Math.round(Math.max(...times)) : NaN,
        paths: Object.fromEntries(paths),
        error: failures ? error : undefined,
      });
      console.log(JSON.stringify(rows.at(-1)));
    }
  } finally {
    await Promise.all([...Object.values(lobbies).map((l) => l.stop()), turn.stop()]);
    lab.destroy();
  }
  const table = [
    "| network | connected | p50 ms | p90 ms | max ms | path (player 1's view) or error |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.case} | ${r.connected}/${r.tries} | ${r.p50} | ${r.p90} | ${r.max} | ${
        Object.entries(r.paths as Record<string, number>).map(([k, n]) => `${k} ×${n}`).join(", ")
      }${r.error ? ` ${r.error}` : ""} |`
    ),
  ].join("\n");
  console.log(table);
  writeFileSync(testInfo.outputPath("nat_connect_times.json"), JSON.stringify(rows, null, 2));
});
