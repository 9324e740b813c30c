import assert from "node:assert/strict";
import { createManualClock } from "./clock.ts";
import type { ConnectionPath } from "./connection_path.ts";
import { changedPath, PATH_POLL_MS, SelectedPath, type StatsSource } from "./selected_path.ts";

/** A report with one selected pair between candidates of the given types. */
function report(local: string, remote: string, selected = true): Record<string, unknown>[] {
  return [
    { id: "t", type: "transport", selectedCandidatePairId: selected ? "p" : undefined },
    { id: "p", type: "candidate-pair", localCandidateId: "l", remoteCandidateId: "r" },
    {
      id: "l",
      type: "local-candidate",
      candidateType: local,
      address: "10.0.0.1",
      port: 1,
      protocol: "udp",
    },
    {
      id: "r",
      type: "remote-candidate",
      candidateType: remote,
      address: "10.0.0.2",
      port: 2,
      protocol: "udp",
    },
  ];
}

Deno.test("changedPath reports the first selected pair, then only a different one", () => {
  const first = changedPath(null, report("host", "srflx"));
  assert.equal(first?.kind, "direct");
  assert.equal(first?.local, "host");
  assert.equal(first?.remote, "srflx");
  assert.equal(changedPath(first, report("host", "srflx")), null);
  const relayed = changedPath(first, report("relay", "srflx"));
  assert.equal(relayed?.kind, "relay");
});

Deno.test("changedPath keeps a known path while no pair is selected, and ignores junk", () => {
  const known = changedPath(null, report("host", "host"));
  assert.ok(known);
  assert.equal(changedPath(known, report("host", "host", false)), null);
  assert.equal(changedPath(null, [{ type: "candidate-pair" }, { id: 3 }, {}]), null);
});

/** A stats source whose reads the test answers by hand. */
function source() {
  const pending: ((r: Record<string, unknown>[]) => void)[] = [];
  const ice = new EventTarget();
  const pc: StatsSource & { reads: number } = {
    reads: 0,
    getStats() {
      pc.reads++;
      return new Promise((resolve) => pending.push((r) => resolve({ values: () => r })));
    },
    sctp: { transport: { iceTransport: ice } },
  };
  return { pc, ice, answer: (r: Record<string, unknown>[]) => pending.shift()!(r) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("SelectedPath reads one at a time, polls, follows pair changes and stops at the end", async () => {
  const clock = createManualClock();
  const { pc, ice, answer } = source();
  let over = false;
  const seen: ConnectionPath[] = [];
  const sp = new SelectedPath(pc, clock, () => over, (p) => seen.push(p));

  sp.watch();
  sp.watch(); // a second watch neither reads nor arms a second poll
  sp.read(); // a read is in flight: no second getStats()
  assert.equal(pc.reads, 1);
  answer(report("host", "host"));
  await tick();
  assert.equal(sp.path?.local, "host");
  assert.equal(seen.length, 1);

  clock.advance(PATH_POLL_MS);
  assert.equal(pc.reads, 2);
  answer(report("host", "host"));
  await tick();
  assert.equal(seen.length, 1, "an unchanged path is not announced again");

  ice.dispatchEvent(new Event("selectedcandidatepairchange"));
  assert.equal(pc.reads, 3);
  answer(report("relay", "host"));
  await tick();
  assert.deepEqual(seen.map((p) => p.kind), ["direct", "relay"]);

  sp.stop();
  clock.advance(PATH_POLL_MS * 3);
  ice.dispatchEvent(new Event("selectedcandidatepairchange"));
  assert.equal(pc.reads, 3, "no polling or listening after stop");
  assert.equal(sp.path?.kind, "relay", "the last path stays readable");

  // A read that lands after the end is dropped.
  over = false;
  sp.read();
  over = true;
  answer(report("srflx", "srflx"));
  await tick();
  assert.equal(sp.path?.kind, "relay");
  assert.equal(seen.length, 2);
});

Deno.test("SelectedPath survives a failing getStats and a connection without one", async () => {
  const clock = createManualClock();
  let calls = 0;
  const failing: StatsSource = {
    getStats: () => {
      calls++;
      return Promise.reject(new Error("closed"));
    },
  };
  const sp = new SelectedPath(failing, clock, () => false, () => assert.fail("no path"));
  sp.read();
  await tick();
  sp.read(); // the failed read released the guard
  await tick();
  assert.equal(calls, 2);
  assert.equal(sp.path, null);

  const none = new SelectedPath({}, clock, () => false, () => assert.fail("no path"));
  none.watch();
  clock.advance(PATH_POLL_MS * 2);
  assert.equal(none.path, null);
  none.stop();
});
