/* global document */
/**
 * DOM helpers: every text goes in as a text node (never HTML), which is also what the page's
 * Trusted Types policy ('none') allows.
 */

/**
 * Creates an element with attributes (`on*` values are listeners) and children (strings become text).
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'className') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/**
 * Appends children (strings as text nodes), skipping empty ones.
 * @param {Element} el
 * @param {Array<Node | string | null | undefined | false>} children
 */
export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/**
 * Replaces an element's content.
 * @param {Element} el
 * @param {...(Node | string | null | undefined | false)} children
 */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * The element with this id (throws when missing: a broken page should fail loudly in tests).
 * @param {string} id
 * @returns {any}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`missing #${id}`);
  return el;
}

/**
 * A definition list from [term, value] pairs; values that are empty are left out.
 * @param {Array<[string, Node | string | null | undefined]>} pairs
 * @param {string} [className]
 */
export function facts(pairs, className) {
  const dl = h('dl', { className });
  for (const [term, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(h('dt', {}, term), h('dd', {}, value));
  }
  return dl;
}

/**
 * A date as local text, or a dash.
 * @param {string | number | null | undefined} value ISO text or epoch milliseconds
 */
export function dateText(value) {
  if (value === null || value === undefined) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString();
}
