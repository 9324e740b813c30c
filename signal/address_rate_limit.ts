/**
 * A request budget per client address for cheap-to-ask, costly-to-answer HTTP endpoints
 * (`/api/rooms` answers with the whole room list, thousands of times the request's size). A token
 * bucket per address key (ip_limits.ts's `ipKey`: IPv6 by /64); idle entries are forgotten once
 * their bucket is full again, so the table stays as small as the set of recent askers. Pure: the
 * caller passes the time.
 */
import { ipKey } from "./ip_limits.ts";
import { createTokenBucket, type TokenBucket } from "./rate_limit.ts";

/** Options of {@link createAddressRateLimit}. */
export interface AddressRateLimitOptions {
  perSecond: number;
  burst: number;
  /** Entries kept at most; when full, new addresses are refused until the sweep frees some. */
  maxEntries?: number;
}

/** Per-address request budgets. */
export interface AddressRateLimit {
  /** Takes one request from `address`'s budget; false means over it. */
  take(address: string, nowMs: number): boolean;
  /** Addresses tracked right now. */
  readonly size: number;
}

/** Creates empty per-address budgets. */
export function createAddressRateLimit(opts: AddressRateLimitOptions): AddressRateLimit {
  const buckets = new Map<string, TokenBucket>();
  const maxEntries = opts.maxEntries ?? 100_000;
  let lastSweep = -Infinity;
  const sweep = (nowMs: number) => {
    if (nowMs - lastSweep < 10_000) return;
    lastSweep = nowMs;
    for (const [key, b] of buckets) if (b.available(nowMs) >= opts.burst) buckets.delete(key);
  };
  return {
    take(address, nowMs) {
      sweep(nowMs);
      const key = ipKey(address);
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxEntries) return false;
        bucket = createTokenBucket({ ratePerSecond: opts.perSecond, burst: opts.burst }, nowMs);
        buckets.set(key, bucket);
      }
      return bucket.take(nowMs);
    },
    get size() {
      return buckets.size;
    },
  };
}
