// Cutting UDP with iptables inside the test's own loopback-only network namespace: all of it (the
// DataChannels go quiet; the lobby's WebSocket is TCP and stays up), or only between two ports (one
// ICE candidate pair dies while others still work). Shared by outage.spec.ts, resume.spec.ts and
// bench/resume.ts. Every rule added is remembered, so `restoreUdp()` in a teardown undoes exactly
// what a test did, even when it failed halfway.
import { execFileSync } from "node:child_process";

/** True inside a network namespace that has nothing but loopback (safe to firewall). */
export function privateNamespace(): boolean {
  try {
    const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
      .trim().split("\n").map((l) => l.split(":")[1]?.trim());
    execFileSync("iptables", ["-L", "OUTPUT", "-n"], { stdio: "ignore" });
    return links.length === 1 && links[0] === "lo";
  } catch {
    return false;
  }
}

/** Why a spec that cuts UDP skips outside such a namespace. */
export const NEEDS_NAMESPACE = "needs root in a loopback-only network namespace (npm test in CI)";

const added: string[][] = [];

function drop(rule: string[]): void {
  execFileSync("iptables", ["-I", ...rule], { stdio: "ignore" });
  added.push(rule);
}

/** Drops every UDP packet until {@link restoreUdp}. */
export function cutAllUdp(): void {
  drop(["OUTPUT", "-p", "udp", "-j", "DROP"]);
}

/** Drops UDP between ports `a` and `b`, both ways, until {@link restoreUdp}. */
export function cutUdpBetween(a: number, b: number): void {
  for (const [s, d] of [[a, b], [b, a]]) {
    drop(["OUTPUT", "-p", "udp", "--sport", String(s), "--dport", String(d), "-j", "DROP"]);
  }
}

/** Removes every rule this module added; rules already gone are skipped. */
export function restoreUdp(): void {
  for (const rule of added.splice(0)) {
    try {
      execFileSync("iptables", ["-D", ...rule], { stdio: "ignore" });
    } catch {
      // Already gone.
    }
  }
}
