// Pong over duet: the lobby screen, then matches run by runMatch. This file is all the networking
// the game has; pong.ts is the simulation and draw.ts the renderer.
import { connectLobby, type Match, runMatch, type Spectated, watchMatch } from "duet-netcode";
import { createLobbyScreen, createNetworkOverlay, type NetworkOverlay } from "duet-netcode/ui";
import { drawPong } from "./draw.ts";
import { createPong, DOWN, type Pong, UP } from "./pong.ts";

const canvas = document.querySelector<HTMLCanvasElement>("#pong")!;
const held = new Set<string>();
let match: Match<Pong> | null = null;
let watching: Spectated<Pong> | null = null; // a match of others, from the room list's Watch
let overlay: NetworkOverlay | null = null; // F3 shows RTT, loss, rollbacks and their graph
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
  watching?.leave();
  overlay?.destroy();
  match = overlay = watching = null;
  screen.show();
}

const GAME = { game: "pong", version: "1" }; // rooms, quick match and peers of this build only
const lobby = connectLobby(GAME);
const screen = createLobbyScreen({
  lobby,
  title: "Pong",
  onPairing: () => {
    screen.hide();
    const m = (match = runMatch({
      lobby,
      ...GAME,
      createGame: (setup) => createPong(setup.seed),
      readInput,
      isOver: (game) => game.winner() >= 0,
      render: ({ game, phase }) =>
        drawPong(canvas, game, phase === "ended" ? "R: rematch, Esc: leave" : ""),
    }));
    overlay = createNetworkOverlay({ stats: () => m.stats(), history: m.history });
    m.on((e) => e.type === "closed" && backToLobby()); // the peer left or the link failed
    Object.assign(globalThis, { match: m }); // for the devtools console (and the consumer test)
  },
  onWatch: (room) => {
    screen.hide();
    const w = (watching = watchMatch({
      lobby,
      room: room.id,
      createGame: (setup) => createPong(setup.seed),
      isOver: (game) => game.winner() >= 0,
      render: ({ game, phase }) =>
        drawPong(canvas, game, phase === "ended" ? "Esc: back to the lobby" : "Watching"),
    }));
    w.on((e) => e.type === "closed" && backToLobby()); // a player left, or the stream broke off
  },
});
