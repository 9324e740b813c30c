import assert from "node:assert/strict";
import { createIpLimits, ipKey } from "./ip_limits.ts";

Deno.test("ipKey: IPv4 as is, mapped IPv6 as IPv4, IPv6 by /64", () => {
  assert.equal(ipKey("203.0.113.7"), "203.0.113.7");
  assert.equal(ipKey("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(ipKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  assert.equal(ipKey("2001:DB8:1:2::99"), "2001:db8:1:2::/64");
  assert.equal(ipKey("[2001:db8:0001:0002::1]"), "2001:db8:1:2::/64");
  assert.equal(ipKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(ipKey("::1"), "0:0:0:0::/64");
  assert.equal(ipKey("not an address"), "not an address");
  assert.equal(ipKey("1:2:3"), "1:2:3");
});

Deno.test("connections per IP are capped and freed on release", () => {
  const limits = createIpLimits({ maxConnectionsPerIp: 2, messagesPerSecond: 0, messageBurst: 0 });
  const a = limits.admit("198.51.100.1", 0);
  const b = limits.admit("198.51.100.1", 0);
  assert.ok(a && b);
  assert.equal(limits.admit("198.51.100.1", 0), null);
  // Another address, and another host in the same IPv6 /64 counts with its neighbours.
  assert.ok(limits.admit("198.51.100.2", 0));
  assert.ok(limits.admit("2001:db8::1", 0));
  assert.ok(limits.admit("2001:db8::2", 0));
  assert.equal(limits.admit("2001:db8::3", 0), null);
  a.release(0);
  a.release(0);
  assert.equal(limits.connections("198.51.100.1"), 1);
  assert.ok(limits.admit("198.51.100.1", 0));
  assert.equal(limits.admit("198.51.100.1", 0), null);
});

Deno.test("messages per IP share one bucket across the address's connections", () => {
  const limits = createIpLimits({ maxConnectionsPerIp: 0, messagesPerSecond: 4, messageBurst: 3 });
  const a = limits.admit("198.51.100.1", 0)!;
  const b = limits.admit("198.51.100.1", 0)!;
  const other = limits.admit("198.51.100.9", 0)!;
  assert.deepEqual([a.takeMessage(0), a.takeMessage(0), a.takeMessage(0)], [true, true, true]);
  // The bucket is empty and both are new (counted as at the full rate): both wait.
  assert.equal(b.takeMessage(0), false);
  assert.equal(other.takeMessage(0), true);
  // Two seconds on, a keeps flooding and b sends one: a is over its fair share (4/s over two
  // connections), b is not.
  let aOk = 0;
  for (let t = 2000; t < 2100; t += 10) if (a.takeMessage(t)) aOk++;
  assert.ok(aOk <= 5, `a got ${aOk} of 10`);
  assert.equal(b.takeMessage(2100), true);
});

Deno.test("a flooding connection is refused while its neighbours behind the address go on", () => {
  const limits = createIpLimits({
    maxConnectionsPerIp: 0,
    messagesPerSecond: 20,
    messageBurst: 40,
  });
  const honest = [1, 2, 3].map(() => limits.admit("198.51.100.1", -5000)!);
  const flooder = limits.admit("198.51.100.1", 0)!;
  let flooderOk = 0, honestOk = 0, honestSent = 0;
  // 10 s: the flooder sends 200 messages per second, each honest connection 2.
  for (let t = 0; t < 10_000; t += 5) {
    if (flooder.takeMessage(t)) flooderOk++;
    if (t % 500 === 0) {
      for (const h of honest) {
        honestSent++;
        if (h.takeMessage(t)) honestOk++;
      }
    }
  }
  assert.equal(honestOk, honestSent, "every honest message passed");
  // The address as a whole stayed near its budget (40 burst + 20/s), not 200/s.
  assert.ok(flooderOk < 40 + 20 * 10 + 5 * 10, `flooder got ${flooderOk}`);
});

Deno.test("room changes have their own, smaller per-address budget", () => {
  const limits = createIpLimits({
    maxConnectionsPerIp: 0,
    messagesPerSecond: 100,
    messageBurst: 100,
    churnPerSecond: 1,
    churnBurst: 2,
  });
  const a = limits.admit("198.51.100.1", 0)!;
  assert.deepEqual([a.takeChurn(0), a.takeChurn(0), a.takeChurn(0)], [true, true, false]);
  assert.equal(a.takeMessage(0), true);
  assert.equal(a.takeChurn(3000), true);
});

Deno.test("reconnecting does not reset an address's message budget; idle entries are forgotten", () => {
  const limits = createIpLimits({ maxConnectionsPerIp: 0, messagesPerSecond: 1, messageBurst: 2 });
  const a = limits.admit("198.51.100.1", 0)!;
  a.takeMessage(0);
  a.takeMessage(0);
  a.release(0);
  const again = limits.admit("198.51.100.1", 0)!;
  assert.equal(again.takeMessage(0), false);
  again.release(0);
  assert.equal(limits.size, 1);
  // Once the bucket has refilled, the entry carries nothing worth keeping.
  limits.admit("198.51.100.2", 60_000)!.release(60_000);
  assert.equal(limits.size, 0);
});

Deno.test("no limits configured admits everything", () => {
  const limits = createIpLimits({ maxConnectionsPerIp: 0, messagesPerSecond: 0, messageBurst: 0 });
  for (let i = 0; i < 1000; i++) assert.ok(limits.admit("198.51.100.1", 0)!.takeMessage(0));
});

Deno.test("reconnecting does not reset an address's room-change budget either", () => {
  const limits = createIpLimits({
    maxConnectionsPerIp: 0,
    messagesPerSecond: 1000,
    messageBurst: 1000,
    churnPerSecond: 1,
    churnBurst: 2,
  });
  const a = limits.admit("198.51.100.1", 0)!;
  a.takeChurn(0);
  a.takeChurn(0);
  a.release(0);
  const again = limits.admit("198.51.100.1", 0)!;
  assert.equal(again.takeChurn(0), false);
});
