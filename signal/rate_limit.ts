/** Options of a token bucket. */
export interface TokenBucketOptions {
  /** Tokens added per second: the sustained rate. */
  ratePerSecond: number;
  /** Bucket size: how many may be taken at once after a quiet spell. Starts full. */
  burst: number;
}

/** A token bucket rate limiter. Pure: the caller passes the time, so tests need no clock. */
export interface TokenBucket {
  /**
   * Takes `n` tokens (default 1) at time `nowMs` if that many are available; false means "over
   * the rate" (and takes none).
   */
  take(nowMs: number, n?: number): boolean;
  /** Tokens available at `nowMs` (fractional). */
  available(nowMs: number): number;
}

/** Creates a full bucket. Throws on a non-positive rate or burst, which would block everything. */
export function createTokenBucket(opts: TokenBucketOptions, startMs = 0): TokenBucket {
  const { ratePerSecond, burst } = opts;
  if (!(ratePerSecond > 0) || !(burst >= 1)) {
    throw new RangeError(
      `token bucket needs ratePerSecond > 0 and burst >= 1, got ${ratePerSecond}/${burst}`,
    );
  }
  let tokens = burst;
  let last = startMs;
  const refill = (nowMs: number) => {
    // A clock that goes backwards must not mint tokens or wedge the bucket.
    if (nowMs > last) {
      tokens = Math.min(burst, tokens + ((nowMs - last) * ratePerSecond) / 1000);
      last = nowMs;
    }
  };
  return {
    take(nowMs, n = 1) {
      refill(nowMs);
      if (!(tokens >= n)) return false;
      tokens -= n;
      return true;
    },
    available(nowMs) {
      refill(nowMs);
      return tokens;
    },
  };
}
