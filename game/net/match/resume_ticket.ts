/**
 * What a page keeps so that, reloaded mid-match, it can take its seat back: the lobby it played
 * on, its resume token (`paired.resume`) and the session, in `sessionStorage` (per tab: a second
 * tab starts with its own, and a duplicated tab's copy is refused by the lobby as in use).
 *
 * Pure over a `Storage`-like object; a storage that is missing or throws (private mode, quota,
 * a sandboxed frame) only means there is nothing to resume.
 *
 * @module
 */

/** The seat a page may resume. */
export interface ResumeTicket {
  /** The lobby's WebSocket URL. */
  url: string;
  /** `paired.resume`. */
  token: string;
  /** `paired.session`: the match it belongs to. */
  session: string;
  /** `paired.player`: the seat's player index. */
  player: 0 | 1;
  /** Wall-clock ms when it was saved (refreshed while the match runs). */
  savedAt: number;
}

/** The storage key. */
export const RESUME_TICKET_KEY = "duet-netcode:resume";

/** The part of `Storage` a ticket needs. */
export type TicketStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const TOKEN = /^[A-Za-z0-9]{1,64}$/;

/** `sessionStorage`, or null where there is none (or it may not be touched). */
export function pageStorage(): TicketStorage | null {
  try {
    return (globalThis as { sessionStorage?: Storage }).sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** Keeps `ticket`; false if the storage refused. */
export function saveTicket(storage: TicketStorage | null, ticket: ResumeTicket): boolean {
  if (!storage) return false;
  try {
    storage.setItem(RESUME_TICKET_KEY, JSON.stringify(ticket));
    return true;
  } catch {
    return false;
  }
}

/** Forgets the ticket (the match ended, or the lobby refused it). */
export function clearTicket(storage: TicketStorage | null): void {
  try {
    storage?.removeItem(RESUME_TICKET_KEY);
  } catch {
    // Nothing kept, nothing to forget.
  }
}

/**
 * The ticket for the lobby at `url`, if one was saved within `maxAgeMs` of `now` (the grace
 * period: an older one cannot be in time) and is well-formed; else null (and a stale or damaged
 * one is forgotten).
 */
export function loadTicket(
  storage: TicketStorage | null,
  url: string,
  now: number,
  maxAgeMs: number,
): ResumeTicket | null {
  if (!storage) return null;
  let raw: unknown;
  try {
    const text = storage.getItem(RESUME_TICKET_KEY);
    if (text === null) return null;
    raw = JSON.parse(text);
  } catch {
    clearTicket(storage);
    return null;
  }
  const t = raw as Partial<ResumeTicket> | null;
  const ok = typeof t === "object" && t !== null && typeof t.url === "string" &&
    typeof t.token === "string" && TOKEN.test(t.token) && typeof t.session === "string" &&
    t.session.length > 0 && t.session.length <= 64 && (t.player === 0 || t.player === 1) &&
    typeof t.savedAt === "number" &&
    Number.isFinite(t.savedAt);
  if (!ok) {
    clearTicket(storage);
    return null;
  }
  const ticket = t as ResumeTicket;
  if (ticket.url !== url) return null;
  const age = now - ticket.savedAt;
  if (age < 0 || age > maxAgeMs) {
    clearTicket(storage);
    return null;
  }
  const { token, session, player, savedAt } = ticket;
  return { url: ticket.url, token, session, player, savedAt };
}
