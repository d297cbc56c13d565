// One battle (docs/API.md, "Battles"): its two sides and who is invited, with what the player may
// do next — accept (join), invite clan mates to their side (a duel needs company: the game takes
// three), begin it once it is ready. It follows the player's channel: joins, the start and the
// result show up as they happen; when the battle begins, everyone is taken to its room.

import { api } from "../api.js";
import { inbox } from "../inbox.js";
import { h, fill, avatar, busy, describe } from "../ui.js";

export const name = "battle";

/** Display names by user id, read once per page. @type {Map<string, Promise<string>>} */
const names = new Map();
function nameOf(id) {
  if (!names.has(id)) names.set(id, api.profile(id).then((p) => p.display_name, () => "a player"));
  return names.get(id);
}

const SIDE = { challenger: "Challengers", opponent: "Opponents" };

export function mount(root, [id]) {
  const card = h("section", { class: "card battle", "data-testid": "battle" }, h("p", { class: "muted" }, "Loading…"));
  const mates = h("section", { class: "card", "data-testid": "battle-invite" });
  root.append(h("h1", { class: "page-title" }, "Battle"), card, mates);
  let alive = true;

  async function load() {
    try {
      const battle = await api.battle(id);
      if (alive) await render(battle);
    } catch (e) {
      if (alive) fill(card, h("p", { class: "error" }, describe(e)));
    }
  }

  /** @param {import("../api.js").Battle} b */
  async function render(b) {
    const me = api.user?.id;
    const mySide = b.players.find((p) => p.user_id === me)?.side ?? null;
    const myInvite = b.invited.find((p) => p.user_id === me)?.side ?? (b.opponent_id === me && !mySide ? "opponent" : null);
    const people = [...b.players, ...b.invited];
    /** @type {Map<string, string>} */
    const labels = new Map();
    for (const p of people) labels.set(p.user_id, await nameOf(p.user_id));
    if (!alive) return;
    const side = (key) =>
      h(
        "div",
        { class: "battle-side", "data-side": key },
        h("h3", {}, SIDE[key]),
        h(
          "ul",
          { class: "members" },
          ...b.players.filter((p) => p.side === key).map((p) => h("li", { class: "member", "data-user": p.user_id, "data-testid": "battle-player" }, avatar(labels.get(p.user_id), p.user_id, null, "sm"), labels.get(p.user_id))),
          ...b.invited.filter((p) => p.side === key).map((p) => h("li", { class: "member muted", "data-user": p.user_id }, avatar(labels.get(p.user_id), p.user_id, null, "sm"), `${labels.get(p.user_id)} (invited)`)),
        ),
      );
    const ready = b.players.some((p) => p.side === "challenger") && b.players.some((p) => p.side === "opponent") && b.players.length >= 3;
    const state =
      b.state === "finished"
        ? b.winner === "draw"
          ? "Finished: a draw."
          : `Finished: the ${SIDE[b.winner].toLowerCase()} won${mySide ? (b.winner === mySide ? " — your side!" : ".") : "."}`
        : b.state === "playing"
          ? "Playing now."
          : ready
            ? "Ready: any player may begin it."
            : "Waiting for players: both sides present and at least 3 in all.";
    fill(card,
      h("p", { class: "battle-state", "data-testid": "battle-state", "data-state": b.state }, state),
      h("div", { class: "battle-sides" }, side("challenger"), side("opponent")),
      h(
        "div",
        { class: "row" },
        b.state === "open" && !mySide && myInvite
          ? h("button", { class: "btn", "data-testid": "battle-join", onclick: (ev) => busy(ev.currentTarget, async () => render(await api.joinBattle(b.id))) }, "Accept and join")
          : null,
        b.state === "open" && mySide && ready
          ? h("button", { class: "btn", "data-testid": "battle-begin", onclick: (ev) => busy(ev.currentTarget, async () => render(await api.beginBattle(b.id))) }, "Begin the battle")
          : null,
        b.state === "playing" && b.lobby_id && mySide ? h("a", { class: "btn", href: `#/room/${b.lobby_id}`, "data-testid": "battle-room" }, "Go to the game") : null,
      ),
    );
    renderMates(b, mySide, people);
  }

  /** Clan mates the player may invite to their side of an open player battle. */
  async function renderMates(b, mySide, people) {
    if (b.state !== "open" || b.kind !== "players" || !mySide) {
      fill(mates);
      mates.hidden = true;
      return;
    }
    mates.hidden = false;
    const taken = new Set(people.map((p) => p.user_id));
    const { groups } = await api.myGroups().catch(() => ({ groups: [] }));
    const lists = await Promise.all(groups.map((g) => api.groupMembers(g.id, { limit: 50 }).then((m) => m.members, () => [])));
    const seen = new Set();
    const candidates = lists.flat().filter((m) => !taken.has(m.user_id) && !seen.has(m.user_id) && seen.add(m.user_id));
    if (!alive) return;
    fill(mates,
      h("h2", {}, "Invite to your side"),
      candidates.length
        ? h(
            "ul",
            { class: "members" },
            ...candidates.map((m) =>
              h(
                "li",
                { class: "member", "data-user": m.user_id },
                avatar(m.display_name, m.user_id, null, "sm"),
                m.display_name,
                h("button", { class: "btn btn-small", "data-testid": "battle-invite-mate", onclick: (ev) => busy(ev.currentTarget, async () => render(await api.inviteToBattle(b.id, m.user_id))) }, "Invite"),
              ),
            ),
          )
        : h("p", { class: "muted" }, "Your clan mates appear here to invite; a duel takes three players in all."),
    );
  }

  const off = inbox.on("event", (msg) => {
    if ("battle_id" in msg && msg.battle_id === id) load();
  });
  load();
  return () => {
    alive = false;
    off();
  };
}
