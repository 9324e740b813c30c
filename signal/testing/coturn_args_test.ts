import assert from "node:assert/strict";
import { coturnArgs, randomRelayPortBase } from "./coturn_args.ts";

Deno.test("coturnArgs: loopback, the secret and realm, 100 relay ports from minPort", () => {
  const args = coturnArgs({ port: 3478, minPort: 20100, secret: "s", realm: "r" });
  for (
    const want of [
      "--listening-ip=127.0.0.1",
      "--listening-port=3478",
      "--min-port=20100",
      "--max-port=20199",
      "--static-auth-secret=s",
      "--realm=r",
      "--pidfile=",
    ]
  ) assert(args.includes(want), want);
  assert(!args.includes("-v"));
  assert(args.includes("--allow-loopback-peers"));
  assert.equal(
    coturnArgs({ port: 1, minPort: 2, secret: "s", realm: "r", verbose: true })[1],
    "-v",
  );
});

Deno.test("coturnArgs: another address listens and relays there, with no loopback peers", () => {
  const args = coturnArgs({
    ip: "203.0.113.1",
    port: 3478,
    minPort: 40000,
    relayPorts: 1000,
    secret: "s",
    realm: "r",
  });
  for (
    const want of [
      "--listening-ip=203.0.113.1",
      "--relay-ip=203.0.113.1",
      "--min-port=40000",
      "--max-port=40999",
    ]
  ) assert(args.includes(want), want);
  assert(!args.includes("--allow-loopback-peers"));
});

Deno.test("randomRelayPortBase: a whole block of 100 below 60000", () => {
  for (let i = 0; i < 50; i++) {
    const base = randomRelayPortBase();
    assert.equal(base % 100, 0);
    assert(base >= 20000 && base + 99 < 60000);
  }
});
