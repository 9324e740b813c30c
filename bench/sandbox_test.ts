import assert from "node:assert/strict";
import { chooseSandbox, netimpairCandidates, netimpairPath } from "./sandbox.ts";

const cmd = ["deno", "run", "x.ts"];
const machine = (o: Partial<Parameters<typeof chooseSandbox>[2]>) => ({
  root: true,
  unshare: true,
  netimpair: null,
  netem: () => false,
  ...o,
});

Deno.test("netimpair is preferred and gets the delay and loss", () => {
  const s = chooseSandbox(cmd, { delayMs: 20, lossPct: 5 }, machine({ netimpair: "/t/netimpair" }));
  assert.equal(s.method, "netimpair");
  assert.ok(s.impaired);
  assert.deepEqual(s.argv, ["/t/netimpair", "--delay", "20", "--loss", "5", "--", ...cmd]);
  assert.match(s.description, /20 ms one-way delay, 5% loss/);
});

Deno.test("tc netem is the fallback when the kernel has it", () => {
  const s = chooseSandbox(cmd, { delayMs: 20, lossPct: 5 }, machine({ netem: () => true }));
  assert.equal(s.method, "tc-netem");
  assert.ok(s.argv.join(" ").includes("netem delay 20ms loss 5%"));
  assert.deepEqual(s.argv.slice(-3), cmd);
});

Deno.test("without any impairment tool the report says so instead of pretending", () => {
  const s = chooseSandbox(cmd, { delayMs: 20, lossPct: 5 }, machine({}));
  assert.equal(s.method, "unshare");
  assert.equal(s.impaired, false);
  assert.match(s.description, /REAL IMPAIRMENT UNAVAILABLE/);
  const none = chooseSandbox(cmd, { delayMs: 20, lossPct: 5 }, machine({ root: false }));
  assert.equal(none.method, "none");
  assert.deepEqual(none.argv, cmd);
  assert.match(none.description, /REAL IMPAIRMENT UNAVAILABLE/);
});

Deno.test("no impairment wanted: a plain loopback namespace, or the host network", () => {
  const s = chooseSandbox(cmd, null, machine({ netimpair: "/t/netimpair" }));
  assert.equal(s.method, "unshare");
  assert.ok(s.impaired);
  assert.equal(chooseSandbox(cmd, null, machine({ root: false })).method, "none");
});

Deno.test("netimpair is looked for in every directory above the checkout, $NETIMPAIR first", () => {
  assert.deepEqual(netimpairCandidates("/work/wt/bench/", "/opt/ni"), [
    "/opt/ni",
    "/work/wt/shared/tools/netimpair/netimpair",
    "/work/shared/tools/netimpair/netimpair",
    "/shared/tools/netimpair/netimpair",
  ]);
  assert.deepEqual(netimpairCandidates("/repo", undefined), ["/shared/tools/netimpair/netimpair"]);
});

Deno.test("NETIMPAIR=off never uses the tool", () => {
  const before = Deno.env.get("NETIMPAIR");
  Deno.env.set("NETIMPAIR", "off");
  try {
    assert.equal(netimpairPath(), null);
  } finally {
    if (before === undefined) Deno.env.delete("NETIMPAIR");
    else Deno.env.set("NETIMPAIR", before);
  }
});
