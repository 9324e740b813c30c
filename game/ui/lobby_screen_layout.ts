/**
 * The lobby screen's fixed skeleton: header (logo, title, status), name field, room list with its
 * filter, and the side column (quick match, create form, join-by-code form, waiting card). Built
 * once per screen, with no behaviour: `lobby_forms.ts` binds its controls and the shell
 * (`lobby_screen_shell.ts`) keeps references to the parts it updates. Every field has a
 * label, forms submit with Enter, and the DOM order is the Tab order.
 *
 * @module
 */

import {
  PASSWORD_MAX_LENGTH,
  PLAYER_NAME_MAX_LENGTH,
  ROOM_NAME_MAX_LENGTH,
} from "../../shared/limits.ts";
import { h } from "./dom.ts";
import { defaultLogo } from "./lobby_screen_parts.ts";

/** What the skeleton shows. */
export interface LobbyLayoutOptions {
  /** Prefix for element ids (unique per screen). */
  uid: string;
  name: string;
  title?: string;
  subtitle?: string;
  help?: string | Node | null;
  logo?: Node | null;
  inline?: boolean;
}

/** The parts of the skeleton the screen updates. */
export interface LobbyLayout {
  element: HTMLElement;
  status: HTMLElement;
  messageBar: HTMLElement;
  roomList: HTMLUListElement;
  roomCount: HTMLElement;
  filterInput: HTMLInputElement;
  filterBox: HTMLElement;
  dialogHost: HTMLElement;
  nameInput: HTMLInputElement;
  quickButton: HTMLButtonElement;
  roomNameInput: HTMLInputElement;
  privateInput: HTMLInputElement;
  passwordInput: HTMLInputElement;
  createButton: HTMLButtonElement;
  createForm: HTMLFormElement;
  codeInput: HTMLInputElement;
  joinButton: HTMLButtonElement;
  joinForm: HTMLFormElement;
  actions: HTMLElement;
  waiting: HTMLElement;
}

/** Builds the skeleton (not yet on the page, hidden). */
export function buildLobbyLayout(o: LobbyLayoutOptions): LobbyLayout {
  // --- The parts that re-render -------------------------------------------------------------
  const status = h("div", {
    class: "duet-status",
    role: "status",
    "aria-live": "polite",
    "data-testid": "lobby-status",
  });
  const messageBar = h("div", {
    class: "duet-message",
    role: "alert",
    "aria-live": "assertive",
    "data-testid": "lobby-message",
  });
  const roomList = h("ul", {
    class: "duet-rooms",
    "data-testid": "room-list",
    "aria-labelledby": `${o.uid}-rooms`,
  });
  const roomCount = h("span", { class: "duet-count" });
  const filterInput = h("input", {
    type: "search",
    id: `${o.uid}-filter`,
    placeholder: "Filter rooms",
    "aria-label": "Filter rooms by name",
    "data-testid": "room-filter",
    maxlength: ROOM_NAME_MAX_LENGTH,
  });
  const filterBox = h("div", { class: "duet-filter", hidden: true }, filterInput);
  const dialogHost = h("div", {});

  // --- Name -----------------------------------------------------------------------------------
  const nameInput = h("input", {
    type: "text",
    id: `${o.uid}-name`,
    name: "player-name",
    maxlength: PLAYER_NAME_MAX_LENGTH,
    value: o.name,
    autocomplete: "nickname",
    "data-testid": "player-name",
  });

  // --- Quick match, create, join by code --------------------------------------------------
  const quickButton = h("button", {
    type: "button",
    class: "duet-primary duet-big",
    "data-testid": "quick-match",
  });
  const roomNameInput = h("input", {
    type: "text",
    id: `${o.uid}-room-name`,
    name: "room-name",
    maxlength: ROOM_NAME_MAX_LENGTH,
  });
  const privateInput = h("input", { type: "checkbox", name: "private", id: `${o.uid}-private` });
  const passwordInput = h("input", {
    type: "password",
    id: `${o.uid}-password`,
    name: "password",
    maxlength: PASSWORD_MAX_LENGTH,
    placeholder: "optional",
    autocomplete: "new-password",
  });
  const createButton = h("button", { type: "submit" });
  const createForm = h(
    "form",
    { class: "duet-card", "data-testid": "create-room" },
    h("h3", {}, "Create a room"),
    h(
      "div",
      { class: "duet-field" },
      h("label", { for: roomNameInput.id }, "Room name"),
      roomNameInput,
    ),
    h(
      "div",
      { class: "duet-field" },
      h("label", { for: passwordInput.id }, "Password"),
      passwordInput,
    ),
    h(
      "div",
      { class: "duet-row spread" },
      h(
        "label",
        { class: "duet-toggle", for: privateInput.id },
        privateInput,
        h("span", { class: "duet-switch", "aria-hidden": "true" }),
        "Private (invite only)",
      ),
      createButton,
    ),
  );
  const codeInput = h("input", {
    type: "text",
    id: `${o.uid}-code`,
    name: "code",
    maxlength: 512, // a pasted invite link is longer than the code in it
    placeholder: "code, room id or invite link",
    autocomplete: "off",
    spellcheck: "false",
  });
  const joinButton = h("button", { type: "submit" });
  const joinForm = h(
    "form",
    { class: "duet-card", "data-testid": "join-code" },
    h("h3", {}, h("label", { for: codeInput.id, class: "duet-h3-label" }, "Join with a code")),
    h("div", { class: "duet-row" }, codeInput, joinButton),
  );
  const actions = h("section", { class: "duet-actions" }, quickButton, createForm, joinForm);
  const waiting = h("section", {
    class: "duet-waiting",
    "data-testid": "waiting",
    "aria-live": "polite",
    hidden: true,
  });
  const side = h("div", { class: "duet-side" }, actions, waiting);

  const element = h(
    "div",
    {
      class: `duet-lobby${o.inline ? " duet-inline" : ""}`,
      hidden: true,
      "data-testid": "lobby",
    },
    h(
      "div",
      {
        class: "duet-panel",
        role: "region",
        "aria-labelledby": `${o.uid}-title`,
      },
      h(
        "header",
        { class: "duet-header" },
        h(
          "div",
          { class: "duet-brand" },
          o.logo === undefined ? defaultLogo() : o.logo,
          h(
            "div",
            {},
            h("h1", { id: `${o.uid}-title`, tabindex: -1 }, o.title ?? "duet"),
            h("p", {}, o.subtitle ?? "peer to peer · rollback netcode"),
          ),
        ),
        status,
      ),
      h(
        "div",
        { class: "duet-name-row" },
        h("label", { for: nameInput.id }, "Your name"),
        nameInput,
      ),
      h(
        "div",
        { class: "duet-columns" },
        h(
          "section",
          { class: "duet-room-column" },
          h("h2", { id: `${o.uid}-rooms` }, "Open rooms ", roomCount),
          filterBox,
          roomList,
        ),
        side,
      ),
      messageBar,
      o.help ? h("footer", { class: "duet-help" }, o.help) : null,
    ),
    dialogHost,
  );
  return {
    element,
    status,
    messageBar,
    roomList,
    roomCount,
    filterInput,
    filterBox,
    dialogHost,
    nameInput,
    quickButton,
    roomNameInput,
    privateInput,
    passwordInput,
    createButton,
    createForm,
    codeInput,
    joinButton,
    joinForm,
    actions,
    waiting,
  };
}
