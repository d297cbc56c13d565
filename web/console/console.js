// The Whoosh operator console: one ES module, no framework, no build step. It talks only to
// /api/admin/* with the staff member's admin token (kept in sessionStorage: gone with the tab)
// and the X-Whoosh-Console header every console route requires. Every string from the server is
// put on the page as text, never as HTML: display names and notes are written by players.

const TOKEN_KEY = 'whoosh.console.token';
const main = /** @type {HTMLElement} */ (document.getElementById('main'));

/** @type {{id: string, username: string, role: string} | null} */
let me = null;

// --- the API -------------------------------------------------------------------------------

class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls a console endpoint; answers the parsed JSON (null for 204).
 * @param {string} method @param {string} path @param {any} [body] @param {Record<string,string>} [headers]
 */
async function api(method, path, body, headers = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const init = {
    method,
    headers: { 'X-Whoosh-Console': '1', ...headers },
  };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = json.error || {};
    if (response.status === 401 && path !== '/api/admin/login') {
      sessionStorage.removeItem(TOKEN_KEY);
      me = null;
      showLogin('Your console session ended; sign in again.');
    }
    throw new ApiError(response.status, error.code || 'error', error.message || response.statusText);
  }
  return json;
}

// --- building the page ---------------------------------------------------------------------

/**
 * An element with attributes and children (strings become text nodes).
 * @param {string} tag @param {Record<string, any>} [attrs] @param {...any} children
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** @param {string | null | undefined} iso */
function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toTimeString().slice(0, 8)}`;
}

/** @param {string} text */
function toast(text) {
  const el = /** @type {HTMLElement} */ (document.getElementById('toast'));
  el.textContent = text;
  el.hidden = false;
  setTimeout(() => { el.hidden = true; }, 4000);
}

/**
 * A table of rows; `onRow` makes rows clickable.
 * @param {string[]} headings @param {any[][]} rows @param {(i: number) => void} [onRow] @param {string} [label]
 */
function table(headings, rows, onRow, label) {
  return h('table', { 'aria-label': label },
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.length === 0
      ? h('tr', {}, h('td', { colspan: headings.length, class: 'muted' }, 'Nothing here.'))
      : rows.map((cells, i) => h('tr', onRow ? { class: 'link', tabindex: 0, onclick: () => onRow(i), onkeydown: (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter') onRow(i); } } : {},
        cells.map((c) => h('td', {}, c))))));
}

/** @param {string} title @param {...any} children */
function card(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

/** @param {string} role */
function can(role) {
  const order = ['viewer', 'support', 'admin'];
  return me !== null && order.indexOf(me.role) >= order.indexOf(role);
}

/** @param {HTMLElement} el @param {unknown} error */
function fail(el, error) {
  el.textContent = error instanceof ApiError ? `${error.message} (${error.code})` : String(error);
}

// --- sign-in -------------------------------------------------------------------------------

/** @param {string} [notice] */
function showLogin(notice = '') {
  for (const id of ['nav', 'who', 'signout']) /** @type {HTMLElement} */ (document.getElementById(id)).hidden = true;
  const error = h('p', { class: 'error', role: 'alert' }, notice);
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'login card', onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    try {
      const session = await api('POST', '/api/admin/login', { username: username.value, password: password.value });
      sessionStorage.setItem(TOKEN_KEY, session.token);
      me = session.admin;
      signedIn();
    } catch (err) { fail(error, err); }
  } },
  h('h1', {}, 'Sign in'),
  h('label', {}, 'Username', username),
  h('label', {}, 'Password', password),
  h('button', { type: 'submit' }, 'Sign in'),
  error);
  main.replaceChildren(form);
  username.focus();
}

function signedIn() {
  const who = /** @type {HTMLElement} */ (document.getElementById('who'));
  who.textContent = me ? `${me.username} · ${me.role}` : '';
  for (const id of ['nav', 'who', 'signout']) /** @type {HTMLElement} */ (document.getElementById(id)).hidden = false;
  route();
}

/** @type {HTMLElement} */ (document.getElementById('signout')).addEventListener('click', async () => {
  try { await api('POST', '/api/admin/logout'); } catch { /* the session may be over already */ }
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
  showLogin('Signed out.');
});

// --- players -------------------------------------------------------------------------------

/** @param {string} q */
async function showSearch(q = '') {
  const input = h('input', { type: 'search', name: 'q', value: q, placeholder: 'user id, device id, username or display name', 'aria-label': 'Find a player' });
  const results = h('div', {});
  const error = h('p', { class: 'error', role: 'alert' });
  const run = async () => {
    error.textContent = '';
    const query = input.value.trim();
    if (!query) return;
    history.replaceState(null, '', `#/players?q=${encodeURIComponent(query)}`);
    try {
      const { players } = await api('GET', `/api/admin/players?q=${encodeURIComponent(query)}`);
      results.replaceChildren(table(['Display name', 'Username', 'Kind', 'Status', 'Joined', 'Id'],
        players.map((p) => [p.display_name, p.username || '—', p.is_guest ? 'guest' : 'full',
          p.banned ? h('span', { class: 'pill bad' }, 'banned') : h('span', { class: 'pill good' }, 'active'),
          when(p.created_at), h('span', { class: 'mono' }, p.id)]),
        (i) => { location.hash = `#/players/${players[i].id}`; }, 'Players found'));
    } catch (err) { fail(error, err); }
  };
  main.replaceChildren(h('h1', {}, 'Players'),
    h('form', { class: 'row', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); run(); } }, input, h('button', { type: 'submit' }, 'Search')),
    error, h('div', { class: 'card', style: 'margin-top:1rem' }, results));
  input.focus();
  if (q) run();
}

/**
 * A paged list: loads pages from `path` with `?cursor=` and appends their rows.
 * @param {string} path @param {string} key @param {string[]} headings @param {(row: any) => any[]} cells @param {string} label
 */
function pagedTable(path, key, headings, cells, label) {
  const body = h('div', {});
  const more = h('button', { type: 'button', class: 'quiet', hidden: true }, 'More');
  /** @type {any[]} */
  const rows = [];
  /** @param {string | null} cursor */
  const load = async (cursor) => {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    rows.push(...page[key]);
    body.replaceChildren(table(headings, rows.map(cells), undefined, label));
    more.hidden = !page.next_cursor;
    more.onclick = () => load(page.next_cursor);
  };
  load(null).catch((err) => fail(body, err));
  return h('div', {}, body, more);
}

/** @param {string} id */
async function showPlayer(id) {
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  let page;
  try {
    page = await api('GET', `/api/admin/players/${encodeURIComponent(id)}`);
  } catch (err) {
    main.replaceChildren(h('h1', {}, 'Player'), h('p', { class: 'error' }, err instanceof ApiError ? err.message : String(err)));
    return;
  }
  const p = page.player;
  const banned = Boolean(p.banned_at);
  const reload = () => showPlayer(id);

  const profile = card('Profile', h('dl', {},
    h('dt', {}, 'Display name'), h('dd', { 'data-field': 'display_name' }, p.display_name),
    h('dt', {}, 'Username'), h('dd', {}, p.username || '— (guest)'),
    h('dt', {}, 'User id'), h('dd', { class: 'mono' }, p.id),
    h('dt', {}, 'Devices'), h('dd', { class: 'mono' }, p.devices.length ? p.devices.join(', ') : '—'),
    h('dt', {}, 'Joined'), h('dd', {}, when(p.created_at)),
    h('dt', {}, 'Rating'), h('dd', {}, `${p.elo} Elo · ${p.xp} XP · ${p.games_played} games · ${p.wins} wins`),
    h('dt', {}, 'Status'), h('dd', { 'data-field': 'status' }, banned
      ? h('span', {}, h('span', { class: 'pill bad' }, 'banned'), ` since ${when(p.banned_at)}: ${p.ban_reason}`)
      : h('span', { class: 'pill good' }, 'active'))));

  const money = card('Wallet',
    table(['Currency', 'Balance'], page.balances.map((b) => [b.currency, h('span', { 'data-balance': b.currency }, String(b.balance))]), undefined, 'Balances'),
    can('support') ? grantForm(p.id, page.balances.map((b) => b.currency), reload) : h('p', { class: 'muted' }, 'Support staff can grant and refund coins.'));

  const moderation = card('Moderation', can('support') ? banForm(p.id, banned, reload) : h('p', { class: 'muted' }, 'Support staff can ban and unban.'));

  const sessions = card('Sessions',
    table(['Session', 'Started', 'Last refresh', 'Expires', 'State', ''],
      page.sessions.map((s) => [h('span', { class: 'mono' }, s.id.slice(0, 8)), when(s.started_at), when(s.last_refreshed_at), when(s.expires_at),
        s.live ? h('span', { class: 'good' }, 'live') : h('span', { class: 'muted' }, 'ended'),
        s.live && can('support') ? h('button', { type: 'button', class: 'quiet', onclick: async () => {
          try { await api('POST', `/api/admin/players/${p.id}/sessions/${s.id}/end`, {}); toast('Session ended.'); reload(); } catch (err) { toast(String(err)); }
        } }, 'End') : '']), undefined, 'Sessions'),
    can('support') && page.sessions.some((s) => s.live) ? h('button', { type: 'button', class: 'quiet', onclick: async () => {
      try { const r = await api('POST', `/api/admin/players/${p.id}/sessions/end-all`, {}); toast(`${r.ended.length} session(s) ended.`); reload(); } catch (err) { toast(String(err)); }
    } }, 'End every session') : '');

  const inventory = card('Inventory', table(['Item', 'Kind', 'Quantity'],
    page.inventory.map((i) => [i.name || i.item_id, i.kind || '', String(i.quantity)]), undefined, 'Inventory'));

  const matches = card('Match history', pagedTable(`/api/admin/players/${p.id}/matches`, 'matches',
    ['Finished', 'Mode', 'Role', 'Result', 'Elo', 'XP', 'Coins'],
    (m) => [when(m.finished_at), m.mode, m.role, m.won ? h('span', { class: 'good' }, 'won') : h('span', { class: 'bad' }, 'lost'),
      `${m.elo_before} → ${m.elo_after}`, `+${m.xp_gained}`, `+${m.coins_gained}`], 'Matches'));

  const ledger = card('Ledger', pagedTable(`/api/admin/players/${p.id}/ledger`, 'entries',
    ['When', 'Amount', 'Balance after', 'Reason', 'Reference'],
    (e) => [when(e.created_at), h('span', { class: e.amount > 0 ? 'good' : 'bad' }, `${e.amount > 0 ? '+' : ''}${e.amount} ${e.currency}`),
      String(e.balance_after), e.reason, e.reference || ''], 'Ledger'));

  const audit = card('Audit trail', auditTable(`/api/admin/audit?player=${p.id}`));

  main.replaceChildren(
    h('p', {}, h('a', { href: '#/players' }, '← Players')),
    h('h1', {}, p.display_name, ' ', banned ? h('span', { class: 'pill bad' }, 'banned') : ''),
    h('div', { class: 'grid' }, profile, money, moderation, h('div', { class: 'wide' }, sessions),
      matches, ledger, inventory, h('div', { class: 'wide' }, audit)));
}

/** @param {string} player @param {string[]} currencies @param {() => void} done */
function grantForm(player, currencies, done) {
  // One key per intended grant: a double click or a retry after a timeout credits once.
  let key = crypto.randomUUID();
  const kind = h('select', { name: 'kind', 'aria-label': 'Kind' }, h('option', { value: 'refund' }, 'Refund'), h('option', { value: 'grant' }, 'Grant'));
  const amount = h('input', { name: 'amount', type: 'number', min: 1, max: 1000000, step: 1, required: true, 'aria-label': 'Amount', style: 'width:7rem' });
  const currency = h('select', { name: 'currency', 'aria-label': 'Currency' }, currencies.map((c) => h('option', { value: c }, c)));
  const note = h('input', { name: 'note', required: true, maxlength: 500, placeholder: 'why (kept in the audit log)', 'aria-label': 'Note', style: 'flex:1;min-width:14rem' });
  const reference = h('input', { name: 'reference', maxlength: 64, placeholder: 'reference (optional)', 'aria-label': 'Reference', style: 'width:11rem' });
  const error = h('p', { class: 'error', role: 'alert' });
  return h('form', { class: 'row', style: 'margin-top:.75rem', onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    error.textContent = '';
    const body = { kind: kind.value, currency: currency.value, amount: Number(amount.value), note: note.value };
    if (reference.value.trim()) body.reference = reference.value.trim();
    try {
      const { grant } = await api('POST', `/api/admin/players/${player}/grants`, body, { 'Idempotency-Key': key });
      key = crypto.randomUUID();
      toast(`${grant.amount} ${grant.currency} credited; balance ${grant.balance}.`);
      done();
    } catch (err) { fail(error, err); }
  } }, kind, amount, currency, note, reference, h('button', { type: 'submit' }, 'Credit'), error);
}

/** @param {string} player @param {boolean} banned @param {() => void} done */
function banForm(player, banned, done) {
  const reason = h('input', { name: 'reason', required: true, maxlength: 500, placeholder: banned ? 'why lift the ban' : 'why (kept on the account and in the audit log)', 'aria-label': 'Reason', style: 'flex:1;min-width:14rem' });
  const error = h('p', { class: 'error', role: 'alert' });
  return h('form', { class: 'row', onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    if (!banned && !confirm('Ban this player? Every session ends and live games drop them.')) return;
    try {
      const r = await api('POST', `/api/admin/players/${player}/${banned ? 'unban' : 'ban'}`, { reason: reason.value });
      toast(banned ? 'Ban lifted.' : `Banned; ${r.sessions_ended} session(s) ended.`);
      done();
    } catch (err) { fail(error, err); }
  } }, reason, h('button', { type: 'submit', class: banned ? '' : 'danger' }, banned ? 'Unban' : 'Ban'), error);
}

/** @param {string} path */
function auditTable(path) {
  return pagedTable(path, 'entries', ['When', 'Who', 'Action', 'Target', 'Reason', 'Before → after'],
    (a) => [when(a.created_at), `${a.admin_username} (${a.admin_role})`, h('span', { class: 'mono' }, a.action),
      a.target_user ? h('a', { href: `#/players/${a.target_user}`, class: 'mono' }, a.target_user.slice(0, 8)) : (a.target || ''),
      a.reason || '', h('span', { class: 'mono' }, `${a.before ? JSON.stringify(a.before) : '—'} → ${a.after ? JSON.stringify(a.after) : '—'}`)],
    'Audit log');
}

// --- the live view -------------------------------------------------------------------------

/** @type {number | undefined} */
let liveTimer;

async function showLive() {
  const fleet = h('div', { class: 'grid' });
  const boards = h('section', { class: 'card wide' }, h('h2', {}, 'Leaderboards'));
  main.replaceChildren(h('h1', {}, 'Live'), fleet, h('div', { class: 'grid', style: 'margin-top:1rem' }, boards));
  const refresh = async () => {
    try {
      const live = await api('GET', '/api/admin/live');
      const players = live.nodes.reduce((n, x) => n + x.players, 0);
      fleet.replaceChildren(
        card(`Edge nodes · ${live.nodes.length} live · ${players} players`, table(['Node', 'Region', 'Players', 'Lobbies', 'State'],
          live.nodes.map((n) => [h('span', { class: 'mono' }, n.id), n.region, `${n.players} / ${n.capacity}`, String(n.lobbies),
            n.draining ? h('span', { class: 'pill warn' }, 'draining') : h('span', { class: 'pill good' }, 'accepting')]), undefined, 'Edge nodes')),
        card('Matchmaking queues', table(['Mode', 'Region', 'Waiting'], live.queues.map((q) => [q.mode, q.region, String(q.waiting)]), undefined, 'Queues')),
        h('section', { class: 'card wide' }, h('h2', {}, `Lobbies · ${live.lobbies_total}`), table(['Lobby', 'Kind', 'Phase', 'Players', 'Node', 'Code'],
          live.lobbies.map((l) => [h('span', { class: 'mono' }, l.id.slice(0, 8)), l.kind, l.phase, `${l.players.length} / ${l.max_players}`,
            h('span', { class: 'mono' }, l.node), l.code || '']), undefined, 'Lobbies')));
    } catch (err) { fail(fleet, err); }
  };
  await refresh();
  clearInterval(liveTimer);
  liveTimer = window.setInterval(() => { if (location.hash.startsWith('#/live')) refresh(); else clearInterval(liveTimer); }, 5000);
  try {
    const { boards: list } = await api('GET', '/api/admin/leaderboards');
    const pick = h('select', { 'aria-label': 'Board' }, list.map((b) => h('option', { value: b.id }, `${b.title} (${b.id})`)));
    const view = h('div', {});
    pick.addEventListener('change', () => showBoard(pick.value, view));
    boards.append(pick, view);
    if (list.length) showBoard(list[0].id, view);
  } catch (err) { fail(boards, err); }
}

/** @param {any} progress */
function progressBar(progress) {
  if (!progress) return h('p', { class: 'muted' }, 'No rebuild in the last day.');
  const share = progress.total ? Math.round((progress.written / progress.total) * 100) : 100;
  return h('div', { 'data-rebuild': progress.state },
    h('p', { class: 'muted' }, `Last rebuild: ${progress.state}, ${progress.written} of ${progress.total} entries (${share}%), started ${when(new Date(progress.started_at_ms).toISOString())}`),
    h('div', { class: 'bar-meter', role: 'progressbar', 'aria-valuenow': share, 'aria-valuemin': 0, 'aria-valuemax': 100 }, h('span', { style: `width:${share}%` })));
}

/** @param {string} board @param {HTMLElement} view */
async function showBoard(board, view) {
  const top = await api('GET', `/api/admin/leaderboards/${encodeURIComponent(board)}?limit=10`);
  const progress = h('div', {}, progressBar(top.rebuild));
  const status = h('p', { class: 'muted' });
  /** @param {string} what */
  const act = async (what) => {
    status.textContent = `${what} running…`;
    const poll = window.setInterval(async () => {
      const now = await api('GET', `/api/admin/leaderboards/${encodeURIComponent(board)}?limit=1`).catch(() => null);
      if (now) progress.replaceChildren(progressBar(now.rebuild));
    }, 500);
    try {
      const r = await api('POST', `/api/admin/leaderboards/${encodeURIComponent(board)}/${what}`);
      status.textContent = what === 'rebuild' ? `Rebuilt with ${r.entries} entries.` : `Drift check: ${r.drift} position(s) differed${r.drift ? ' (rebuilt)' : ''}.`;
    } catch (err) { fail(status, err); }
    clearInterval(poll);
    showBoard(board, view);
  };
  view.replaceChildren(
    h('p', {}, top.index_ready ? h('span', { class: 'pill good' }, 'index in use') : h('span', { class: 'pill warn' }, 'reads fall back to PostgreSQL')),
    table(['Rank', 'Player', 'Value'], top.entries.map((r) => [String(r.rank), h('a', { href: `#/players/${r.user_id}` }, r.display_name), String(r.value)]), undefined, 'Top'),
    can('admin') ? h('p', { class: 'row' },
      h('button', { type: 'button', class: 'quiet', onclick: () => act('drift-check') }, 'Run drift check'), ' ',
      h('button', { type: 'button', class: 'quiet', onclick: () => act('rebuild') }, 'Rebuild index')) : h('p', { class: 'muted' }, 'Admins can run the drift check and rebuilds.'),
    status, progress);
}

// --- the audit log -------------------------------------------------------------------------

function showAudit() {
  main.replaceChildren(h('h1', {}, 'Audit log'),
    h('p', { class: 'muted' }, 'Every sign-in and every change staff made. Rows can be neither edited nor deleted.'),
    h('div', { class: 'card' }, auditTable('/api/admin/audit')));
}

// --- routing -------------------------------------------------------------------------------

function route() {
  if (!me) return;
  const hash = location.hash || '#/players';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('on', hash.startsWith(a.getAttribute('href') || ''));
  const player = hash.match(/^#\/players\/([0-9a-fA-F-]{36})/);
  if (player) showPlayer(player[1]);
  else if (hash.startsWith('#/live')) showLive();
  else if (hash.startsWith('#/audit')) showAudit();
  else showSearch(new URLSearchParams(hash.split('?')[1] || '').get('q') || '');
}

window.addEventListener('hashchange', route);

(async () => {
  if (!sessionStorage.getItem(TOKEN_KEY)) { showLogin(); return; }
  try {
    me = await api('GET', '/api/admin/me');
    signedIn();
  } catch {
    showLogin();
  }
})();
