/**
 * Boot: read the URL parameters, connect to the lobby that served this page, expose
 * `window.duet`, and start Phaser with the lobby and match scenes (WebGL where available, Canvas
 * otherwise, e.g. headless Firefox).
 *
 * @module
 */

import Phaser from "phaser";
import { createDuetApi, installDuet } from "./app/automation.ts";
import { choosePlayerName, type NameStorage } from "duet-netcode/ui";
import { parseUrlParams } from "./app/url_params.ts";
import { connectLobby } from "duet-netcode";
import { GAME_ID, GAME_VERSION } from "./app/hockey_match.ts";
import type { AppContext } from "./scenes/context.ts";
import { lobbyScene } from "./scenes/lobby_scene.ts";
import { matchScene } from "./scenes/match_scene.ts";
import { replayScene } from "./scenes/replay_scene.ts";
import { watchScene } from "./scenes/watch_scene.ts";
import { GAME_H, GAME_W } from "./scenes/rink_renderer.ts";

const params = parseUrlParams(location.search);
const storage = safeStorage();
const name = choosePlayerName(params.name, storage, Math.random);
// The lobby scopes rooms and quick match to this game and build: nobody pairs with another.
const lobby = connectLobby({ name, game: GAME_ID, version: GAME_VERSION });

const ctx: AppContext = {
  params,
  lobby,
  storage,
  name,
  screen: "lobby",
  runner: null,
  replayPlayer: null,
  spectated: null,
  watchRoom: null,
  watchPassword: null,
  replaySource: null,
  lastReplay: null,
  message: null,
  overlayShown: params.overlay,
  autoJoinPending: params.quick || params.room !== null,
  setOverlay: null,
};

installDuet(createDuetApi({
  screen: () => ctx.screen,
  runner: () => ctx.runner,
  replayPlayer: () => ctx.replayPlayer,
  spectated: () => ctx.spectated,
  lastReplay: () => ctx.lastReplay,
  rooms: () => [...lobby.rooms.values()],
  lobbyState: () => lobby.state,
  lobbyRtt: () => lobby.rttMs,
  room: () => (lobby.room ? { room: { ...lobby.room }, code: lobby.inviteCode } : null),
  overlay(show) {
    if (show === undefined) return ctx.overlayShown;
    ctx.overlayShown = show;
    ctx.setOverlay?.(show);
    return show;
  },
  // In a match, read live like `state` (the scene copies it only when it draws a frame), so the
  // two never disagree between frames.
  message:
    () => (ctx.screen === "match" && ctx.runner ? ctx.runner.lifecycle.message : ctx.message),
}));

new Phaser.Game({
  type: params.renderer === "canvas"
    ? Phaser.CANVAS
    : params.renderer === "webgl"
    ? Phaser.WEBGL
    : Phaser.AUTO,
  parent: "game",
  width: GAME_W,
  height: GAME_H,
  backgroundColor: "#070b16",
  scale: { mode: Phaser.Scale.FIT, autoCenter: Phaser.Scale.CENTER_BOTH },
  render: { antialias: true },
  // Keep running when the window loses focus: the peer is still playing.
  disableContextMenu: true,
  fps: { target: 60 },
  banner: false,
  // The first scene (the lobby) starts by itself.
  scene: [lobbyScene(ctx), matchScene(ctx), replayScene(ctx), watchScene(ctx)],
});

function safeStorage(): NameStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
