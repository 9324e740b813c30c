/**
 * The lobby screen's room list: the count in the heading, the filter box, and one row per room.
 * {@link roomItem} is the one place a row is built; a row's controls (Join today) are made there
 * from {@link RoomRowActions}, so a new per-room action (e.g. watching a `playing` room) is one
 * more field there and one more button in the row.
 *
 * @module
 */

import { h, lockIcon, replaceChildren } from "./dom.ts";
import type { LobbyView, RoomRow } from "./lobby_screen_model.ts";

/** What a row's controls call. */
export interface RoomRowActions {
  /** The row's main button: join the room (asks for a password if it is locked). */
  join: (row: RoomRow) => void;
  /**
   * The Watch button beside a `playing` room's row (shown when `row.watchable`; asks for a locked
   * room's password, as `join` does).
   */
  watch: (row: RoomRow) => void;
}

/** The parts of the skeleton the room list fills. */
export interface RoomListParts {
  /** The `<ul>` of rows. */
  roomList: HTMLUListElement;
  /** "(3)" after the heading. */
  roomCount: HTMLElement;
  /** Holds the filter field; hidden with few rooms. */
  filterBox: HTMLElement;
}

/**
 * Re-renders the list from `v`. A room button that had focus gets it back in its new row, so
 * a list update does not throw the keyboard user out of the list.
 */
export function renderRoomList(parts: RoomListParts, v: LobbyView, on: RoomRowActions): void {
  const { roomList, roomCount, filterBox } = parts;
  roomCount.textContent = v.total ? `(${v.total})` : "";
  filterBox.hidden = !v.showFilter;
  const active = document.activeElement;
  const focused = active?.closest?.("[data-testid=room]")?.getAttribute("data-room-id");
  const focusedWatch = active?.getAttribute?.("data-testid") === "watch";
  if (v.rows.length === 0) {
    replaceChildren(roomList, h("li", { class: "duet-empty" }, v.empty));
    return;
  }
  replaceChildren(roomList, ...v.rows.map((r) => roomItem(r, on)));
  if (focused) {
    // The same button of the row keeps focus (Join, or Watch while it is still offered).
    const row = `[data-room-id="${CSS.escape(focused)}"]`;
    const watch = focusedWatch
      ? roomList.querySelector<HTMLButtonElement>(`${row} [data-testid=watch]`)
      : null;
    (watch ?? roomList.querySelector<HTMLButtonElement>(`${row} button`))?.focus();
  }
}

/**
 * A room of the list as a list item holding its controls (so rows are reachable with Tab): the
 * main button joins, and a Watch button follows it when the room's match can be watched.
 */
export function roomItem(r: RoomRow, on: RoomRowActions): HTMLLIElement {
  return h(
    "li",
    { "data-room-id": r.id, "data-testid": "room", class: r.mine ? "mine" : "" },
    h(
      "button",
      {
        type: "button",
        class: `duet-room${r.mine ? " mine" : ""}`,
        disabled: !r.joinable,
        "aria-label": r.label,
        onclick: () => on.join(r),
      },
      h(
        "span",
        { class: "duet-lock lock", role: "img", "aria-label": r.locked ? "locked" : "open" },
        r.locked ? lockIcon() : null,
      ),
      h("span", { class: "duet-room-name" }, r.name),
      h("span", { class: "duet-players" }, r.players),
      r.spectators ? h("span", { class: "duet-watchers" }, r.spectators) : null,
      h("span", { class: `duet-badge ${r.badge}` }, r.badge),
      h("span", { class: "duet-go", "aria-hidden": "true" }, "Join →"),
    ),
    r.watchable
      ? h("button", {
        type: "button",
        class: "duet-small duet-watch",
        "data-testid": "watch",
        "aria-label": r.watchLabel,
        onclick: () => on.watch(r),
      }, "Watch")
      : null,
  );
}
