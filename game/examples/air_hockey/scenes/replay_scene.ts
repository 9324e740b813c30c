/**
 * Replay playback (`?replay=URL`, or a file from the lobby screen): the same rink and renderer as
 * a match, driven by the package's replay player, with pause, 0.25x-4x speed and a seek bar. A
 * file that cannot be played (a failed download, damaged, foreign or from another build) is a
 * sentence on the page with a way back to the lobby, never an exception or a frozen screen.
 *
 * @module
 */

import Phaser from "phaser";
import { type OpenedReplay, openReplay, playReplay, type PlayReplayOptions } from "duet-netcode";
import { h, replaceChildren, uiRoot } from "duet-netcode/ui";
import { createHockeyMatch, GAME_ID, GAME_VERSION, hockeyIsOver } from "../app/hockey_match.ts";
import { type Hockey, readView } from "../sim/hockey.ts";
import type { AppContext } from "./context.ts";
import { createRinkRenderer } from "./rink_renderer.ts";

/** Scene key. */
export const REPLAY_SCENE = "replay";

const SPEEDS = [0.25, 0.5, 1, 2, 4];

/** The replay scene's config, bound to the page's context. */
export function replayScene(
  ctx: AppContext,
): Phaser.Types.Scenes.SettingsConfig & Phaser.Types.Scenes.CreateSceneFromObjectConfig {
  let view: ReturnType<typeof createReplayView> | null = null;
  return {
    key: REPLAY_SCENE,
    create(this: Phaser.Scene) {
      view = createReplayView(this, ctx);
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

function createReplayView(scene: Phaser.Scene, ctx: AppContext) {
  ctx.screen = "replay";
  ctx.message = "Loading the replay…";
  const host = h("div", { class: "match-ui" });
  replaceChildren(uiRoot(), host);
  const renderer = createRinkRenderer(scene, { localPlayer: 0 });
  let opened: OpenedReplay<Hockey> | null = null;
  let destroyed = false;
  let controlsKey = "";

  const options: PlayReplayOptions<Hockey> = {
    createGame: createHockeyMatch,
    isOver: hockeyIsOver,
    game: GAME_ID,
    version: GAME_VERSION,
    loop: "manual",
  };
  const source = ctx.replaySource;
  ctx.replaySource = null;
  const loading = source instanceof Uint8Array
    ? Promise.resolve(openReplay(source, options))
    : playReplay(source ?? ctx.params.replay ?? "", options);
  loading.then((r) => {
    if (destroyed) {
      if (r.ok) r.stop();
      return;
    }
    opened = r;
    ctx.replayPlayer = r.ok ? r.player : null;
    ctx.message = r.ok ? null : r.error;
    if (!r.ok) showError(r.error);
  });

  function back(): void {
    ctx.params.replay = null;
    scene.scene.start("lobby");
  }

  function showError(text: string): void {
    replaceChildren(
      host,
      h(
        "div",
        { class: "end panel closed", "data-testid": "replay-error", role: "alert" },
        h("h2", {}, "Cannot play this replay"),
        h("p", { class: "end-message", "data-testid": "end-message" }, text),
        h(
          "div",
          { class: "row center" },
          h("button", { class: "primary", onclick: back }, "Back to lobby"),
        ),
      ),
    );
  }

  function controls(): void {
    if (!opened?.ok) return;
    const p = opened.player;
    const key = `${p.playing}|${p.speed}|${p.ended}|${p.mismatch?.frame ?? ""}`;
    const seek = host.querySelector<HTMLInputElement>("[data-testid=replay-seek]");
    if (seek && document.activeElement !== seek) seek.value = String(p.frame);
    const label = host.querySelector("[data-testid=replay-frame]");
    if (label) label.textContent = `${time(p.frame)} / ${time(p.frames)}`;
    if (key === controlsKey) return;
    controlsKey = key;
    const names = opened.replay.names;
    replaceChildren(
      host,
      h(
        "div",
        { class: "replay-bar panel", "data-testid": "replay-controls" },
        h("strong", {}, `Replay · ${names[0]} vs ${names[1]}`),
        h(
          "button",
          {
            "data-testid": "replay-play",
            onclick: () => (p.playing ? p.pause() : (p.ended && p.seek(0), p.play())),
          },
          p.playing ? "Pause" : p.ended ? "Play again" : "Play",
        ),
        h(
          "select",
          {
            "data-testid": "replay-speed",
            "aria-label": "Speed",
            onchange: (e: Event) => p.setSpeed(Number((e.target as HTMLSelectElement).value)),
          },
          ...SPEEDS.map((s) => h("option", { value: s, selected: s === p.speed }, `${s}x`)),
        ),
        h("input", {
          type: "range",
          min: 0,
          max: p.frames,
          value: p.frame,
          "aria-label": "Position",
          "data-testid": "replay-seek",
          oninput: (e: Event) => p.seek(Number((e.target as HTMLInputElement).value)),
        }),
        h("span", { "data-testid": "replay-frame" }, `${time(p.frame)} / ${time(p.frames)}`),
        h("button", { onclick: back }, "Back to lobby"),
        p.mismatch
          ? h(
            "p",
            { class: "end-message", role: "alert" },
            `This replay comes from another build: the game differs from frame ${p.mismatch.frame}.`,
          )
          : null,
      ),
    );
  }

  let last = performance.now();
  return {
    frame() {
      const now = performance.now();
      if (opened?.ok) {
        const p = opened.player;
        p.update(Math.min(250, now - last));
        const curr = p.game.view();
        const prev = p.previous ? readView(p.previous as Int32Array) : curr;
        renderer.draw(prev, curr, p.alpha);
        controls();
      }
      last = now;
    },
    destroy() {
      destroyed = true;
      if (opened?.ok) opened.stop();
      ctx.replayPlayer = null;
      replaceChildren(uiRoot());
    },
  };
}

function time(frames: number): string {
  const s = Math.floor(frames / 60);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
