// Clans (groups): yours with their members and invite codes, making one, joining one by code, and
// the clan leaderboard (docs/API.md, "Groups"). A clan mate can be challenged to a battle from
// here, or from any player's profile.

import { api } from "../api.js";
import { h, fill, avatar, field, busy, toast, describe } from "../ui.js";
import { navigate } from "../router.js";

export const name = "clans";

export function mount(root) {
  const mine = h("section", { class: "card", "data-testid": "my-clans" }, h("p", { class: "muted" }, "Loading…"));
  const board = h("ol", { class: "board", "data-testid": "clan-board" });
  root.append(
    h("h1", { class: "page-title" }, "Clans"),
    h("div", { class: "profile-grid" }, h("div", { class: "stack" }, mine, createCard(), joinCard()), h("section", { class: "card" }, h("h2", {}, "Top clans"), board)),
  );
  let alive = true;

  async function load() {
    try {
      const { groups } = await api.myGroups();
      if (!alive) return;
      if (!groups.length) {
        fill(mine, h("h2", {}, "Your clans"), h("p", { class: "muted" }, "You are in no clan yet: make one, or join one with its invite code."));
        return;
      }
      fill(mine, h("h2", {}, "Your clans"), ...groups.map(clanCard));
    } catch (e) {
      if (alive) fill(mine, h("p", { class: "error" }, describe(e)));
    }
    api
      .groupBoard()
      .then(({ entries }) => {
        if (!alive) return;
        fill(board,
          ...(entries.length
            ? entries.map((e) =>
                h("li", { class: "entry" }, h("span", { class: "rank" }, `#${e.rank}`), h("span", { class: "entry-name" }, `[${e.tag}] ${e.name}`), h("span", { class: "muted small" }, `${e.members} members`), h("span", { class: "value" }, String(e.rating))),
              )
            : [h("li", { class: "muted empty" }, "No clans yet.")]),
        );
      })
      .catch(() => {});
  }

  /** @param {import("../api.js").Group} g */
  function clanCard(g) {
    const members = h("ul", { class: "members", "data-testid": "clan-members" }, h("li", { class: "muted" }, "Loading members…"));
    const code = h("p", { class: "invite-code", "data-testid": "clan-invite-code" });
    const staff = g.my_role === "owner" || g.my_role === "admin";
    api
      .groupMembers(g.id, { limit: 50 })
      .then(({ members: list }) => {
        fill(members,
          ...list.map((m) =>
            h(
              "li",
              { class: "member", "data-user": m.user_id },
              avatar(m.display_name, m.user_id, null, "sm"),
              h("a", { href: `#/profile/${m.user_id}` }, m.display_name),
              h("span", { class: "tag" }, m.role),
              h("span", { class: "muted small" }, String(m.elo)),
              m.user_id === api.user?.id
                ? null
                : h("button", { class: "btn btn-small", "data-testid": "challenge", onclick: (ev) => challenge(ev.currentTarget, m.user_id) }, "Challenge"),
            ),
          ),
        );
      })
      .catch((e) => fill(members, h("li", { class: "error" }, describe(e))));
    return h(
      "article",
      { class: "clan", "data-testid": "clan", "data-clan": g.id },
      h("h3", {}, `[${g.tag}] ${g.name}`, " ", h("span", { class: "tag" }, g.my_role ?? "")),
      h("p", { class: "muted small" }, `${g.members} member${g.members === 1 ? "" : "s"} · ${g.visibility.replace("_", " ")}`),
      members,
      h(
        "div",
        { class: "row" },
        staff
          ? h(
              "button",
              {
                class: "btn btn-small",
                "data-testid": "make-invite",
                onclick: (ev) =>
                  busy(ev.currentTarget, async () => {
                    const invite = await api.groupInvite(g.id);
                    fill(code, "Invite code: ", h("strong", { "data-testid": "invite-code" }, invite.code), h("span", { class: "muted small" }, ` (until ${new Date(invite.expires_at).toLocaleString()})`));
                  }),
              },
              "Invite code",
            )
          : null,
        h(
          "button",
          {
            class: "btn btn-small btn-ghost",
            onclick: (ev) =>
              busy(ev.currentTarget, async () => {
                await api.leaveGroup(g.id);
                toast(`You left ${g.name}.`, "ok");
                load();
              }),
          },
          "Leave",
        ),
      ),
      code,
    );
  }

  function createCard() {
    const nameInput = h("input", { name: "name", required: true, minlength: 3, maxlength: 32, autocomplete: "off", "data-testid": "clan-name" });
    const tagInput = h("input", { name: "tag", required: true, minlength: 2, maxlength: 5, autocomplete: "off", "data-testid": "clan-tag" });
    const visibility = h("select", { name: "visibility" }, h("option", { value: "open" }, "open"), h("option", { value: "invite_only" }, "invite only"), h("option", { value: "private" }, "private"));
    const button = h("button", { class: "btn", type: "submit", "data-testid": "create-clan" }, "Make a clan");
    return formCard("Make a clan", [field("Name", nameInput), field("Tag", tagInput, "2–5 letters and digits"), field("Who may join", visibility)], button, async () => {
      await api.createGroup({ name: nameInput.value.trim(), tag: tagInput.value.trim(), visibility: visibility.value });
      nameInput.value = "";
      tagInput.value = "";
      load();
    });
  }

  function joinCard() {
    const codeInput = h("input", { name: "code", required: true, minlength: 6, maxlength: 6, autocomplete: "off", "data-testid": "clan-code" });
    const button = h("button", { class: "btn", type: "submit", "data-testid": "join-clan" }, "Join");
    return formCard("Join a clan", [field("Invite code", codeInput)], button, async () => {
      const g = await api.joinGroupByCode(codeInput.value.trim().toUpperCase());
      toast(`Welcome to ${g.name}.`, "ok");
      codeInput.value = "";
      load();
    });
  }

  load();
  return () => {
    alive = false;
  };
}

/**
 * A card holding a form; `action` runs on submit with the button busy (errors are toasted).
 * @param {string} title @param {HTMLElement[]} fields @param {HTMLButtonElement} button @param {() => Promise<void>} action
 */
function formCard(title, fields, button, action) {
  const submit = (ev) => {
    ev.preventDefault();
    busy(button, action);
  };
  return h("form", { class: "card", onsubmit: submit }, h("h2", {}, title), ...fields, button);
}

/** Challenges a player to a battle and opens it. */
export function challenge(button, userId) {
  return busy(button, async () => {
    const battle = await api.challenge({ opponent_id: userId });
    navigate(`/battle/${battle.id}`);
  });
}
