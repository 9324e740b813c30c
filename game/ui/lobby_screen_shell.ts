/**
 * The lobby screen's imperative shell: a class that owns the screen's DOM root, its borrowed
 * lobby callbacks and the room watch timer, and their lifetime (`show()`, `hide()`,
 * `destroy()`). It calls the {@link SignalingClient}, feeds what the client holds to the pure
 * view model (`lobby_screen_model.ts`) and renders the result through the layout, room list,
 * forms and parts files. `lobby_screen.ts` presents it as the public {@link LobbyScreen}.
 *
 * @module
 */

import type { RoomInfo } from "../../shared/lobby_protocol.ts";
import { errorText } from "../net/error_text.ts";
import { isLobbyError, type Pairing, type SignalingClient } from "../net/signaling_client.ts";
import { replaceChildren } from "./dom.ts";
import { borrowLobbyCallbacks, type LobbyCallbacks } from "./lobby_callbacks.ts";
import { bindLobbyForms } from "./lobby_forms.ts";
import { lobbyErrorText } from "./lobby_messages.ts";
import { renderRoomList } from "./lobby_room_list.ts";
import { buildLobbyLayout, type LobbyLayout } from "./lobby_screen_layout.ts";
import {
  connectionMessage,
  type CreateRoomRequest,
  JOIN_CODE_MISSING,
  joinFailure,
  type LobbyBusy,
  type LobbyMessage,
  type LobbyView,
  lobbyView,
  nameChange,
  type RoomRow,
} from "./lobby_screen_model.ts";
import { passwordDialog, statusContent, waitingCard } from "./lobby_screen_parts.ts";
import { type NameStorage, rememberName } from "./player_name.ts";

/** Everything the shell needs, already resolved (defaults applied by `createLobbyScreen`). */
export interface LobbyScreenShellOptions {
  lobby: SignalingClient;
  onPairing: (pairing: Pairing) => void;
  parent: HTMLElement;
  /** Prefix for element ids (unique per screen). */
  uid: string;
  name: string;
  storage: NameStorage | null;
  autoJoin: { room?: string | null; quick?: boolean } | null;
  inviteLink: (code: string) => string;
  title?: string;
  subtitle?: string;
  help?: string | Node | null;
  logo?: Node | null;
  inline?: boolean;
  onNameChange?: (name: string) => void;
  onMessage?: (text: string | null) => void;
  onWatch?: (room: RoomInfo, password?: string) => void;
}

/** How often a shown screen checks for a room change the client reports no event for. */
const ROOM_WATCH_MS = 250;

/** One lobby screen on the page, from construction to `destroy()`. */
export class LobbyScreenShell {
  /** The screen's root element. */
  readonly element: HTMLElement;
  /** The player's current name. */
  name: string;
  /** The message bar's content, or null. */
  message: LobbyMessage | null = null;
  /** Shown now. */
  visible = false;

  readonly #o: LobbyScreenShellOptions;
  readonly #lobby: SignalingClient;
  readonly #layout: LobbyLayout;
  #renamed = false;
  #busy: LobbyBusy = null;
  #filter = "";
  #destroyed = false;
  #giveBack: (() => void) | null = null;
  #autoJoin: { room?: string | null; quick?: boolean } | null;
  #lastRoomId: string | null = null;
  #waitingKey = "";
  #focusPending = true;
  #rendered = "";
  #watch: ReturnType<typeof setInterval> | null = null;
  readonly #handlers: LobbyCallbacks;

  constructor(o: LobbyScreenShellOptions) {
    this.#o = o;
    this.#lobby = o.lobby;
    this.name = o.name;
    this.#autoJoin = o.autoJoin;
    this.#layout = buildLobbyLayout(o);
    this.element = this.#layout.element;
    bindLobbyForms(this.#layout, {
      quick: () => void this.#act("quick", () => this.#lobby.quick()),
      create: (request) => this.#create(request),
      joinCode: (ref) => this.#joinCode(ref),
      rename: (typed) => void this.#rename(typed),
      filter: (text) => {
        this.#filter = text;
        this.#renderRooms(this.#view());
      },
      playerName: () => this.name,
    });
    this.#handlers = this.#lobbyHandlers();
    o.parent.appendChild(this.element);
  }

  // --- Lifetime -------------------------------------------------------------------------------

  /** Shows the screen and borrows the lobby's callbacks; see `LobbyScreen.show`. */
  show(): void {
    const lobby = this.#lobby;
    if (this.visible || this.#destroyed) return;
    this.visible = true;
    this.#giveBack = borrowLobbyCallbacks(lobby, this.#handlers);
    this.element.hidden = false;
    this.#focusPending = !lobby.room;
    this.#render();
    // The client reports no event when our room goes (its `left` reply to a leave() the game
    // sent, e.g. after a match): while shown, a cheap check re-renders when the room changed.
    this.#watch = setInterval(
      () => this.#roomKey() !== this.#rendered && this.#render(),
      ROOM_WATCH_MS,
    );
    if (lobby.state === "closed") lobby.reconnect(); // e.g. back from a match whose socket dropped
    if (lobby.paired) {
      const p = lobby.paired;
      queueMicrotask(() => this.visible && lobby.paired === p && this.#o.onPairing(p));
      return;
    }
    this.#runAutoJoin();
  }

  /** Hides the screen and gives the lobby's callbacks back. */
  hide(): void {
    if (!this.visible) return;
    this.visible = false;
    this.element.hidden = true;
    if (this.#watch !== null) clearInterval(this.#watch);
    this.#watch = null;
    replaceChildren(this.#layout.dialogHost);
    this.#giveBack?.();
    this.#giveBack = null;
  }

  /** Hides the screen and removes it from the page; later calls do nothing. */
  destroy(): void {
    this.hide();
    this.#destroyed = true;
    this.element.remove();
  }

  #lobbyHandlers(): LobbyCallbacks {
    const lobby = this.#lobby;
    return {
      onState: (s) => {
        this.#setMessage(connectionMessage(this.message, s, lobby.lastError?.code ?? null));
        this.#render();
      },
      onWelcome: () => {
        // The client sends its construction-time name on every welcome: repeat a rename since.
        if (this.#renamed) lobby.rename(this.name).catch((e) => this.#failed(e));
        this.#render();
        this.#runAutoJoin();
      },
      onRooms: () => this.#render(),
      onError: (e) => {
        this.say(lobbyErrorText(e.code, e.message));
        this.#runAutoJoin();
      },
      onPeerLeft: () => this.#render(),
      onPaired: (p) => this.#o.onPairing(p),
    };
  }

  // --- Messages -------------------------------------------------------------------------------

  /** Puts a sentence in the message bar (null clears it). */
  say(text: string | null, tone: "error" | "info" = "error"): void {
    this.#setMessage(text ? { text, tone, connection: false } : null);
  }

  #setMessage(m: LobbyMessage | null): void {
    const changed = m?.text !== this.message?.text;
    this.message = m;
    const bar = this.#layout.messageBar;
    bar.textContent = m?.text ?? "";
    bar.className = `duet-message ${m ? m.tone : "empty"}`;
    if (changed) this.#o.onMessage?.(m?.text ?? null);
  }

  #failed(e: unknown): void {
    if (isLobbyError(e)) this.say(lobbyErrorText(e.code, e.message));
    else this.say(errorText(e));
  }

  // --- Requests -------------------------------------------------------------------------------

  /** Runs one request at a time; the controls show it is under way. */
  async #act(what: Exclude<LobbyBusy, null>, run: () => Promise<unknown>): Promise<void> {
    if (this.#busy || this.#destroyed) return;
    this.#busy = what;
    this.element.setAttribute("aria-busy", "true");
    this.#render();
    try {
      await run();
      if (this.message?.tone === "error" && !this.message.connection) this.say(null);
    } catch (e) {
      if (!this.#destroyed) this.#failed(e);
    } finally {
      this.#busy = null;
      this.element.removeAttribute("aria-busy");
      if (!this.#destroyed) this.#render();
    }
  }

  async #rename(typed: string): Promise<void> {
    const { nameInput } = this.#layout;
    const change = nameChange(typed, this.name);
    if (change.kind === "invalid") {
      this.say(change.message);
      nameInput.value = this.name;
      return;
    }
    nameInput.value = change.name;
    if (change.kind === "same") return;
    this.name = change.name;
    this.#renamed = true;
    rememberName(this.#o.storage, this.name);
    this.#renderSide(this.#view());
    this.#o.onNameChange?.(this.name);
    if (this.#lobby.state !== "open") return; // sent after the next welcome
    try {
      const stored = await this.#lobby.rename(this.name);
      if (stored !== this.name && !this.#destroyed) {
        this.name = stored;
        nameInput.value = stored;
      }
      this.say(`You are now ${this.name}.`, "info");
    } catch (e) {
      this.#failed(e);
    }
  }

  #join(ref: string, password?: string): void {
    void this.#act("join", async () => {
      try {
        await this.#lobby.join(ref, password);
      } catch (e) {
        if (!isLobbyError(e)) throw e;
        const f = joinFailure(e.code, password !== undefined, e.message);
        if (f.askPassword) this.#askPassword(ref, f.wrongPassword);
        if (f.message) throw e;
      }
    });
  }

  #create(request: CreateRoomRequest): void {
    void this.#act("create", () => this.#lobby.create(request));
  }

  #joinCode(ref: string | null): void {
    if (!ref) {
      this.say(JOIN_CODE_MISSING);
      this.#layout.codeInput.focus();
      return;
    }
    this.#join(ref);
  }

  /** A room row was activated: join it, asking first for the password of a locked room. */
  #joinRow(r: RoomRow): void {
    const room = this.#lobby.rooms.get(r.id);
    if (!r.joinable || !room) return;
    if (room.locked) this.#askPassword(r.id, false);
    else this.#join(r.id);
  }

  #askPassword(ref: string, wasWrong: boolean, action: "join" | "watch" = "join"): void {
    const { dialogHost, quickButton } = this.#layout;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const close = (restoreFocus: boolean) => {
      replaceChildren(dialogHost);
      if (restoreFocus) (opener?.isConnected ? opener : quickButton).focus();
    };
    const dialog = passwordDialog({
      uid: this.#o.uid,
      roomName: this.#lobby.rooms.get(ref)?.name ?? null,
      wrong: wasWrong,
      action,
      onJoin: (password) => {
        close(false);
        const room = this.#lobby.rooms.get(ref);
        if (action === "join") this.#join(ref, password);
        else if (room) this.#o.onWatch?.(room, password);
      },
      onCancel: () => close(true),
    });
    replaceChildren(dialogHost, dialog.root);
    dialog.focus.focus();
  }

  #runAutoJoin(): void {
    const lobby = this.#lobby;
    // A reloaded page taking its seat back (connectLobby's resume) comes first; a refusal runs
    // this again from onError.
    if (
      !this.#autoJoin || lobby.state !== "open" || lobby.room || lobby.paired || lobby.resuming
    ) return;
    const { room, quick } = this.#autoJoin;
    this.#autoJoin = null;
    if (room) this.#join(room);
    else if (quick) void this.#act("quick", () => lobby.quick());
  }

  // --- Rendering ------------------------------------------------------------------------------

  #view(): LobbyView {
    const lobby = this.#lobby;
    return lobbyView({
      connection: lobby.state,
      rooms: lobby.rooms.values(),
      room: lobby.room,
      inviteCode: lobby.inviteCode,
      busy: this.#busy,
      name: this.name,
      filter: this.#filter,
      inviteLink: this.#o.inviteLink,
      canWatch: this.#o.onWatch !== undefined,
    });
  }

  #roomKey(): string {
    const lobby = this.#lobby;
    return `${lobby.state} ${lobby.room?.id ?? ""} ${lobby.inviteCode ?? ""}`;
  }

  #render(): void {
    const v = this.#view();
    statusContent(this.#layout.status, v, () => this.#lobby.reconnect());
    this.#renderRooms(v);
    this.#renderSide(v);
    this.#rendered = this.#roomKey();
    // The first focus goes to Quick match once it can be used (it is disabled until welcomed).
    const { quickButton } = this.#layout;
    if (this.#focusPending && this.visible && !quickButton.disabled) {
      const active = document.activeElement;
      if (!active || active === document.body) quickButton.focus({ preventScroll: true });
      this.#focusPending = false;
    }
  }

  #renderRooms(v: LobbyView): void {
    renderRoomList(this.#layout, v, {
      join: (r) => this.#joinRow(r),
      watch: (r) => {
        const room = this.#lobby.rooms.get(r.id);
        if (!r.watchable || !room) return;
        if (room.locked) this.#askPassword(r.id, false, "watch");
        else this.#o.onWatch?.(room);
      },
    });
  }

  #renderSide(v: LobbyView): void {
    const l = this.#layout;
    l.quickButton.disabled = !v.canQuick;
    l.quickButton.textContent = v.labels.quick;
    l.createButton.disabled = !v.canCreate;
    l.createButton.textContent = v.labels.create;
    l.joinButton.disabled = !v.canJoinCode;
    l.joinButton.textContent = v.labels.join;
    l.roomNameInput.placeholder = v.defaultRoomName;
    l.actions.hidden = v.waiting !== null;
    l.waiting.hidden = v.waiting === null;
    this.#renderWaiting(v);
  }

  #renderWaiting(v: LobbyView): void {
    const roomId = this.#lobby.room?.id ?? null;
    if (!v.waiting) {
      if (this.#lastRoomId !== null && this.visible) this.#layout.quickButton.focus();
      this.#lastRoomId = null;
      this.#waitingKey = "";
      return;
    }
    // Rebuilt only when it changes, so focus on its buttons survives unrelated renders.
    const key = JSON.stringify([v.waiting, v.labels.leave, v.canLeave]);
    if (key === this.#waitingKey) return;
    this.#waitingKey = key;
    const next = waitingCard(this.#layout.waiting, {
      uid: this.#o.uid,
      waiting: v.waiting,
      leaveLabel: v.labels.leave,
      canLeave: v.canLeave,
      onLeave: () => void this.#act("leave", () => this.#lobby.leave()),
      say: (text) => this.say(text, "info"),
    });
    // Entering a room moves focus to what comes next (share the link, or leave).
    if (roomId !== this.#lastRoomId && this.visible) next.focus();
    this.#lastRoomId = roomId;
  }
}
