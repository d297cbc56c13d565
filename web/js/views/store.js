// The store and your inventory: buy with coins (one Idempotency-Key per decision to buy, reused
// by a retry), equip an avatar or a title.

import { api } from "../api.js";
import { h, fill, busy, toast, describe, avatarEmoji } from "../ui.js";

export const name = "store";

export function mount(root) {
  const wallet = h("div", { class: "wallet", "data-testid": "wallet", "aria-live": "polite" });
  const shelf = h("ul", { class: "shelf", "aria-label": "Items on sale" });
  const inventory = h("ul", { class: "inventory", "aria-label": "Your items", "data-testid": "inventory" });
  root.append(
    h("div", { class: "title-row" }, h("h1", { class: "page-title" }, "Store"), wallet),
    h("p", { class: "muted" }, "Win matches to earn coins (30 for a win, 10 for a loss). Avatars show on your cards and on the leaderboards."),
    h("section", { "aria-labelledby": "shelf-title" }, h("h2", { id: "shelf-title", class: "sr-only" }, "On sale"), shelf),
    h("section", { class: "card", "aria-labelledby": "inv-title" }, h("h2", { id: "inv-title" }, "Your inventory"), inventory),
  );

  let alive = true;
  /** @type {Map<string, string>} item → Idempotency-Key of a purchase not yet confirmed */
  const pending = new Map();
  let owned = new Map();
  let balances = new Map();
  let items = [];

  async function refresh() {
    const [w, s, inv] = await Promise.all([api.wallet(), api.store(), api.inventory()]);
    if (!alive) return;
    balances = new Map(w.balances.map((b) => [b.currency, b.balance]));
    items = s.items;
    owned = new Map(inv.items.map((i) => [i.item_id, i]));
    renderWallet();
    renderShelf();
    renderInventory(inv.items);
  }

  function renderWallet() {
    fill(wallet,
      ...[...balances].map(([currency, balance]) =>
        h("span", { class: "balance", "data-currency": currency }, currency === "coins" ? "🪙" : currency === "gems" ? "💎" : "", ` ${balance} ${currency}`),
      ),
    );
  }

  function renderShelf() {
    fill(shelf,
      ...items.map((item) => {
        const have = owned.get(item.id)?.quantity ?? 0;
        const soldOut = item.per_user_limit !== null && have >= item.per_user_limit;
        const afford = (balances.get(item.currency) ?? 0) >= item.price;
        const buy = h(
          "button",
          {
            class: afford ? "btn btn-primary" : "btn",
            disabled: soldOut,
            "aria-label": `Buy ${item.name} for ${item.price} ${item.currency}`,
            onclick: () =>
              busy(buy, async () => {
                // A retry after a lost answer reuses the key: never charged twice.
                const key = pending.get(item.id) ?? crypto.randomUUID();
                pending.set(item.id, key);
                try {
                  const p = await api.purchase(item.id, { idempotencyKey: key });
                  pending.delete(item.id);
                  toast(`Bought ${item.name}. ${p.balance} ${p.currency} left.`, "ok");
                } catch (e) {
                  if (e.code !== "network" && e.status !== 503) pending.delete(item.id);
                  if (e.code === "insufficient_funds") throw new Error(`Not enough ${item.currency} yet: win a few matches.`);
                  throw e;
                }
                await refresh();
              }),
          },
          soldOut ? "Owned" : "Buy",
        );
        return h(
          "li",
          { class: `item card kind-${item.kind} ${soldOut ? "owned" : ""} ${afford ? "" : "pricey"}`, "data-item": item.id },
          h("div", { class: "item-art", "aria-hidden": "true" }, avatarEmoji(item.id) ?? (item.kind === "title" ? "🎖️" : "📰")),
          h("h3", { class: "item-name" }, item.name),
          h("p", { class: "muted small" }, item.description),
          h(
            "div",
            { class: "item-foot" },
            h(
              "span",
              { class: "price" },
              `${item.currency === "gems" ? "💎" : "🪙"} ${item.price}`,
              !afford && !soldOut ? h("span", { class: "need" }, ` need ${item.price - (balances.get(item.currency) ?? 0)} more`) : null,
            ),
            buy,
          ),
        );
      }),
    );
  }

  function renderInventory(list) {
    if (!list.length) {
      fill(inventory, h("li", { class: "muted" }, "Nothing yet."));
      return;
    }
    fill(inventory,
      ...list.map((i) => {
        const equippable = i.kind === "avatar" || i.kind === "title";
        const equip = h(
          "button",
          {
            class: "btn btn-small",
            disabled: i.equipped,
            onclick: () =>
              busy(equip, async () => {
                await api.equip(i.item_id);
                toast(`${i.name} equipped.`, "ok");
                await refresh();
              }),
          },
          i.equipped ? "Equipped" : "Equip",
        );
        return h(
          "li",
          { class: `inv ${i.equipped ? "equipped" : ""}`, "data-item": i.item_id },
          h("span", { class: "inv-art", "aria-hidden": "true" }, avatarEmoji(i.item_id) ?? (i.kind === "title" ? "🎖️" : "📰")),
          h("span", { class: "inv-name" }, i.name, i.quantity > 1 ? h("small", { class: "muted" }, ` ×${i.quantity}`) : null),
          equippable ? equip : h("span", { class: "muted small" }, "used in matches"),
        );
      }),
    );
  }

  refresh().catch((e) => {
    toast(describe(e), "error");
    fill(shelf, h("li", { class: "error" }, describe(e)));
  });
  return () => {
    alive = false;
  };
}
