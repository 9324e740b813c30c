import assert from "node:assert/strict";
import { createAddressRateLimit } from "./address_rate_limit.ts";

Deno.test("each address gets its own burst, then the sustained rate", () => {
  const limit = createAddressRateLimit({ perSecond: 2, burst: 3 });
  const a = [1, 2, 3, 4].map(() => limit.take("198.51.100.1", 0));
  assert.deepEqual(a, [true, true, true, false]);
  assert.equal(limit.take("198.51.100.2", 0), true);
  assert.equal(limit.take("198.51.100.1", 500), true);
  assert.equal(limit.take("198.51.100.1", 500), false);
});

Deno.test("one IPv6 /64 shares a budget, and idle addresses are forgotten", () => {
  const limit = createAddressRateLimit({ perSecond: 1, burst: 1 });
  assert.equal(limit.take("2001:db8:1:2::1", 0), true);
  assert.equal(limit.take("2001:db8:1:2::99", 0), false);
  assert.equal(limit.size, 1);
  limit.take("198.51.100.7", 20_000);
  assert.equal(limit.size, 1);
});

Deno.test("a full table refuses new addresses instead of growing", () => {
  const limit = createAddressRateLimit({ perSecond: 1, burst: 5, maxEntries: 2 });
  assert.equal(limit.take("198.51.100.1", 0), true);
  assert.equal(limit.take("198.51.100.2", 0), true);
  assert.equal(limit.take("198.51.100.3", 0), false);
});
