// The embeddable widget (/embed/{code}), framed on other sites by
// static/embed.js. Modes: wall (comments and questions), compact (the latest
// comments and a composer), ask (the ask form and this viewer's questions),
// questions (the questions with votes); `readonly` drops every control.
// It needs no cookies: the viewer token and nickname live in this frame's own
// storage, or in memory where a blocked third-party context refuses storage.
// User text is only ever inserted with textContent / text nodes.

const app = document.getElementById('app');
// The page names the versioned URLs of the library and the view helpers (static files are cached for a year).
const { LiveClient, sortQuestions, formatCount } = await import(app.dataset.lib || new URL('./lib/live.js', import.meta.url).href);
const ui = await import(app.dataset.ui || new URL('./lib/ui.js', import.meta.url).href);
const { $, readJSON, el, icon, avatar, renderCounter } = ui;

const S = readJSON('strings') || {};
const opts = readJSON('options') || {};
const lang = document.documentElement.lang || 'zh-CN';
const mode = app.dataset.mode || 'wall';
const readonly = app.dataset.readonly === 'true';
const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)');
const MAX_COMMENT = 300;
const MAX_QUESTION = 500;
const COMPACT_KEEP = 12;

const { t, num, ago, errorText, closedReason: closedFor } = ui.strings(S, lang, formatCount);

// ---- storage: this frame's own, or memory ------------------------------------------

const storage = (() => {
  try {
    const s = window.localStorage;
    s.getItem('live.viewer');
    return s;
  } catch (_) { /* third-party storage blocked: keep the identity for this visit only */ }
  const mem = new Map();
  return { getItem: (k) => (mem.has(k) ? mem.get(k) : null), setItem: (k, v) => mem.set(k, String(v)), removeItem: (k) => mem.delete(k) };
})();
const NICK_KEY = 'live.nickname';
const getNick = () => { try { return storage.getItem(NICK_KEY); } catch (_) { return null; } };
const setNick = (v) => { try { storage.setItem(NICK_KEY, v); } catch (_) { /* full */ } };

if (opts.accent && /^#[0-9a-f]{3,6}$/i.test(opts.accent)) {
  document.documentElement.style.setProperty('--accent', opts.accent);
  document.documentElement.dataset.accent = '';
}

// ---- the host page: our size, by postMessage, to the page that framed us only ----

const host = (() => {
  const o = opts.origin;
  if (!o || window.parent === window) return null;
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length && ancestors[0] !== o) return null; // the loader named another page
  return o;
})();
let sentHeight = 0;
function postSize(force) {
  if (!host) return;
  const h = Math.ceil(app.getBoundingClientRect().height);
  if (!h || (h === sentHeight && !force)) return;
  sentHeight = h;
  window.parent.postMessage({ live: 'embed', type: 'size', height: h }, host);
}
if (host) {
  new ResizeObserver(() => postSize(false)).observe(app);
  addEventListener('message', (e) => {
    if (e.source !== window.parent || e.origin !== host) return;
    if (e.data && e.data.live === 'embed' && e.data.type === 'hello') postSize(true);
  });
}

// ---- the client ------------------------------------------------------------------------

const initialLecture = readJSON('lecture') || {};
const client = new LiveClient({
  code: app.dataset.code, path: app.dataset.ws, lecture: initialLecture, storage,
  maxComments: mode === 'compact' ? 60 : 200,
});

ui.showConnState(client, t);

function renderLecture(lec) {
  if (!lec) return;
  ui.renderLectureHead(app, lec, t);
  renderClosed();
}

let shownLikes = 0;
function renderCounters(reset) {
  const c = client.counters;
  if (typeof c.online === 'number') $('stat-online').querySelector('.stat-n').textContent = num(c.online);
  if (!$('like-n')) return;
  shownLikes = reset ? client.likes : Math.max(shownLikes, client.likes);
  $('like-n').textContent = num(shownLikes);
  $('like-btn').setAttribute('aria-label', t('like_label', { count: num(shownLikes) }));
}
client.addEventListener('counters', () => renderCounters(false));

// ---- tabs (wall mode) ---------------------------------------------------------------------

const tabs = [...document.querySelectorAll('.tab')];
let activeTab = mode === 'questions' || mode === 'ask' ? 'questions' : 'comments';

function selectTab(name, focus) {
  activeTab = name;
  for (const tab of tabs) {
    const on = tab.dataset.tab === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute('aria-controls')).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (mode === 'wall' && !readonly) {
    $('composer').hidden = name !== 'comments';
    $('ask-form').hidden = name !== 'questions';
  }
  setNote('');
  if (name === 'comments') scrollWallToEnd();
  else renderQuestions();
}
for (const tab of tabs) {
  tab.addEventListener('click', () => selectTab(tab.dataset.tab));
  tab.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(tab);
    const j = e.key === 'ArrowRight' ? (i + 1) % tabs.length : e.key === 'ArrowLeft' ? (i - 1 + tabs.length) % tabs.length : null;
    if (j !== null) { e.preventDefault(); selectTab(tabs[j].dataset.tab, true); }
  });
}

// ---- the comment wall ---------------------------------------------------------------------

const wall = $('wall');
const wallNodes = new Map();
let newestSeq = 0;
let unseen = 0;
let wallQueued = false;
let forceBottom = false;
const nearBottom = () => wall.scrollHeight - wall.scrollTop - wall.clientHeight < 40;

// The wall is a role=log, not a list: its <li>s say so (no orphan listitems for a screen reader).
const commentNode = (c) => {
  const li = ui.commentNode(c, { t, mine: client.isMine(c.id) });
  li.setAttribute('role', 'none');
  return li;
};

function wallList() {
  let list = client.comments.slice();
  const held = [...client.mine.comments.values()].filter((c) => c.state === 'held');
  if (held.length) list = [...list, ...held].sort((a, b) => a.seq - b.seq);
  return mode === 'compact' ? list.slice(-COMPACT_KEEP) : list;
}

function syncWall() {
  wallQueued = false;
  if (!wall) return;
  const firstRender = newestSeq === 0;
  if (firstRender) wall.setAttribute('aria-live', 'off'); // do not read out the whole history
  const stick = forceBottom || nearBottom();
  const list = wallList();
  const added = ui.syncCards(wall, wallNodes, list, { make: (c) => ({ node: commentNode(c), rec: c }), stale: (n, c) => n.rec !== c });
  const fresh = firstRender ? 0 : added.filter((c) => c.seq > newestSeq && !client.isMine(c.id)).length;
  if (list.length) newestSeq = Math.max(newestSeq, list[list.length - 1].seq || 0);
  $('wall-empty').hidden = list.length > 0;
  if (firstRender && list.length) setTimeout(() => wall.setAttribute('aria-live', 'polite'), 500);
  if (stick || firstRender || mode === 'compact') {
    forceBottom = false;
    scrollWallToEnd();
  } else if (fresh) {
    unseen += fresh;
    renderPill();
  }
  wall.classList.toggle('is-overflowing', wall.scrollHeight > wall.clientHeight + 2);
}

function queueWall() {
  if (wallQueued || !wall) return;
  wallQueued = true;
  requestAnimationFrame(syncWall);
}

function scrollWallToEnd() {
  if (!wall) return;
  wall.scrollTop = wall.scrollHeight;
  unseen = 0;
  renderPill();
}

function renderPill() {
  const pill = $('new-pill');
  if (!pill) return;
  pill.hidden = unseen === 0;
  $('new-pill-text').textContent = t('new_comments', { count: unseen > 99 ? '99+' : unseen });
}

if (wall) {
  wall.addEventListener('scroll', () => { if (unseen && nearBottom()) { unseen = 0; renderPill(); } }, { passive: true });
  $('new-pill').addEventListener('click', () => {
    wall.scrollTo({ top: wall.scrollHeight, behavior: reduceMotion.matches ? 'auto' : 'smooth' });
    unseen = 0;
    renderPill();
  });
}
client.addEventListener('comments', (e) => {
  if (e.detail.reset) { for (const n of wallNodes.values()) n.node.remove(); wallNodes.clear(); newestSeq = 0; }
  queueWall();
});

// ---- questions ----------------------------------------------------------------------------

const qList = $('q-list');
const qNodes = new Map();
let qQueued = false;

const QSTATE_TAG = {
  pending: ['tag-held', 'pending_review'], approved: ['tag-muted', 'widget_q_published'],
  answering: ['tag-live', 'q_answering'], answered: ['tag-done', 'q_answered'], dismissed: ['tag-muted', 'q_dismissed'],
};

const questionNode = (q) => ui.questionNode(q, { t, mine: client.isMine(q.id), readonly, onVote });
const sigOf = (q) => ui.questionSig(q, client.isMine(q.id));
const updateQuestionNode = (n) => ui.updateQuestionNode(n, { t, num, ago, voted: client.voted.has(n.rec.id), readonly });

function renderQuestions() {
  qQueued = false;
  const shown = sortQuestions([...client.questions.values()]);
  const openCount = shown.filter((q) => q.state !== 'answered').length;
  if ($('q-count')) $('q-count').textContent = openCount ? num(openCount) : '';
  if (mode === 'ask') { renderMine(); return; }
  if (!qList) return;
  const mine = [...client.mine.questions.values()].sort((a, b) => b.seq - a.seq);
  const list = [...mine, ...shown];
  const firstAnswered = shown.find((q) => q.state === 'answered');
  const animate = !reduceMotion.matches && qList.offsetParent !== null;
  ui.syncQuestionCards(qList, qNodes, list, { make: questionNode, sig: sigOf, update: updateQuestionNode, firstAnswered, animate, duration: 240 });
  $('q-empty').hidden = list.length > 0;
}

// Ask mode: this viewer's own questions and where each one stands.
function renderMine() {
  const box = $('mine');
  if (!box) return;
  const all = new Map();
  for (const q of client.questions.values()) if (client.isMine(q.id)) all.set(q.id, q);
  for (const q of client.mine.questions.values()) all.set(q.id, q);
  const list = [...all.values()].sort((a, b) => b.seq - a.seq).slice(0, 5);
  box.hidden = list.length === 0;
  $('mine-list').replaceChildren(...list.map((q) => {
    const li = el('li', `w-mine-item is-${q.state}`);
    li.dataset.id = q.id;
    const [cls, key] = QSTATE_TAG[q.state] || QSTATE_TAG.approved;
    const tag = el('span', `tag ${cls}`);
    if (q.state === 'answering') tag.append(el('span', 'pulse'));
    tag.append(document.createTextNode(t(key)));
    const text = el('p', 'w-mine-text', q.text);
    const votes = el('span', 'w-mine-votes');
    if (q.state !== 'pending' && q.state !== 'dismissed') votes.append(icon('up'), document.createTextNode(num(q.votes || 0)));
    li.append(tag, text, votes);
    return li;
  }));
}

function queueQuestions() {
  if (qQueued) return;
  qQueued = true;
  requestAnimationFrame(renderQuestions);
}
client.addEventListener('questions', (e) => {
  if (e.detail.reset) { for (const n of qNodes.values()) n.node.remove(); qNodes.clear(); }
  queueQuestions();
});
client.addEventListener('mine', () => { queueWall(); queueQuestions(); });
setInterval(() => { for (const n of qNodes.values()) n.refs.time.textContent = ago(n.rec.created_at); }, 30000);

function onVote(id) {
  client.vote(id, !client.voted.has(id)).then((ack) => { if (!ack.ok) showError(ack.error); });
}

// ---- notes ----------------------------------------------------------------------------------

let noteTimer = null;
let transient = false;

function setNote(text, kind = 'info', ms = 0) {
  const note = $('dock-note');
  if (!note) return;
  clearTimeout(noteTimer);
  transient = Boolean(text);
  if (!transient) { renderStatusNote(); return; }
  note.textContent = text;
  note.dataset.kind = kind;
  note.hidden = false;
  if (ms) noteTimer = setTimeout(() => setNote(''), ms);
}

const closedReason = () => closedFor(client.lecture || {});

function renderStatusNote() {
  const note = $('dock-note');
  if (!note || transient) return;
  const why = closedReason();
  const set = (client.lecture || {}).settings || {};
  const asking = activeTab === 'questions';
  const reason = asking ? why.questions : why.comments;
  note.textContent = reason || (asking && set.question_mode === 'held' ? t('ask_held_hint') : '');
  note.dataset.kind = reason ? 'closed' : 'hint';
  note.hidden = !note.textContent;
}

function showError(err) { setNote(errorText(err), 'error', 6000); }

// ---- the dock: nickname, composer, ask form, like ---------------------------------------------

const input = $('comment-input');
const askInput = $('ask-input');

function renderClosed() {
  if (readonly) return;
  const why = closedReason();
  const set = (client.lecture || {}).settings || {};
  for (const [form, reason, field] of [[$('composer'), why.comments, input], [$('ask-form'), why.questions, askInput]]) {
    if (!form) continue;
    const off = Boolean(reason);
    form.classList.toggle('is-closed', off);
    for (const c of form.elements) c.disabled = off;
    field.placeholder = off ? t('closed_short') : field === input
      ? t(set.comment_mode === 'held' ? 'comment_placeholder_held' : 'comment_placeholder') : t('ask_placeholder');
  }
  if ($('anon-wrap')) {
    $('anon-wrap').hidden = set.anonymous_questions === false;
    if (set.anonymous_questions === false) $('ask-anon').checked = false;
  }
  renderStatusNote();
}

function renderNick() {
  const nick = getNick();
  if ($('nick-btn')) {
    avatar(nick || '', $('nick-btn'));
    $('nick-btn').setAttribute('aria-label', t('nickname_current', { name: nick || t('anonymous') }));
    $('nick-btn').title = $('nick-btn').getAttribute('aria-label');
  }
  if ($('ask-nick')) $('ask-nick').textContent = t('ask_as', { name: nick || t('anonymous') });
}

// The nickname is asked for inline: a dialog does not fit a small frame.
let nickWaiter = null;
function askNickname() {
  const form = $('nick-form');
  if (nickWaiter) return nickWaiter.promise;
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  nickWaiter = { promise, resolve };
  $('nick-input').value = getNick() || '';
  form.hidden = false;
  $('dock-row').hidden = true;
  $('nick-input').focus();
  return promise;
}
function closeNick(result) {
  if (!nickWaiter) return;
  if (result === 'ok') setNick($('nick-input').value.trim().slice(0, 24));
  else if (result === 'anon') setNick('');
  renderNick();
  $('nick-form').hidden = true;
  $('dock-row').hidden = false;
  const { resolve } = nickWaiter;
  nickWaiter = null;
  resolve(result === 'ok' || result === 'anon');
}

const { submitComment, submitQuestion } = ui.textForms({
  client, t, setNote, showError, askNickname, getNick, input, askInput, autoGrow, renderClosed,
  maxComment: MAX_COMMENT, maxQuestion: MAX_QUESTION,
  follow: (on) => { forceBottom = on; },
  commentSent: queueWall,
  questionSent: () => { if (qList) qList.parentElement.scrollTop = 0; queueQuestions(); },
});

function autoGrow() {
  const min = mode === 'ask' ? 84 : 40;
  askInput.style.height = 'auto';
  askInput.style.height = `${Math.max(min, Math.min(askInput.scrollHeight, 140))}px`;
}

const hearts = $('hearts');
function floatHeart() {
  if (reduceMotion.matches || !hearts || hearts.childElementCount > 10) return;
  ui.floatHeart(hearts, { spread: 50, ms: 1000, slack: 500 });
}

if (!readonly) {
  $('nick-form').addEventListener('submit', (e) => { e.preventDefault(); closeNick('ok'); });
  $('nick-anon').addEventListener('click', () => closeNick('anon'));
  $('nick-input').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); closeNick('cancel'); }
  });
  if ($('nick-btn')) $('nick-btn').addEventListener('click', () => askNickname());
  if ($('ask-nick')) $('ask-nick').addEventListener('click', () => askNickname());
  if (input) {
    $('composer').addEventListener('submit', submitComment);
    input.addEventListener('input', () => renderCounter(input, $('comment-counter'), MAX_COMMENT));
    ui.holdImeEnter(input);
  }
  if (askInput) {
    const form = $('ask-form');
    form.addEventListener('submit', submitQuestion);
    askInput.addEventListener('input', () => { renderCounter(askInput, $('ask-counter'), MAX_QUESTION); autoGrow(); });
    askInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    if (mode !== 'ask') {
      askInput.addEventListener('focus', () => form.classList.add('is-open'));
      form.addEventListener('focusout', (e) => {
        if (!form.contains(e.relatedTarget) && !askInput.value) form.classList.remove('is-open');
      });
    }
  }
  if ($('like-btn')) {
    $('like-btn').addEventListener('click', () => {
      client.like(1);
      floatHeart();
      ui.pop($('like-btn'));
    });
  }
}

// ---- go -----------------------------------------------------------------------------------------

client.addEventListener('lecture', (e) => renderLecture(e.detail.lecture));
client.addEventListener('welcome', (e) => { if (!e.detail.resumed) renderCounters(true); });
client.addEventListener('error', (e) => { if (e.detail && e.detail.code) console.warn('live:', e.detail.code, e.detail.message); });

renderLecture(initialLecture);
renderNick();
if (mode === 'wall') selectTab('comments');
if (askInput) autoGrow();
renderQuestions();
syncWall();
client.connect();
postSize(true);
window.liveClient = client; // for debugging and the browser tests
