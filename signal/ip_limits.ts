/**
 * Per-IP limits, on top of the per-connection ones: how many WebSockets one address may hold open
 * at once, and how many lobby messages (and, separately, room entries: create/join/quick)
 * all its connections together may send, so one host cannot take every slot or get around the
 * per-connection rate by opening more connections. Pure: the caller passes the time.
 *
 * The address's budget charges whoever floods, not its neighbours (players behind one NAT share
 * an address): each connection's recent rate is tracked (a count decaying with a 1 s time
 * constant), and once the address's bucket is empty only the connections above their fair share
 * (the address rate divided by its connections) are refused. A flooder then starves itself while
 * honest connections behind the same address go on; an address sends at most about twice its
 * rate in all. A new connection starts with a full recent rate, so opening a fresh one is no way
 * around it.
 *
 * IPv6 clients are keyed by their /64 (one subscriber usually gets a whole /64, so per-address
 * limits would be trivial to dodge); IPv4-mapped IPv6 addresses count as the IPv4 address.
 *
 * Entries live while the address has connections, and afterwards until its bucket has refilled,
 * so closing and reopening connections does not reset the message budget.
 */
import { DEFAULT_IP_CHURN_BURST, DEFAULT_IP_CHURN_PER_SECOND } from "../shared/limits.ts";
import { createTokenBucket, type TokenBucket } from "./rate_limit.ts";

/** Options of {@link createIpLimits}; 0 disables a limit. */
export interface IpLimitsOptions {
  /** Concurrent connections per address. */
  maxConnectionsPerIp: number;
  /** Sustained messages per second over all of an address's connections. */
  messagesPerSecond: number;
  /** Burst of messages over all of an address's connections. */
  messageBurst: number;
  /**
   * Sustained room changes per second over all of an address's connections (0 = off; default
   * DEFAULT_IP_CHURN_PER_SECOND).
   */
  churnPerSecond?: number;
  /** Burst of room changes over all of an address's connections. */
  churnBurst?: number;
}

/** One admitted connection's share of its address's limits. */
export interface IpTicket {
  /** The limiting key (address, or IPv6 /64). */
  readonly key: string;
  /** Takes one message from the address's budget; false means over the per-IP rate. */
  takeMessage(nowMs: number): boolean;
  /** Takes one room entry (create/join/quick) from the address's budget. */
  takeChurn(nowMs: number): boolean;
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

/**
 * A connection's recent rate, `value` as of `at`: a count that decays with a 1 s time constant
 * (≈ per second). Returns the value at `nowMs` with one more counted.
 */
const bump = (value: number, at: number, nowMs: number) =>
  (nowMs > at ? value * Math.exp(-(nowMs - at) / 1000) : value) + 1;

/** One address's shared budget. */
interface Entry {
  connections: number;
  bucket: TokenBucket | null;
  churn: TokenBucket | null;
}

/** What the tickets of one {@link createIpLimits} share. */
interface Limits {
  messagesPerSecond: number;
  churnPerSecond: number;
  entries: Map<string, Entry>;
  idle(e: Entry, nowMs: number): boolean;
}

/**
 * A connection's ticket: its fields, and methods on the prototype (one ticket per connection, so
 * no closures per ticket).
 */
class Ticket implements IpTicket {
  #released = false;
  // The connection's recent rates (Usage, in fields rather than objects). A new connection starts
  // as if it had used the address's whole rate, so reconnecting is no way to a fresh fair share;
  // an honest one earns its share within a second or two.
  #messages: number;
  #messagesAt: number;
  #changes: number;
  #changesAt: number;

  constructor(readonly key: string, private entry: Entry, private limits: Limits, nowMs: number) {
    this.#messages = limits.messagesPerSecond;
    this.#changes = limits.churnPerSecond;
    this.#messagesAt = this.#changesAt = nowMs;
  }

  /** A token from the address's bucket, or, when it is empty, a fair share's allowance. */
  #allowed(bucket: TokenBucket, rate: number, recent: number, nowMs: number) {
    return bucket.take(nowMs) || recent <= rate / Math.max(1, this.entry.connections);
  }

  takeMessage(nowMs: number): boolean {
    const bucket = this.entry.bucket;
    if (bucket === null) return true;
    const u = bump(this.#messages, this.#messagesAt, nowMs);
    this.#messages = u;
    if (nowMs > this.#messagesAt) this.#messagesAt = nowMs;
    return this.#allowed(bucket, this.limits.messagesPerSecond, u, nowMs);
  }

  takeChurn(nowMs: number): boolean {
    const bucket = this.entry.churn;
    if (bucket === null) return true;
    const u = bump(this.#changes, this.#changesAt, nowMs);
    this.#changes = u;
    if (nowMs > this.#changesAt) this.#changesAt = nowMs;
    return this.#allowed(bucket, this.limits.churnPerSecond, u, nowMs);
  }

  release(nowMs: number): void {
    if (this.#released) return;
    this.#released = true;
    const { entry, limits } = this;
    entry.connections--;
    if (limits.idle(entry, nowMs) && limits.entries.get(this.key) === entry) {
      limits.entries.delete(this.key);
    }
  }
}

/** Creates empty per-IP bookkeeping. */
export function createIpLimits(opts: IpLimitsOptions): IpLimits {
  const churnRate = opts.churnPerSecond ?? DEFAULT_IP_CHURN_PER_SECOND;
  const churnBurst = opts.churnBurst ?? DEFAULT_IP_CHURN_BURST;
  const entries = new Map<string, Entry>();
  let lastSweep = -Infinity;

  // Idle entries go once their bucket is full again: forgetting them then loses nothing.
  const idle = (e: Entry, nowMs: number) =>
    e.connections === 0 &&
    (e.bucket === null || e.bucket.available(nowMs) >= opts.messageBurst) &&
    (e.churn === null || e.churn.available(nowMs) >= Math.max(1, churnBurst));
  const limits: Limits = {
    messagesPerSecond: opts.messagesPerSecond,
    churnPerSecond: churnRate,
    entries,
    idle,
  };

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
        const churn = churnRate > 0
          ? createTokenBucket(
            { ratePerSecond: churnRate, burst: Math.max(1, churnBurst) },
            nowMs,
          )
          : null;
        e = { connections: 0, bucket, churn };
        entries.set(key, e);
      }
      if (opts.maxConnectionsPerIp > 0 && e.connections >= opts.maxConnectionsPerIp) return null;
      e.connections++;
      return new Ticket(key, e, limits, nowMs);
    },
    connections: (address) => entries.get(ipKey(address))?.connections ?? 0,
    get size() {
      return entries.size;
    },
  };
}
