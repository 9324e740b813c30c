/**
 * The lobby: the package's lobby screen (`createLobbyScreen` from `duet-netcode/ui`: room list,
 * quick match, create and join, invite links, name, status, errors) over the canvas, branded for
 * air hockey; behind it two bots play an attract-mode match on the rink.
 *
 * @module
 */

import Phaser from "phaser";
import { createBot } from "../app/bot.ts";
import { TICK_MS } from "duet-netcode";
import { BOT_RULES, createHockey, readView } from "../sim/hockey.ts";
import type { AppContext } from "./context.ts";
import { createLobbyScreen, h, type LobbyScreen } from "duet-netcode/ui";
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
      if (ctx.params.watch) {
        // So is ?watch=: straight to the match as a spectator.
        this.scene.start("watch");
        return;
      }
      ctx.screen = "lobby";
      ctx.runner = null;
      attract = createAttract(this);
      const ui = createLobbyUi(ctx, () => this.scene.start("match"), (room, password) => {
        ctx.watchRoom = room;
        ctx.watchPassword = password ?? null;
        this.scene.start("watch");
      });
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

/** The package's lobby screen, branded for air hockey and wired to the page's context. */
function createLobbyUi(
  ctx: AppContext,
  startMatch: () => void,
  watch: (room: string, password?: string) => void,
): LobbyScreen {
  const autoJoin = ctx.autoJoinPending ? { room: ctx.params.room, quick: ctx.params.quick } : false;
  ctx.autoJoinPending = false; // once per page load, not on every return to the lobby
  return createLobbyScreen({
    lobby: ctx.lobby,
    title: "duet",
    subtitle: "air hockey · peer to peer · rollback netcode",
    help: h(
      "span",
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
    name: ctx.name,
    storage: ctx.storage,
    onNameChange: (name) => (ctx.name = name),
    autoJoin,
    notice: ctx.params.errors.length
      ? `Ignored URL parameters: ${ctx.params.errors.join("; ")}`
      : null,
    onMessage: (text) => (ctx.message = text),
    onPairing: () => startMatch(),
    onWatch: (room, password) => watch(room.id, password),
  });
}
