// The page: header, navigation, the link banner, and a hash router that mounts one view at a time.
// Each view module exports `mount(root, params)` and may return a function that unmounts it.

import { api } from "./api.js";
import { room } from "./room.js";
import { h, fill, avatar, toast } from "./ui.js";
import * as welcome from "./views/welcome.js";
import * as play from "./views/play.js";
import * as lobby from "./views/lobby.js";
import * as profile from "./views/profile.js";
import * as leaderboards from "./views/leaderboards.js";
import * as store from "./views/store.js";
import * as clans from "./views/clans.js";
import * as battle from "./views/battle.js";
import { inbox } from "./inbox.js";
import { navigate } from "./router.js";

/** @typedef {{name: string, mount: (root: HTMLElement, params: string[]) => (void | (() => void))}} View */
/** @type {[RegExp, View, boolean][]} [pattern, view, needs a session] */
const ROUTES = [
  [/^\/welcome$/, welcome, false],
  [/^\/play$/, play, true],
  [/^\/room\/([\w-]+)$/, lobby, true],
  [/^\/profile(?:\/([\w-]+))?$/, profile, true],
  [/^\/leaderboards(?:\/([\w-]+))?$/, leaderboards, false],
  [/^\/store$/, store, true],
  [/^\/clans$/, clans, true],
  [/^\/battle\/([\w-]+)$/, battle, true],
];

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
let unmount = null;
let currentPath = null;

function route() {
  const path = location.hash.replace(/^#/, "") || "/";
  if (path === "/" || path === "") {
    navigate(api.user ? (room.live ? `/room/${room.state.lobbyId}` : "/play") : "/welcome");
    return;
  }
  const found = ROUTES.find(([re]) => re.test(path));
  if (!found) {
    navigate("/");
    return;
  }
  const [re, view, auth] = found;
  const m = re.exec(path);
  if (auth && !api.user) {
    sessionStorage.setItem("whoosh.after_login", path);
    navigate("/welcome");
    return;
  }
  if (unmount) unmount();
  unmount = null;
  fill(main);
  main.dataset.view = view.name ?? "";
  currentPath = path;
  markNav(path);
  unmount = view.mount(main, m.slice(1)) ?? null;
  // Move focus to the new content for keyboard and screen-reader users, without scrolling jumps.
  main.focus({ preventScroll: true });
}

function markNav(path) {
  for (const a of document.querySelectorAll("#nav a")) {
    const active = path.startsWith(a.getAttribute("href").slice(1));
    if (active) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

/** The player badge in the header. */
function renderWho() {
  const who = document.getElementById("who");
  const user = api.user;
  if (!user) {
    fill(who);
    return;
  }
  fill(who,
    h(
      "a",
      { href: "#/profile", class: "who", title: "Your profile" },
      avatar(user.display_name, user.id, user.avatar_id, "sm"),
      h("span", { class: "who-name", "data-testid": "me-name" }, user.display_name),
      user.is_guest ? h("span", { class: "tag" }, "guest") : null,
    ),
  );
}

let resumedTimer = 0;

/** The banner that says how the game link is doing (reconnecting, resumed, closed). */
function renderLink(kind, detail) {
  const bar = document.getElementById("link");
  const s = room.state;
  if (!s) {
    bar.hidden = true;
    return;
  }
  const link = s.link;
  bar.className = "link";
  if (kind === "resumed") {
    bar.hidden = false;
    bar.classList.add("link-ok");
    bar.textContent = `Reconnected — caught up on ${detail.replayed} missed update${detail.replayed === 1 ? "" : "s"}.`;
    clearTimeout(resumedTimer);
    resumedTimer = setTimeout(() => (bar.hidden = true), 4000);
    return;
  }
  if (link.state === "reconnecting") {
    bar.hidden = false;
    bar.classList.add("link-warn");
    bar.textContent = `Connection lost — reconnecting${link.attempt ? ` (attempt ${link.attempt})` : ""}…`;
  } else if (link.state === "closed" && link.final && s.result && link.code === 1000) {
    // The lobby closing after its game is the normal end, not an error.
    bar.hidden = true;
  } else if (link.state === "closed" && link.final) {
    bar.hidden = false;
    bar.classList.add("link-bad");
    fill(
      bar,
      link.reason ?? "Disconnected from the lobby.",
      link.code === 4000
        ? h("button", { class: "btn btn-small link-action", onclick: () => room.socket?.reconnect() }, "Play here")
        : null,
    );
  } else if (link.state === "open" && bar.classList.contains("link-warn")) {
    bar.hidden = true;
  } else if (link.state === "open") {
    // Keep a "resumed" message visible until its timer hides it.
  }
}

async function footer() {
  const el = document.getElementById("health");
  const body = await api.readiness();
  const ok = body.status === "ready";
  el.className = ok ? "health ok" : "health bad";
  el.textContent = ok ? "all systems go" : `platform ${body.status}`;
}

/**
 * What the player's own channel says, wherever they are on the page.
 * @param {import("../vendor/whoosh-client/index.js").PlayerEvent} msg
 */
function onInboxEvent(msg) {
  if (msg.t === "leaderboard") return;
  const open = (label) => h("a", { href: `#/battle/${msg.battle_id}`, class: "toast-link" }, label);
  if (msg.t === "battle:invite") {
    toast(h("span", { "data-testid": "battle-invite-toast" }, "You are challenged to a battle. ", open("See it")), "info", 15000);
  } else if (msg.t === "battle:begin" && msg.lobby_id) {
    // Everyone of the battle goes to its room: the game starts when all are in.
    if (room.state?.lobbyId !== msg.lobby_id) navigate(`/room/${msg.lobby_id}`);
  } else if (msg.t === "battle:finished" && !currentPath?.startsWith("/room/")) {
    toast(h("span", {}, "A battle of yours is over. ", open("Result")), "ok", 8000);
  }
}

function boot() {
  inbox.on("event", onInboxEvent);
  api.on("session", () => {
    inbox.sync();
    renderWho();
    if (!api.user) {
      room.leave();
      navigate("/welcome");
    }
  });
  api.on("expired", () => toast("Your session has ended; please log in again.", "error"));
  room.addEventListener("change", (e) => {
    const { kind, msg } = /** @type {CustomEvent} */ (e).detail;
    if (kind === "link" || kind === "resumed" || kind === "leave") renderLink(kind, msg);
    if (kind === "ERROR" && msg) toast(msg.message ?? msg.code, "error");
  });
  window.addEventListener("hashchange", route);
  // Alt+D drops the game link on purpose, to watch it recover (also what the e2e test uses).
  window.addEventListener("keydown", (e) => {
    if (e.altKey && e.key.toLowerCase() === "d") room.socket?.drop();
  });
  renderWho();
  inbox.sync();
  // A reload mid-game: take the seat again from where this tab was.
  const saved = room.saved();
  if (api.user && saved?.lobby_id) {
    api
      .lobby(saved.lobby_id)
      .then((seat) => room.enter({ ...seat, lobby_id: saved.lobby_id, edge_url: seat.edge_url ?? saved.edge_url }, saved.last_seq))
      .catch(() => sessionStorage.removeItem("whoosh.room"))
      .finally(route);
  } else {
    route();
  }
  footer();
  setInterval(footer, 15000);
  // Debug handle for the console and the e2e test.
  Object.assign(window, { whoosh: { api, room, inbox, navigate } });
}

boot();
