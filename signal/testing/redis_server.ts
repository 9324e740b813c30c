/**
 * A throwaway Debian `redis-server` on loopback: no persistence, own port. Test-only.
 *
 * @module
 */
import { freeTcpPort, type ServiceProcess, spawnService, waitUntil } from "./service_process.ts";

/** Where CI's apt package puts it. */
export const REDIS_SERVER = "/usr/bin/redis-server";

/** A running redis-server. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

async function ping(port: number): Promise<boolean> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
  } finally {
    conn.close();
  }
}

/** Starts redis-server (on `port`, or a free one) and waits until it answers PING. */
export async function startRedis(port = freeTcpPort()): Promise<RedisServer> {
  const process = spawnService(REDIS_SERVER, [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  try {
    await waitUntil(
      () => ping(port),
      10_000,
      () => `redis-server did not answer on ${port}: ${process.output().slice(-2000)}`,
    );
  } catch (err) {
    await process.stop();
    throw err;
  }
  return { port, url: `redis://127.0.0.1:${port}`, process, stop: () => process.stop() };
}
