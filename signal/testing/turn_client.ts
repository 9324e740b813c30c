/**
 * A minimal STUN/TURN client over UDP (RFC 5389 / RFC 5766), test-only: enough to ask a real TURN
 * server for an allocation with long-term credentials, so the lobby's TURN REST credentials are
 * checked by coturn itself without a browser.
 *
 * Flow: Allocate without credentials -> 401 with REALM and NONCE -> Allocate again with USERNAME,
 * REALM, NONCE and MESSAGE-INTEGRITY (HMAC-SHA1 keyed with MD5(username:realm:password)).
 *
 * @module
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import dgram from "node:dgram";

const MAGIC_COOKIE = 0x2112a442;

/** STUN message types used here. */
export const STUN = {
  bindingRequest: 0x0001,
  bindingSuccess: 0x0101,
  allocateRequest: 0x0003,
  allocateSuccess: 0x0103,
  allocateError: 0x0113,
  refreshRequest: 0x0004,
  refreshSuccess: 0x0104,
} as const;

/** STUN attribute types used here. */
export const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  lifetime: 0x000d,
  fingerprint: 0x8028,
} as const;

/** A decoded STUN message. */
export interface StunMessage {
  type: number;
  transactionId: Uint8Array;
  attributes: { type: number; value: Uint8Array }[];
}

const pad4 = (n: number) => (n + 3) & ~3;

/** Encodes a STUN message; with `integrityKey`, appends MESSAGE-INTEGRITY over everything before. */
export function encodeStun(
  type: number,
  transactionId: Uint8Array,
  attributes: { type: number; value: Uint8Array }[],
  integrityKey?: Uint8Array,
): Uint8Array {
  const bodyLength = attributes.reduce((n, a) => n + 4 + pad4(a.value.length), 0);
  const total = 20 + bodyLength + (integrityKey ? 24 : 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint16(0, type);
  view.setUint32(4, MAGIC_COOKIE);
  out.set(transactionId, 8);
  let offset = 20;
  for (const a of attributes) {
    view.setUint16(offset, a.type);
    view.setUint16(offset + 2, a.value.length);
    out.set(a.value, offset + 4);
    offset += 4 + pad4(a.value.length);
  }
  // The length field counts the MESSAGE-INTEGRITY attribute while the HMAC is computed (5389 15.4).
  view.setUint16(2, total - 20);
  if (integrityKey) {
    const mac = createHmac("sha1", integrityKey).update(out.subarray(0, offset)).digest();
    view.setUint16(offset, ATTR.messageIntegrity);
    view.setUint16(offset + 2, 20);
    out.set(mac, offset + 4);
  }
  return out;
}

/** Decodes a STUN message, or throws on anything that is not one. */
export function decodeStun(bytes: Uint8Array): StunMessage {
  if (bytes.length < 20) throw new Error(`STUN message too short (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4) !== MAGIC_COOKIE) throw new Error("not a STUN message (magic cookie)");
  const length = view.getUint16(2);
  if (20 + length > bytes.length) throw new Error("truncated STUN message");
  const attributes: StunMessage["attributes"] = [];
  let offset = 20;
  while (offset + 4 <= 20 + length) {
    const type = view.getUint16(offset);
    const len = view.getUint16(offset + 2);
    attributes.push({ type, value: bytes.slice(offset + 4, offset + 4 + len) });
    offset += 4 + pad4(len);
  }
  return { type: view.getUint16(0), transactionId: bytes.slice(8, 20), attributes };
}

/** The value of the first attribute of `type`, if any. */
export function attribute(m: StunMessage, type: number): Uint8Array | undefined {
  return m.attributes.find((a) => a.type === type)?.value;
}

/** ERROR-CODE as a number (e.g. 401), if present. */
export function errorCode(m: StunMessage): number | undefined {
  const v = attribute(m, ATTR.errorCode);
  return v === undefined ? undefined : (v[2] & 0x7) * 100 + v[3];
}

const text = (s: string) => new TextEncoder().encode(s);

/** The long-term credential key: MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Uint8Array {
  return createHash("md5").update(`${username}:${realm}:${password}`).digest();
}

/** Sends one request and waits for the response with the same transaction id (with retries). */
function transact(
  socket: dgram.Socket,
  host: string,
  port: number,
  request: Uint8Array,
  timeoutMs: number,
): Promise<StunMessage> {
  const tid = request.slice(8, 20);
  return new Promise((resolve, reject) => {
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onMessage = (msg: Uint8Array) => {
      let m: StunMessage;
      try {
        m = decodeStun(new Uint8Array(msg));
      } catch {
        return;
      }
      if (!m.transactionId.every((b, i) => b === tid[i])) return;
      cleanup();
      resolve(m);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("message", onMessage);
    };
    // UDP: retransmit a few times before giving up (RFC 5389 7.2.1, shortened for tests).
    const attempt = () => {
      if (tries++ >= 5) {
        cleanup();
        reject(new Error(`no STUN response from ${host}:${port} within ${timeoutMs} ms`));
        return;
      }
      socket.send(request, port, host);
      timer = setTimeout(attempt, timeoutMs / 5);
    };
    socket.on("message", onMessage);
    attempt();
  });
}

/** Outcome of {@link turnAllocate}. */
export type AllocateResult =
  | { ok: true; relayed: string }
  | { ok: false; code: number | undefined; reason: string; realm?: string };

/** Opens a UDP socket on 127.0.0.1, runs `body`, closes it. */
async function withSocket<T>(body: (s: dgram.Socket) => Promise<T>): Promise<T> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  try {
    return await body(socket);
  } finally {
    socket.close();
  }
}

function xorAddress(v: Uint8Array): string {
  const port = ((v[2] << 8) | v[3]) ^ (MAGIC_COOKIE >>> 16);
  const ip = [0, 1, 2, 3].map((i) => v[4 + i] ^ ((MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff));
  return `${ip.join(".")}:${port}`;
}

/** Sends a STUN Binding request; resolves when the server answers (a readiness probe). */
export function stunBinding(host: string, port: number, timeoutMs = 1000): Promise<StunMessage> {
  return withSocket((s) =>
    transact(s, host, port, encodeStun(STUN.bindingRequest, randomBytes(12), []), timeoutMs)
  );
}

/** A client-side TURN session: one UDP socket (one 5-tuple), so a refresh hits its allocation. */
export interface TurnSession {
  /** Allocate: the unauthenticated request first (to learn realm and nonce), then the signed one. */
  allocate(username: string, password: string): Promise<AllocateResult>;
  /** Refresh the allocation (RFC 5766 7) with the credentials it was made with. */
  refresh(lifetimeSeconds: number): Promise<AllocateResult>;
  close(): void;
}

/** Opens a TURN session towards host:port from an ephemeral port on 127.0.0.1. */
export async function openTurnSession(
  host: string,
  port: number,
  timeoutMs = 2000,
): Promise<TurnSession> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  let auth: { attributes: StunMessage["attributes"]; key: Uint8Array } | null = null;
  const failure = (m: StunMessage, realm?: string): AllocateResult => {
    const reason = attribute(m, ATTR.errorCode);
    return {
      ok: false,
      code: errorCode(m),
      reason: reason ? new TextDecoder().decode(reason.subarray(4)) : "no error code",
      realm,
    };
  };
  const udp = new Uint8Array([17, 0, 0, 0]);
  return {
    async allocate(username, password) {
      const first = await transact(
        socket,
        host,
        port,
        encodeStun(STUN.allocateRequest, randomBytes(12), [
          { type: ATTR.requestedTransport, value: udp },
        ]),
        timeoutMs,
      );
      const realm = attribute(first, ATTR.realm);
      const nonce = attribute(first, ATTR.nonce);
      if (first.type !== STUN.allocateError || errorCode(first) !== 401 || !realm || !nonce) {
        return { ok: false, code: errorCode(first), reason: "expected a 401 challenge first" };
      }
      const realmText = new TextDecoder().decode(realm);
      auth = {
        attributes: [
          { type: ATTR.username, value: text(username) },
          { type: ATTR.realm, value: realm },
          { type: ATTR.nonce, value: nonce },
        ],
        key: longTermKey(username, realmText, password),
      };
      const second = await transact(
        socket,
        host,
        port,
        encodeStun(
          STUN.allocateRequest,
          randomBytes(12),
          [{ type: ATTR.requestedTransport, value: udp }, ...auth.attributes],
          auth.key,
        ),
        timeoutMs,
      );
      if (second.type !== STUN.allocateSuccess) return failure(second, realmText);
      const relayed = attribute(second, ATTR.xorRelayedAddress);
      return { ok: true, relayed: relayed ? xorAddress(relayed) : "?" };
    },
    async refresh(lifetimeSeconds) {
      if (auth === null) throw new Error("refresh before a successful allocate");
      const lifetime = new Uint8Array(4);
      new DataView(lifetime.buffer).setUint32(0, lifetimeSeconds);
      const reply = await transact(
        socket,
        host,
        port,
        encodeStun(
          STUN.refreshRequest,
          randomBytes(12),
          [{ type: ATTR.lifetime, value: lifetime }, ...auth.attributes],
          auth.key,
        ),
        timeoutMs,
      );
      return reply.type === STUN.refreshSuccess ? { ok: true, relayed: "" } : failure(reply);
    },
    close: () => socket.close(),
  };
}

/** One-shot {@link TurnSession.allocate} on a fresh socket. */
export async function turnAllocate(
  host: string,
  port: number,
  username: string,
  password: string,
  timeoutMs = 2000,
): Promise<AllocateResult> {
  const session = await openTurnSession(host, port, timeoutMs);
  try {
    return await session.allocate(username, password);
  } finally {
    session.close();
  }
}
