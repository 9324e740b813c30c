/**
 * The lobby screen's test page (game/e2e/lobby_screen.spec.ts), written as a small game would be:
 * `createLobbyScreen` on a real lobby connection; on pairing, `runMatch` plays the package's test
 * game over real WebRTC (scripted inputs, `?sim=` to impair the link) with the network overlay
 * (F3 / backtick) on the match's stats and history. Leaving, or the match closing, shows the lobby
 * screen again (with the reason). Only the package's public entry points are imported.
 *
 * @module
 */
import { connectLobby, type Match, runMatch } from "duet-netcode";
import { createTestGame, scriptedInput, type TestGame } from "duet-netcode/testing";
import {
  choosePlayerName,
  createLobbyScreen,
  createNetworkOverlay,
  h,
  type NetworkOverlay,
  replaceChildren,
} from "duet-netcode/ui";

const params = new URLSearchParams(location.search);
// One name for the lobby client's hello and the screen's name field.
const name = choosePlayerName(params.get("name"), localStorage, Math.random);
const lobby = connectLobby({ name });
const stage = document.getElementById("game")!;
let overlayShown = params.has("overlay");
let match: Match<TestGame> | null = null;
let overlay: NetworkOverlay | null = null;

const screen = createLobbyScreen({
  lobby,
  name,
  title: "Test Game",
  subtitle: "the duet-netcode/ui lobby screen",
  help: "Press F3 in a match for the network overlay.",
  onPairing: () => startMatch(),
});

function startMatch(): void {
  screen.hide();
  const frame = h("span", { "data-testid": "frame" }, "0");
  stage.hidden = false;
  replaceChildren(
    stage,
    h(
      "section",
      { "data-testid": "match", "aria-live": "polite" },
      h("h1", {}, `Playing against ${lobby.paired?.peer.name ?? "?"}`),
      h("p", { "data-testid": "player" }, `You are player ${(lobby.paired?.player ?? 0) + 1}`),
      h("p", {}, "Frame ", frame),
      h(
        "button",
        { type: "button", "data-testid": "leave-match", onclick: () => end(null) },
        "Leave",
      ),
    ),
  );
  const m = runMatch<TestGame>({
    lobby,
    game: "ui-test",
    version: "1",
    createGame: (setup) => createTestGame({ seed: setup.seed }),
    readInput: (game, player) => scriptedInput(7, player, game.state[0]),
    render: ({ game }) => (frame.textContent = String(game.state[0])),
    sim: params.get("sim"),
  });
  match = m;
  m.on((e) => {
    if (e.type === "closed" && match === m) end(e.message);
  });
  overlay = createNetworkOverlay({
    stats: () => m.stats(),
    history: m.history,
    visible: overlayShown,
    onToggle: (v) => (overlayShown = v),
  });
}

/** Back to the lobby screen, saying why when the match closed by itself. */
function end(reason: string | null): void {
  match?.leave();
  match = null;
  overlay?.destroy();
  overlay = null;
  stage.hidden = true;
  replaceChildren(stage);
  screen.show();
  if (reason) screen.say(reason, "info");
}

Object.assign(globalThis, { lobbyScreen: { screen, lobby } });
