/**
 * A test double for RTCPeerConnection, so the peer-connection logic (who offers, trickle ICE,
 * candidate queueing, channel lifecycle, timeouts) is unit-tested in Deno, which has no WebRTC.
 * Real WebRTC is proven separately in Chromium by the e2e tests.
 *
 * It keeps the browser's rules that matter to duet: `addIceCandidate` rejects before a remote
 * description, descriptions must come from the fake network, a peer with `iceTransportPolicy:
 * "relay"` and no TURN server gathers nothing, ICE connects only once both sides hold each other's
 * descriptions and at least one side heard a candidate, negotiated channels pair up by id, and
 * closing one side closes the other's channels.
 *
 * @module
 */

/** A fake network of peers; `factory` stands in for `new RTCPeerConnection(config)`. */
export interface FakeRtcNetwork {
  factory: (config: RTCConfiguration) => RTCPeerConnection;
  /** Every connection the factory made, in order. */
  readonly peers: FakePeer[];
  /** When false, candidates never produce a working pair (a firewall between the peers). */
  reachable: boolean;
}

/** What tests can inspect or trigger on one fake connection. */
export interface FakePeer {
  readonly config: RTCConfiguration;
  readonly channels: FakeChannel[];
  readonly addedCandidates: (RTCIceCandidateInit | null)[];
  closed: boolean;
  /** Sets the ICE/connection state and fires the change events (e.g. "disconnected"). */
  setTransportState(state: "connected" | "disconnected" | "failed"): void;
}

/** The fake RTCDataChannel's inspectable settings. */
export interface FakeChannel {
  readonly label: string;
  readonly init: RTCDataChannelInit;
  readonly readyState: RTCDataChannelState;
  binaryType: BinaryType;
  /** Every payload sent, for tests that count packets. */
  readonly sent: Uint8Array[];
}

interface ChannelImpl extends FakeChannel {
  readyState: RTCDataChannelState;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  send(data: Uint8Array | string): void;
  close(): void;
  peerChannel(): ChannelImpl | undefined;
  open(): void;
  shut(): void;
}

interface PeerImpl extends FakePeer {
  id: number;
  remote: PeerImpl | null;
  local: RTCSessionDescriptionInit | null;
  remoteDesc: RTCSessionDescriptionInit | null;
  signaling: RTCSignalingState;
  heard: boolean;
  /** Relay-only with no TURN server: no candidate pair can ever form. */
  relayOnly: boolean;
  iceConnectionState: RTCIceConnectionState;
  connectionState: RTCPeerConnectionState;
  channels: ChannelImpl[];
  api: Record<string, unknown>;
}

const later = (fn: () => void): void => {
  setTimeout(fn, 0);
};

/** Creates an empty fake network. */
export function createFakeRtcNetwork(): FakeRtcNetwork {
  const peers: PeerImpl[] = [];

  const connectIfReady = (a: PeerImpl): void => {
    const b = a.remote;
    if (!net.reachable || !b || a.closed || b.closed || a.relayOnly || b.relayOnly) return;
    if (!a.local || !a.remoteDesc || !b.local || !b.remoteDesc) return;
    if (!a.heard && !b.heard) return;
    // Connect once: a late candidate must not revive a connection a test has failed or dropped.
    if (a.iceConnectionState !== "new") return;
    for (const p of [a, b]) p.setTransportState("connected");
    for (const p of [a, b]) for (const ch of p.channels) ch.open();
  };

  const makeChannel = (peer: PeerImpl, label: string, init: RTCDataChannelInit): ChannelImpl => {
    const ch: ChannelImpl = {
      label,
      init: { ...init },
      readyState: "connecting",
      binaryType: "blob",
      sent: [],
      onopen: null,
      onclose: null,
      onmessage: null,
      send(data) {
        if (ch.readyState !== "open") throw new Error("InvalidStateError: channel not open");
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data.slice();
        ch.sent.push(bytes);
        later(() => {
          const other = ch.peerChannel();
          if (other?.readyState !== "open") return;
          other.onmessage?.(
            new MessageEvent("message", { data: typeof data === "string" ? data : bytes.buffer }),
          );
        });
      },
      close() {
        if (ch.readyState === "closed") return;
        ch.shut();
        ch.peerChannel()?.shut();
      },
      peerChannel: () => peer.remote?.channels.find((c) => c.init.id === init.id),
      open() {
        if (ch.readyState !== "connecting") return;
        // Like a browser, readyState changes when the event is dispatched, not before.
        later(() => {
          if (ch.readyState !== "connecting") return;
          ch.readyState = "open";
          ch.onopen?.(new Event("open"));
        });
      },
      shut() {
        if (ch.readyState === "closed") return;
        ch.readyState = "closed";
        later(() => ch.onclose?.(new Event("close")));
      },
    };
    return ch;
  };

  const factory = (config: RTCConfiguration): RTCPeerConnection => {
    const peer = {
      id: peers.length + 1,
      config,
      channels: [] as ChannelImpl[],
      addedCandidates: [] as (RTCIceCandidateInit | null)[],
      closed: false,
      remote: null,
      local: null,
      remoteDesc: null,
      signaling: "stable",
      heard: false,
      iceConnectionState: "new",
      connectionState: "new",
      api: {},
    } as unknown as PeerImpl;
    peer.setTransportState = (s) => {
      peer.iceConnectionState = s;
      peer.connectionState = s;
      later(() => {
        (peer.api.oniceconnectionstatechange as (() => void) | null)?.();
        (peer.api.onconnectionstatechange as (() => void) | null)?.();
      });
    };
    const relayOnly = config.iceTransportPolicy === "relay" &&
      !(config.iceServers ?? []).some((s) => String(s.urls).startsWith("turn"));
    peer.relayOnly = relayOnly;
    const gather = (): void => {
      const emit = (c: RTCIceCandidateInit | null) => {
        if (peer.closed) return;
        const candidate = c && { ...c, toJSON: () => ({ ...c }) };
        (peer.api.onicecandidate as ((e: unknown) => void) | null)?.({ candidate });
      };
      later(() => {
        if (!relayOnly) {
          emit({
            candidate: `candidate:${peer.id} 1 udp 2122260223 127.0.0.1 ${5000 + peer.id} typ host`,
            sdpMid: "0",
            sdpMLineIndex: 0,
          });
        }
        later(() => emit(null));
      });
    };
    const description = (type: "offer" | "answer") => ({ type, sdp: `fake-${type} ${peer.id}` });
    // defineProperties, not Object.assign: the state getters must stay live.
    Object.defineProperties(
      peer.api,
      Object.getOwnPropertyDescriptors({
        onicecandidate: null,
        oniceconnectionstatechange: null,
        onconnectionstatechange: null,
        get iceConnectionState() {
          return peer.iceConnectionState;
        },
        get connectionState() {
          return peer.connectionState;
        },
        get localDescription() {
          return peer.local;
        },
        get remoteDescription() {
          return peer.remoteDesc;
        },
        // Offer/answer state, so an ICE restart's second exchange can be told from a stray one.
        get signalingState() {
          return peer.signaling;
        },
        getConfiguration: () => ({ ...peer.config }),
        setConfiguration(c: RTCConfiguration) {
          (peer as { config: RTCConfiguration }).config = { ...c };
        },
        createDataChannel(label: string, init: RTCDataChannelInit = {}) {
          const ch = makeChannel(peer, label, init);
          peer.channels.push(ch);
          return ch;
        },
        createOffer: () => Promise.resolve(description("offer")),
        createAnswer() {
          if (peer.remoteDesc?.type !== "offer") {
            return Promise.reject(new Error("InvalidStateError: no remote offer"));
          }
          return Promise.resolve(description("answer"));
        },
        setLocalDescription(d: RTCSessionDescriptionInit) {
          peer.local = d;
          peer.signaling = d.type === "offer" ? "have-local-offer" : "stable";
          gather();
          connectIfReady(peer);
          return Promise.resolve();
        },
        setRemoteDescription(d: RTCSessionDescriptionInit) {
          const m = /^fake-(offer|answer) (\d+)$/.exec(d.sdp ?? "");
          const from = m && peers.find((p) => p.id === Number(m[2]));
          if (!m || m[1] !== d.type || !from) {
            return Promise.reject(new Error("OperationError: failed to parse SessionDescription"));
          }
          peer.remoteDesc = d;
          peer.signaling = d.type === "offer" ? "have-remote-offer" : "stable";
          peer.remote = from;
          from.remote ??= peer;
          connectIfReady(peer);
          return Promise.resolve();
        },
        addIceCandidate(c?: RTCIceCandidateInit | null) {
          if (!peer.remoteDesc) {
            return Promise.reject(new Error("InvalidStateError: no remote description"));
          }
          if (c && !/^candidate:/.test(c.candidate ?? "")) {
            return Promise.reject(new Error("OperationError: bad candidate"));
          }
          peer.addedCandidates.push(c ?? null);
          if (c) {
            peer.heard = true;
            connectIfReady(peer);
          }
          return Promise.resolve();
        },
        close() {
          if (peer.closed) return;
          peer.closed = true;
          peer.iceConnectionState = "closed";
          peer.connectionState = "closed";
          for (const ch of peer.channels) ch.close();
        },
      }),
    );
    peers.push(peer);
    return peer.api as unknown as RTCPeerConnection;
  };

  const net: FakeRtcNetwork = { factory, peers, reachable: true };
  return net;
}
