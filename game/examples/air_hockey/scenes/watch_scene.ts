/**
 * Watching a match in progress (`?watch=ROOM`, or Watch in the lobby's room list): the same rink
 * and renderer as a match, driven by the package's `watchMatch`, which fast-forwards to the live
 * edge and then follows the players a few frames behind. The spectator sees the score and the end
 * screen as the players do; a stream that breaks off (a player left) is a sentence with a way back
 * to the lobby.
 *
 * @module
 */

import Phaser from "phaser";
import { type Spectated, watchMatch } from "duet-netcode";
import { h, replaceChildren, uiRoot } from "duet-netcode/ui";
import { createHockeyMatch, hockeyIsOver } from "../app/hockey_match.ts";
import { type Hockey, readView } from "../sim/hockey.ts";
import type { AppContext } from "./context.ts";
import { createRinkRenderer } from "./rink_renderer.ts";

/** Scene key. */
export const WATCH_SCENE = "watch";

/** The watch scene's config, bound to the page's context. */
export function watchScene(
  ctx: AppContext,
): Phaser.Types.Scenes.SettingsConfig & Phaser.Types.Scenes.CreateSceneFromObjectConfig {
  let view: ReturnType<typeof createWatchView> | null = null;
  return {
    key: WATCH_SCENE,
    create(this: Phaser.Scene) {
      view = createWatchView(this, ctx);
      this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => {
        view?.destroy();
        view = null;
      });
    },
    update(this: Phaser.Scene) {
      view?.frame();
    },
  };
}

function createWatchView(scene: Phaser.Scene, ctx: AppContext) {
  ctx.screen = "watch";
  ctx.message = "Joining the match as a spectator…";
  const room = ctx.watchRoom ?? ctx.params.watch ?? "";
  const password = ctx.watchPassword ?? undefined;
  ctx.watchRoom = null;
  ctx.watchPassword = null;
  const host = h("div", { class: "match-ui" });
  replaceChildren(uiRoot(), host);
  const renderer = createRinkRenderer(scene, { localPlayer: 0 });
  // The renderer draws from the scene's own frames (below); watchMatch ticks from its loop.
  const watched: Spectated<Hockey> = watchMatch<Hockey>({
    lobby: ctx.lobby,
    room,
    ...(password === undefined ? {} : { password }),
    createGame: createHockeyMatch,
    isOver: hockeyIsOver,
  });
  ctx.spectated = watched;
  let shownKey = "";

  function back(): void {
    ctx.params.watch = null;
    scene.scene.start("lobby");
  }

  function panel(): void {
    const s = watched.state;
    const v = watched.game?.view() ?? null;
    const score = v ? `${v.score[0]} – ${v.score[1]}` : "";
    const names = watched.setup?.names ?? ["", ""];
    const key = `${s.phase}|${s.message}|${score}|${names.join()}`;
    if (key === shownKey) return;
    shownKey = key;
    ctx.message = s.phase === "connecting" ? "Joining the match as a spectator…" : s.message;
    const backButton = h(
      "button",
      { class: "primary", "data-testid": "back-to-lobby", onclick: back },
      "Back to lobby",
    );
    if (s.phase === "ended" || s.phase === "closed") {
      replaceChildren(
        host,
        h(
          "div",
          {
            class: `end panel${s.phase === "closed" ? " closed" : ""}`,
            "data-testid": "end-screen",
            "data-reason": s.ended ?? "",
          },
          h("h2", {}, s.phase === "ended" ? "Match over" : "Stopped watching"),
          score ? h("p", { class: "end-score big" }, `${names[0]} ${score} ${names[1]}`) : null,
          h("p", { class: "end-message", "data-testid": "end-message" }, s.message ?? ""),
          h("div", { class: "row center" }, backButton),
        ),
      );
      return;
    }
    replaceChildren(
      host,
      h(
        "div",
        { class: "replay-bar panel", "data-testid": "watch-bar" },
        h(
          "strong",
          {},
          s.phase === "connecting"
            ? "Joining as a spectator…"
            : `Watching · ${names[0]} vs ${names[1]}`,
        ),
        h("button", { "data-testid": "stop-watching", onclick: back }, "Back to lobby"),
      ),
    );
  }

  return {
    frame() {
      const game = watched.game;
      if (game) {
        const curr = game.view();
        const prev = watched.previous ? readView(watched.previous as Int32Array) : curr;
        renderer.draw(prev, curr, watched.alpha);
      }
      panel();
    },
    destroy() {
      watched.leave();
      ctx.spectated = null;
      replaceChildren(uiRoot());
    },
  };
}
