/**
 * coturn (Debian's `turnserver`) on loopback with a shared secret (`use-auth-secret`), as the
 * lobby's TURN REST credentials expect. Test-only.
 *
 * @module
 */
import { freeTcpPort, type ServiceProcess, spawnService, waitUntil } from "./service_process.ts";
import { stunBinding } from "./turn_client.ts";

/** Where CI's apt package puts it. */
export const TURNSERVER = "/usr/bin/turnserver";

/** A running coturn. */
export interface Coturn {
  port: number;
  secret: string;
  realm: string;
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/** Starts coturn on 127.0.0.1 and waits until it answers a STUN Binding request. */
export async function startCoturn(
  opts: { secret?: string; realm?: string } = {},
): Promise<Coturn> {
  const secret = opts.secret ?? "duet-test-secret";
  const realm = opts.realm ?? "duet.test";
  // The TCP listener shares the port number, so a free TCP port is a good guess for UDP too.
  const port = freeTcpPort();
  // A relay port range of its own per instance, so parallel test runs do not fight over one.
  const minPort = 20000 + Math.floor(Math.random() * 400) * 100;
  const process = spawnService(TURNSERVER, [
    "-n",
    "--listening-ip=127.0.0.1",
    `--listening-port=${port}`,
    "--relay-ip=127.0.0.1",
    `--min-port=${minPort}`,
    `--max-port=${minPort + 99}`,
    "--use-auth-secret",
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    "--fingerprint",
    // Browsers on one machine relay to each other through 127.0.0.1.
    "--allow-loopback-peers",
    // No pid file: the default, /var/run/turnserver.pid, belongs to a system coturn.
    "--pidfile=",
    "--log-file=stdout",
    "--simple-log",
  ]);
  const stop = () => process.stop();
  try {
    let exited = false;
    process.exited.then(() => (exited = true));
    await waitUntil(
      async () => {
        if (exited) throw new Error("exited");
        await stunBinding("127.0.0.1", port, 250);
        return true;
      },
      10_000,
      () => `coturn did not answer on ${port}: ${process.output().slice(-2000)}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, secret, realm, url: `turn:127.0.0.1:${port}?transport=udp`, process, stop };
}
