/**
 * Which network path a WebRTC connection took, read from `RTCPeerConnection.getStats()`: the
 * selected ICE candidate pair and its two candidates. Players and support staff ask "are we
 * relayed?"; this answers it (`direct` or `relay`), and says how (`host`, `srflx`, `prflx` or
 * `relay` on each side, UDP or TCP, and the protocol to the TURN server when relayed).
 *
 * Pure: it takes the stats report's values, so it is tested on recorded reports of Chromium and
 * Firefox, which find the selected pair differently (Chromium: the `transport` stats'
 * `selectedCandidatePairId`; Firefox: a `selected: true` flag on the pair).
 *
 * @module
 */

/** An ICE candidate's type: on this machine, seen from a STUN server, learnt from checks, TURN. */
export type CandidateType = "host" | "srflx" | "prflx" | "relay";

/** The path of the selected candidate pair. */
export interface ConnectionPath {
  /** `relay` if either side sends through a TURN server, else `direct`. */
  kind: "direct" | "relay";
  local: CandidateType;
  remote: CandidateType;
  /** Transport between the two candidates. */
  protocol: "udp" | "tcp";
  /** How the local side reaches its TURN server (`udp`, `tcp`, `tls`), when it is relayed. */
  relayProtocol: "udp" | "tcp" | "tls" | null;
  /** `address:port` of each candidate (empty when the browser hides it). */
  localAddress: string;
  remoteAddress: string;
}

type Stat = Record<string, unknown> & { id?: unknown; type?: unknown };

const TYPES: readonly string[] = ["host", "srflx", "prflx", "relay"];

function candidateType(v: unknown): CandidateType | null {
  return typeof v === "string" && TYPES.includes(v) ? v as CandidateType : null;
}

function address(c: Stat): string {
  const host = typeof c.address === "string" ? c.address : typeof c.ip === "string" ? c.ip : "";
  const port = typeof c.port === "number" ? c.port : null;
  if (!host) return "";
  return port === null ? host : host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The path of the selected candidate pair in a stats report (the values of `getStats()`'s map),
 * or null when no pair is selected yet (still checking, or failed).
 */
export function pathFromStats(stats: Iterable<Stat>): ConnectionPath | null {
  const byId = new Map<string, Stat>();
  const pairs: Stat[] = [];
  let selectedId: string | null = null;
  for (const s of stats) {
    if (typeof s.id === "string") byId.set(s.id, s);
    if (s.type === "candidate-pair") pairs.push(s);
    if (s.type === "transport" && typeof s.selectedCandidatePairId === "string") {
      selectedId = s.selectedCandidatePairId;
    }
  }
  const pair = (selectedId !== null ? byId.get(selectedId) : undefined) ??
    pairs.find((p) => p.selected === true) ??
    // Neither marker: the nominated pair that works is the one in use.
    pairs.find((p) => p.nominated === true && p.state === "succeeded");
  if (!pair) return null;
  const local = byId.get(String(pair.localCandidateId));
  const remote = byId.get(String(pair.remoteCandidateId));
  if (!local || !remote) return null;
  const lt = candidateType(local.candidateType);
  const rt = candidateType(remote.candidateType);
  if (!lt || !rt) return null;
  const protocol = local.protocol === "tcp" ? "tcp" : "udp";
  const rp = local.relayProtocol;
  const relayProtocol = lt === "relay" && (rp === "udp" || rp === "tcp" || rp === "tls")
    ? rp
    : null;
  return {
    kind: lt === "relay" || rt === "relay" ? "relay" : "direct",
    local: lt,
    remote: rt,
    protocol,
    relayProtocol,
    localAddress: address(local),
    remoteAddress: address(remote),
  };
}

/** Whether two paths are the same (to report a change only when the pair really changed). */
export function samePath(a: ConnectionPath | null, b: ConnectionPath | null): boolean {
  if (a === null || b === null) return a === b;
  return a.kind === b.kind && a.local === b.local && a.remote === b.remote &&
    a.protocol === b.protocol && a.relayProtocol === b.relayProtocol &&
    a.localAddress === b.localAddress && a.remoteAddress === b.remoteAddress;
}

/**
 * One short line for people (it fits the overlay): `direct srflx→srflx udp`, or
 * `relay relay→prflx udp (TURN tcp)` with the protocol to the TURN server; `unknown` before a
 * pair is selected.
 */
export function describePath(p: ConnectionPath | null): string {
  if (!p) return "unknown";
  const turn = p.relayProtocol ? ` (TURN ${p.relayProtocol})` : "";
  return `${p.kind} ${p.local}→${p.remote} ${p.protocol}${turn}`;
}
