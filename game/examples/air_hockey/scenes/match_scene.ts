/**
 * The match: connects to the paired player, runs the rollback session at a fixed 60 Hz (through
 * the match runner's accumulator, fed by the render loop and, when the tab is hidden, by a worker
 * metronome), draws the simulation interpolated between ticks, and shows the score bar, the
 * countdown and goals, connection notices, the network overlay and the end screen (rematch or
 * back to the lobby). The peer leaving or dropping ends the match with a sentence saying so.
 *
 * Controls: WASD or arrow keys move (your goal is always on the left), Space or Shift dashes,
 * R asks for a rematch at the end, Esc leaves, F3 or ` toggles the network overlay.
 *
 * @module
 */

import Phaser from "phaser";
import {
  inMatch,
  type LifecycleState,
  type Match,
  type MatchRunner,
  runMatch,
  TICK_HZ,
} from "duet-netcode";
import { h, replaceChildren, uiRoot } from "duet-netcode/ui";
import { createBot } from "../app/bot.ts";
import { createHockeyMatch, GAME_ID, GAME_VERSION, hockeyIsOver } from "../app/hockey_match.ts";
import { type Hockey, type HockeyView, readView, RINK_H } from "../sim/hockey.ts";
import { BACK, DASH, DOWN, FORWARD, UP } from "../sim/input_bits.ts";
import type { AppContext } from "./context.ts";
import { createNetworkOverlay, type NetworkOverlay } from "duet-netcode/ui";
import { COLORS, createRinkRenderer, GAME_W, RINK_Y } from "./rink_renderer.ts";

/** Scene key. */
export const MATCH_SCENE = "match";

const FONT = "system-ui, 'Segoe UI', 'DejaVu Sans', sans-serif";
const MONO = "ui-monospace, 'DejaVu Sans Mono', monospace";

/** The match scene's config, bound to the page's context. */
export function matchScene(
  ctx: AppContext,
): Phaser.Types.Scenes.SettingsConfig & Phaser.Types.Scenes.CreateSceneFromObjectConfig {
  let match: MatchView | null = null;
  return {
    key: MATCH_SCENE,
    create(this: Phaser.Scene) {
      match = createMatch(this, ctx);
      this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => {
        match?.destroy();
        match = null;
      });
    },
    update(this: Phaser.Scene, time: number) {
      match?.frame(time);
    },
  };
}

interface MatchView {
  frame(now: number): void;
  destroy(): void;
}

function createMatch(scene: Phaser.Scene, ctx: AppContext): MatchView {
  const { lobby } = ctx;
  const pairing = lobby.paired;
  ctx.screen = "match";
  ctx.message = null;
  if (!pairing) {
    // Paired state vanished (the peer left at once): straight back.
    scene.scene.start("lobby");
    return { frame() {}, destroy() {} };
  }
  const player = pairing.player;
  const keys = bindKeys(scene);
  const bot = ctx.params.bot !== null ? createBot(ctx.params.bot) : null;
  const runner: Match<Hockey> = runMatch<Hockey>({
    lobby,
    name: ctx.name,
    game: GAME_ID,
    version: GAME_VERSION,
    options: { bot: bot !== null },
    createGame: createHockeyMatch,
    readInput: (game, p) => (bot ? bot.input(game.view(), p) : keys.read()),
    isOver: hockeyIsOver,
    inputDelay: ctx.params.inputDelay ?? undefined,
    sim: ctx.params.sim,
  });
  ctx.runner = runner;

  const renderer = createRinkRenderer(scene, { localPlayer: player });
  const hud = createHud(scene, ctx.name, pairing.peer.name, player);
  // The scene's own key handler toggles it (F3 / `), so the overlay binds no keys itself.
  const overlay: NetworkOverlay = createNetworkOverlay({
    stats: () => runner.stats(),
    history: runner.history,
    visible: ctx.overlayShown || ctx.params.overlay,
    keys: false,
  });
  ctx.overlayShown = overlay.visible;
  ctx.setOverlay = (show) => {
    overlay.setVisible(show);
    ctx.overlayShown = show;
  };
  const endUi = createEndUi(runner, () => backToLobby());
  let problem: string | null = null;
  runner.on((e) => {
    if (e.type !== "problem") return;
    problem = e.message;
    console.warn(`duet: ${e.message}`);
  });

  keys.onToggleOverlay = () => ctx.setOverlay?.(!overlay.visible);
  keys.onRematch = () => runner.rematch();
  keys.onEscape = () => {
    const phase = runner.lifecycle.phase;
    if (phase === "ended" || phase === "rematch" || phase === "closed") backToLobby();
    else endUi.confirmLeave();
  };

  let destroyed = false;
  let lastPhase = "";

  function backToLobby(): void {
    if (destroyed) return;
    runner.leave(); // tells the peer (unless closed), closes the link, leaves the lobby room
    scene.scene.start("lobby");
  }

  return {
    frame(_now) {
      // runMatch ticks the match from its own animation frames (and a worker when hidden).
      const game = runner.game;
      const life = runner.lifecycle;
      const curr = game?.view() ?? null;
      if (game && curr) {
        const prev = runner.previous ? readView(runner.previous as Int32Array) : curr;
        renderer.draw(prev, curr, runner.alpha);
        const v = curr;
        if (v.phase === "scored" && lastPhase !== "scored" && v.lastScorer >= 0) {
          renderer.flash(v.lastScorer as 0 | 1);
        }
        lastPhase = v.phase;
        hud.update(v, life, runner);
      } else hud.waiting(life);
      // The end screen shows its own messages; the banner is for trouble during play.
      const trouble = inMatch(life.phase) && (life.interrupted || life.waiting);
      const left = life.interrupted ? runner.graceLeft() : null;
      const countdown = left === null ? "" : ` ${Math.ceil(left / 1000)} s`;
      hud.notice(problem ?? (trouble ? `${life.message ?? ""}${countdown}` : null));
      ctx.message = life.message;
      endUi.update(life, curr);
    },
    destroy() {
      destroyed = true;
      runner.leave(); // no-op after backToLobby
      keys.destroy();
      endUi.destroy();
      ctx.setOverlay = null;
      overlay.destroy();
      try {
        ctx.lastReplay = runner.replay() ?? ctx.lastReplay;
      } catch (e) {
        console.warn("duet: could not keep the replay", e);
      }
      ctx.runner = null;
    },
  };
}

interface Keys {
  /** The input byte from the keys held now. */
  read(): number;
  onToggleOverlay: (() => void) | null;
  onRematch: (() => void) | null;
  onEscape: (() => void) | null;
  destroy(): void;
}

function bindKeys(scene: Phaser.Scene): Keys {
  const kb = scene.input.keyboard!;
  const K = Phaser.Input.Keyboard.KeyCodes;
  const held = (...codes: number[]) => codes.map((c) => kb.addKey(c, true));
  const up = held(K.W, K.UP), down = held(K.S, K.DOWN);
  const left = held(K.A, K.LEFT), right = held(K.D, K.RIGHT);
  const dash = held(K.SPACE, K.SHIFT);
  const any = (ks: Phaser.Input.Keyboard.Key[]) => ks.some((k) => k.isDown);
  kb.addCapture([K.F3, K.BACKTICK]);
  const keys: Keys = {
    // Your goal is on the left of your screen: left is back, right is forward.
    read: () =>
      (any(up) ? UP : 0) | (any(down) ? DOWN : 0) | (any(left) ? BACK : 0) |
      (any(right) ? FORWARD : 0) | (any(dash) ? DASH : 0),
    onToggleOverlay: null,
    onRematch: null,
    onEscape: null,
    destroy() {
      kb.off("keydown", onKey);
      kb.removeAllKeys(true);
    },
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.repeat) return;
    if (e.code === "F3" || e.code === "Backquote") keys.onToggleOverlay?.();
    else if (e.code === "KeyR") keys.onRematch?.();
    else if (e.code === "Escape") keys.onEscape?.();
  };
  kb.on("keydown", onKey);
  return keys;
}

interface Hud {
  update(v: HockeyView, life: LifecycleState, runner: MatchRunner<Hockey>): void;
  waiting(life: LifecycleState): void;
  notice(text: string | null): void;
}

function createHud(scene: Phaser.Scene, me: string, peer: string, player: 0 | 1): Hud {
  let them = peer;
  const cx = GAME_W / 2;
  const youColor = "#38e1ff", themColor = "#ff4d8d";
  const text = (x: number, y: number, size: number, color: string, bold = true) =>
    scene.add.text(x, y, "", {
      fontFamily: FONT,
      fontSize: `${size}px`,
      color,
      fontStyle: bold ? "bold" : "normal",
    });
  const bar = scene.add.graphics();
  bar.fillStyle(0x0a1226, 0.9);
  bar.fillRoundedRect(cx - 170, 8, 340, 64, 14);
  bar.lineStyle(1, 0x8fb4ff, 0.25);
  bar.strokeRoundedRect(cx - 170, 8, 340, 64, 14);
  text(40, 26, 18, youColor).setText(me);
  text(40, 50, 11, COLORS.muted, false).setText("YOU");
  const themName = text(GAME_W - 40, 26, 18, themColor).setText(them).setOrigin(1, 0);
  text(GAME_W - 40, 50, 11, COLORS.muted, false).setText("OPPONENT").setOrigin(1, 0);
  const youScore = text(cx - 125, 40, 40, youColor).setOrigin(0.5, 0.5);
  const themScore = text(cx + 125, 40, 40, themColor).setOrigin(0.5, 0.5);
  const clock = scene.add.text(cx, 30, "", {
    fontFamily: MONO,
    fontSize: "22px",
    color: COLORS.text,
  })
    .setOrigin(0.5, 0.5);
  const rule = text(cx, 56, 11, COLORS.muted, false).setOrigin(0.5, 0.5);
  const big = text(cx, RINK_Y + RINK_H / 2 - 10, 84, "#ffffff").setOrigin(0.5, 0.5).setDepth(20)
    .setShadow(0, 4, "#000000", 12, true, true);
  const sub = text(cx, RINK_Y + RINK_H / 2 + 52, 20, COLORS.text, false).setOrigin(0.5, 0.5)
    .setDepth(20).setShadow(0, 2, "#000000", 8, true, true);
  const notice = text(cx, RINK_Y + RINK_H - 26, 15, "#ffe066", false).setOrigin(0.5, 0.5).setDepth(
    30,
  )
    .setBackgroundColor("rgba(5,9,20,0.85)").setPadding(12, 6, 12, 6);
  let goTicks = 0;
  let lastPhase = "";

  const mine = (p: number) => p === player;
  return {
    update(v, life, runner) {
      const [s0, s1] = v.score;
      youScore.setText(String(player === 0 ? s0 : s1));
      themScore.setText(String(player === 0 ? s1 : s0));
      const cfg = runner.game?.config;
      const limit = cfg?.timeLimitTicks ?? 0;
      const left = Math.max(0, limit - v.playedTicks);
      const secs = Math.ceil(left / TICK_HZ);
      clock.setText(
        v.overtime
          ? "OVERTIME"
          : limit
          ? `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`
          : "",
      );
      rule.setText(
        v.overtime
          ? "golden goal"
          : cfg && cfg.pointsToWin > 0
          ? `first to ${cfg.pointsToWin}`
          : "bot match · on the clock",
      );
      if (v.phase === "playing" && lastPhase === "countdown") goTicks = 40;
      lastPhase = v.phase;
      if (v.phase === "countdown") {
        big.setText(String(Math.max(1, Math.ceil(v.phaseTicks / TICK_HZ)))).setColor("#ffffff");
        sub.setText(
          (runner.setup?.match ?? 0) > 0 && v.playedTicks === 0
            ? `Rematch · game ${(runner.setup?.match ?? 0) + 1}`
            : v.playedTicks === 0
            ? "Get ready"
            : "",
        );
      } else if (v.phase === "scored") {
        const you = mine(v.lastScorer);
        big.setText("GOAL!").setColor(you ? youColor : themColor);
        sub.setText(you ? "You scored" : `${them} scored`);
      } else if (v.phase === "ended" && (life.phase === "ended" || life.phase === "rematch")) {
        // Only once the end is confirmed: a mispredicted winning goal must not flash a result.
        const won = mine(v.winner);
        big.setText(won ? "YOU WIN" : "YOU LOSE").setColor(won ? youColor : themColor);
        sub.setText("");
      } else if (goTicks > 0) {
        goTicks--;
        big.setText("GO!").setColor("#ffe066").setAlpha(Math.min(1, goTicks / 20));
        sub.setText("");
      } else {
        big.setText("").setAlpha(1);
        sub.setText("");
      }
      if (v.phase !== "playing") big.setAlpha(1);
      if (life.phase === "closed" || life.phase === "left") {
        // The simulation froze where the peer left; its countdown or goal text would mislead.
        big.setText("");
        sub.setText("");
      }
      // The peer's own intro carries the name it chose; the lobby's may be older.
      const peerName = life.remoteIntro?.name;
      if (peerName && peerName !== them) {
        them = peerName;
        themName.setText(peerName);
      }
    },
    waiting(life) {
      big.setText("");
      sub.setText(life.phase === "closed" ? "" : `Connecting to ${them}…`);
      clock.setText("");
      rule.setText("");
      youScore.setText("0");
      themScore.setText("0");
    },
    notice(t) {
      notice.setText(t ?? "").setVisible(!!t);
    },
  };
}

interface EndUi {
  update(life: LifecycleState, view: HockeyView | null): void;
  confirmLeave(): void;
  destroy(): void;
}

function createEndUi(runner: MatchRunner<Hockey>, back: () => void): EndUi {
  const root = uiRoot();
  const host = h("div", { class: "match-ui" });
  replaceChildren(root, host);
  let shownKey = "";
  let confirming = false;

  const render = (life: LifecycleState, view: HockeyView | null) => {
    const key =
      `${life.phase}|${life.message}|${confirming}|${life.rematch.local}|${life.rematch.remote}`;
    if (key === shownKey) return;
    shownKey = key;
    const score = view
      ? (life.localPlayer === 0 ? view.score : [view.score[1], view.score[0]]).join(" – ")
      : null;
    if (life.phase === "closed") {
      replaceChildren(
        host,
        h(
          "div",
          {
            class: "end panel closed",
            "data-testid": "end-screen",
            "data-reason": life.closeReason ?? "",
          },
          h("h2", {}, life.closeReason === "peer-left" ? "Opponent left" : "Match over"),
          h("p", { class: "end-message", "data-testid": "end-message" }, life.message ?? ""),
          score ? h("p", { class: "end-score" }, `Final score ${score}`) : null,
          h(
            "div",
            { class: "row center" },
            h(
              "button",
              { class: "primary", "data-testid": "back-to-lobby", onclick: back },
              "Back to lobby",
            ),
            saveReplayButton(runner),
          ),
        ),
      );
    } else if (life.phase === "ended" || life.phase === "rematch") {
      const asked = life.rematch.local;
      replaceChildren(
        host,
        h(
          "div",
          { class: "end panel", "data-testid": "end-screen" },
          score ? h("p", { class: "end-score big" }, score) : null,
          h(
            "p",
            { class: "end-message", "data-testid": "end-message" },
            life.message ?? "Play again?",
          ),
          h(
            "div",
            { class: "row center" },
            h(
              "button",
              {
                class: "primary",
                "data-testid": "rematch",
                disabled: asked,
                onclick: () => runner.rematch(),
              },
              asked
                ? "Rematch requested"
                : life.rematch.remote
                ? "Accept rematch (R)"
                : "Rematch (R)",
            ),
            h("button", { "data-testid": "back-to-lobby", onclick: back }, "Back to lobby (Esc)"),
            saveReplayButton(runner),
          ),
        ),
      );
    } else if (confirming && inMatch(life.phase)) {
      replaceChildren(
        host,
        h(
          "div",
          { class: "end panel" },
          h("h2", {}, "Leave the match?"),
          h("p", {}, "Your opponent will be told you left."),
          h(
            "div",
            { class: "row center" },
            h("button", { onclick: () => ((confirming = false), (shownKey = "")) }, "Keep playing"),
            h("button", { class: "danger", onclick: back }, "Leave"),
          ),
        ),
      );
    } else {
      replaceChildren(host);
    }
  };

  return {
    update: render,
    confirmLeave() {
      confirming = !confirming;
      shownKey = "";
    },
    destroy() {
      replaceChildren(root);
    },
  };
}

/** "Save replay": downloads the pairing so far as a `.duet` replay file. */
function saveReplayButton(runner: MatchRunner<Hockey>): HTMLElement {
  return h("button", {
    "data-testid": "save-replay",
    onclick: () => {
      const bytes = runner.replay();
      if (!bytes) return;
      const url = URL.createObjectURL(
        new Blob([new Uint8Array(bytes)], { type: "application/octet-stream" }),
      );
      const names = runner.setup?.names.join("-vs-").replace(/[^A-Za-z0-9_-]+/g, "_") ?? "match";
      const a = h("a", { href: url, download: `air-hockey-${names}.duet` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  }, "Save replay");
}
