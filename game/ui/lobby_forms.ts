/**
 * The lobby screen's form handling: the controls of the skeleton (quick match, the create form,
 * join with a code, the name field, the room filter) read into requests the shell acts on. The
 * decisions (default room name, empty password, a pasted invite link) are the model's; this file
 * only reads fields and keeps the browser from submitting the forms.
 *
 * @module
 */

import type { LobbyLayout } from "./lobby_screen_layout.ts";
import { type CreateRoomRequest, createRoomRequest, parseRoomRef } from "./lobby_screen_model.ts";

/** What the forms ask of the screen. */
export interface LobbyFormActions {
  /** Quick match was pressed. */
  quick: () => void;
  /** The create form was submitted. */
  create: (request: CreateRoomRequest) => void;
  /** "Join with a code" was submitted: the room reference in it, or null if none is usable. */
  joinCode: (ref: string | null) => void;
  /** The name field was committed (changed, or Enter): what it holds now. */
  rename: (typed: string) => void;
  /** The room filter changed. */
  filter: (text: string) => void;
  /** The player's name now (for the create form's default room name). */
  playerName: () => string;
}

/** Binds the skeleton's controls to `on`; Enter submits each form, as in any HTML form. */
export function bindLobbyForms(layout: LobbyLayout, on: LobbyFormActions): void {
  layout.quickButton.addEventListener("click", () => on.quick());
  layout.createForm.addEventListener("submit", (e) => {
    e.preventDefault();
    on.create(createRoomRequest({
      name: layout.roomNameInput.value,
      private: layout.privateInput.checked,
      password: layout.passwordInput.value,
    }, on.playerName()));
  });
  layout.joinForm.addEventListener("submit", (e) => {
    e.preventDefault();
    on.joinCode(parseRoomRef(layout.codeInput.value));
  });
  layout.filterInput.addEventListener("input", () => on.filter(layout.filterInput.value));
  const { nameInput } = layout;
  nameInput.addEventListener("change", () => on.rename(nameInput.value));
  nameInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") on.rename(nameInput.value);
  });
}
