/**
 * Raw TCP and WebSocket framing for the attack tests: what a hostile client sends, byte by byte,
 * from a chosen loopback source address (127.0.0.x). Test-only.
 *
 * @module
 */
import net from "node:net";

/**
 * Opens `count` TCP connections to 127.0.0.1:`port` that send nothing, spread over the source
 * addresses `sources` (127.0.0.0/8: loopback answers from all of them). Resolves once each has
 * connected or failed; `close()` ends them all.
 */
export async function idleSockets(
  port: number,
  count: number,
  sources: readonly string[],
): Promise<{ open: number; failed: number; closedByServer(): number; close(): void }> {
  const sockets: net.Socket[] = [];
  let failed = 0;
  let closedByServer = 0;
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new Promise<void>((resolve) => {
        const s = net.connect({
          host: "127.0.0.1",
          port,
          localAddress: sources[i % sources.length],
        });
        s.on("error", () => {});
        s.once("connect", () => {
          sockets.push(s);
          resolve();
        });
        s.once("close", () => {
          closedByServer++;
          resolve();
        });
        setTimeout(() => {
          failed++;
          resolve();
        }, 5000);
      })),
  );
  return {
    open: sockets.length,
    failed,
    closedByServer: () => closedByServer,
    close: () => sockets.forEach((s) => s.destroy()),
  };
}

/** The upgrade request of a WebSocket handshake. */
export function upgradeRequest(port: number, path = "/ws", extra = ""): Uint8Array {
  return new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${btoa("duet-attack-key!")}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
}

/**
 * A masked client frame header (and the mask): `fin`, `opcode`, and the announced payload length
 * (which may be far more than what follows).
 */
export function frameHeader(opcode: number, length: number, fin = true): Uint8Array {
  const mask = [0x11, 0x22, 0x33, 0x44];
  const first = (fin ? 0x80 : 0) | opcode;
  if (length < 126) return new Uint8Array([first, 0x80 | length, ...mask]);
  if (length < 65536) {
    return new Uint8Array([first, 0x80 | 126, length >> 8, length & 0xff, ...mask]);
  }
  const b = new Uint8Array(10 + 4);
  b[0] = first;
  b[1] = 0x80 | 127;
  new DataView(b.buffer).setBigUint64(2, BigInt(length));
  b.set(mask, 10);
  return b;
}

/** A whole masked client frame carrying `payload`. */
export function frame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const head = frameHeader(opcode, payload.length, fin);
  const mask = head.subarray(head.length - 4);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  for (let i = 0; i < payload.length; i++) out[head.length + i] = payload[i] ^ mask[i % 4];
  return out;
}

/** Reads until the HTTP head ends; returns the head's text. */
export async function readHead(conn: Deno.Conn, timeoutMs = 3000): Promise<string> {
  const buf = new Uint8Array(4096);
  let text = "";
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    while (!text.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } catch {
    // closed by the timer or the server
  } finally {
    clearTimeout(timer);
  }
  return text;
}

/**
 * Reads everything until the server closes the connection (or `timeoutMs`); returns the bytes
 * and when it ended (null: still open at the timeout).
 */
export async function readUntilClosed(
  conn: Deno.Conn,
  timeoutMs: number,
): Promise<{ bytes: Uint8Array; closedAfterMs: number | null }> {
  const t0 = performance.now();
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn.close();
    } catch { /* already */ }
  }, timeoutMs);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } catch {
    // reset by the server, or closed by the timer
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) bytes.set(c, (o += c.length) - c.length);
  return { bytes, closedAfterMs: timedOut ? null : performance.now() - t0 };
}

/** The close code in the server's close frame within `bytes` (after the 101 head), or null. */
export function closeCode(bytes: Uint8Array): number | null {
  const text = new TextDecoder().decode(bytes);
  let i = text.indexOf("\r\n\r\n");
  i = i < 0 ? 0 : new TextEncoder().encode(text.slice(0, i + 4)).length;
  while (i + 2 <= bytes.length) {
    const op = bytes[i] & 0x0f;
    let len = bytes[i + 1] & 0x7f;
    let p = i + 2;
    if (len === 126) {
      len = (bytes[p] << 8) | bytes[p + 1];
      p += 2;
    } else if (len === 127) {
      len = Number(new DataView(bytes.buffer, bytes.byteOffset + p).getBigUint64(0));
      p += 8;
    }
    if (op === 0x8) return len >= 2 ? (bytes[p] << 8) | bytes[p + 1] : 1005;
    i = p + len;
  }
  return null;
}

/** The resident set size of process `pid` in KiB (`ps`: Deno reads /proc only with --allow-all). */
export async function rssKiB(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim());
}
