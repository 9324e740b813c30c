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

/**
 * One bucket's state in four fields, its methods on the prototype: a lobby holds one or two per
 * connection, so no closures per bucket.
 */
class Bucket implements TokenBucket {
  #tokens: number;
  #last: number;
  readonly #rate: number;
  readonly #burst: number;

  constructor(rate: number, burst: number, startMs: number) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = startMs;
  }

  #refill(nowMs: number) {
    // A clock that goes backwards must not mint tokens or wedge the bucket.
    if (nowMs > this.#last) {
      this.#tokens = Math.min(
        this.#burst,
        this.#tokens + ((nowMs - this.#last) * this.#rate) / 1000,
      );
      this.#last = nowMs;
    }
  }

  take(nowMs: number, n = 1): boolean {
    this.#refill(nowMs);
    if (!(this.#tokens >= n)) return false;
    this.#tokens -= n;
    return true;
  }

  available(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens;
  }
}

/** Creates a full bucket. Throws on a non-positive rate or burst, which would block everything. */
export function createTokenBucket(opts: TokenBucketOptions, startMs = 0): TokenBucket {
  const { ratePerSecond, burst } = opts;
  if (!(ratePerSecond > 0) || !(burst >= 1)) {
    throw new RangeError(
      `token bucket needs ratePerSecond > 0 and burst >= 1, got ${ratePerSecond}/${burst}`,
    );
  }
  return new Bucket(ratePerSecond, burst, startMs);
}
