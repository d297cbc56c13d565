// Small DOM helpers shared by the views: element building, toasts, avatars, formatting.

/**
 * Builds an element. Attributes starting with "on" become listeners; `class` and `style` (an
 * object) are shortcuts; `false`/`null` attributes are left out; children may be nested arrays.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "style" && typeof v === "object") {
      for (const [prop, value] of Object.entries(v)) el.style.setProperty(prop.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), value);
    }
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** Replaces an element's children (nested arrays flattened; null, undefined and false left out). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Shows a short message at the bottom of the screen. @param {"info"|"error"|"ok"} kind */
export function toast(message, kind = "info", ms = 4000) {
  const host = document.getElementById("toasts");
  if (!host) return;
  const el = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  host.append(el);
  setTimeout(() => el.classList.add("leaving"), ms);
  setTimeout(() => el.remove(), ms + 400);
}

/** A human message for an error thrown by the API client or the socket. */
export function describe(error) {
  if (!error) return "Something went wrong.";
  if (error.code === "rate_limited" && error.retryAfter) return `${error.message} (wait ${error.retryAfter} s)`;
  return error.message || String(error);
}

const AVATARS = {
  "avatar-fox": "🦊",
  "avatar-owl": "🦉",
  "avatar-octopus": "🐙",
  "avatar-cat-noir": "🐈‍⬛",
};
const TITLES = { "title-sleuth": "Sleuth", "title-mole-whisperer": "Mole Whisperer" };

/** The emoji of an avatar item, if it has one. */
export function avatarEmoji(avatarId) {
  return AVATARS[avatarId] ?? null;
}

export function titleName(titleId) {
  return TITLES[titleId] ?? null;
}

/** A round badge: the avatar's emoji, else the name's initials on a colour made from the id. */
export function avatar(name, id = "", avatarId = null, size = "") {
  const emoji = avatarEmoji(avatarId);
  const guest = /^Guest (\d+)$/.exec(name ?? "");
  const initials = guest ? guest[1].slice(-2) : (name || "?")
    .split(/\s+/)
    .map((w) => w[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return h(
    "span",
    { class: `avatar ${size}`, style: { "--hue": String(hue(id || name)) }, "aria-hidden": "true" },
    emoji ?? initials,
  );
}

export function hue(s) {
  let x = 0;
  for (const ch of String(s)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return x % 360;
}

/** m:ss */
export function clock(secs) {
  const s = Math.max(0, Math.floor(secs));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function signed(n) {
  return n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : "±0";
}

export function relativeTime(iso) {
  const d = new Date(iso);
  const secs = (Date.now() - d.getTime()) / 1000;
  if (secs < 60) return "just now";
  if (secs < 3600) return `${Math.floor(secs / 60)} min ago`;
  if (secs < 86400) return `${Math.floor(secs / 3600)} h ago`;
  return d.toLocaleDateString();
}

/** A labelled form field. */
export function field(label, input, hint = null) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintEl = hint ? h("small", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hintEl);
}

/** Runs an async action from a button: disables it meanwhile, toasts the error. */
export async function busy(button, fn) {
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } catch (e) {
    toast(describe(e), "error");
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}
