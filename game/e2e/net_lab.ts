/**
 * A test network of Linux network namespaces, built and torn down by a browser spec: an
 * "internet" (`wan`, a bridge at 203.0.113.1/24 where the lobby and coturn run), two home routers
 * (`r1`, `r2`: a WAN leg on the bridge at 203.0.113.11/.12, a LAN leg at 198.18.N.1/24, iptables
 * NAT plus a home router's firewall) and two homes (`home1`, `home2`: 198.18.N.10, default route
 * through their router) where the browsers run.
 *
 *                      wan 203.0.113.1 (lobby, coturn)
 *                     /                         \
 *     r1 203.0.113.11 | 198.18.1.1     r2 203.0.113.12 | 198.18.2.1
 *                     |                         |
 *             home1 198.18.1.10          home2 198.18.2.10
 *
 * Each router's NAT is one of {@link NatKind}: `"eim"` is iptables MASQUERADE (endpoint-independent
 * mapping: one public port for every destination, so hole punching works) and `"symmetric"` adds
 * `--random-fully` (a new public port per destination: only a relay connects). Both drop
 * unsolicited traffic from the WAN, like a home router: without that, a peer's check arriving
 * before our own outbound one leaves a conntrack entry on the router that takes the mapping and
 * no hole punch ever succeeds (see ../shared/ENVIRONMENT.md, "Test networks with NATs").
 *
 * Nothing is connected to the namespace the tests run in, so nothing leaves the lab (let alone the
 * machine), and only documentation/benchmark ranges are used. Needs root and `ip`/`iptables`; the
 * namespaces are named after this process so concurrent runs never collide, and {@link
 * createNetLab} first removes those of dead processes. Node APIs only (Playwright runs specs in
 * Node).
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** A home router's NAT: endpoint-independent mapping, or symmetric (port per destination). */
export type NatKind = "eim" | "symmetric";

/** The lab's fixed addresses. */
export const LAB = {
  wan: "203.0.113.1",
  routers: ["203.0.113.11", "203.0.113.12"],
  homes: ["198.18.1.10", "198.18.2.10"],
} as const;

/** Which part of the lab a process runs in. */
export type LabPlace = "wan" | "home1" | "home2";

/** A built lab; {@link NetLab.destroy} removes it. */
export interface NetLab {
  /** Namespace names (as `ip netns` knows them) of each place. */
  readonly ns: Record<LabPlace | "r1" | "r2", string>;
  /** The routers' NAT kinds, as last set. */
  readonly nats: readonly [NatKind, NatKind];
  /** Re-programs both routers' NAT (and flushes their connection tracking). */
  setNats(nats: readonly [NatKind, NatKind]): void;
  /** `[command, ...args]` that runs `command` inside `place` (for spawn). */
  wrap(place: LabPlace, command: string, args: string[]): [string, string[]];
  /**
   * An executable script that runs `command` (with the script's arguments) inside `place`: give
   * it to a browser launcher as its executable.
   */
  wrapper(place: LabPlace, command: string): string;
  /**
   * Cuts (or with false, restores) the direct path between the two homes: router 1 drops every
   * packet to or from router 2's public address, while the internet (lobby, coturn) stays
   * reachable. What a NAT rebinding or a flaky route does to a direct pair mid-match.
   */
  cutDirect(cut: boolean): void;
  /** Runs a command inside `place` and returns its stdout (throws on a non-zero exit). */
  run(place: LabPlace | "r1" | "r2", command: string, args: string[]): string;
  /** Deletes every namespace (and so every interface and NAT rule) and the wrapper scripts. */
  destroy(): void;
}

const PREFIX = "duetlab";

/** Whether this process can build a lab (root, `ip`, `iptables`), or why not. */
export function labUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "the NAT lab needs root (ip netns, iptables)";
  for (const tool of ["ip", "iptables"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
      return `${tool} is not installed: apt-get install iproute2 iptables`;
    }
  }
  return null;
}

function ip(args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Removes namespaces left by lab runs whose process is gone (a crashed or killed run). */
function sweepStale(): void {
  if (!existsSync("/run/netns")) return;
  for (const name of readdirSync("/run/netns")) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) spawnSync("ip", ["netns", "del", name]);
  }
}

function natRules(kind: NatKind): string {
  const masquerade = kind === "symmetric" ? "-j MASQUERADE --random-fully" : "-j MASQUERADE";
  return [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    `-A POSTROUTING -o wan ${masquerade}`,
    "COMMIT",
    "*filter",
    ":INPUT ACCEPT [0:0]",
    ":FORWARD ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    "-A INPUT -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
    "-A INPUT -i wan -j DROP",
    "-A FORWARD -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
    "-A FORWARD -i wan -j DROP",
    "COMMIT",
    "",
  ].join("\n");
}

/**
 * Builds the lab with the given NATs. Throws (after removing what it made) if a step fails; call
 * {@link labUnavailable} first to skip cleanly where it cannot work.
 */
export function createNetLab(nats: readonly [NatKind, NatKind] = ["eim", "eim"]): NetLab {
  sweepStale();
  const tag = `${PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const ns = {
    wan: `${tag}-wan`,
    r1: `${tag}-r1`,
    r2: `${tag}-r2`,
    home1: `${tag}-home1`,
    home2: `${tag}-home2`,
  };
  const scripts = mkdtempSync(join(tmpdir(), "duet-lab-"));
  let current: [NatKind, NatKind] = [nats[0], nats[1]];

  const run = (place: keyof typeof ns, command: string, args: string[]): string =>
    execFileSync("ip", ["netns", "exec", ns[place], command, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });

  const programRouter = (i: 0 | 1, kind: NatKind): void => {
    const router = i === 0 ? "r1" : "r2";
    execFileSync("ip", ["netns", "exec", ns[router], "iptables-restore"], {
      input: natRules(kind),
      stdio: ["pipe", "ignore", "pipe"],
    });
    // Old mappings would outlive a change of NAT kind; /proc has no flush, so the conntrack tool
    // is used where installed. Every test opens new browsers on new ports anyway, so leftovers
    // only ever belong to closed sessions.
    spawnSync("ip", ["netns", "exec", ns[router], "conntrack", "-F"], { stdio: "ignore" });
  };

  const destroy = (): void => {
    for (const name of Object.values(ns)) {
      // Processes still inside (a browser that did not exit) would keep nothing alive once the
      // namespace's interfaces are gone, but end them anyway: they are this run's.
      const pids = spawnSync("ip", ["netns", "pids", name], { encoding: "utf8" }).stdout ?? "";
      for (const pid of pids.split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch { /* gone */ }
      }
      spawnSync("ip", ["netns", "del", name], { stdio: "ignore" });
    }
    rmSync(scripts, { recursive: true, force: true });
  };

  try {
    for (const name of Object.values(ns)) ip(["netns", "add", name]);
    for (const name of Object.values(ns)) ip(["-n", name, "link", "set", "lo", "up"]);
    // The internet: a bridge every router plugs into. Its default route (to nowhere) gives a
    // browser running here a route to gather candidates on (Firefox gathers none without one).
    ip(["-n", ns.wan, "link", "add", "br0", "type", "bridge"]);
    ip(["-n", ns.wan, "addr", "add", `${LAB.wan}/24`, "dev", "br0"]);
    ip(["-n", ns.wan, "link", "set", "br0", "up"]);
    ip(["-n", ns.wan, "route", "add", "default", "dev", "br0"]);
    for (const i of [0, 1] as const) {
      const router = i === 0 ? ns.r1 : ns.r2;
      const home = i === 0 ? ns.home1 : ns.home2;
      const n = i + 1;
      // WAN leg: `wan` in the router, `rN` on the bridge.
      ip([
        "-n",
        router,
        "link",
        "add",
        "wan",
        "type",
        "veth",
        "peer",
        "name",
        `r${n}`,
        "netns",
        ns.wan,
      ]);
      ip(["-n", ns.wan, "link", "set", `r${n}`, "master", "br0", "up"]);
      ip(["-n", router, "addr", "add", `${LAB.routers[i]}/24`, "dev", "wan"]);
      ip(["-n", router, "link", "set", "wan", "up"]);
      // LAN leg: `lan` in the router, `eth0` in the home.
      ip([
        "-n",
        router,
        "link",
        "add",
        "lan",
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        home,
      ]);
      ip(["-n", router, "addr", "add", `198.18.${n}.1/24`, "dev", "lan"]);
      ip(["-n", router, "link", "set", "lan", "up"]);
      ip(["-n", home, "addr", "add", `${LAB.homes[i]}/24`, "dev", "eth0"]);
      ip(["-n", home, "link", "set", "eth0", "up"]);
      ip(["-n", home, "route", "add", "default", "via", `198.18.${n}.1`]);
      execFileSync("ip", [
        "netns",
        "exec",
        router,
        "sh",
        "-c",
        "echo 1 > /proc/sys/net/ipv4/ip_forward",
      ]);
      programRouter(i, current[i]);
    }
  } catch (err) {
    destroy();
    throw err;
  }

  const places: Record<LabPlace, string> = { wan: ns.wan, home1: ns.home1, home2: ns.home2 };
  let wrappers = 0;
  return {
    ns,
    get nats() {
      return current;
    },
    setNats(next) {
      current = [next[0], next[1]];
      programRouter(0, current[0]);
      programRouter(1, current[1]);
    },
    cutDirect(cut) {
      const op = cut ? "-I" : "-D";
      for (const dir of ["-s", "-d"]) {
        execFileSync("ip", [
          "netns",
          "exec",
          ns.r1,
          "iptables",
          op,
          "FORWARD",
          dir,
          LAB.routers[1],
          "-j",
          "DROP",
        ]);
      }
    },
    wrap: (place, command, args) => ["ip", ["netns", "exec", places[place], command, ...args]],
    wrapper(place, command) {
      const path = join(scripts, `${place}-${wrappers++}`);
      writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${places[place]} ${command} "$@"\n`);
      chmodSync(path, 0o755);
      return path;
    },
    run,
    destroy,
  };
}
