/**
 * The lobby screen's test page (game/e2e/lobby_screen.spec.ts): `createLobbyScreen` on a real
 * lobby connection, and on pairing a stand-in "match" screen with a Leave button and the network
 * overlay (F3 / backtick). The overlay's numbers come from the lobby connection itself (its
 * measured ping RTT, sampled into a real StatsHistory), so it shows live numbers without a game.
 * Only the package's public entry points are imported.
 *
 * @module
 */
import { createSignalingClient, createStatsHistory, lobbyUrl, type Pairing } from "duet-netcode";
import {
  choosePlayerName,
  createLobbyScreen,
  createNetworkOverlay,
  h,
  replaceChildren,
} from "duet-netcode/ui";

const params = new URLSearchParams(location.search);
// One name for the lobby client's hello and the screen's name field.
const name = choosePlayerName(params.get("name"), localStorage, Math.random);
const lobby = createSignalingClient({ url: lobbyUrl(location), name });
const game = document.getElementById("game")!;

const screen = createLobbyScreen({
  lobby,
  name,
  title: "Test Game",
  subtitle: "the duet-netcode/ui lobby screen",
  help: "Press F3 in a match for the network overlay.",
  onPairing: (p) => startMatch(p),
});

let rttMs = Number.NaN;
let frame = 0;
const history = createStatsHistory();
const overlay = createNetworkOverlay({
  stats: () => ({
    rtt: rttMs,
    rttLast: lobby.rttMs ?? undefined,
    loss: 0,
    packetsLost: 0,
    inputDelay: 2,
    predictedFrames: 0,
    rollbacksPerSecond: history.rollbacksPerSecond(performance.now()),
    maxDepthLastSecond: history.maxDepth(performance.now()),
    stalls: 0,
    frameAdvantage: 0,
    frame,
  }),
  history,
  visible: params.has("overlay"),
});
let sampler: ReturnType<typeof setInterval> | null = null;

function startMatch(p: Pairing): void {
  screen.hide();
  game.hidden = false;
  replaceChildren(
    game,
    h(
      "section",
      { "data-testid": "match", "aria-live": "polite" },
      h("h1", {}, `Playing against ${p.peer.name}`),
      h("p", { "data-testid": "player" }, `You are player ${p.player + 1}`),
      h("button", { type: "button", "data-testid": "leave-match", onclick: leaveMatch }, "Leave"),
    ),
  );
  sampler = setInterval(() => {
    frame += 6;
    lobby.ping().then((ms) => {
      rttMs = Number.isFinite(rttMs) ? rttMs * 0.8 + ms * 0.2 : ms;
      const t = performance.now();
      history.rollback(t, frame % 5); // a varying depth, so the graph's bars show too
      history.sample(t, ms);
    }, () => {});
  }, 100);
}

function leaveMatch(): void {
  if (sampler !== null) clearInterval(sampler);
  sampler = null;
  game.hidden = true;
  replaceChildren(game);
  lobby.leave().catch(() => {});
  screen.show();
}

Object.assign(globalThis, { lobbyScreen: { screen, overlay, lobby } });
