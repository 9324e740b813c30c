/**
 * Draws a pong match on a 2D canvas: the example's whole renderer.
 *
 * @module
 */

import { PONG, type Pong } from "./pong.ts";

/** Paints the field, both paddles, the ball and the score; `note` is shown in the middle. */
export function drawPong(canvas: HTMLCanvasElement, game: Pong, note = ""): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  if (canvas.width !== PONG.width) [canvas.width, canvas.height] = [PONG.width, PONG.height];
  ctx.fillStyle = "#10141c";
  ctx.fillRect(0, 0, PONG.width, PONG.height);
  ctx.fillStyle = "#2a3244";
  for (let y = 0; y < PONG.height; y += 18) ctx.fillRect(PONG.width / 2 - 1, y, 2, 10);
  ctx.fillStyle = "#e8ecf4";
  ctx.fillRect(0, game.paddleY(0), PONG.paddleW, PONG.paddleH);
  ctx.fillRect(PONG.width - PONG.paddleW, game.paddleY(1), PONG.paddleW, PONG.paddleH);
  const ball = game.ball();
  ctx.fillRect(ball.x, ball.y, PONG.ball, PONG.ball);
  ctx.font = "24px monospace";
  ctx.textAlign = "center";
  const [a, b] = game.score();
  ctx.fillText(`${a}   ${b}`, PONG.width / 2, 32);
  const winner = game.winner();
  const text = winner >= 0 ? `player ${winner + 1} wins` : note;
  if (text) ctx.fillText(text, PONG.width / 2, PONG.height / 2 + 40);
}
