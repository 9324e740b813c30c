// Browser side of the connect-time benchmark (bundled into the bench page): the same two
// negotiated channels opened through duet (signalling client + peer connection) and through a
// bare RTCPeerConnection with a minimal relay. Times are epoch ms (timeOrigin + now) so two pages
// of one browser can be compared.
import { createSignalingClient, type SignalingClient } from "../game/net/signaling_client.ts";
import {
  CONTROL_CHANNEL_INIT,
  createPeerConnection,
  INPUT_CHANNEL_INIT,
  type PeerConnection,
} from "../game/net/peer_connection.ts";

/** When this page got `paired` and when both of its channels were open (epoch ms). */
export interface ConnectResult {
  pairedAt: number;
  openAt: number;
}

/** Epoch milliseconds of a performance.now() reading, comparable across pages. */
export const epoch = (t: number = performance.now()): number => performance.timeOrigin + t;

let lobby: SignalingClient | null = null;
let peer: PeerConnection | null = null;
let pending: Promise<ConnectResult> | null = null;

/** This page's lobby client (after `duetReady`), for the spectator benchmark's stream. */
export function currentLobby(): SignalingClient | null {
  return lobby;
}

/** The duet connection of this page (after a duet connect), for the input benchmark. */
export function currentPeer(): PeerConnection | null {
  return peer;
}

/** Connects this page's signalling client to the lobby and waits for `welcome`. */
export async function duetReady(url: string): Promise<void> {
  lobby = createSignalingClient({ url, name: "bench", reconnect: false });
  await lobby.ready();
}

function armPairing(l: SignalingClient): void {
  pending = l.waitForPaired().then(async (p) => {
    const pairedAt = epoch(p.at);
    const pc = createPeerConnection({
      role: p.role,
      sendSignal: (d) => void l.signal(d),
      iceServers: l.welcome?.iceServers as RTCIceServer[] | undefined,
      pairedAt: p.at,
    });
    peer = pc;
    l.onSignal = (d) => pc.handleSignal(d);
    await pc.connect();
    return { pairedAt, openAt: epoch() };
  });
  pending.catch(() => {}); // reported through duetResult()
}

/** Creates a private room and returns its invite code; the pairing is then awaited. */
export async function duetCreate(): Promise<string> {
  if (!lobby) throw new Error("duetReady first");
  armPairing(lobby);
  const joined = await lobby.create({ name: "bench", private: true });
  if (!joined.code) throw new Error("private room without an invite code");
  return joined.code;
}

/** Joins the room with `code`; pairing and connecting start at once. */
export async function duetJoin(code: string): Promise<void> {
  if (!lobby) throw new Error("duetReady first");
  armPairing(lobby);
  await lobby.join(code);
}

/** Resolves when both channels of this page are open. */
export function duetResult(): Promise<ConnectResult> {
  if (!pending) return Promise.reject(new Error("no duet connect in progress"));
  return pending;
}

/** Closes this page's duet connection and lobby socket. */
export function duetClose(): void {
  peer?.close();
  lobby?.close();
  peer = null;
  lobby = null;
  pending = null;
}

let bare: { ws: WebSocket; pc: RTCPeerConnection | null } | null = null;

/**
 * A bare RTCPeerConnection with the same two negotiated channels, signalling through the bench
 * server's relay (`paired` with a role, then offer/answer/candidates forwarded verbatim). Trickle
 * ICE, remote candidates held until the remote description is set: the least a correct
 * implementation does.
 */
export function bareConnect(relayUrl: string, room: string): Promise<ConnectResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${relayUrl}?room=${encodeURIComponent(room)}`);
    const state: { ws: WebSocket; pc: RTCPeerConnection | null } = { ws, pc: null };
    bare = state;
    let pairedAt = 0;
    let opened = 0;
    const held: RTCIceCandidateInit[] = [];
    const timer = setTimeout(() => reject(new Error("bare connect timed out")), 10_000);
    const send = (o: unknown) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(o));
    const start = async (role: string) => {
      const pc = new RTCPeerConnection({ iceServers: [] });
      state.pc = pc;
      const onOpen = () => {
        if (++opened === 2) {
          clearTimeout(timer);
          resolve({ pairedAt, openAt: epoch() });
        }
      };
      pc.createDataChannel("control", CONTROL_CHANNEL_INIT).onopen = onOpen;
      pc.createDataChannel("input", INPUT_CHANNEL_INIT).onopen = onOpen;
      pc.onicecandidate = (e) => send({ candidate: e.candidate ? e.candidate.toJSON() : null });
      if (role === "offerer") {
        await pc.setLocalDescription(await pc.createOffer());
        send({ sdp: pc.localDescription });
      }
    };
    ws.onmessage = async (e) => {
      try {
        const m = JSON.parse(String(e.data));
        if (m.type === "paired") {
          pairedAt = epoch();
          await start(m.role);
          return;
        }
        const pc = state.pc;
        if (!pc) return;
        if (m.sdp) {
          await pc.setRemoteDescription(m.sdp);
          if (m.sdp.type === "offer") {
            await pc.setLocalDescription(await pc.createAnswer());
            send({ sdp: pc.localDescription });
          }
          for (const c of held.splice(0)) await pc.addIceCandidate(c);
        } else if ("candidate" in m && m.candidate) {
          if (pc.remoteDescription) await pc.addIceCandidate(m.candidate);
          else held.push(m.candidate);
        }
      } catch (err) {
        clearTimeout(timer);
        reject(err);
      }
    };
    ws.onerror = () => reject(new Error("relay socket error"));
  });
}

/** Closes the bare connection of this page. */
export function bareClose(): void {
  bare?.pc?.close();
  bare?.ws.close();
  bare = null;
}
