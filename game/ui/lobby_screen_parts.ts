/**
 * The lobby screen's pieces that are built anew from data: the password dialog, the waiting card
 * and the status line (a room row is `lobby_room_list.ts`). Each is a function from what it shows
 * (and what it calls back) to elements; none holds state, so the screen's shell
 * (`lobby_screen_shell.ts`) stays the only owner of it.
 *
 * @module
 */

import { PASSWORD_MAX_LENGTH } from "../../shared/limits.ts";
import { type Child, h, lockIcon, replaceChildren } from "./dom.ts";
import type { LobbyView, WaitingView } from "./lobby_screen_model.ts";

/** The connection status line's content: a light, the sentence, and Retry when it gave up. */
export function statusContent(status: HTMLElement, v: LobbyView, onRetry: () => void): void {
  status.className = `duet-status ${v.status.tone}`;
  replaceChildren(
    status,
    h("i", { class: "duet-led", "aria-hidden": "true" }),
    v.status.text,
    v.retry
      ? h("button", {
        type: "button",
        class: "duet-small",
        "data-testid": "lobby-retry",
        onclick: onRetry,
      }, "Retry")
      : null,
  );
}

/** What {@link passwordDialog} needs. */
export interface PasswordDialogOptions {
  /** Prefix for element ids (unique per screen). */
  uid: string;
  /** The room's name when it is listed, else null. */
  roomName: string | null;
  /** The last password was wrong. */
  wrong: boolean;
  /** What the password is for (the text and the button say so); default "join". */
  action?: "join" | "watch";
  /** The password was entered (named for joining; watching uses it too). */
  onJoin: (password: string) => void;
  onCancel: () => void;
}

/**
 * A modal dialog asking for a room's password: labelled, focus kept inside (Tab cycles), Enter
 * joins, Escape or a click outside cancels. Returns the backdrop to mount and the field to focus.
 */
export function passwordDialog(
  o: PasswordDialogOptions,
): { root: HTMLElement; focus: HTMLElement } {
  const input = h("input", {
    type: "password",
    id: `${o.uid}-room-password`,
    maxlength: PASSWORD_MAX_LENGTH,
    autocomplete: "current-password",
    "data-testid": "password-input",
  });
  const dialog = h(
    "form",
    {
      class: "duet-dialog",
      role: "dialog",
      "aria-modal": "true",
      "aria-labelledby": `${o.uid}-dialog-title`,
      "aria-describedby": `${o.uid}-dialog-text`,
      "data-testid": "password-dialog",
      onsubmit: (e: Event) => {
        e.preventDefault();
        o.onJoin(input.value);
      },
    },
    h(
      "h2",
      { id: `${o.uid}-dialog-title` },
      lockIcon(),
      o.roomName ? `“${o.roomName}” is locked` : "This room is locked",
    ),
    h(
      "p",
      { id: `${o.uid}-dialog-text`, class: o.wrong ? "duet-error-text" : "" },
      o.wrong ? "Wrong password, try again." : `Enter its password to ${o.action ?? "join"}.`,
    ),
    h("label", { for: input.id }, "Room password"),
    input,
    h(
      "div",
      { class: "duet-row right" },
      h("button", { type: "button", onclick: o.onCancel }, "Cancel"),
      h(
        "button",
        { type: "submit", class: "duet-primary" },
        o.action === "watch" ? "Watch" : "Join",
      ),
    ),
  );
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      o.onCancel();
    } else if (e.key === "Tab") trapFocus(dialog, e);
  });
  const root = h("div", {
    class: "duet-backdrop",
    onclick: (e: Event) => e.target === e.currentTarget && o.onCancel(),
  }, dialog);
  return { root, focus: input };
}

/** What {@link waitingCard} needs. */
export interface WaitingCardOptions {
  uid: string;
  waiting: WaitingView;
  leaveLabel: string;
  canLeave: boolean;
  onLeave: () => void;
  /** Says something in the message bar (the copy button's outcome). */
  say: (text: string) => void;
}

/**
 * Fills `card` with "waiting for an opponent" in our room: its name, and for a private room the
 * invite code, the invite link (a read-only field) and a copy button; then Leave. Returns the
 * control that should take focus on entering the room (copy the link, else leave).
 */
export function waitingCard(card: HTMLElement, o: WaitingCardOptions): HTMLElement {
  const w = o.waiting;
  const leave = h("button", {
    type: "button",
    "data-testid": "leave-room",
    disabled: !o.canLeave,
    onclick: o.onLeave,
  }, o.leaveLabel);
  let copy: HTMLButtonElement | null = null;
  let invite: Child = h("p", { class: "duet-muted" }, "Anyone can join from the room list.");
  if (w.invite) {
    const link = w.invite.link;
    const linkInput = h("input", {
      type: "url",
      id: `${o.uid}-invite-link`,
      readonly: true,
      value: link,
      "data-testid": "invite-link",
      onfocus: (e: Event) => (e.target as HTMLInputElement).select(),
    });
    copy = h("button", {
      type: "button",
      class: "duet-primary",
      "data-testid": "copy-invite",
      onclick: () => {
        const done = () => o.say("Invite link copied: send it to the other player.");
        // No clipboard (insecure page, permission refused): select the link for a manual copy.
        const manual = () => {
          linkInput.focus();
          o.say("Copy the selected link and send it to the other player.");
        };
        const clip = navigator.clipboard;
        if (clip) clip.writeText(link).then(done, manual);
        else manual();
      },
    }, "Copy invite link");
    invite = h(
      "div",
      { class: "duet-invite" },
      h("span", { class: "duet-label" }, "Invite code"),
      h("code", { "data-testid": "invite-code" }, w.invite.code),
      h("label", { for: linkInput.id }, "Invite link"),
      linkInput,
      copy,
    );
  }
  replaceChildren(
    card,
    h("div", { class: "duet-spinner", "aria-hidden": "true" }),
    h("h2", {}, "Waiting for an opponent…"),
    h(
      "p",
      {},
      "In room ",
      h("strong", {}, w.roomName),
      w.locked ? " " : null,
      w.locked ? lockIcon() : null,
    ),
    invite,
    leave,
  );
  return copy ?? leave;
}

/** The default logo: two overlapping discs, one per player. */
export function defaultLogo(): HTMLElement {
  return h(
    "span",
    { class: "duet-logo", "aria-hidden": "true" },
    h("i", { class: "duet-you" }),
    h("i", { class: "duet-them" }),
  );
}

/** Keeps Tab and Shift+Tab inside `container`. */
function trapFocus(container: HTMLElement, e: KeyboardEvent): void {
  const items = [...container.querySelectorAll<HTMLElement>("input, button, [tabindex]")]
    .filter((el) => !(el as HTMLButtonElement).disabled && el.tabIndex >= 0);
  if (items.length === 0) return;
  const first = items[0], last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
