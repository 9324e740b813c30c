// Pong over duet: the lobby screen, then matches run by runMatch. This file is all the networking
// the game has; pong.ts is the simulation and draw.ts the renderer.
import { connectLobby, type Match, runMatch } from "duet-netcode";
import { drawPong } from "./draw.ts";
import { createPong, DOWN, type Pong, UP } from "./pong.ts";

const canvas = document.querySelector<HTMLCanvasElement>("#pong")!;
const held = new Set<string>();
let match: Match<Pong> | null = null;
addEventListener("keydown", (e) => {
  held.add(e.key);
  if (e.key === "r") match?.rematch(); // on the end screen
  if (e.key === "Escape") backToLobby();
});
addEventListener("keyup", (e) => held.delete(e.key));
const readInput = () =>
  (held.has("ArrowUp") || held.has("w") ? UP : 0) |
  (held.has("ArrowDown") || held.has("s") ? DOWN : 0);

function backToLobby() {
  match?.leave(); // tells the peer, closes the link, leaves the lobby room
  match = null;
  screen.show();
}

// Interim lobby screen (one button) until duet-netcode/ui's createLobbyScreen lands.
const lobby = connectLobby({});
const btn = document.body.appendChild(document.createElement("button"));
btn.textContent = "Quick match";
btn.onclick = () => lobby.quick();
const screen = { hide: () => (btn.hidden = true), show: () => (btn.hidden = false) };
lobby.onPaired = () => {
  screen.hide();
  match = runMatch({
    lobby,
    game: "pong",
    version: "1",
    createGame: (setup) => createPong(setup.seed),
    readInput,
    isOver: (game) => game.winner() >= 0,
    render: ({ game, phase }) =>
      drawPong(canvas, game, phase === "ended" ? "R: rematch, Esc: leave" : ""),
  });
  match.on((e) => e.type === "closed" && backToLobby()); // the peer left or the link failed
  Object.assign(globalThis, { match }); // for the devtools console (and the consumer test)
};
