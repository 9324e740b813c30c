/**
 * A spectator's hold on the lobby client's stream callbacks. It installs its own `onStream` /
 * `onStreamEnd`, still calling whatever was there before (the page may listen too), and hands
 * back the previous ones on `detach` unless someone replaced them since. Messages that arrive
 * before `watch` resolved cannot be matched to a room yet, so they are held and replayed in
 * order once the room is known; after that only the watched room's messages get through.
 *
 * @module
 */

import type { SpectatorStreamEnd, StreamBatchMessage } from "../lobby_connection.ts";
import type { SpectatorLobby } from "./watch_match.ts";

/** What the tap needs of the lobby client: its two stream callbacks. */
type StreamHooks = Pick<SpectatorLobby, "onStream" | "onStreamEnd">;

/** Where the watched room's messages go. */
export interface StreamTapSink {
  batch(b: StreamBatchMessage): void;
  end(reason: SpectatorStreamEnd): void;
}

/** The tap; see the module comment. */
export class LobbyStreamTap {
  #room: string | null = null;
  #early: (() => void)[] | null = [];
  readonly #previousStream: StreamHooks["onStream"];
  readonly #previousEnd: StreamHooks["onStreamEnd"];
  readonly #lobby: StreamHooks;
  readonly #sink: StreamTapSink;

  /** Installs the tap on `lobby`; nothing reaches `sink` before {@link open}. */
  constructor(lobby: StreamHooks, sink: StreamTapSink) {
    this.#lobby = lobby;
    this.#sink = sink;
    this.#previousStream = lobby.onStream;
    this.#previousEnd = lobby.onStreamEnd;
    lobby.onStream = this.#onStream;
    lobby.onStreamEnd = this.#onEnd;
  }

  /** The room is known: stops holding; returns a call that replays what was held, in order. */
  open(room: string): () => void {
    this.#room = room;
    const pending = this.#early ?? [];
    this.#early = null;
    return () => {
      for (const handle of pending) handle();
    };
  }

  /** The watch failed: drops what was held, and everything after (no room will match). */
  refuse(): void {
    this.#early = null;
  }

  /** Hands the lobby its previous callbacks back, unless they were replaced since. */
  detach(): void {
    if (this.#lobby.onStream === this.#onStream) this.#lobby.onStream = this.#previousStream;
    if (this.#lobby.onStreamEnd === this.#onEnd) this.#lobby.onStreamEnd = this.#previousEnd;
  }

  #onStream = (b: StreamBatchMessage) => {
    if (this.#early !== null) this.#early.push(() => this.#batch(b));
    else this.#batch(b);
    this.#previousStream?.(b);
  };

  #onEnd = (e: { room: string; reason: SpectatorStreamEnd }) => {
    if (this.#early !== null) this.#early.push(() => this.#end(e));
    else this.#end(e);
    this.#previousEnd?.(e);
  };

  #batch(b: StreamBatchMessage): void {
    if (this.#room !== null && b.room === this.#room) this.#sink.batch(b);
  }

  #end(e: { room: string; reason: SpectatorStreamEnd }): void {
    if (this.#room !== null && e.room === this.#room) this.#sink.end(e.reason);
  }
}
