/**
 * Puts the package's CSS on the page: each stylesheet once, in a `<style>` element with a known
 * id, so a game needs no CSS loader in its bundler and two screens never add the same rules twice.
 *
 * @module
 */

/**
 * Adds `css` in a `<style id="{id}">` to the document head unless one with that id exists.
 * Returns the element (the existing one if it was there).
 */
export function injectStyle(id: string, css: string, doc: Document = document): HTMLStyleElement {
  const existing = doc.getElementById(id);
  if (existing instanceof HTMLStyleElement) return existing;
  const style = doc.createElement("style");
  style.id = id;
  style.textContent = css;
  doc.head.appendChild(style);
  return style;
}
