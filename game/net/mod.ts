/**
 * `duet-netcode`: the browser client. A lobby client, the WebRTC match connection (two negotiated
 * DataChannels, trickle ICE), the input transport (redundancy, acks, RTT, loss), the rollback
 * session (GGPO model: input delay, prediction, rollback, time sync, desync detection) and the
 * match runner that plays a whole match of any {@link RollbackGame}.
 *
 * No Phaser and no framework: bring your own renderer.
 *
 * @module
 */

export { type Clock, createManualClock, type ManualClock, realClock } from "./clock.ts";
export {
  checksumWords,
  type FrameInputs,
  isValidInput,
  MAX_INPUT,
  type RollbackGame,
} from "./game.ts";
export {
  createSignalingClient,
  DEFAULT_RECONNECT,
  isLobbyError,
  type JoinedRoom,
  type LobbyError,
  type LobbyErrorCode,
  lobbyUrl,
  type LobbyWelcome,
  type OutgoingStreamBatch,
  type Pairing,
  type ReconnectPolicy,
  type RoomListChange,
  type SignalingClient,
  type SignalingClientOptions,
  type SignalingState,
  type SpectatorStreamEnd,
  type StreamBatchMessage,
} from "./signaling_client.ts";
export {
  CONTROL_CHANNEL_INIT,
  createPeerConnection,
  INPUT_CHANNEL_INIT,
  type PeerConnection,
  type PeerConnectionOptions,
  type PeerState,
} from "./peer_connection.ts";
export {
  connectMatch,
  type MatchConnection,
  type MatchConnectionOptions,
  type MatchConnectionState,
} from "./match_connection.ts";
export {
  createInputTransport,
  type InputTransport,
  type InputTransportOptions,
  type LinkState,
  type TransportStats,
} from "./input_transport.ts";
export type { PacketChannel } from "./packet_channel.ts";
export {
  createP2PSession,
  type P2PSession,
  type P2PSessionOptions,
  type P2PSessionStats,
  type SessionEvent,
  type SessionTransport,
  type TickOutcome,
} from "./sessions/p2p_session.ts";
export { createTickPump, startMetronome, type TickPump } from "./tick_pump.ts";
export {
  createStatsHistory,
  type StatsHistory,
  type StatsHistoryOptions,
  type StatsSample,
} from "./stats_history.ts";
export { deriveSeed, mulberry32, type Prng } from "./prng.ts";
export { connectLobby, type ConnectLobbyOptions } from "./connect_lobby.ts";
export { type CreateGame, type MatchSetup, REMATCH_INPUT } from "./match/match_game.ts";
export {
  type CloseReason,
  inMatch,
  isFinished,
  type LifecycleState,
  type MatchPhase,
} from "./match/match_lifecycle.ts";
export {
  createMatchRunner,
  DEFAULT_GIVE_UP_AFTER_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_WAITING_AFTER_MS,
  type MatchEvent,
  type MatchRunner,
  type MatchRunnerOptions,
  seedFromSession,
  TICK_HZ,
  TICK_MS,
} from "./match/match_runner.ts";
export { emptyMatchStats, type MatchStats, matchStats } from "./match/match_stats.ts";
export { type Match, type RenderFrame, runMatch, type RunMatchOptions } from "./match/run_match.ts";
export {
  createReplayRecorder,
  type ReplayHeader,
  type ReplayRecorder,
} from "./replay/replay_recorder.ts";
export {
  createReplayPlayer,
  MAX_REPLAY_SPEED,
  MIN_REPLAY_SPEED,
  type ReplayMismatch,
  type ReplayPlayer,
  type ReplayPlayerOptions,
} from "./replay/replay_player.ts";
export {
  createMatchGame,
  type MatchGame,
  type MatchGameSnapshot,
  setupFor,
} from "./match/match_game.ts";
export {
  type OpenedReplay,
  openReplay,
  playReplay,
  type PlayReplayOptions,
  type ReplayFrame,
} from "./replay/play_replay.ts";
export {
  type ResumedSession,
  /** The returning side of a resume: a session rebuilt from the survivor's snapshot bytes. */
  resumeP2PSession,
} from "./sessions/p2p_session.ts";
export {
  decodeResumeSnapshot,
  MAX_RESUME_BYTES,
  type ResumeDecoded,
  type ResumeSnapshot,
} from "../../shared/resume_format.ts";
export {
  type Spectated,
  type SpectatorEvent,
  type SpectatorLobby,
  type SpectatorStats,
  watchMatch,
  type WatchMatchOptions,
} from "./spectate/watch_match.ts";
export { createSpectatorSession, type SpectatorSession } from "./spectate/spectator_session.ts";
export { type SpectatePhase, type SpectateState } from "./spectate/spectate_lifecycle.ts";
export { createStreamBatcher, type StreamBatch } from "./spectate/stream_batcher.ts";
export {
  createStreamCursor,
  type StreamCursor,
  type StreamCursorOptions,
  type StreamLog,
} from "./spectate/stream_cursor.ts";
