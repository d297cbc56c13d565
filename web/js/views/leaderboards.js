// Live leaderboards: the board's top as the edge streams it (GET /sse/leaderboards/{board}, the
// package's LeaderboardFeed, which resumes with Last-Event-ID; every `top` event is the whole top,
// so it replaces the list), plus your own rank.

import { api } from "../api.js";
import { h, fill, avatar, describe } from "../ui.js";

export const name = "leaderboards";

const UNITS = { rating: "", xp: " XP", score: " pts" };

export function mount(root, [boardParam]) {
  const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Boards" });
  const live = h("span", { class: "live", "data-testid": "live", "data-state": "connecting" }, "connecting");
  const mine = h("p", { class: "my-rank", "data-testid": "my-rank" });
  const list = h("ol", { class: "board", "aria-live": "polite", "data-testid": "board" });
  root.append(h("div", { class: "title-row" }, h("h1", { class: "page-title" }, "Leaderboards"), live), tabs, mine, h("section", { class: "card board-card" }, list));

  /** @type {import("../../vendor/whoosh-client/index.js").LeaderboardFeed|null} */
  let feed = null;
  let alive = true;
  let previous = new Map();

  api
    .boards()
    .then(({ boards }) => {
      if (!alive) return;
      const board = boards.find((b) => b.id === boardParam)?.id ?? boards.find((b) => b.id === "rating")?.id ?? boards[0]?.id;
      fill(tabs,
        ...boards.map((b) =>
          h(
            "a",
            {
              role: "tab",
              class: "tab",
              href: `#/leaderboards/${b.id}`,
              "aria-selected": String(b.id === board),
              "data-board": b.id,
            },
            b.title,
          ),
        ),
      );
      if (board) follow(board);
    })
    .catch((e) => fill(list, h("li", { class: "error" }, describe(e))));

  function follow(board) {
    fill(list, h("li", { class: "muted" }, "Loading…"));
    feed = api.leaderboardFeed(board);
    feed.on("status", ({ state }) => {
      if (state !== "connecting") setLive(state === "open" ? "live" : state);
    });
    feed.on("top", (top) => {
      setLive("live");
      render(board, top);
      list.dataset.version = String(top.version);
      if (api.user) refreshMine(board);
    });
    feed.connect();
    if (api.user) refreshMine(board);
  }

  function setLive(state) {
    live.dataset.state = state;
    live.textContent = { live: "live", reconnecting: "reconnecting…", closed: "offline", connecting: "connecting" }[state];
  }

  function refreshMine(board) {
    api
      .myRank(board)
      .then(({ entry }) => {
        if (!alive) return;
        fill(mine,
          entry ? ["You are ", h("strong", {}, `#${entry.rank}`), ` with ${entry.value}${UNITS[board] ?? ""}.`] : "You are not on this board yet — finish a match to enter it.",
        );
      })
      .catch(() => {});
  }

  /** @param {string} board @param {import("../api.js").BoardTop} top */
  function render(board, top) {
    const me = api.user?.id;
    if (!top.entries.length) {
      fill(list, h("li", { class: "muted empty" }, "Nobody on this board yet."));
      return;
    }
    const next = new Map();
    fill(list,
      ...top.entries.map((e) => {
        next.set(e.user_id, e);
        const before = previous.get(e.user_id);
        const changed = before && (before.value !== e.value || before.rank !== e.rank);
        const moved = before ? before.rank - e.rank : 0;
        return h(
          "li",
          {
            class: `entry ${e.user_id === me ? "mine" : ""} ${changed || (!before && previous.size) ? "flash" : ""} rank-${Math.min(e.rank, 4)}`,
            "data-testid": "entry",
            "data-user": e.user_id,
          },
          h("span", { class: "rank" }, e.rank <= 3 ? ["🥇", "🥈", "🥉"][e.rank - 1] : `#${e.rank}`),
          avatar(e.display_name, e.user_id, e.avatar_id, "sm"),
          h("a", { class: "entry-name", href: `#/profile/${e.user_id}` }, e.display_name),
          moved ? h("span", { class: `moved ${moved > 0 ? "up" : "down"}`, "aria-label": moved > 0 ? `up ${moved}` : `down ${-moved}` }, moved > 0 ? `▲${moved}` : `▼${-moved}`) : h("span"),
          h("span", { class: "value" }, `${e.value}${UNITS[board] ?? ""}`),
        );
      }),
    );
    previous = next;
  }

  return () => {
    alive = false;
    feed?.close();
  };
}
