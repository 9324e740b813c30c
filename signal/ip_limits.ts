/**
 * Per-IP limits, on top of the per-connection ones: how many WebSockets one address may hold open
 * at once, and how many lobby messages all its connections together may send (a token bucket
 * shared by them), so one host cannot take every slot or get around the per-connection rate by
 * opening more connections. Pure: the caller passes the time.
 *
 * IPv6 clients are keyed by their /64 (one subscriber usually gets a whole /64, so per-address
 * limits would be trivial to dodge); IPv4-mapped IPv6 addresses count as the IPv4 address.
 *
 * Entries live while the address has connections, and afterwards until its bucket has refilled,
 * so closing and reopening connections does not reset the message budget.
 */
import { createTokenBucket, type TokenBucket } from "./rate_limit.ts";

/** Options of {@link createIpLimits}; 0 disables a limit. */
export interface IpLimitsOptions {
  /** Concurrent connections per address. */
  maxConnectionsPerIp: number;
  /** Sustained messages per second over all of an address's connections. */
  messagesPerSecond: number;
  /** Burst of messages over all of an address's connections. */
  messageBurst: number;
}

/** One admitted connection's share of its address's limits. */
export interface IpTicket {
  /** The limiting key (address, or IPv6 /64). */
  readonly key: string;
  /** Takes one message from the address's budget; false means over the per-IP rate. */
  takeMessage(nowMs: number): boolean;
  /** The connection closed. Idempotent. */
  release(nowMs: number): void;
}

/** Per-IP bookkeeping. */
export interface IpLimits {
  /** Admits a connection from `address`, or returns null when the address is at its cap. */
  admit(address: string, nowMs: number): IpTicket | null;
  /** Open connections from `address`'s key. */
  connections(address: string): number;
  /** Addresses tracked right now. */
  readonly size: number;
}

/**
 * The limiting key of an address: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 as its /64
 * prefix (`2001:db8:1:2::/64`). Anything unparsable is used verbatim.
 */
export function ipKey(address: string): string {
  const a = address.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = a.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return mapped[1];
  if (!a.includes(":")) return a;
  const [head, tail] = a.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return a;
  const groups = [...left, ...Array(missing).fill("0"), ...right];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return a;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** Creates empty per-IP bookkeeping. */
export function createIpLimits(opts: IpLimitsOptions): IpLimits {
  interface Entry {
    connections: number;
    bucket: TokenBucket | null;
  }
  const entries = new Map<string, Entry>();
  let lastSweep = -Infinity;

  // Idle entries go once their bucket is full again: forgetting them then loses nothing.
  const idle = (e: Entry, nowMs: number) =>
    e.connections === 0 && (e.bucket === null || e.bucket.available(nowMs) >= opts.messageBurst);

  const sweep = (nowMs: number) => {
    if (nowMs - lastSweep < 10_000) return;
    lastSweep = nowMs;
    for (const [key, e] of entries) if (idle(e, nowMs)) entries.delete(key);
  };

  return {
    admit(address, nowMs) {
      sweep(nowMs);
      const key = ipKey(address);
      let e = entries.get(key);
      if (!e) {
        const bucket = opts.messagesPerSecond > 0
          ? createTokenBucket(
            { ratePerSecond: opts.messagesPerSecond, burst: Math.max(1, opts.messageBurst) },
            nowMs,
          )
          : null;
        e = { connections: 0, bucket };
        entries.set(key, e);
      }
      if (opts.maxConnectionsPerIp > 0 && e.connections >= opts.maxConnectionsPerIp) return null;
      e.connections++;
      const entry = e;
      let released = false;
      return {
        key,
        takeMessage: (nowMs) => entry.bucket === null || entry.bucket.take(nowMs),
        release(nowMs) {
          if (released) return;
          released = true;
          entry.connections--;
          if (idle(entry, nowMs) && entries.get(key) === entry) entries.delete(key);
        },
      };
    },
    connections: (address) => entries.get(ipKey(address))?.connections ?? 0,
    get size() {
      return entries.size;
    },
  };
}
