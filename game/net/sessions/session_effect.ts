/**
 * What the session core asks its shell to do, as data (the GGRS "requests" idea turned outward):
 * the core never touches the transport or calls the owner back, so it can be tested by reading
 * the list, and no callback runs in the middle of its work. The shell carries them out in order.
 *
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import type { SessionEvent } from "./session_event.ts";

/** One thing for the shell to do. */
export type SessionEffect =
  /** Send the local input of `frame` on the input transport. */
  | { type: "send-input"; frame: number; input: number }
  /** Send a control message. */
  | { type: "send-control"; message: ControlMessage }
  /** Tell the transport our current frame (for the peer's time sync). */
  | { type: "set-frame"; frame: number }
  /** Both inputs of `frame` are final (the `onConfirmed` hook). */
  | { type: "confirmed"; frame: number; input0: number; input1: number }
  /** Raise an event to the `onEvent` listeners. */
  | { type: "event"; event: SessionEvent };
