/**
 * The drop-in lobby screen: plain DOM over (or beside) any game's canvas. It shows the live room
 * list (join by click; a locked room asks for its password), quick match, a form to create a room
 * (private toggle, optional password), join by code or pasted invite link, the invite link of our
 * private room, the player's name (remembered), the connection status and every lobby error in
 * words. It tells the game when a pairing starts; the game then runs its match.
 *
 * The decisions live in `lobby_screen_model.ts` (pure, tested); this file only builds elements,
 * calls the {@link SignalingClient} and re-renders.
 *
 * @module
 */

import type { RoomInfo } from "../../shared/lobby_protocol.ts";
import { PLAYER_NAME_MAX_LENGTH } from "../../shared/limits.ts";
import {
  isLobbyError,
  type Pairing,
  type SignalingClient,
  type SignalingState,
} from "../net/signaling_client.ts";
import { h, replaceChildren } from "./dom.ts";
import { lobbyErrorText } from "./lobby_messages.ts";
import { LOBBY_SCREEN_STYLE_ID, lobbyScreenCss } from "./lobby_screen_css.ts";
import {
  connectionMessage,
  inviteLinkFor,
  joinFailure,
  type LobbyBusy,
  type LobbyMessage,
  lobbyView,
  parseRoomRef,
  roomNameToCreate,
  type RoomRow,
} from "./lobby_screen_model.ts";
import { buildLobbyLayout } from "./lobby_screen_layout.ts";
import {
  passwordDialog,
  roomItem as roomItemElement,
  statusContent,
  waitingCard,
} from "./lobby_screen_parts.ts";
import { choosePlayerName, cleanName, type NameStorage, rememberName } from "./player_name.ts";
import { injectStyle } from "./style.ts";

/** Options of {@link createLobbyScreen}. */
export interface LobbyScreenOptions {
  /** The lobby connection (see `createSignalingClient` in `duet-netcode`). */
  lobby: SignalingClient;
  /** Called once per pairing: hide the screen and start the match. */
  onPairing: (pairing: Pairing) => void;
  /** Where the screen goes; default `document.body`. */
  parent?: HTMLElement;
  /** Heading; default "duet". */
  title?: string;
  /** Line under the heading; default "peer to peer · rollback netcode". */
  subtitle?: string;
  /** Footer text or element (e.g. the game's controls); default none. */
  help?: string | Node | null;
  /** Replaces the two-dot logo; `null` shows none. */
  logo?: Node | null;
  /** The player's name; default the remembered one (or a generated one). */
  name?: string;
  /** Where the name is remembered; default `localStorage` (null: not remembered). */
  storage?: NameStorage | null;
  /** Called after the player renamed themselves. */
  onNameChange?: (name: string) => void;
  /**
   * Join a room or quick-match once the lobby is open; default from the page's URL (`?room=CODE`,
   * `?quick`), `false` for neither.
   */
  autoJoin?: { room?: string | null; quick?: boolean } | false;
  /** Builds the invite link of a private room; default this page's URL with `?room=CODE`. */
  inviteLink?: (code: string) => string;
  /** A message to show from the start (e.g. ignored URL parameters). */
  notice?: string | null;
  /** Called whenever the message bar changes (for automation or analytics). */
  onMessage?: (text: string | null) => void;
  /** Lay out in the page flow instead of centred over the viewport. */
  inline?: boolean;
  /** Start hidden (call `show()` later); default shown. */
  hidden?: boolean;
  /**
   * Offers a Watch button on rooms whose match is playing (not on locked ones); called with the
   * room when pressed: hide the screen and start `watchMatch`. Absent: no Watch buttons.
   */
  onWatch?: (room: RoomInfo) => void;
}

/** A lobby screen on the page. */
export interface LobbyScreen {
  /** The screen's root element (class `duet-lobby`). */
  readonly element: HTMLElement;
  /** Shown now. */
  readonly visible: boolean;
  /** The player's current name. */
  readonly name: string;
  /** The message bar's text, or null. */
  readonly message: string | null;
  /**
   * Shows the screen and takes the lobby's callbacks (`onState`, `onWelcome`, `onRooms`,
   * `onError`, `onPeerLeft`, `onPaired`); reconnects a closed lobby; reports a pairing that came
   * while hidden.
   */
  show(): void;
  /** Hides the screen and gives the lobby's callbacks back as they were before `show()`. */
  hide(): void;
  /** Hides the screen and removes it from the page. */
  destroy(): void;
  /** Puts a sentence in the message bar (null clears it). */
  say(text: string | null, tone?: "error" | "info"): void;
}

type Handlers = Pick<
  SignalingClient,
  "onState" | "onWelcome" | "onRooms" | "onError" | "onPeerLeft" | "onPaired"
>;

let nextId = 0;

/**
 * Creates the lobby screen and shows it (unless `hidden`).
 *
 * @example
 * ```ts
 * import { connectLobby } from "duet-netcode";
 * import { createLobbyScreen } from "duet-netcode/ui";
 *
 * const lobby = connectLobby({ game: "dots", version: "1" });
 * const screen = createLobbyScreen({
 *   lobby,
 *   title: "Dots",
 *   subtitle: "two players, one board",
 *   help: "Arrow keys move. F3 shows the network.",
 *   onPairing: () => {
 *     screen.hide();
 *     startMatch(lobby); // e.g. runMatch({ lobby, ... }); screen.show() when it ends
 *   },
 * });
 * ```
 */
export function createLobbyScreen(options: LobbyScreenOptions): LobbyScreen {
  const { lobby } = options;
  injectStyle(LOBBY_SCREEN_STYLE_ID, lobbyScreenCss);
  const uid = `duet-${++nextId}`;
  const storage = options.storage === undefined ? safeLocalStorage() : options.storage;
  let name = options.name ?? choosePlayerName(null, storage, Math.random);
  let renamed = false;
  let busy: LobbyBusy = null;
  let filter = "";
  let message: LobbyMessage | null = null;
  let visible = false;
  let destroyed = false;
  let saved: Handlers | null = null;
  let autoJoin = options.autoJoin === undefined ? autoJoinFromUrl() : options.autoJoin || null;
  let lastRoomId: string | null = null;
  let waitingKey = "";
  let focusPending = true;
  const inviteLink = options.inviteLink ?? ((code: string) => inviteLinkFor(location.href, code));

  const layout = buildLobbyLayout({
    uid,
    name,
    title: options.title,
    subtitle: options.subtitle,
    help: options.help,
    logo: options.logo,
    inline: options.inline,
  }, {
    quick: () => void act("quick", () => lobby.quick()),
    create: onCreate,
    joinCode: onJoinCode,
  });
  const {
    element,
    status,
    messageBar,
    roomList,
    roomCount,
    filterInput,
    filterBox,
    dialogHost,
    nameInput,
    quickButton,
    roomNameInput,
    privateInput,
    passwordInput,
    createButton,
    codeInput,
    joinButton,
    actions,
    waiting,
  } = layout;
  filterInput.addEventListener("input", () => {
    filter = filterInput.value;
    renderRooms();
  });
  nameInput.addEventListener("change", () => void rename());
  nameInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void rename();
  });
  (options.parent ?? document.body).appendChild(element);

  // --- Behaviour ------------------------------------------------------------------------------
  function say(text: string | null, tone: "error" | "info" = "error", connection = false): void {
    setMessage(text ? { text, tone, connection } : null);
  }

  function setMessage(m: LobbyMessage | null): void {
    const changed = m?.text !== message?.text;
    message = m;
    messageBar.textContent = m?.text ?? "";
    messageBar.className = `duet-message ${m ? m.tone : "empty"}`;
    if (changed) options.onMessage?.(m?.text ?? null);
  }

  function failed(e: unknown): void {
    if (isLobbyError(e)) say(lobbyErrorText(e.code, e.message));
    else say(e instanceof Error ? e.message : String(e));
  }

  /** Runs one request at a time; the controls show it is under way. */
  async function act(what: Exclude<LobbyBusy, null>, run: () => Promise<unknown>): Promise<void> {
    if (busy || destroyed) return;
    busy = what;
    element.setAttribute("aria-busy", "true");
    render();
    try {
      await run();
      if (message?.tone === "error" && !message.connection) say(null);
    } catch (e) {
      if (!destroyed) failed(e);
    } finally {
      busy = null;
      element.removeAttribute("aria-busy");
      if (!destroyed) render();
    }
  }

  async function rename(): Promise<void> {
    const clean = cleanName(nameInput.value);
    if (!clean) {
      say(`Names are 1 to ${PLAYER_NAME_MAX_LENGTH} characters.`);
      nameInput.value = name;
      return;
    }
    nameInput.value = clean;
    if (clean === name) return;
    name = clean;
    renamed = true;
    rememberName(storage, name);
    renderSide();
    options.onNameChange?.(name);
    if (lobby.state !== "open") return; // sent after the next welcome
    try {
      const stored = await lobby.rename(name);
      if (stored !== name && !destroyed) {
        name = stored;
        nameInput.value = stored;
      }
      say(`You are now ${name}.`, "info");
    } catch (e) {
      failed(e);
    }
  }

  function join(ref: string, password?: string): void {
    void act("join", async () => {
      try {
        await lobby.join(ref, password);
      } catch (e) {
        if (!isLobbyError(e)) throw e;
        const f = joinFailure(e.code, password !== undefined, e.message);
        if (f.askPassword) askPassword(ref, f.wrongPassword);
        if (f.message) throw e;
      }
    });
  }

  function onCreate(e: Event): void {
    e.preventDefault();
    void act("create", () =>
      lobby.create({
        name: roomNameToCreate(roomNameInput.value, name),
        private: privateInput.checked,
        password: passwordInput.value === "" ? undefined : passwordInput.value,
      }));
  }

  function onJoinCode(e: Event): void {
    e.preventDefault();
    const ref = parseRoomRef(codeInput.value);
    if (!ref) {
      say("Type an invite code, a room id or an invite link first.");
      codeInput.focus();
      return;
    }
    join(ref);
  }

  function askPassword(ref: string, wasWrong: boolean): void {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const close = (restoreFocus: boolean) => {
      replaceChildren(dialogHost);
      if (restoreFocus) (opener?.isConnected ? opener : quickButton).focus();
    };
    const dialog = passwordDialog({
      uid,
      roomName: lobby.rooms.get(ref)?.name ?? null,
      wrong: wasWrong,
      onJoin: (password) => {
        close(false);
        join(ref, password);
      },
      onCancel: () => close(true),
    });
    replaceChildren(dialogHost, dialog.root);
    dialog.focus.focus();
  }

  // --- Rendering ------------------------------------------------------------------------------
  const view = () =>
    lobbyView({
      connection: lobby.state,
      rooms: lobby.rooms.values(),
      room: lobby.room,
      inviteCode: lobby.inviteCode,
      busy,
      name,
      filter,
      inviteLink,
      canWatch: options.onWatch !== undefined,
    });

  function renderStatus(v = view()): void {
    statusContent(status, v, () => lobby.reconnect());
  }

  function renderRooms(v = view()): void {
    roomCount.textContent = v.total ? `(${v.total})` : "";
    filterBox.hidden = !v.showFilter;
    const focused = document.activeElement?.closest?.("[data-testid=room]")?.getAttribute(
      "data-room-id",
    );
    if (v.rows.length === 0) {
      replaceChildren(roomList, h("li", { class: "duet-empty" }, v.empty));
      return;
    }
    replaceChildren(roomList, ...v.rows.map(roomItem));
    if (focused) {
      roomList.querySelector<HTMLButtonElement>(`[data-room-id="${CSS.escape(focused)}"] button`)
        ?.focus();
    }
  }

  function roomItem(r: RoomRow): HTMLElement {
    const watch = () => {
      const room = lobby.rooms.get(r.id);
      if (r.watchable && room) options.onWatch?.(room);
    };
    return roomItemElement(r, () => {
      const room = lobby.rooms.get(r.id);
      if (!r.joinable || !room) return;
      if (room.locked) askPassword(r.id, false);
      else join(r.id);
    }, watch);
  }

  function renderSide(v = view()): void {
    quickButton.disabled = !v.canQuick;
    quickButton.textContent = v.labels.quick;
    createButton.disabled = !v.canCreate;
    createButton.textContent = v.labels.create;
    joinButton.disabled = !v.canJoinCode;
    joinButton.textContent = v.labels.join;
    roomNameInput.placeholder = v.defaultRoomName;
    const roomId = lobby.room?.id ?? null;
    actions.hidden = v.waiting !== null;
    waiting.hidden = v.waiting === null;
    if (!v.waiting) {
      if (lastRoomId !== null && visible) quickButton.focus();
      lastRoomId = null;
      waitingKey = "";
      return;
    }
    const w = v.waiting;
    // Rebuilt only when it changes, so focus on its buttons survives unrelated renders.
    const key = JSON.stringify([w, v.labels.leave, v.canLeave]);
    if (key === waitingKey) return;
    waitingKey = key;
    const next = waitingCard(waiting, {
      uid,
      waiting: w,
      leaveLabel: v.labels.leave,
      canLeave: v.canLeave,
      onLeave: () => void act("leave", () => lobby.leave()),
      say: (text) => say(text, "info"),
    });
    // Entering a room moves focus to what comes next (share the link, or leave).
    if (roomId !== lastRoomId && visible) next.focus();
    lastRoomId = roomId;
  }

  function render(): void {
    const v = view();
    renderStatus(v);
    renderRooms(v);
    renderSide(v);
    rendered = roomKey();
    // The first focus goes to Quick match once it can be used (it is disabled until welcomed).
    if (focusPending && visible && !quickButton.disabled) {
      const active = document.activeElement;
      if (!active || active === document.body) quickButton.focus({ preventScroll: true });
      focusPending = false;
    }
  }

  // The client reports no event when our room goes (its `left` reply to a leave() the game sent,
  // e.g. after a match): while shown, a cheap check re-renders when the room changed.
  const roomKey = () => `${lobby.state} ${lobby.room?.id ?? ""} ${lobby.inviteCode ?? ""}`;
  let rendered = "";
  let watch: ReturnType<typeof setInterval> | null = null;

  function runAutoJoin(): void {
    if (!autoJoin || lobby.state !== "open" || lobby.room || lobby.paired) return;
    const { room, quick } = autoJoin;
    autoJoin = null;
    if (room) join(room);
    else if (quick) void act("quick", () => lobby.quick());
  }

  const handlers: Handlers = {
    onState: (s: SignalingState) => {
      setMessage(connectionMessage(message, s, lobby.lastError?.code ?? null));
      render();
    },
    onWelcome: () => {
      // The client sends its construction-time name on every welcome: repeat a rename made since.
      if (renamed) lobby.rename(name).catch(failed);
      render();
      runAutoJoin();
    },
    onRooms: () => render(),
    onError: (e) => say(lobbyErrorText(e.code, e.message)),
    onPeerLeft: () => render(),
    onPaired: (p) => options.onPairing(p),
  };

  function show(): void {
    if (visible || destroyed) return;
    visible = true;
    saved = {
      onState: lobby.onState,
      onWelcome: lobby.onWelcome,
      onRooms: lobby.onRooms,
      onError: lobby.onError,
      onPeerLeft: lobby.onPeerLeft,
      onPaired: lobby.onPaired,
    };
    Object.assign(lobby, handlers);
    element.hidden = false;
    focusPending = !lobby.room;
    render();
    watch = setInterval(() => roomKey() !== rendered && render(), 250);
    if (lobby.state === "closed") lobby.reconnect(); // e.g. back from a match whose socket dropped
    if (lobby.paired) {
      const p = lobby.paired;
      queueMicrotask(() => visible && lobby.paired === p && options.onPairing(p));
      return;
    }
    runAutoJoin();
  }

  function hide(): void {
    if (!visible) return;
    visible = false;
    element.hidden = true;
    if (watch !== null) clearInterval(watch);
    watch = null;
    replaceChildren(dialogHost);
    if (saved) {
      // Give back only what is still ours: a handler the game set meanwhile stays.
      for (const key of Object.keys(handlers) as (keyof Handlers)[]) {
        if (lobby[key] === handlers[key]) (lobby as Handlers)[key] = saved[key] as never;
      }
      saved = null;
    }
  }

  if (options.notice) say(options.notice);
  if (!options.hidden) show();

  return {
    element,
    get visible() {
      return visible;
    },
    get name() {
      return name;
    },
    get message() {
      return message?.text ?? null;
    },
    show,
    hide,
    destroy() {
      hide();
      destroyed = true;
      element.remove();
    },
    say: (text, tone) => say(text, tone),
  };
}

/** `?room=CODE` and `?quick` of the page's URL. */
function autoJoinFromUrl(): { room: string | null; quick: boolean } | null {
  if (typeof location === "undefined") return null;
  const q = new URLSearchParams(location.search);
  const room = q.get("room");
  const quick = q.has("quick");
  return room || quick ? { room, quick } : null;
}

function safeLocalStorage(): NameStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
