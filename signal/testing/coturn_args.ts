/**
 * The command line of a test coturn with a shared secret, shared by the Deno tests
 * (coturn_server.ts), the browser tests (game/e2e/services.ts) and the NAT lab
 * (game/e2e/lab_services.ts), so all of them test the same TURN setup. No runtime APIs: Node and
 * Deno both import it.
 *
 * @module
 */

/** Where CI's apt package puts coturn. */
export const TURNSERVER = "/usr/bin/turnserver";

/** What one coturn instance listens on and authenticates with. */
export interface CoturnArgsOptions {
  /** Address it listens and relays on; default 127.0.0.1. */
  ip?: string;
  port: number;
  /** First of the relay ports this instance owns. */
  minPort: number;
  /** How many relay ports it owns from `minPort`; default 100. */
  relayPorts?: number;
  secret: string;
  realm: string;
  /** One log line per request, which is how a browser test sees who allocated. */
  verbose?: boolean;
}

/** A relay port range of its own per instance, so parallel test runs do not fight over one. */
export function randomRelayPortBase(): number {
  return 20000 + Math.floor(Math.random() * 400) * 100;
}

/** turnserver's arguments: one address, TURN REST credentials, no TLS, logs to stdout. */
export function coturnArgs(opts: CoturnArgsOptions): string[] {
  const ip = opts.ip ?? "127.0.0.1";
  return [
    "-n",
    ...(opts.verbose ? ["-v"] : []),
    `--listening-ip=${ip}`,
    `--listening-port=${opts.port}`,
    `--relay-ip=${ip}`,
    `--min-port=${opts.minPort}`,
    `--max-port=${opts.minPort + (opts.relayPorts ?? 100) - 1}`,
    "--use-auth-secret",
    `--static-auth-secret=${opts.secret}`,
    `--realm=${opts.realm}`,
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    "--fingerprint",
    // Browsers on one machine relay to each other through 127.0.0.1.
    ...(ip.startsWith("127.") ? ["--allow-loopback-peers"] : []),
    // No pid file: the default, /var/run/turnserver.pid, belongs to a system coturn.
    "--pidfile=",
    "--log-file=stdout",
    "--simple-log",
  ];
}
