// The speaker page (/l/{code}/speaker): a guest's phone during the lecture.
// It shows the question being answered now (by anyone), then the questions
// the moderators gave this guest, with big buttons to mark what they answer.
//
// Signing in: the guest's link is /l/{code}/speaker#name=…&t=…. The fragment
// never reaches a server; the page reads it, drops it from the address bar
// at once and trades it for a session cookie (POST …/session, HttpOnly). A
// reload, or the link without its fragment, finds the session again with GET
// …/session. Changes go to POST …/questions/{id} with the session's CSRF
// token and the state the guest saw (`expect`), so a tap never overrides a
// change the guest had not seen yet.
//
// Live data comes from an ordinary viewer connection (the client library):
// question.updated events bring assignments and state changes.
// User text is only ever inserted with textContent / text nodes.

// The link's name and token: read once, and dropped from the address bar (and
// the history) first of all, before anything else loads.
function takeLink() {
  if (!location.hash || location.hash === '#') return null;
  const p = new URLSearchParams(location.hash.slice(1));
  history.replaceState(history.state, '', location.pathname + location.search);
  const name = p.get('name');
  const token = p.get('t');
  return name && token ? { name, token } : { bad: true };
}
let link = takeLink();

const app = document.getElementById('app');
// The page names the versioned URLs of the library and the view helpers (static files are cached for a year).
const { LiveClient, sortQuestions, formatCount } = await import(app.dataset.lib || new URL('./lib/live.js', import.meta.url).href);
const ui = await import(app.dataset.ui || new URL('./lib/ui.js', import.meta.url).href);
const { $, readJSON, el, icon, avatar } = ui;

const S = readJSON('strings') || {};
const lang = document.documentElement.lang || 'zh-CN';
const { t, num, errorText } = ui.strings(S, lang, formatCount);
const code = app.dataset.code;
const API = `/api/v1/lectures/${encodeURIComponent(code)}`;
const VISIBLE = new Set(['approved', 'answering', 'answered']);
const DONE_MSG = { answering: 'spk_ok_answering', answered: 'spk_ok_answered', approved: 'spk_ok_approved' };
const MAX_TIMEOUT = 2 ** 31 - 1;

const session = { name: null, csrf: null };
let phase = 'loading'; // loading | ready | ended | blocked
let client = null;
const busy = new Set(); // question ids with a change on its way
// id → the record our own change answered, shown until the live copy catches up.
const fresh = new Map();

// ---- the API -----------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  const r = await fetch(API + path, {
    method, headers, credentials: 'same-origin', cache: 'no-store', referrerPolicy: 'no-referrer',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await r.json(); } catch (_) { /* an empty or non-JSON body */ }
  return { status: r.status, data, error: (data && data.error) || null };
}

// ---- phases and messages --------------------------------------------------------------

const ALERTS = {
  nolink: ['spk_nolink_title', 'spk_nolink_text'],
  invalid: ['spk_invalid_title', 'spk_invalid_text'],
  ended: ['spk_ended_title', 'spk_ended_text'],
  role: ['spk_role_title', 'spk_role_text'],
  error: ['spk_error_title', 'spk_error_text'],
};

function setPhase(p) {
  phase = p;
  app.dataset.phase = p;
  $('loading').hidden = p !== 'loading';
  $('main').hidden = p === 'loading' || p === 'blocked';
}

function showAlert(reason) {
  const box = $('alert');
  box.dataset.reason = reason;
  $('alert-title').textContent = t(ALERTS[reason][0]);
  $('alert-text').textContent = t(ALERTS[reason][1]);
  $('alert-retry').hidden = reason !== 'error';
  box.hidden = false;
}

// Before the guest is known: a message instead of the page.
function block(reason) {
  setPhase('blocked');
  showAlert(reason);
}

// The session ended while the page was open (the key was rotated, the
// session expired): the questions stay in view, the buttons go.
function end() {
  if (phase === 'ended') return;
  setPhase('ended');
  showAlert('ended');
  render();
  const box = $('alert');
  box.scrollIntoView({ block: 'start', behavior: 'smooth' });
  box.focus({ preventScroll: true });
}

let noteTimer = null;
function note(text, kind = 'ok') {
  const n = $('note');
  n.textContent = text;
  n.dataset.kind = kind;
  n.classList.add('is-on');
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => n.classList.remove('is-on'), kind === 'error' ? 6000 : 3000);
}

// ---- signing in ------------------------------------------------------------------------

async function signIn() {
  setPhase('loading');
  $('alert').hidden = true;
  const from = link;
  if (from && from.bad) { link = null; block('invalid'); return; }
  let res;
  try {
    res = from ? await api('POST', '/session', { speaker: from.name, token: from.token }) : await api('GET', '/session?role=speaker');
  } catch (_) {
    block('error'); // the link stays in memory for "try again"
    return;
  }
  if (res.status === 401) { link = null; block('nolink'); return; }
  if (res.status === 403) { link = null; block('invalid'); return; }
  if ((res.status !== 200 && res.status !== 201) || !res.data) { block('error'); return; }
  link = null;
  if (res.data.role !== 'speaker') { block('role'); return; }
  start(res.data);
}

let expiryTimer = null;
function start(info) {
  session.name = info.name;
  session.csrf = info.csrf;
  $('me').hidden = false;
  avatar(info.name, $('me-avatar'));
  $('me-hello').textContent = t('spk_hello', { name: info.name });
  setPhase('ready');
  clearTimeout(expiryTimer);
  const left = Number(info.expires_at) * 1000 - Date.now();
  if (Number.isFinite(left)) expiryTimer = setTimeout(end, Math.min(MAX_TIMEOUT, Math.max(0, left)));
  if (!client) {
    client = new LiveClient({ code, path: app.dataset.ws, lecture: readJSON('lecture') });
    ui.showConnState(client, t);
    client.addEventListener('lecture', (e) => {
      ui.renderLectureHead(app, e.detail.lecture, t);
      document.title = `${t('spk_title')} · ${e.detail.lecture.title || ''}`;
    });
    client.addEventListener('questions', render);
    client.connect();
  }
  render();
}

$('alert-retry').addEventListener('click', signIn);

// ---- what to show --------------------------------------------------------------------

const newer = (a, b) => String(a.updated_at || '') > String(b.updated_at || '');

// The visible questions, with our own latest change where the live copy is behind.
function questions() {
  if (!client) return [];
  const out = [];
  for (const q of client.questions.values()) {
    const f = fresh.get(q.id);
    let rec = q;
    if (f && newer(f, q)) rec = { ...q, ...f, votes: q.votes };
    else if (f) fresh.delete(q.id);
    if (VISIBLE.has(rec.state)) out.push(rec);
  }
  return out;
}

const asker = (q) => (q.anonymous || !q.nickname ? t('anonymous') : q.nickname);

// What a card shows apart from its votes: a new card when it changes.
const sig = (q, where) => [q.state, q.text, asker(q), q.speaker, busy.has(q.id), phase, where].join('|');

// The buttons of one of the guest's own questions, for its state.
const ACTIONS = {
  approved: [['answering', 'spk_answer_now', 'sbtn-go'], ['answered', 'spk_mark_done', 'sbtn-plain']],
  answering: [['answered', 'spk_mark_done', 'sbtn-done'], ['approved', 'spk_put_back', 'sbtn-plain']],
  answered: [['approved', 'spk_put_back', 'sbtn-plain']],
};

function card(q, where) {
  const li = el('li', `sq is-${q.state}`);
  li.dataset.id = q.id;
  const refs = {};
  const head = el('p', 'sq-head');
  const votes = el('span', 'sq-votes');
  votes.append(icon('up'), (refs.n = el('b', 'sq-votes-n')));
  refs.votes = votes;
  head.append(votes, el('span', 'sq-asker', t('spk_asked_by', { name: asker(q) })));
  li.append(head, el('p', 'sq-text', q.text));
  const mine = q.speaker === session.name;
  if (where === 'now' && !mine && q.speaker) li.append(el('p', 'sq-by', t('spk_now_by', { speaker: q.speaker })));
  if (mine && phase === 'ready') {
    const row = el('div', 'sq-actions');
    for (const [to, key, cls] of ACTIONS[q.state] || []) {
      const b = el('button', `sbtn ${cls}`, t(key));
      b.type = 'button';
      b.dataset.to = to;
      b.disabled = busy.has(q.id);
      b.addEventListener('click', () => act(q.id, to));
      row.append(b);
    }
    if (busy.has(q.id)) row.setAttribute('aria-busy', 'true');
    li.append(row);
  }
  return { node: li, rec: q, refs, sig: sig(q, where) };
}

function sync(box, nodes, list, where) {
  ui.syncCards(box, nodes, list, {
    make: (q) => card(q, where),
    stale: (n, q) => n.sig !== sig(q, where),
    update: (n, q) => {
      n.rec = q;
      n.refs.n.textContent = num(q.votes || 0);
      n.refs.votes.setAttribute('aria-label', t('spk_votes', { count: q.votes || 0 }));
    },
  });
}

const nodes = { now: new Map(), open: new Map(), done: new Map() };
let current = { now: null, all: [] };

function render() {
  if (!session.name) return;
  const qs = questions();
  // One question is answered at a time: when our own change and the live copy
  // briefly disagree, the latest change wins and the other shows as answered.
  const answering = qs.filter((q) => q.state === 'answering').sort((a, b) => (newer(a, b) ? -1 : newer(b, a) ? 1 : 0));
  const now = answering[0] || null;
  const shown = qs.map((q) => (q.state === 'answering' && q !== now ? { ...q, state: 'answered' } : q));
  const mine = shown.filter((q) => q.speaker === session.name);
  const open = sortQuestions(mine.filter((q) => q.state === 'approved'));
  const done = mine.filter((q) => q.state === 'answered').sort((a, b) => (newer(a, b) ? -1 : newer(b, a) ? 1 : 0));
  current = { now, all: shown };

  const nowMine = Boolean(now && now.speaker === session.name);
  $('now').dataset.state = now ? (nowMine ? 'mine' : 'other') : 'none';
  $('now-label').textContent = now ? t(nowMine ? 'spk_now_you' : 'spk_now') : t('spk_now');
  $('now-none').hidden = Boolean(now);
  sync($('now-list'), nodes.now, now ? [now] : [], 'now');

  sync($('mine-list'), nodes.open, open, 'open');
  $('mine-count').textContent = open.length ? num(open.length) : '';
  $('mine-empty').hidden = open.length > 0;
  $('mine-empty').textContent = t(done.length || nowMine ? 'spk_mine_all_done' : 'spk_mine_empty');

  $('done').hidden = !done.length;
  $('done-label').textContent = t('spk_done_list', { count: num(done.length) });
  sync($('done-list'), nodes.done, done, 'done');
}

// ---- marking a question ------------------------------------------------------------------

function confirmTakeover(other) {
  const dlg = $('takeover');
  $('takeover-text').textContent = other.speaker
    ? t('spk_takeover_text', { speaker: other.speaker })
    : t('spk_takeover_text_anyone');
  return new Promise((resolve) => {
    dlg.returnValue = '';
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
    dlg.showModal();
    $('takeover-ok').focus();
  });
}

async function act(id, to, retried = false) {
  const q = current.all.find((x) => x.id === id);
  if (!q || phase !== 'ready' || busy.has(id) || q.speaker !== session.name) return;
  // Starting an answer moves the one answering now to "answered": say so first
  // when it is someone else's.
  const other = current.now && current.now.id !== id ? current.now : null;
  if (to === 'answering' && other && other.speaker !== session.name && !retried) {
    if (!(await confirmTakeover(other))) return;
    if (phase !== 'ready' || busy.has(id)) return;
  }
  busy.add(id);
  render();
  let res;
  try {
    res = await api('POST', `/questions/${encodeURIComponent(id)}`, { state: to, expect: q.state });
  } catch (_) {
    busy.delete(id);
    render();
    note(t('spk_network'), 'error');
    return;
  }
  busy.delete(id);
  const ecode = res.error && res.error.code;
  if (res.status === 200 && res.data && res.data.id) {
    fresh.set(id, res.data);
    note(t(DONE_MSG[res.data.state] || 'spk_ok_answered'), 'ok');
  } else if (res.status === 409) {
    fresh.delete(id); // the live copy tells what it is now
    note(t('spk_conflict'), 'error');
  } else if (res.status === 401) {
    end();
  } else if (res.status === 403) {
    await forbidden(id, to, ecode, retried);
  } else {
    note(res.error ? errorText(res.error) : t('spk_failed'), 'error');
  }
  render();
}

// A 403: the page's CSRF token no longer matches the cookie (another link was
// opened in this browser), the question went to someone else, or the session
// is gone. Ask the server which.
async function forbidden(id, to, ecode, retried) {
  let res;
  try { res = await api('GET', '/session?role=speaker'); } catch (_) { note(t('spk_network'), 'error'); return; }
  if (res.status !== 200 || !res.data || res.data.role !== 'speaker' || res.data.name !== session.name) {
    end();
    return;
  }
  session.csrf = res.data.csrf;
  if (ecode === 'csrf' && !retried) { await act(id, to, true); return; }
  note(t(ecode === 'csrf' ? 'spk_failed' : 'spk_reassigned'), 'error');
}

signIn();
