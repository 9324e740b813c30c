/**
 * A tiny element builder for the HTML layer over the canvas (lobby forms, end screen): text is
 * always set as text, never parsed as HTML, so room and player names cannot inject markup.
 *
 * @module
 */

/** Attributes and event handlers for {@link h}. */
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** A child: an element, text, or nothing. */
export type Child = Node | string | number | null | undefined | false;

/** Creates an element: `h("button", { class: "primary", onclick: go }, "Play")`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "value" && "value" in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (key === "checked" && "checked" in el) {
      (el as HTMLInputElement).checked = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children, skipping empty ones. */
export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/** Replaces all of an element's children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.textContent = "";
  append(el, children);
}

/** The HTML layer over the game canvas. */
export function uiRoot(): HTMLElement {
  const el = document.getElementById("ui");
  if (!el) throw new Error("index.html has no #ui element");
  return el;
}

/**
 * A padlock as inline SVG: emoji fonts are missing on many Linux machines (a 🔒 shows as a box),
 * and an icon font would be a download for one glyph.
 */
export function lockIcon(title = "locked"): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("class", "lock-icon");
  svg.setAttribute("role", "img");
  const t = document.createElementNS(ns, "title");
  t.textContent = title;
  const shackle = document.createElementNS(ns, "path");
  shackle.setAttribute("d", "M4.5 7V5a3.5 3.5 0 0 1 7 0v2");
  shackle.setAttribute("fill", "none");
  shackle.setAttribute("stroke", "currentColor");
  shackle.setAttribute("stroke-width", "1.8");
  const body = document.createElementNS(ns, "rect");
  for (const [k, v] of [["x", "2.5"], ["y", "7"], ["width", "11"], ["height", "8"], ["rx", "2"]]) {
    body.setAttribute(k, v);
  }
  body.setAttribute("fill", "currentColor");
  svg.append(t, shackle, body);
  return svg;
}
