// A profile: rating, level, record and match history. Your own adds the account: display name,
// upgrading a guest to a full account, logging out.

import { api } from "../api.js";
import { h, fill, avatar, field, busy, toast, describe, signed, relativeTime, titleName } from "../ui.js";
import { navigate } from "../router.js";
import { challenge } from "./clans.js";

export const name = "profile";

export function mount(root, [userId]) {
  const mine = !userId || userId === api.user?.id;
  const id = mine ? api.user.id : userId;
  const head = h("section", { class: "card profile-head" }, h("p", { class: "muted" }, "Loading…"));
  const history = h("section", { class: "card history", "aria-labelledby": "hist-title" });
  const account = mine ? accountCard() : null;
  root.append(h("h1", { class: "page-title" }, mine ? "Your profile" : "Profile"), h("div", { class: "profile-grid" }, h("div", { class: "stack" }, head, account), history));

  let alive = true;
  (mine ? api.myProfile() : api.profile(id))
    .then((p) => {
      if (!alive) return;
      renderHead(head, p);
      if (!mine) {
        head.append(
          h("div", { class: "row" }, h("button", { class: "btn", "data-testid": "challenge", onclick: (ev) => challenge(ev.currentTarget, id) }, `Challenge ${p.display_name} to a battle`)),
        );
      }
    })
    .catch((e) => alive && fill(head, h("p", { class: "error" }, describe(e))));
  loadHistory(history, id);
  return () => {
    alive = false;
  };
}

/** @param {HTMLElement} el @param {import("../api.js").Profile} p */
function renderHead(el, p) {
  const levelStart = 100 * (p.level - 1) ** 2;
  const progress = Math.max(0, Math.min(1, (p.xp - levelStart) / Math.max(1, p.next_level_xp - levelStart)));
  const winRate = p.games_played ? Math.round((p.wins / p.games_played) * 100) : 0;
  fill(el,
    h(
      "div",
      { class: "profile-id" },
      avatar(p.display_name, p.id, p.avatar_id, "xl"),
      h(
        "div",
        {},
        h("h2", { class: "profile-name", "data-testid": "profile-name" }, p.display_name),
        titleName(p.title_id) ? h("p", { class: "title-chip" }, titleName(p.title_id)) : null,
        h("p", { class: "muted small" }, `Joined ${new Date(p.created_at).toLocaleDateString()}`),
      ),
    ),
    h(
      "div",
      { class: "stats" },
      statTile("Rating", String(p.elo), "profile-elo"),
      statTile("Level", String(p.level), "profile-level"),
      statTile("Games", String(p.games_played), "profile-games"),
      statTile("Wins", `${p.wins}${p.games_played ? ` (${winRate}%)` : ""}`, "profile-wins"),
    ),
    h(
      "div",
      { class: "level" },
      h("div", { class: "level-labels" }, h("span", {}, `Level ${p.level}`), h("span", { class: "muted" }, `${p.xp} / ${p.next_level_xp} XP`)),
      h(
        "div",
        { class: "level-track", role: "progressbar", "aria-label": "Progress to the next level", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(progress * 100) },
        h("div", { class: "level-fill", style: { width: `${progress * 100}%` } }),
      ),
    ),
  );
}

function statTile(label, value, testid) {
  return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), h("strong", { class: "stat-value", "data-testid": testid }, value));
}

async function loadHistory(el, id) {
  const list = h("ol", { class: "matches", "data-testid": "match-history" });
  const more = h("button", { class: "btn btn-ghost", hidden: true }, "Older matches");
  fill(el, h("h2", { id: "hist-title" }, "Match history"), list, more);
  let cursor = null;
  const page = async () => {
    const { matches, next_cursor } = await api.matches(id, { limit: 10, cursor });
    cursor = next_cursor;
    more.hidden = !cursor;
    if (!matches.length && !list.children.length) {
      list.append(h("li", { class: "empty muted" }, "No matches yet. ", h("a", { href: "#/play" }, "Play one!")));
      return;
    }
    list.append(
      ...matches.map((m) => {
        const delta = m.elo_after - m.elo_before;
        return h(
          "li",
          { class: `match ${m.won ? "won" : "lost"}`, "data-testid": "match" },
          h("span", { class: "match-result" }, m.won ? "W" : "L"),
          h("span", { class: "match-role" }, m.role === "mole" ? "🐀 mole" : "🕵️ agent", h("small", { class: "muted" }, ` · ${m.mode}`)),
          h("span", { class: `match-elo ${delta >= 0 ? "good" : "bad"}`, title: `${m.elo_before} → ${m.elo_after}` }, `${signed(delta)} rating`),
          h("span", { class: "match-gain" }, `+${m.xp_gained} XP · +${m.coins_gained} 🪙`),
          h("time", { class: "muted small", datetime: m.finished_at }, relativeTime(m.finished_at)),
        );
      }),
    );
  };
  more.addEventListener("click", () => busy(more, page));
  try {
    await page();
  } catch (e) {
    fill(list, h("li", { class: "error" }, describe(e)));
  }
}

function accountCard() {
  const user = api.user;
  const el = h("section", { class: "card account", "aria-labelledby": "acct-title" }, h("h2", { id: "acct-title" }, "Account"));

  const nameInput = h("input", { value: user.display_name, maxlength: 32, required: true, autocomplete: "nickname" });
  const save = h("button", { class: "btn", type: "submit" }, "Save");
  el.append(
    h(
      "form",
      {
        class: "inline-form",
        onsubmit: (e) => {
          e.preventDefault();
          busy(save, async () => {
            await api.editProfile({ display_name: nameInput.value.trim() });
            toast("Display name saved.", "ok");
            navigate("/profile");
          });
        },
      },
      field("Display name", nameInput),
      save,
    ),
  );

  if (user.is_guest) {
    const username = h("input", { autocomplete: "username", required: true, minlength: 3, maxlength: 24 });
    const password = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 8, maxlength: 128 });
    const upgrade = h("button", { class: "btn btn-primary", type: "submit" }, "Keep my progress");
    el.append(
      h(
        "form",
        {
          class: "upgrade",
          onsubmit: (e) => {
            e.preventDefault();
            busy(upgrade, async () => {
              await api.upgrade(username.value.trim(), password.value);
              toast("Your account is saved: log in with it on any device.", "ok");
              navigate("/profile");
            });
          },
        },
        h("h3", {}, "Save this guest account"),
        h("p", { class: "muted small" }, "Pick a username and password to keep your rating, coins and avatars on any device."),
        field("Username", username),
        field("Password", password, "At least 8 characters."),
        upgrade,
      ),
    );
  } else {
    el.append(h("p", { class: "muted small" }, "Logged in as ", h("strong", {}, user.username)));
  }

  const logout = h("button", { class: "btn btn-ghost", onclick: () => busy(logout, () => api.logout()) }, "Log out");
  el.append(logout);
  if (user.is_guest) el.append(h("p", { class: "muted small" }, "A guest who logs out can come back from this browser with “Play as guest”."));
  return el;
}
