/**
 * coturn (Debian's `turnserver`) on loopback with a shared secret (`use-auth-secret`), as the
 * lobby's TURN REST credentials expect. Test-only.
 *
 * @module
 */
import { freeTcpPort, type ServiceProcess, spawnService, waitUntil } from "./service_process.ts";
import { stunBinding } from "./turn_client.ts";
import { coturnArgs, randomRelayPortBase, TURNSERVER } from "./coturn_args.ts";

export { TURNSERVER };

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
  const minPort = randomRelayPortBase();
  const process = spawnService(TURNSERVER, coturnArgs({ port, minPort, secret, realm }));
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
