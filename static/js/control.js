// The moderators' control page (/l/{code}/control): sign-in, the moderators'
// socket, the views and the keyboard. The pieces live in ./control/*.js:
//   common     the API client, toasts, helpers
//   wall       the live wall and the held queue
//   questions  the questions board
//   settings   lecture status, settings, word lists, restricted viewers, links, key rotation
//   figures    live figures, the chart, the report downloads and the audit log
//   polls      polls: the drafts form, open / close / show / reveal / screen, live results, the leaderboard
// Each module gets one shared context (`ctx`) and listens on its bus.
// User text is only ever inserted with textContent / text nodes.

// The control link carries the moderator key in its fragment: take it and
// drop it from the address bar before anything else happens (no await above).
const LINK_KEY = (() => {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const query = new URLSearchParams(location.search);
  const key = hash.get('key') || query.get('key');
  if (hash.has('key') || query.has('key')) {
    hash.delete('key');
    query.delete('key');
    const q = query.toString();
    const h = hash.toString();
    history.replaceState(history.state, '', `${location.pathname}${q ? `?${q}` : ''}${h ? `#${h}` : ''}`);
  }
  return key ? key.trim() : null;
})();

const app = document.getElementById('app');
const page = app.dataset;
const modules = JSON.parse(document.getElementById('modules').textContent);
const { LiveClient, formatCount } = await import(page.lib || new URL('./lib/live.js', import.meta.url).href);
const ui = await import(page.ui || new URL('./lib/ui.js', import.meta.url).href);
const [common, wall, questions, settings, figures] = await Promise.all(
  ['common', 'wall', 'questions', 'settings', 'figures'].map((m) => import(modules[m])));
const { $, readJSON, el } = ui;

const S = readJSON('strings') || {};
const lang = document.documentElement.lang || 'zh-CN';
const { t, num, fmtTime } = ui.strings(S, lang, formatCount);
const initialLecture = readJSON('lecture') || {};
const code = page.code;
const NAME_KEY = 'live.ctl.name';
const VIEW_KEY = `live.ctl.view.${code}`;
const store = (() => { try { localStorage.getItem('x'); return localStorage; } catch (_) { return null; } })();
const session = (() => { try { sessionStorage.getItem('x'); return sessionStorage; } catch (_) { return null; } })();

// ---- the shared context ----------------------------------------------------------------

const bus = new EventTarget();
const { toast, undoLast } = common.makeToasts($('toasts'), { el, t });
let info = null;      // the session: {role, name, csrf, expires_at, speaker_links}
let client = null;    // the LiveClient of this session
let rotating = false; // a key rotation of ours is under way: its 4001 is expected
let pendingKey = LINK_KEY;

const api = common.makeApi({
  code,
  getCsrf: () => (info ? info.csrf : null),
  refreshSession: async () => {
    const fresh = await api.get('/session');
    if (info) info.csrf = fresh.csrf;
    return true;
  },
  onUnauthorized: () => sessionEnded(t('ctl_session_ended')),
});

const ctx = {
  code, lang, t, num, fmtTime, ui, common, api, toast, bus,
  get client() { return client; },
  get session() { return info; },
  lecture: () => (client && client.lecture) || initialLecture,
  viewerUrl: (initialLecture.urls && initialLecture.urls.viewer) || `${location.origin}/l/${code}`,
  /** Who wrote what (id → author handle), and who is banned or muted (handle → record). */
  authorOf: new Map(),
  restrictions: new Map(),
  handleOf(rec) { return (rec && (rec.viewer || this.authorOf.get(rec.id))) || null; },
  modeOf(handle) { const r = handle && this.restrictions.get(handle); return r ? r.mode : null; },
  emit(type, detail) { bus.dispatchEvent(new CustomEvent(type, { detail })); },
  on(type, fn) { bus.addEventListener(type, (e) => fn(e.detail)); },
  keys: {},
  view: () => app.dataset.view,
  /** Run an API action; on success a toast (with an undo, if given); on failure the error, with a retry when it may help. */
  async act(run, { done, undo, undoLabel, busy } = {}) {
    if (busy) busy.disabled = true;
    try {
      const out = await run();
      if (done) toast(done, { kind: 'ok', action: undo ? { label: undoLabel || t('ctl_undo'), run: () => ctx.act(undo), undo: true } : null });
      return out;
    } catch (err) {
      ctx.fail(err, () => ctx.act(run, { done, undo, undoLabel }));
      return null;
    } finally {
      if (busy && busy.isConnected) busy.disabled = false;
    }
  },
  fail(err, retry) {
    if (err && err.code === 'unauthorized') return; // the sign-in card says it
    const again = retry && ['unavailable', 'network'].includes(err && err.code);
    toast(common.errorMessage(err, t), { kind: 'error', action: again ? { label: t('ctl_retry'), run: retry } : null });
    if (err && err.code === 'conflict') ctx.emit('conflict', err);
  },
  rotateKey,
};

wall.init(ctx);
questions.init(ctx);
settings.init(ctx);
figures.init(ctx);
if (modules.polls) (await import(modules.polls)).init(ctx); // polls: drafts, open and closed, results live

// ---- the header --------------------------------------------------------------------------

function renderLecture(lec) {
  if (!lec) return;
  app.dataset.status = lec.status;
  const badge = $('status');
  badge.dataset.status = lec.status;
  badge.textContent = t(`status_${lec.status}`);
  $('lecture-title').textContent = lec.title || '';
  document.title = `${t('ctl_title')} · ${lec.title || ''}`;
}

// ---- views and the keyboard ------------------------------------------------------------------

const tabs = [...document.querySelectorAll('.ctl-tab')];

function selectView(name, focus) {
  if (!tabs.some((tab) => tab.dataset.view === name)) name = 'live';
  for (const tab of tabs) {
    const on = tab.dataset.view === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`view-${tab.dataset.view}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  app.dataset.view = name;
  try { if (session) session.setItem(VIEW_KEY, name); } catch (_) { /* full */ }
  ctx.emit('view', { view: name });
}
ctx.selectView = selectView;

for (const tab of tabs) {
  tab.addEventListener('click', () => selectView(tab.dataset.view));
  tab.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(tab);
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    if (j !== null) { e.preventDefault(); selectView(tabs[j].dataset.view, true); }
  });
}

document.addEventListener('keydown', (e) => {
  if (!info || e.ctrlKey || e.metaKey || e.altKey || e.isComposing || common.typing(e)) return;
  const n = Number(e.key);
  if (n >= 1 && n <= tabs.length) { e.preventDefault(); selectView(tabs[n - 1].dataset.view); return; }
  if (e.key === 'z') { if (undoLast()) e.preventDefault(); return; }
  if (e.key === '?') { e.preventDefault(); selectView('data'); $('keys-h').focus(); $('keys-h').scrollIntoView({ block: 'nearest' }); return; }
  const handler = ctx.keys[app.dataset.view];
  if (handler && handler(e)) e.preventDefault();
});

// ---- the socket --------------------------------------------------------------------------------

let socketRetries = 0;

function startSocket() {
  if (client) client.close();
  // role=display: the moderators' own sockets are not counted as audience (online, visits).
  const c = new LiveClient({ code, path: `/ws/${encodeURIComponent(code)}?role=display`, maxComments: 500, lecture: ctx.lecture() });
  client = c;
  window.liveClient = c; // for debugging and the browser tests
  const mine = (fn) => (e) => { if (client === c) fn(e.detail); };
  c.addEventListener('state', mine((d) => {
    const conn = $('conn');
    conn.dataset.state = d.state;
    conn.querySelector('.conn-text').textContent = t(`conn_${d.state}`);
    // 4001: the moderator key was rotated and this session ended with it.
    if (d.code === 4001 && !rotating) checkSession(true);
  }));
  c.addEventListener('welcome', mine((d) => {
    const w = d.welcome;
    if (w.role !== 'moderator') { checkSession(false); return; }
    socketRetries = 0;
    if (!d.resumed) ctx.emit('reset', { moderation: (w.snapshot && w.snapshot.moderation) || null, snapshot: w.snapshot || {} });
    else resync();
  }));
  c.addEventListener('lecture', mine((d) => { renderLecture(d.lecture); ctx.emit('lecture', d); }));
  c.addEventListener('comments', mine((d) => ctx.emit('comments', d)));
  c.addEventListener('questions', mine((d) => ctx.emit('questions', d)));
  c.addEventListener('counters', mine((d) => ctx.emit('counters', d)));
  c.addEventListener('polls', mine((d) => ctx.emit('polls', d)));
  c.addEventListener('pollresults', mine((d) => ctx.emit('pollresults', d)));
  c.addEventListener('events', mine((d) => {
    for (const ev of d.events) {
      if (ev.viewer && ev.data && ev.data.id) ctx.authorOf.set(ev.data.id, ev.viewer);
      if (ev.kind === 'viewer.restricted' && ev.data && ev.data.viewer) {
        if (ev.data.mode === 'none') ctx.restrictions.delete(ev.data.viewer);
        else ctx.restrictions.set(ev.data.viewer, ev.data);
        ctx.emit('restrictions', {});
      }
    }
    ctx.emit('events', d);
  }));
  c.connect();
}

function takeModeration(m) {
  if (!m) return;
  ctx.restrictions.clear();
  for (const r of m.restrictions || []) ctx.restrictions.set(r.viewer, r);
  for (const c of m.held || []) if (c.viewer) ctx.authorOf.set(c.id, c.viewer);
  ctx.emit('restrictions', {});
}

ctx.on('reset', (d) => {
  for (const rec of [...(d.snapshot.comments || []), ...(d.snapshot.questions || [])]) {
    if (rec && rec.viewer) ctx.authorOf.set(rec.id, rec.viewer);
  }
  takeModeration(d.moderation);
});
ctx.on('moderation', (d) => takeModeration(d.moderation));

/** After a resumed reconnect the log filled the gap; the moderation state is fetched again to be sure. */
async function resync() {
  try {
    ctx.emit('moderation', { moderation: await api.get('/moderation') });
  } catch (err) { ctx.fail(err); }
}

/** The socket came back without moderator rights (or was ended): is the session still good? */
async function checkSession(ended) {
  if (!info) return;
  try {
    const fresh = await api.get('/session');
    info.csrf = fresh.csrf;
    if (socketRetries < 3) {
      socketRetries += 1;
      setTimeout(() => { if (info) startSocket(); }, ended ? 200 : 1000 * socketRetries);
    }
  } catch (err) {
    if (err.code !== 'unauthorized') ctx.fail(err);
  }
}

// ---- signing in ------------------------------------------------------------------------------

const storedName = () => (store ? store.getItem(NAME_KEY) : null);

function showSignin(message) {
  app.dataset.signed = 'no';
  $('signin').hidden = false;
  $('me').hidden = true;
  $('sign-out').hidden = true;
  const msg = $('signin-msg');
  msg.hidden = !message;
  msg.textContent = message || '';
  $('signin-keynote').hidden = !pendingKey;
  $('signin-key-wrap').hidden = Boolean(pendingKey);
  const name = $('signin-name');
  if (!name.value) name.value = storedName() || '';
  (pendingKey || !name.value ? name : $('signin-key')).focus();
}

/** A pasted control link works as well as the key alone. */
function keyFrom(text) {
  const s = String(text || '').trim();
  const m = s.match(/[#?&]key=([^&#\s]+)/);
  return m ? decodeURIComponent(m[1]) : s;
}

async function signIn(key, name) {
  const fresh = await api.post('/session', { key, name });
  try { if (store) store.setItem(NAME_KEY, name); } catch (_) { /* full */ }
  return fresh;
}

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('signin-name').value.trim() || t('ctl_default_name');
  const key = pendingKey || keyFrom($('signin-key').value);
  const msg = $('signin-msg');
  if (!key) { msg.hidden = false; msg.textContent = t('ctl_signin_need_key'); $('signin-key').focus(); return; }
  const go = $('signin-submit');
  go.disabled = true;
  try {
    const fresh = await signIn(key, name);
    pendingKey = null;
    $('signin-key').value = '';
    started(fresh);
  } catch (err) {
    if (err.code === 'forbidden') pendingKey = null; // a stale link: ask for a pasted key
    showSignin(err.code === 'forbidden' ? t('ctl_signin_bad_key') : common.errorMessage(err, t));
  } finally {
    go.disabled = false;
  }
});

function started(fresh) {
  info = fresh;
  app.dataset.signed = 'yes';
  $('signin').hidden = true;
  $('signin-msg').hidden = true;
  $('me').hidden = false;
  $('me-name').textContent = info.name;
  $('sign-out').hidden = false;
  ctx.emit('session', { session: info });
  startSocket();
}

function sessionEnded(message) {
  if (!info) return;
  info = null;
  if (client) { client.close(); client = null; }
  $('conn').dataset.state = 'closed';
  $('conn').querySelector('.conn-text').textContent = t('conn_closed');
  ctx.emit('signedout', {});
  showSignin(message);
}

$('sign-out').addEventListener('click', async () => {
  try { await api.del('/session'); } catch (_) { /* it ends here anyway */ }
  sessionEnded(t('ctl_signed_out'));
});

/** A new moderator key: every other session ends; this page signs in again with it. Returns the new control link. */
async function rotateKey() {
  rotating = true;
  try {
    const out = await api.post('/moderator-key');
    const fresh = await api.post('/session', { key: out.moderator_key, name: info ? info.name : storedName() || t('ctl_default_name') });
    started(fresh);
    return out.urls && out.urls.control;
  } finally {
    rotating = false;
  }
}

async function boot() {
  renderLecture(initialLecture);
  let view = 'live';
  try { view = (session && session.getItem(VIEW_KEY)) || 'live'; } catch (_) { /* ignore */ }
  selectView(view);
  if (pendingKey) {
    const name = storedName();
    if (name) {
      try {
        const fresh = await signIn(pendingKey, name);
        pendingKey = null;
        started(fresh);
        return;
      } catch (err) {
        if (err.code === 'forbidden') pendingKey = null;
        showSignin(err.code === 'forbidden' ? t('ctl_signin_bad_key') : common.errorMessage(err, t));
        return;
      }
    }
    showSignin('');
    return;
  }
  try {
    started(await api.get('/session'));
  } catch (err) {
    if (err.code !== 'unauthorized') showSignin(common.errorMessage(err, t));
    else if (!info) showSignin('');
  }
}

boot();
