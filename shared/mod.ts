/**
 * `duet-netcode/protocol`: the lobby protocol (JSON over WebSocket) and the DataChannel protocol
 * (positional msgpack), their validators and codecs, and every limit. Pure TypeScript with no DOM
 * and no Deno APIs, so the lobby, the browser client and a game's own tools share one schema.
 *
 * @example
 * ```ts
 * import { parseClientMessage } from "duet-netcode/protocol";
 * const result = parseClientMessage('{"type":"quick"}');
 * if (result.ok) console.log(result.value.type); // "quick"
 * ```
 *
 * @module
 */

export * from "./lobby_protocol.ts";
export * from "./peer_protocol.ts";
export * from "./limits.ts";
export * from "./replay_format.ts";
