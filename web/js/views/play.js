// Finding a game: quick match (a matchmaking ticket, with a visible search and its waiting time)
// or a private lobby (create one with settings, or join one by its code).

import { api } from "../api.js";
import { room } from "../room.js";
import { h, fill, field, busy, toast, describe, clock } from "../ui.js";
import { navigate } from "../router.js";

export const name = "play";

const POLL_MS = 1000;

export function mount(root) {
  /** @type {{id: string, started: number, timer: number, ticker: number, note?: HTMLElement}|null} */
  let search = null;
  const stopSearch = () => {
    if (!search) return;
    clearTimeout(search.timer);
    clearInterval(search.ticker);
    search = null;
  };

  const back = room.live
    ? h(
        "div",
        { class: "notice" },
        "You are in a lobby. ",
        h("a", { href: `#/room/${room.state.lobbyId}` }, "Return to it"),
      )
    : null;

  // --- quick match ---
  const quick = h("section", { class: "card play-card", "aria-labelledby": "qm-title" });
  const renderIdle = () => {
    const go = h(
      "button",
      { class: "btn btn-primary btn-xl", "data-testid": "quick-match", onclick: () => busy(go, startSearch) },
      "⚡ Quick match",
    );
    fill(quick,
      h("h2", { id: "qm-title" }, "Quick match"),
      h("p", { class: "muted" }, "Get matched with players near your rating. Rounds last three minutes."),
      go,
    );
  };
  const renderSearching = () => {
    const waited = h("span", { class: "waited", "data-testid": "waited" }, "0:00");
    const cancel = h("button", { class: "btn", onclick: () => busy(cancel, cancelSearch) }, "Cancel");
    fill(quick,
      h("h2", { id: "qm-title" }, "Quick match"),
      h(
        "div",
        { class: "searching", role: "status", "aria-live": "polite" },
        h("div", { class: "radar", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
        h("p", { class: "searching-text" }, "Searching for players… ", waited),
        (search.note = h("p", { class: "muted small" }, "The skill window widens the longer you wait.")),
      ),
      cancel,
    );
    search.ticker = setInterval(() => {
      waited.textContent = clock((Date.now() - search.started) / 1000);
    }, 250);
  };

  async function startSearch() {
    const ticket = await api.createTicket({ mode: "party" });
    search = { id: ticket.ticket_id, started: Date.now() - (ticket.waited_ms ?? 0), timer: 0, ticker: 0 };
    renderSearching();
    poll();
  }

  function poll() {
    if (!search) return;
    search.timer = setTimeout(async () => {
      if (!search) return;
      let ticket;
      try {
        ticket = await api.ticket(search.id);
      } catch (e) {
        if (e.status === 429 || e.status === 503 || e.code === "network") return poll();
        toast(describe(e), "error");
        stopSearch();
        renderIdle();
        return;
      }
      if (!search) return;
      if (typeof ticket.waited_ms === "number") search.started = Date.now() - ticket.waited_ms;
      if (search.note) {
        search.note.textContent =
          ticket.waiting_for === "edge_node"
            ? "Waiting for a game server with room…"
            : ticket.window
              ? `Looking for ratings ${ticket.window.min}–${ticket.window.max}; the window widens the longer you wait.`
              : "The skill window widens the longer you wait.";
      }
      if (ticket.status === "matched" && ticket.lobby_id) {
        stopSearch();
        toast("Match found!", "ok");
        room.enter({ lobby_id: ticket.lobby_id, edge_url: ticket.edge_url, join_token: ticket.join_token });
        navigate(`/room/${ticket.lobby_id}`);
      } else if (ticket.status === "searching") {
        poll();
      } else {
        toast(ticket.status === "expired" ? "Nobody to play with right now; try again." : "Search cancelled.", "info");
        stopSearch();
        renderIdle();
      }
    }, POLL_MS);
  }

  async function cancelSearch() {
    const id = search?.id;
    stopSearch();
    renderIdle();
    if (id) await api.cancelTicket(id).catch(() => {});
  }

  renderIdle();

  // --- private lobby ---
  const rounds = h("input", { type: "range", min: 60, max: 600, step: 30, value: 120, name: "round_secs" });
  const roundsOut = h("output", { for: "", class: "range-value" }, "2:00");
  rounds.addEventListener("input", () => (roundsOut.textContent = clock(Number(rounds.value))));
  const seats = h("select", { name: "max_players" }, ...[3, 4, 5, 6, 7, 8, 9, 10].map((n) => h("option", { value: n, selected: n === 8 }, `${n} players`)));
  const create = h("button", { class: "btn btn-primary", type: "submit", "data-testid": "create-lobby" }, "Create lobby");
  const createForm = h(
    "form",
    {
      class: "card play-card",
      "aria-labelledby": "pl-title",
      onsubmit: (e) => {
        e.preventDefault();
        busy(create, async () => {
          const seat = await api.createLobby({ round_secs: Number(rounds.value), max_players: Number(seats.value) });
          room.enter(seat);
          navigate(`/room/${seat.lobby_id}`);
        });
      },
    },
    h("h2", { id: "pl-title" }, "Private lobby"),
    h("p", { class: "muted" }, "Play with friends: share the code, everyone gets ready, you start."),
    h("div", { class: "field" }, h("label", { for: "round-secs" }, "Round length ", roundsOut), Object.assign(rounds, { id: "round-secs" })),
    field("Seats", seats),
    create,
  );

  const code = h("input", {
    name: "code",
    class: "code-input",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    required: true,
    maxlength: 12,
    placeholder: "ABC123",
    "data-testid": "join-code",
  });
  const join = h("button", { class: "btn", type: "submit", "data-testid": "join-lobby" }, "Join");
  const joinForm = h(
    "form",
    {
      class: "card play-card",
      "aria-labelledby": "join-title",
      onsubmit: (e) => {
        e.preventDefault();
        busy(join, async () => {
          try {
            const seat = await api.joinLobby(code.value.trim().toUpperCase());
            room.enter({ ...seat, code: code.value.trim().toUpperCase() });
            navigate(`/room/${seat.lobby_id}`);
          } catch (e) {
            const why = {
              400: "A lobby code is six letters and digits.",
              404: "No lobby has that code. Check it with your host.",
              409: "That lobby is full or already playing.",
              429: "Too many wrong codes; wait a moment before trying again.",
            }[e.status];
            if (why) throw Object.assign(new Error(why), { status: e.status });
            throw e;
          }
        });
      },
    },
    h("h2", { id: "join-title" }, "Join by code"),
    field("Lobby code", code),
    join,
  );

  root.append(
    h("h1", { class: "page-title" }, "Play"),
    ...(back ? [back] : []),
    h("div", { class: "play-grid" }, quick, h("div", { class: "stack" }, createForm, joinForm)),
  );

  return () => {
    // Leaving the page while searching cancels the search: a match nobody watches is a no-show.
    if (search) cancelSearch();
  };
}
