// First contact: play as a guest in one click, or log in / register.

import { api } from "../api.js";
import { h, fill, field, busy, toast } from "../ui.js";
import { navigate } from "../router.js";

export const name = "welcome";

export function mount(root) {
  const afterLogin = () => {
    const next = sessionStorage.getItem("whoosh.after_login");
    sessionStorage.removeItem("whoosh.after_login");
    navigate(next && next !== "/welcome" ? next : "/play");
  };

  const guestButton = h(
    "button",
    {
      class: "btn btn-primary btn-xl",
      "data-testid": "play-guest",
      onclick: () =>
        busy(guestButton, async () => {
          const user = await api.guest();
          toast(`Welcome, ${user.display_name}.`, "ok");
          afterLogin();
        }),
    },
    "▶ Play as guest",
  );

  const tabs = authTabs(afterLogin);

  root.append(
    h(
      "section",
      { class: "hero" },
      h("p", { class: "kicker" }, "Tonight's edition"),
      h("h1", { class: "headline" }, "One of you is the mole."),
      h(
        "p",
        { class: "lede" },
        "Point your suspicion, watch the heat rise, read the breaking news. When the clock hits zero the hottest player is exposed — pray it is the mole.",
      ),
      h("div", { class: "hero-actions" }, guestButton, h("span", { class: "muted" }, "No sign-up. Your guest account stays on this device.")),
      h(
        "ul",
        { class: "rules" },
        h("li", {}, h("b", {}, "3–10 players."), " One secret mole (two from eight players). Moles know each other."),
        h("li", {}, h("b", {}, "Suspect."), " Click a player to point at them; every tick, heat grows by how many suspect you."),
        h("li", {}, h("b", {}, "Breaking news"), " leaks a piece of the truth three times a round."),
        h("li", {}, h("b", {}, "Zero hour."), " The hottest player is exposed: a mole means the agents win."),
      ),
    ),
    tabs,
  );
}

function authTabs(afterLogin) {
  const panel = h("div", { class: "card auth" });
  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": "Account" });
  const modes = [
    ["login", "Log in"],
    ["register", "Create account"],
  ];
  const show = (mode) => {
    for (const b of /** @type {HTMLCollectionOf<HTMLElement>} */ (tablist.children)) {
      const on = b.dataset.mode === mode;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
    }
    fill(panel, mode === "login" ? loginForm(afterLogin) : registerForm(afterLogin));
  };
  for (const [mode, label] of modes) {
    tablist.append(
      h(
        "button",
        {
          role: "tab",
          class: "tab",
          "data-mode": mode,
          onclick: () => show(mode),
          onkeydown: (e) => {
            if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
              const other = modes.find(([m]) => m !== mode)[0];
              show(other);
              /** @type {HTMLElement|null} */ (tablist.querySelector(`[data-mode=${other}]`))?.focus();
            }
          },
        },
        label,
      ),
    );
  }
  show("login");
  return h("section", { class: "auth-wrap", "aria-label": "Log in or create an account" }, tablist, panel);
}

function loginForm(afterLogin) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, minlength: 3, maxlength: 24 });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { class: "btn btn-primary", type: "submit" }, "Log in");
  return h(
    "form",
    {
      onsubmit: (e) => {
        e.preventDefault();
        busy(submit, async () => {
          await api.login(username.value.trim(), password.value);
          afterLogin();
        });
      },
    },
    field("Username", username),
    field("Password", password),
    submit,
  );
}

function registerForm(afterLogin) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, minlength: 3, maxlength: 24, pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]{2,23}" });
  const display = h("input", { name: "display_name", maxlength: 32, autocomplete: "nickname" });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 8, maxlength: 128 });
  const submit = h("button", { class: "btn btn-primary", type: "submit" }, "Create account");
  return h(
    "form",
    {
      onsubmit: (e) => {
        e.preventDefault();
        busy(submit, async () => {
          await api.register(username.value.trim(), password.value, display.value.trim() || undefined);
          afterLogin();
        });
      },
    },
    field("Username", username, "3–24 letters, digits, _ - ."),
    field("Display name (optional)", display),
    field("Password", password, "At least 8 characters."),
    submit,
  );
}
