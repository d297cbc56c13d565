// The room: one view for a lobby's whole life — the waiting room (players, ready, host start,
// settings), the running game (player cards, suspicion, heat, news, countdown, your role) and the
// result (roles revealed, rating, XP and coins). Chat sits beside all three. Screens update in
// place on every message so heat bars animate and inputs keep their focus.

import { api } from "../api.js";
import { room } from "../room.js";
import { h, fill, avatar, toast, describe, clock, signed } from "../ui.js";
import { navigate } from "../router.js";

export const name = "room";

const TITLE = document.title;

export function mount(root, [lobbyId]) {
  if (room.state?.lobbyId !== lobbyId) {
    // Opened by link or after leaving: take the seat again if we have one.
    api
      .lobby(lobbyId)
      .then((seat) => room.enter({ ...seat, lobby_id: lobbyId }))
      .catch((e) => {
        toast(e.status === 404 || e.status === 403 ? "That lobby is gone." : describe(e), "error");
        navigate("/play");
      });
  }

  const stage = h("div", { class: "stage" });
  const chat = chatPanel();
  root.append(h("div", { class: "room" }, stage, h("aside", { class: "side", "aria-label": "Chat" }, chat.el)));

  let mode = null;
  let screen = null;
  const onChange = (e) => {
    const s = room.state;
    if (!s) {
      fill(stage, h("p", { class: "muted" }, "You are not in this lobby."));
      mode = null;
      return;
    }
    const next = s.result ? "over" : s.game ? "game" : s.lobby ? "lobby" : "connecting";
    if (next !== mode) {
      screen?.destroy?.();
      mode = next;
      screen = SCREENS[next]();
      fill(stage, screen.el);
      root.dataset.screen = next;
    }
    screen.update?.(e?.detail ?? {});
    chat.update();
  };
  room.addEventListener("change", onChange);
  onChange();
  return () => {
    room.removeEventListener("change", onChange);
    screen?.destroy?.();
  };
}

const SCREENS = { connecting: connectingScreen, lobby: lobbyScreen, game: gameScreen, over: overScreen };

function connectingScreen() {
  return {
    el: h("div", { class: "connecting", role: "status" }, h("div", { class: "spinner", "aria-hidden": "true" }), h("p", {}, "Connecting to the game server…")),
  };
}

// --- the waiting room -----------------------------------------------------------------------

function lobbyScreen() {
  const title = h("h1", { class: "page-title" });
  const codeBox = h("div", { class: "code-box" });
  const settings = h("p", { class: "muted settings" });
  const players = h("ul", { class: "seats", "aria-label": "Players", "data-testid": "seats" });
  const status = h("p", { class: "lobby-status", role: "status", "aria-live": "polite" });
  const ready = h("button", { class: "btn btn-xl", "data-testid": "ready", onclick: () => room.ready(!meSeat()?.ready) });
  const start = h("button", { class: "btn btn-primary btn-xl", "data-testid": "start", onclick: () => room.start() }, "Start the game");
  const leave = h("button", { class: "btn btn-ghost", onclick: () => (room.leave(), navigate("/play")) }, "Leave lobby");
  const actions = h("div", { class: "lobby-actions" });

  const meSeat = () => room.state?.lobby?.players.find((p) => p.user_id === room.state.me);
  /** Seats already shown: only a new arrival animates in. */
  const seen = new Set();

  const el = h(
    "section",
    { class: "lobby", "data-testid": "lobby" },
    h("div", { class: "lobby-head" }, h("div", {}, title, settings), codeBox),
    players,
    status,
    actions,
    h("div", { class: "lobby-foot" }, leave),
  );

  function update() {
    const s = room.state;
    const lobby = s.lobby;
    const isPrivate = lobby.kind === "private";
    const me = meSeat();
    const amHost = lobby.host === s.me;
    title.textContent = isPrivate ? "Private lobby" : "Match lobby";
    settings.textContent = `Rounds of ${clock(lobby.settings.round_secs)} · ${lobby.players.length}/${lobby.settings.max_players} seats`;
    if (lobby.code) {
      const copy = h(
        "button",
        {
          class: "btn btn-small",
          onclick: () =>
            navigator.clipboard?.writeText(lobby.code).then(
              () => toast("Code copied.", "ok"),
              () => toast(`The code is ${lobby.code}.`),
            ),
        },
        "Copy",
      );
      fill(codeBox, h("span", { class: "code-label" }, "Code"), h("strong", { class: "code", "data-testid": "lobby-code" }, lobby.code), copy);
    } else fill(codeBox);

    fill(players,
      ...lobby.players.map((p) =>
        h(
          "li",
          {
            class: `seat ${p.connected ? "" : "away"} ${p.ready || p.host ? "is-ready" : ""} ${seen.has(p.user_id) ? "" : "arrived"}`,
            "data-testid": "seat",
            "data-user": p.user_id,
          },
          avatar(p.name, p.user_id),
          h(
            "span",
            { class: "seat-name" },
            h("span", { class: "seat-name-text" }, p.name),
          ),
          h("span", { class: "seat-rating", title: "Rating" }, String(p.rating)),
          h(
            "span",
            { class: "seat-state" },
            !p.connected ? "away" : p.host && isPrivate ? "👑 hosting" : p.ready ? "✓ ready" : "not ready",
            p.user_id === s.me ? h("span", { class: "tag" }, "you") : null,
          ),
        ),
      ),
      ...Array.from({ length: Math.max(0, Math.min(lobby.settings.max_players, 10) - lobby.players.length) }, () =>
        h("li", { class: "seat empty", "aria-hidden": "true" }, h("span", { class: "avatar ghost" }, "?"), h("span", { class: "seat-name" }, "open seat")),
      ),
    );

    for (const p of lobby.players) seen.add(p.user_id);
    const connected = lobby.players.filter((p) => p.connected);
    const waitingOn = connected.filter((p) => !p.ready && p.user_id !== lobby.host);
    const nextState = lobby.state === "playing" ? "The game is starting…" : null;
    fill(actions);
    if (!isPrivate) {
      status.textContent = nextState ?? "Matched! The game starts as soon as everyone has connected.";
      return;
    }
    if (amHost) {
      const enough = connected.length >= 3;
      start.disabled = !enough || waitingOn.length > 0;
      status.textContent =
        nextState ??
        (!enough
          ? `Waiting for players: ${connected.length}/3 needed. Share the code ${lobby.code ?? ""}.`
          : waitingOn.length
            ? `Waiting for ${waitingOn.map((p) => p.name).join(", ")} to get ready.`
            : "Everyone is ready. Start when you like.");
      actions.append(start);
    } else {
      ready.textContent = me?.ready ? "✓ Ready — click to unready" : "I'm ready";
      ready.classList.toggle("btn-primary", !me?.ready);
      ready.setAttribute("aria-pressed", String(Boolean(me?.ready)));
      status.textContent = nextState ?? (me?.ready ? "Waiting for the host to start." : "Get ready when you are.");
      actions.append(ready);
    }
  }
  return { el, update };
}

// --- the game ----------------------------------------------------------------------------------

function gameScreen() {
  const roleCard = h("div", { class: "role-card", "data-testid": "role" });
  const timer = h("div", { class: "timer", role: "timer", "data-testid": "countdown" });
  const timerRing = h("div", { class: "timer-ring", "aria-hidden": "true" });
  const announcer = h("p", { class: "sr-only", "aria-live": "polite" });
  const banner = h("div", { class: "news-banner", role: "status", "aria-live": "polite", "data-testid": "news-banner", hidden: true });
  const wire = h("ol", { class: "wire", "aria-label": "Earlier headlines" });
  const grid = h("div", { class: "cards", role: "group", "aria-label": "Players — choose whom you suspect" });
  const pick = h("div", { class: "pick", "data-testid": "my-suspicion" });
  const latency = h("span", { class: "latency", title: "Round trip to the game server" });
  const help = h(
    "p",
    { class: "muted small keys" },
    "Keys: 1–9 suspect a player · 0 or Esc withdraws · Alt+D simulates a dropped connection",
    latency,
  );
  /** @type {Map<string, {card: HTMLElement, bar: HTMLElement, heat: HTMLElement, meta: HTMLElement, badge: HTMLElement}>} */
  const cards = new Map();
  let lastNews = 0;
  let announced = new Set();

  const el = h(
    "section",
    { class: "game", "data-testid": "game" },
    h("div", { class: "game-top" }, roleCard, h("div", { class: "timer-wrap" }, timerRing, timer)),
    banner,
    pick,
    grid,
    help,
    h("details", { class: "wire-box" }, h("summary", {}, "News wire"), wire),
    announcer,
  );

  const others = () => room.state.game.players.filter((p) => p.user !== room.state.me);

  function onKey(e) {
    if (e.target instanceof HTMLElement && e.target.closest("input, textarea, select")) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "Escape" || e.key === "0") {
      room.suspect(null);
      e.preventDefault();
    } else if (/^[1-9]$/.test(e.key)) {
      const target = others()[Number(e.key) - 1];
      if (target) {
        room.suspect(room.state.game.target === target.user ? null : target.user);
        e.preventDefault();
      }
    }
  }
  document.addEventListener("keydown", onKey);

  function card(p, index) {
    const bar = h("div", { class: "heat-fill" });
    const heat = h("span", { class: "heat-value", "data-testid": "heat" });
    const meta = h("div", { class: "card-meta" });
    const badge = h("div", { class: "card-badges" });
    const isMe = p.user === room.state.me;
    const node = h(
      isMe ? "div" : "button",
      {
        class: `pcard ${isMe ? "me" : ""}`,
        "data-testid": "player-card",
        "data-user": p.user,
        type: isMe ? null : "button",
        onclick: isMe ? null : () => room.suspect(room.state.game.target === p.user ? null : p.user),
      },
      h("span", { class: "key-hint", "aria-hidden": "true" }, isMe ? "" : String(index + 1)),
      h("div", { class: "card-who" }, avatar(room.name(p.user), p.user, null, "lg"), h("span", { class: "card-name" }, room.name(p.user))),
      badge,
      h("div", { class: "heat", "aria-hidden": "true" }, h("div", { class: "heat-track" }, bar), heat),
      meta,
    );
    return { card: node, bar, heat, meta, badge };
  }

  function update({ kind }) {
    const s = room.state;
    const g = s.game;
    if (!g) return;
    const names = (id) => room.name(id);

    // Role.
    const mole = g.role === "mole";
    roleCard.className = `role-card ${mole ? "role-mole" : "role-agent"}`;
    fill(roleCard,
      h("span", { class: "role-label" }, "Your secret role"),
      h("strong", { class: "role-name" }, mole ? "🐀 Mole" : "🕵️ Agent"),
      h(
        "span",
        { class: "role-goal" },
        mole
          ? g.fellow_moles.length
            ? `Fellow mole: ${g.fellow_moles.map((m) => names(m.user)).join(", ")}. Frame an agent.`
            : "Stay cool. Frame an agent."
          : "Find the mole and turn up the heat.",
      ),
    );

    // Countdown.
    const remaining = g.remaining_secs;
    timer.textContent = clock(remaining);
    document.title = `${clock(remaining)} left · Whoosh`;
    timer.setAttribute("aria-label", `${remaining} seconds left`);
    const finalStretch = remaining <= 30 && g.round_secs > 30;
    el.classList.toggle("final-stretch", finalStretch || remaining <= 5);
    timerRing.style.setProperty("--left", String(g.round_secs ? remaining / g.round_secs : 0));
    for (const mark of [30, 10]) {
      if (remaining <= mark && remaining > 0 && !announced.has(mark) && g.round_secs > mark) {
        announced.add(mark);
        announcer.textContent = mark === 30 ? "30 seconds left. Heat now counts double." : "10 seconds left.";
      }
    }

    // News.
    const latest = s.news.at(-1);
    if (latest && latest.id !== lastNews) {
      lastNews = latest.id;
      banner.hidden = false;
      fill(banner, h("span", { class: "news-flag" }, "Breaking"), h("span", { class: "news-text" }, latest.text.replace(/^BREAKING:\s*/, "")));
      banner.classList.remove("flash");
      void banner.offsetWidth; // restart the animation
      banner.classList.add("flash");
      fill(wire, ...s.news.slice().reverse().map((n) => h("li", {}, n.text)));
    }

    // Cards: build once per player, then update in place so the bars glide.
    const order = g.players.map((p) => p.user).join(",");
    if (grid.dataset.order !== order) {
      grid.dataset.order = order;
      cards.clear();
      let i = 0;
      fill(grid,
        ...g.players.map((p) => {
          const c = card(p, p.user === s.me ? -1 : i++);
          cards.set(p.user, c);
          return c.card;
        }),
      );
    }
    const hottest = Math.max(5, ...g.players.map((p) => p.heat));
    const fellow = new Map(g.fellow_moles.map((m) => [m.user, m.target]));
    for (const p of g.players) {
      const c = cards.get(p.user);
      if (!c) continue;
      const mine = g.target === p.user;
      const pct = Math.round((p.heat / (hottest * 1.1)) * 100);
      c.bar.style.width = `${pct}%`;
      c.bar.style.setProperty("--heat", String(Math.min(1, p.heat / (hottest * 1.1))));
      if (c.heat.textContent !== String(p.heat)) {
        c.heat.textContent = String(p.heat);
        c.heat.classList.remove("bump");
        void c.heat.offsetWidth;
        c.heat.classList.add("bump");
      }
      c.card.classList.toggle("targeted", mine);
      c.card.classList.toggle("cleared", p.cleared);
      c.card.classList.toggle("offline", !p.connected);
      c.card.classList.toggle("hot", p.heat === Math.max(...g.players.map((q) => q.heat)) && p.heat > 0);
      if (c.card.tagName === "BUTTON") {
        c.card.setAttribute("aria-pressed", String(mine));
        c.card.setAttribute(
          "aria-label",
          `${names(p.user)}: heat ${p.heat}, suspected by ${p.suspected_by}${p.cleared ? ", cleared" : ""}${p.connected ? "" : ", disconnected"}. ${mine ? "Your suspect; press to withdraw." : "Press to suspect."}`,
        );
      }
      fill(c.badge,
        p.user === s.me ? h("span", { class: "badge badge-you" }, "you") : null,
        p.cleared ? h("span", { class: "badge badge-clear" }, "✓ cleared") : null,
        fellow.has(p.user) ? h("span", { class: "badge badge-mole" }, "🐀 fellow mole") : null,
        !p.connected ? h("span", { class: "badge badge-off" }, "offline") : null,
        mine ? h("span", { class: "badge badge-target" }, "🎯 your suspect") : null,
      );
      const eyes = p.suspected_by ? "👁".repeat(Math.min(p.suspected_by, 6)) : "";
      fill(c.meta,
        h("span", { class: "suspects", title: "Players suspecting them now" }, eyes ? `${eyes} ${p.suspected_by}` : "no one suspects"),
        fellow.has(p.user) ? h("span", { class: "fellow-target" }, `→ ${fellow.get(p.user) ? names(fellow.get(p.user)) : "nobody"}`) : null,
      );
    }

    fill(pick,
      g.target
        ? [
            h("span", {}, "You suspect ", h("strong", {}, names(g.target)), "."),
            h("button", { class: "btn btn-small btn-ghost", onclick: () => room.suspect(null) }, "Withdraw"),
          ]
        : h("span", { class: "muted" }, "Click a player to point your suspicion at them. You can change your mind any time."),
    );
    latency.textContent = s.latency === null ? "" : ` · link ${s.latency} ms`;
  }

  return {
    el,
    update,
    destroy: () => {
      document.removeEventListener("keydown", onKey);
      document.title = TITLE;
    },
  };
}

// --- the result ---------------------------------------------------------------------------

function overScreen() {
  const el = h("section", { class: "over", "data-testid": "game-over" });
  function update() {
    const s = room.state;
    const { outcome, you } = s.result;
    const names = (id) => room.name(id);
    const winner = outcome.winner;
    /** @type {any} */
    const reason = outcome.reason ?? {};
    const reasonText = {
      exposed: () => {
        const exposed = outcome.players.find((p) => p.user === reason.user);
        return `${names(reason.user)} was exposed — ${exposed?.role === "mole" ? "the mole!" : "an innocent agent."}`;
      },
      tie_at_top: () => "A tie at the top — nobody could be pinned down, and the moles slip away.",
      forfeit: () => `The ${reason.side} walked out and forfeit.`,
      abandoned: () => "Everybody left. No result.",
    }[reason.kind]?.() ?? "";
    const iWon = you?.won;
    const headline = winner === "agents" ? "The agents win" : winner === "moles" ? "The moles win" : "No contest";

    const stats = you
      ? h(
          "div",
          { class: "stats" },
          stat("Result", iWon ? "Victory" : "Defeat", iWon ? "good" : "bad", "my-result"),
          stat("Rating", `${you.rating_before + you.rating_delta} (${signed(you.rating_delta)})`, you.rating_delta >= 0 ? "good" : "bad", "my-elo"),
          stat("XP", `+${you.xp}`, "good", "my-xp"),
          stat("Coins", `+${you.coins} 🪙`, "good", "my-coins"),
        )
      : null;

    const rows = [...outcome.players].sort((a, b) => b.heat - a.heat);
    const table = h(
      "table",
      { class: "results", "data-testid": "results" },
      h("caption", { class: "sr-only" }, "Every player's role and result"),
      h(
        "thead",
        {},
        h("tr", {}, ...["Player", "Role", "Heat", "Final suspect", "", "Rating", "XP", "Coins"].map((t) => h("th", { scope: "col" }, t))),
      ),
      h(
        "tbody",
        {},
        ...rows.map((p) =>
          h(
            "tr",
            { class: `${p.role} ${p.user === s.me ? "mine" : ""}`, "data-testid": "result-row", "data-user": p.user, "data-role": p.role },
            h("th", { scope: "row" }, h("span", { class: "cell-who" }, avatar(names(p.user), p.user, null, "sm"), names(p.user))),
            h("td", {}, h("span", { class: `role-chip role-chip-${p.role}` }, p.role === "mole" ? "🐀 mole" : "🕵️ agent")),
            h("td", { class: "num" }, String(p.heat)),
            h("td", {}, p.final_suspect ? names(p.final_suspect) : "—"),
            h("td", {}, p.won ? "won" : "lost"),
            h("td", { class: `num ${p.rating_delta >= 0 ? "good" : "bad"}` }, signed(p.rating_delta)),
            h("td", { class: "num" }, `+${p.xp}`),
            h("td", { class: "num" }, `+${p.coins}`),
          ),
        ),
      ),
    );

    const isPrivate = s.lobby?.kind === "private";
    el.className = `over ${iWon ? "won" : "lost"}`;
    fill(el,
      h("p", { class: "kicker" }, "Final edition"),
      h("h1", { class: "headline over-title", "data-testid": "winner" }, headline),
      h("p", { class: "lede" }, reasonText),
      stats,
      h("div", { class: "table-wrap" }, table),
      h(
        "div",
        { class: "over-actions" },
        h(
          "button",
          { class: "btn btn-primary", "data-testid": "play-again", onclick: () => (room.leave(), navigate("/play")) },
          isPrivate ? "Play again" : "Find another match",
        ),
        h("a", { class: "btn", href: "#/profile", "data-testid": "to-profile" }, "Your profile"),
        h("a", { class: "btn btn-ghost", href: "#/leaderboards/rating" }, "Leaderboards"),
      ),
    );
  }
  return { el, update };
}

function stat(label, value, tone, testid) {
  return h("div", { class: `stat ${tone}` }, h("span", { class: "stat-label" }, label), h("strong", { class: "stat-value", "data-testid": testid }, value));
}

// --- chat ---------------------------------------------------------------------------------------

function chatPanel() {
  const log = h("ol", { class: "chat-log", "aria-live": "polite", "aria-label": "Messages", "data-testid": "chat-log" });
  const input = h("input", { maxlength: 200, placeholder: "Say something…", autocomplete: "off", "aria-label": "Chat message", "data-testid": "chat-input" });
  const send = h("button", { class: "btn", type: "submit" }, "Send");
  const el = h(
    "section",
    { class: "card chat" },
    h("h2", { class: "chat-title" }, "Chat"),
    log,
    h(
      "form",
      {
        class: "chat-form",
        onsubmit: (e) => {
          e.preventDefault();
          const text = input.value.trim();
          if (!text) return;
          if (room.chat(text)) input.value = "";
          else toast("Not connected; your message was not sent.", "error");
        },
      },
      input,
      send,
    ),
  );
  let shown = 0;
  function update() {
    const lines = (room.state?.chat ?? []).filter((m) => m.id > shown);
    if (!lines.length) {
      if (!shown) fill(log, h("li", { class: "muted empty" }, "No messages yet."));
      return;
    }
    if (!shown) fill(log);
    shown = lines.at(-1).id;
    const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    log.append(...lines.map((m) => h("li", { class: m.mine ? "mine" : "" }, h("b", {}, m.name), " ", m.text)));
    while (log.children.length > 100) log.firstElementChild.remove();
    if (stick) log.scrollTop = log.scrollHeight;
  }
  update();
  return { el, update };
}
