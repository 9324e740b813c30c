/**
 * The lobby: the live room list (name, players, state, lock), creating a room (name, private,
 * optional password), joining by click or invite code, quick match, the player's name, and a clear
 * sentence for every lobby error. The menus are plain HTML over the canvas (forms, focus and
 * accessibility come free); behind them two bots play an attract-mode match on the rink.
 *
 * @module
 */

import Phaser from "phaser";
import type { RoomInfo } from "duet-netcode/protocol";
import { createBot } from "../app/bot.ts";
import { lobbyErrorText, lobbyStateText } from "duet-netcode/ui";
import { cleanName, rememberName } from "duet-netcode/ui";
import { isLobbyError, type SignalingState, TICK_MS } from "duet-netcode";
import { BOT_RULES, createHockey, readView } from "../sim/hockey.ts";
import type { AppContext } from "./context.ts";
import { h, lockIcon, replaceChildren, uiRoot } from "duet-netcode/ui";
import { createRinkRenderer } from "./rink_renderer.ts";

/** Scene key. */
export const LOBBY_SCENE = "lobby";

/** The lobby scene's config, bound to the page's context. */
export function lobbyScene(
  ctx: AppContext,
): Phaser.Types.Scenes.SettingsConfig & Phaser.Types.Scenes.CreateSceneFromObjectConfig {
  let attract: ReturnType<typeof createAttract> | null = null;
  return {
    key: LOBBY_SCENE,
    create(this: Phaser.Scene) {
      if (ctx.params.replay) {
        // ?replay= is another mode of the page: straight to playback.
        this.scene.start("replay");
        return;
      }
      ctx.screen = "lobby";
      ctx.runner = null;
      attract = createAttract(this);
      const ui = createLobbyUi(ctx, () => this.scene.start("match"));
      this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => {
        ui.destroy();
        attract = null;
      });
    },
    update(this: Phaser.Scene, _time: number, delta: number) {
      attract?.update(delta);
    },
  };
}

/** Two bots playing forever behind the menus. */
function createAttract(scene: Phaser.Scene) {
  let game = createHockey({ ...BOT_RULES, seed: 7 });
  const bots = [createBot(11), createBot(12)];
  const renderer = createRinkRenderer(scene, { localPlayer: 0, dim: true });
  let acc = 0;
  let prev = game.save();
  return {
    update(delta: number) {
      acc += Math.min(delta, 100);
      while (acc >= TICK_MS) {
        acc -= TICK_MS;
        prev = game.save();
        const v = game.view();
        game.advance([bots[0].input(v, 0), bots[1].input(v, 1)]);
        if (game.view().phase === "ended") game = createHockey({ ...BOT_RULES, seed: v.tick });
      }
      renderer.draw(readView(prev), game.view(), acc / TICK_MS);
    },
  };
}

interface LobbyUi {
  destroy(): void;
}

function createLobbyUi(ctx: AppContext, startMatch: () => void): LobbyUi {
  const { lobby } = ctx;
  const root = uiRoot();
  let busy = false;
  let destroyed = false;
  let message: { text: string; tone: "error" | "info" } | null = null;

  const status = h("div", { class: "status", "data-testid": "lobby-status" });
  const messageBar = h("div", { class: "message", role: "alert", "data-testid": "lobby-message" });
  const roomList = h("ul", { class: "rooms", "data-testid": "room-list" });
  const roomCount = h("span", { class: "count" });
  const side = h("div", { class: "side" });

  const nameInput = h("input", {
    type: "text",
    id: "player-name",
    maxlength: 24,
    value: ctx.name,
    autocomplete: "nickname",
    "aria-label": "Your name",
  });
  nameInput.addEventListener("change", () => void rename());
  nameInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") nameInput.blur();
  });

  const panel = h(
    "div",
    { class: "lobby panel", "data-testid": "lobby" },
    h(
      "header",
      {},
      h(
        "div",
        { class: "brand" },
        h("span", { class: "logo" }, h("i", { class: "dot you" }), h("i", { class: "dot them" })),
        h(
          "div",
          {},
          h("h1", {}, "duet"),
          h("p", {}, "air hockey · peer to peer · rollback netcode"),
        ),
      ),
      status,
    ),
    h("div", { class: "name-row" }, h("label", { for: "player-name" }, "Your name"), nameInput),
    h(
      "div",
      { class: "columns" },
      h(
        "section",
        { class: "room-column" },
        h("h2", {}, "Open rooms ", roomCount),
        roomList,
      ),
      side,
    ),
    messageBar,
    h(
      "footer",
      {},
      "Move ",
      h("kbd", {}, "WASD"),
      " / ",
      h("kbd", {}, "arrows"),
      " · dash ",
      h("kbd", {}, "Space"),
      " · network overlay ",
      h("kbd", {}, "F3"),
      " or ",
      h("kbd", {}, "`"),
    ),
  );
  const modal = h("div", { class: "modal-host" });
  replaceChildren(root, panel, modal);

  function show(text: string | null, tone: "error" | "info" = "error"): void {
    message = text ? { text, tone } : null;
    ctx.message = text;
    messageBar.textContent = text ?? "";
    messageBar.className = `message ${message ? tone : "empty"}`;
  }

  function failed(e: unknown): void {
    if (destroyed) return;
    if (isLobbyError(e)) show(lobbyErrorText(e.code, e.message));
    else show(e instanceof Error ? e.message : String(e));
  }

  async function act(what: () => Promise<unknown>): Promise<boolean> {
    if (busy) return false;
    busy = true;
    renderSide();
    try {
      await what();
      if (!destroyed && message?.tone === "error") show(null);
      return true;
    } catch (e) {
      failed(e);
      return false;
    } finally {
      busy = false;
      if (!destroyed) renderAll();
    }
  }

  async function rename(): Promise<void> {
    const name = cleanName(nameInput.value);
    if (!name) {
      show("Names are 1 to 24 characters.");
      nameInput.value = ctx.name;
      return;
    }
    if (name === ctx.name) return;
    ctx.name = name;
    rememberName(ctx.storage, name);
    if (lobby.state === "open") {
      try {
        ctx.name = await lobby.rename(name);
      } catch (e) {
        failed(e);
      }
    }
  }

  function join(ref: string, password?: string): void {
    void act(async () => {
      try {
        await lobby.join(ref, password);
      } catch (e) {
        // A locked room: ask for the password rather than only saying it was wrong.
        if (isLobbyError(e) && e.code === "wrong-password") {
          askPassword(ref, password !== undefined);
          if (password === undefined) return;
        }
        throw e;
      }
    });
  }

  function askPassword(ref: string, wasWrong: boolean): void {
    const room = lobby.rooms.get(ref);
    const input = h("input", {
      type: "password",
      "aria-label": "Room password",
      "data-testid": "password-input",
      maxlength: 64,
    });
    const close = () => replaceChildren(modal);
    const submit = (e: Event) => {
      e.preventDefault();
      close();
      join(ref, input.value);
    };
    replaceChildren(
      modal,
      h(
        "div",
        { class: "modal-backdrop", onclick: (e: Event) => e.target === e.currentTarget && close() },
        h(
          "form",
          { class: "modal panel", onsubmit: submit },
          h("h2", {}, lockIcon(), " ", room ? `“${room.name}” is locked` : "This room is locked"),
          h(
            "p",
            { class: wasWrong ? "error-text" : "" },
            wasWrong ? "Wrong password, try again." : "Enter its password to join.",
          ),
          input,
          h(
            "div",
            { class: "row right" },
            h("button", { type: "button", onclick: close }, "Cancel"),
            h("button", { type: "submit", class: "primary" }, "Join"),
          ),
        ),
      ),
    );
    input.focus();
  }

  function renderStatus(): void {
    const s = lobbyStateText(lobby.state);
    status.className = `status ${s.tone}`;
    replaceChildren(
      status,
      h("i", { class: "led" }),
      s.text,
      lobby.state === "closed"
        ? h("button", { class: "small", onclick: () => lobby.reconnect() }, "Retry")
        : null,
    );
  }

  function renderRooms(): void {
    const rooms = [...lobby.rooms.values()].sort((a, b) => a.createdAt - b.createdAt);
    roomCount.textContent = rooms.length ? `(${rooms.length})` : "";
    if (rooms.length === 0) {
      replaceChildren(
        roomList,
        h(
          "li",
          { class: "empty" },
          lobby.state === "open"
            ? "No rooms yet. Create one, or press Quick match and wait for someone."
            : "Waiting for the lobby…",
        ),
      );
      return;
    }
    const mine = lobby.room?.id;
    replaceChildren(roomList, ...rooms.map((r) => roomRow(r, r.id === mine)));
  }

  function roomRow(r: RoomInfo, mine: boolean): HTMLElement {
    const joinable = r.state === "open" && !mine && !lobby.room && !busy;
    const go = () => {
      if (!joinable) return;
      if (r.locked) askPassword(r.id, false);
      else join(r.id);
    };
    return h(
      "li",
      {
        class: `room ${joinable ? "joinable" : ""} ${mine ? "mine" : ""}`,
        "data-room-id": r.id,
        "data-testid": "room",
        title: joinable ? "Click to join" : "",
        onclick: go,
      },
      h(
        "span",
        { class: "lock", "aria-label": r.locked ? "locked" : "open" },
        r.locked ? lockIcon() : null,
      ),
      h("span", { class: "room-name" }, r.name),
      h("span", { class: "players" }, `${r.players}/${r.capacity}`),
      h("span", { class: `badge ${r.state}` }, mine ? "yours" : r.state),
      h(
        "button",
        {
          class: "small",
          disabled: !joinable,
          onclick: (e: Event) => {
            e.stopPropagation();
            go();
          },
        },
        "Join",
      ),
    );
  }

  function renderSide(): void {
    const offline = lobby.state !== "open";
    if (lobby.room) {
      const code = lobby.inviteCode;
      const link = code ? `${location.origin}${location.pathname}?room=${code}` : null;
      replaceChildren(
        side,
        h(
          "section",
          { class: "waiting", "data-testid": "waiting" },
          h("div", { class: "spinner" }),
          h("h2", {}, "Waiting for an opponent…"),
          h(
            "p",
            {},
            "In room ",
            h("strong", {}, lobby.room.name),
            lobby.room.locked ? lockIcon() : null,
          ),
          code
            ? h(
              "div",
              { class: "invite" },
              h("label", {}, "Invite code"),
              h("code", { "data-testid": "invite-code" }, code),
              h(
                "button",
                {
                  class: "small",
                  onclick: () => {
                    void navigator.clipboard?.writeText(link ?? code).then(
                      () => show("Invite link copied.", "info"),
                      () => show(`Share this link: ${link}`, "info"),
                    );
                  },
                },
                "Copy link",
              ),
            )
            : h("p", { class: "muted" }, "Anyone can join from the room list."),
          h("button", { onclick: () => void act(() => lobby.leave()) }, "Leave room"),
        ),
      );
      return;
    }
    const roomName = h("input", {
      type: "text",
      name: "room-name",
      maxlength: 32,
      placeholder: `${ctx.name}'s room`,
      "aria-label": "Room name",
    });
    const priv = h("input", { type: "checkbox", name: "private", id: "private-room" });
    const password = h("input", {
      type: "password",
      name: "password",
      maxlength: 64,
      placeholder: "Password (optional)",
      "aria-label": "Room password",
    });
    const code = h("input", {
      type: "text",
      name: "code",
      maxlength: 64,
      placeholder: "invite code or room id",
      "aria-label": "Invite code",
    });
    replaceChildren(
      side,
      h(
        "section",
        { class: "actions" },
        h(
          "button",
          {
            class: "primary big",
            "data-testid": "quick-match",
            disabled: offline || busy,
            onclick: () => void act(() => lobby.quick()),
          },
          "Quick match",
        ),
        h(
          "form",
          {
            class: "card",
            "data-testid": "create-room",
            onsubmit: (e: Event) => {
              e.preventDefault();
              const name = roomName.value.trim() || `${ctx.name}'s room`;
              void act(() =>
                lobby.create({
                  name: name.slice(0, 32),
                  private: priv.checked,
                  password: password.value === "" ? undefined : password.value,
                })
              );
            },
          },
          h("h3", {}, "Create a room"),
          roomName,
          h(
            "div",
            { class: "row" },
            h(
              "label",
              { class: "toggle", for: "private-room" },
              priv,
              h("span", {}),
              "Private (invite only)",
            ),
          ),
          password,
          h("button", { type: "submit", disabled: offline || busy }, "Create room"),
        ),
        h(
          "form",
          {
            class: "card",
            "data-testid": "join-code",
            onsubmit: (e: Event) => {
              e.preventDefault();
              const ref = code.value.trim();
              if (!ref) return show("Type an invite code or room id first.");
              join(ref);
            },
          },
          h("h3", {}, "Join with a code"),
          h(
            "div",
            { class: "row" },
            code,
            h("button", { type: "submit", disabled: offline || busy }, "Join"),
          ),
        ),
      ),
    );
  }

  function renderAll(): void {
    renderStatus();
    renderRooms();
    renderSide();
  }

  const onState = (s: SignalingState) => {
    if (s === "reconnecting") show(lobbyErrorText("connection-lost"));
    else if (s === "closed") {
      show(lobby.lastError ? lobbyErrorText(lobby.lastError.code) : lobbyErrorText("closed"));
    } else if (s === "open" && message?.text === lobbyErrorText("connection-lost")) show(null);
    renderAll();
  };

  function autoJoin(): void {
    if (!ctx.autoJoinPending || lobby.state !== "open") return;
    ctx.autoJoinPending = false;
    if (ctx.params.room) join(ctx.params.room);
    else if (ctx.params.quick) void act(() => lobby.quick());
  }

  lobby.onState = onState;
  // After `welcome` the client has sent our name (`hello`): only then join, so the peer sees it.
  lobby.onWelcome = () => {
    renderAll();
    autoJoin();
  };
  lobby.onRooms = () => renderRooms();
  lobby.onError = (e) => show(lobbyErrorText(e.code, e.message));
  lobby.onPeerLeft = () => renderAll();
  lobby.onPaired = () => startMatch();

  if (ctx.params.errors.length) show(`Ignored URL parameters: ${ctx.params.errors.join("; ")}`);
  renderAll();
  // Back from a match whose lobby socket dropped: connect again.
  if (lobby.state === "closed") lobby.reconnect();
  // A pairing that came while another screen was up (leaving a match drops the old one at once).
  if (lobby.paired) queueMicrotask(startMatch);
  else autoJoin();

  return {
    destroy() {
      destroyed = true;
      lobby.onState = null;
      lobby.onWelcome = null;
      lobby.onRooms = null;
      lobby.onError = null;
      lobby.onPeerLeft = null;
      lobby.onPaired = null;
      replaceChildren(root);
    },
  };
}
