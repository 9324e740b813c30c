// Where a benchmark runs: a private loopback-only network namespace (so nothing leaves the machine
// and helpers never collide on ports), optionally with real UDP delay and loss. Preference order:
// ../shared/tools/netimpair (iptables DROP + an NFQUEUE delayer, for kernels without netem),
// `tc qdisc ... netem` in an `unshare -n` namespace, a plain `unshare -n` namespace (no real
// impairment: recorded as such), and finally the current network (recorded too).
import { hasCommand, isRoot } from "./proc.ts";

/** One-way delay and loss per direction, applied to UDP (the DataChannel traffic). */
export interface Impairment {
  delayMs: number;
  lossPct: number;
}

/** How a command will run and what the report must say about it. */
export interface Sandbox {
  argv: string[];
  method: "netimpair" | "tc-netem" | "unshare" | "none";
  /** Whether the requested impairment is really applied by the kernel. */
  impaired: boolean;
  description: string;
}

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * Where to look for the netimpair tool: `$NETIMPAIR`, then `shared/tools/netimpair/netimpair` in
 * each directory above the repository (a checkout beside `shared/`, or a worktree a level deeper,
 * e.g. `wt/NAME`, which the old single `../shared` missed, so input ran unimpaired there).
 */
export function netimpairCandidates(root: string, own: string | undefined): string[] {
  const out = own ? [own] : [];
  let dir = root.replace(/\/+$/, "");
  while (dir.includes("/")) {
    dir = dir.slice(0, dir.lastIndexOf("/"));
    out.push(`${dir}/shared/tools/netimpair/netimpair`);
  }
  return out;
}

/**
 * The netimpair tool above the repository ($NETIMPAIR overrides; NETIMPAIR=off never uses it, as
 * CI does: the tool lives outside the repository), or null when absent.
 */
export function netimpairPath(): string | null {
  const own = Deno.env.get("NETIMPAIR");
  if (own === "off") return null;
  for (const c of netimpairCandidates(ROOT, own)) {
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch { /* next */ }
  }
  return null;
}

let netemWorks: boolean | null = null;
/** Whether this kernel has sch_netem (probed once, inside a throwaway namespace). */
function probeNetem(): boolean {
  if (netemWorks !== null) return netemWorks;
  try {
    const r = new Deno.Command("unshare", {
      args: ["-n", "sh", "-c", "ip link set lo up && tc qdisc add dev lo root netem delay 1ms"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    netemWorks = r.success;
  } catch {
    netemWorks = false;
  }
  return netemWorks;
}

/** The pure decision, given what the machine offers (tested without touching the network). */
export function chooseSandbox(
  cmd: string[],
  imp: Impairment | null,
  have: { root: boolean; unshare: boolean; netimpair: string | null; netem: () => boolean },
): Sandbox {
  const want = imp && (imp.delayMs > 0 || imp.lossPct > 0) ? imp : null;
  const label = imp
    ? `UDP ${imp.delayMs} ms one-way delay, ${imp.lossPct}% loss per direction`
    : "";
  if (have.root && have.netimpair && imp) {
    return {
      argv: [
        have.netimpair,
        "--delay",
        String(imp.delayMs),
        "--loss",
        String(imp.lossPct),
        "--",
        ...cmd,
      ],
      method: "netimpair",
      impaired: true,
      description: `netimpair (iptables random DROP + NFQUEUE delay, UDP only; TCP signalling ` +
        `unimpaired), loopback-only namespace: ${label}`,
    };
  }
  if (have.root && have.unshare) {
    if (want && have.netem()) {
      const q = `tc qdisc add dev lo root netem delay ${want.delayMs}ms loss ${want.lossPct}%`;
      return {
        argv: ["unshare", "-n", "sh", "-c", `ip link set lo up && ${q} && exec "$@"`, "sh", ...cmd],
        method: "tc-netem",
        impaired: true,
        description:
          `tc netem on lo in a loopback-only namespace (every packet, TCP too): ${label}`,
      };
    }
    return {
      argv: ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", ...cmd],
      method: "unshare",
      impaired: !want,
      description: want
        ? `REAL IMPAIRMENT UNAVAILABLE (no netimpair, no netem): plain loopback-only namespace, wanted ${label}`
        : "loopback-only network namespace, no impairment",
    };
  }
  return {
    argv: cmd,
    method: "none",
    impaired: !want,
    description: want
      ? `REAL IMPAIRMENT UNAVAILABLE (not root): host network (loopback only used), wanted ${label}`
      : "host network (loopback only used); no private namespace (not root)",
  };
}

/** Chooses how to run `cmd` on this machine. */
export function sandbox(cmd: string[], imp: Impairment | null = null): Sandbox {
  return chooseSandbox(cmd, imp, {
    root: isRoot(),
    unshare: hasCommand("unshare") && hasCommand("ip"),
    netimpair: netimpairPath(),
    netem: probeNetem,
  });
}
