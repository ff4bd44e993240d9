// The viewer page (/l/{code}): stream, live comment wall, Q&A, likes.
// User text is only ever inserted with textContent / text nodes.

// The page names the versioned URLs of the library and the view helpers (static files are cached for a year).
const page = document.getElementById('app').dataset;
const { LiveClient, sortQuestions, formatCount } = await import(page.lib || new URL('./lib/live.js', import.meta.url).href);
const ui = await import(page.ui || new URL('./lib/ui.js', import.meta.url).href);
const { $, readJSON, el, icon, avatar, renderCounter } = ui;

const S = readJSON('strings') || {};
const lang = document.documentElement.lang || 'zh-CN';
const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)');
const desktop = matchMedia('(min-width: 960px)');
const MAX_COMMENT = 300;
const MAX_QUESTION = 500;

const { t, num, fmtTime, errorText, closedReason: closedFor, ...fmt } = ui.strings(S, lang, formatCount);
const ago = (iso) => fmt.ago(iso, () => fmtTime(iso, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));

// ---- state ------------------------------------------------------------------

const app = $('app');
const initialLecture = readJSON('lecture') || {};
const client = new LiveClient({ code: app.dataset.code, path: app.dataset.ws, lecture: initialLecture });
const store = (() => { try { localStorage.getItem('x'); return localStorage; } catch (_) { return null; } })();
const NICK_KEY = 'live.nickname';
const getNick = () => (store ? store.getItem(NICK_KEY) : null);
const setNick = (v) => { if (store) store.setItem(NICK_KEY, v); };

// ---- header, stage, details --------------------------------------------------

let stageKey = null;

function renderLecture(lec) {
  if (!lec) return;
  ui.renderLectureHead(app, lec, t);
  $('replay-link').hidden = lec.status !== 'ended';
  const speakers = lec.speakers || [];
  $('speakers').replaceChildren(...speakers.map((s) => {
    const li = el('li', 'speaker');
    li.append(avatar(s.name), el('span', 'speaker-name', s.name));
    if (s.title) li.append(el('span', 'speaker-title', s.title));
    return li;
  }));
  $('d-speakers').replaceChildren(...speakers.map((s) => {
    const li = el('li', 'speaker-card');
    const txt = el('div');
    txt.append(el('p', 'speaker-name', s.name));
    if (s.title) txt.append(el('p', 'speaker-title', s.title));
    li.append(avatar(s.name, el('span', 'avatar avatar-lg')), txt);
    return li;
  }));
  if (!speakers.length) $('d-speakers').append(el('li', 'muted', t('details_no_speakers')));
  $('d-desc').textContent = lec.description || t('details_no_description');
  const time = $('d-time');
  time.dateTime = lec.starts_at || '';
  time.textContent = lec.starts_at ? fmtTime(lec.starts_at, { dateStyle: 'full', timeStyle: 'short' }) : t('details_no_time');
  const url = (lec.urls && lec.urls.viewer) || `${location.origin}${location.pathname}`;
  $('share-url').value = url;
  $('share-code').textContent = lec.code || '';
  renderStage(lec);
  renderClosed();
}

function renderStage(lec) {
  const key = lec.stream_url ? `${lec.stream_kind}|${lec.stream_url}` : `${lec.status}|${lec.starts_at}`;
  if (key === stageKey) return;
  stageKey = key;
  const stage = $('stage');
  const url = lec.stream_url;
  let kind = url ? lec.stream_kind || 'video' : null;
  const safe = url && /^https?:\/\//i.test(url) ? url : url && url.startsWith('/') ? url : null;
  if (!safe) kind = null;
  stage.className = 'stage';
  if (kind === 'hls') {
    const probe = document.createElement('video');
    if (!probe.canPlayType('application/vnd.apple.mpegurl')) kind = 'hls-link';
  }
  if (kind === 'video' || kind === 'hls') {
    stage.replaceChildren(ui.videoElement(safe, t('stage_label')));
    return;
  }
  if (kind === 'iframe') {
    const f = document.createElement('iframe');
    f.src = safe;
    f.allow = 'autoplay; fullscreen; picture-in-picture';
    f.allowFullscreen = true;
    f.referrerPolicy = 'strict-origin-when-cross-origin';
    f.title = t('stage_label');
    stage.replaceChildren(f);
    return;
  }
  stage.classList.add('is-placeholder');
  const ph = el('div', 'stage-ph');
  const ico = el('span', 'stage-ph-icon');
  ico.append(icon(kind === 'hls-link' ? 'play' : { scheduled: 'clock', ended: 'check' }[lec.status] || 'live'));
  ph.append(ico);
  if (kind === 'hls-link') {
    ph.append(el('p', 'stage-ph-title', t('stage_hls_title')));
    const a = el('a', 'btn btn-primary', t('stage_open_stream'));
    a.href = safe;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    ph.append(a);
  } else {
    ph.append(el('p', 'stage-ph-title', t(`stage_${lec.status}`)));
    if (lec.status === 'scheduled' && lec.starts_at) {
      ph.append(el('p', 'stage-ph-sub', t('stage_starts', { time: fmtTime(lec.starts_at, { month: 'long', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit' }) })));
    }
  }
  stage.replaceChildren(ph);
}

// ---- connection & counters ---------------------------------------------------

ui.showConnState(client, t);

let shownLikes = 0;
function renderCounters(reset) {
  const c = client.counters;
  if (typeof c.online === 'number') $('stat-online').querySelector('.stat-n').textContent = num(c.online);
  if (typeof c.visits === 'number') $('stat-visits').querySelector('.stat-n').textContent = num(c.visits);
  shownLikes = reset ? client.likes : Math.max(shownLikes, client.likes);
  $('like-n').textContent = num(shownLikes);
  $('like-btn').setAttribute('aria-label', t('like_label', { count: num(shownLikes) }));
}
client.addEventListener('counters', () => renderCounters(false));

// ---- featured strip, questions' totals ----

client.addEventListener('featured', (e) => {
  $('feat').hidden = !e.detail.featured.length;
  $('feat-list').replaceChildren(...[...e.detail.featured].reverse().map((c) => {
    const li = el('li', 'feat-c');
    const p = el('p');
    li.dataset.id = c.id;
    p.append(el('b', null, c.nickname || t('anonymous')), c.text);
    li.append(p);
    return li;
  }));
});
client.addEventListener('counters', ({ detail: { counters: c } }) => {
  const p = $('q-totals');
  p.hidden = !c.questions;
  p.textContent = [['questions', c.questions], ['live', c.answered_live], ['written', c.answered_written]]
    .filter(([k, n]) => n || k === 'questions').map(([k, n]) => t(`totals_${k}`, { count: num(n) })).join(' · ');
});

// ---- tabs --------------------------------------------------------------------

const tabs = [...document.querySelectorAll('.tab')];
let activeTab = 'comments';

function selectTab(name, focus) {
  activeTab = name;
  for (const tab of tabs) {
    const on = tab.dataset.tab === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute('aria-controls')).hidden = !on;
    if (on && focus) tab.focus();
  }
  app.dataset.tab = name;
  $('composer').hidden = name === 'questions';
  $('ask-form').hidden = name !== 'questions';
  setNote('');
  if (name === 'comments') scrollWallToEnd();
  if (name === 'questions') renderQuestions();
}

for (const tab of tabs) {
  tab.addEventListener('click', () => selectTab(tab.dataset.tab));
  tab.addEventListener('keydown', (e) => {
    const shown = tabs.filter((x) => x.offsetParent !== null);
    const i = shown.indexOf(tab);
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % shown.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + shown.length) % shown.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = shown.length - 1;
    if (j !== null) { e.preventDefault(); selectTab(shown[j].dataset.tab, true); }
  });
}

// On a wide screen the details live in the left column instead of a tab.
function placeDetails() {
  const details = $('details');
  if (desktop.matches) {
    $('about-slot').append(details);
    if (activeTab === 'details') selectTab('comments');
  } else {
    $('panel-details').append(details);
  }
}
desktop.addEventListener('change', placeDetails);

// ---- the comment wall --------------------------------------------------------

const wall = $('wall');
const wallNodes = new Map(); // id → {node, rec}
let newestSeq = 0;
let unseen = 0;
let wallQueued = false;
let forceBottom = false;

const nearBottom = () => wall.scrollHeight - wall.scrollTop - wall.clientHeight < 48;

function commentNode(c) {
  const li = ui.commentNode(c, { t, mine: client.isMine(c.id) });
  // The wall is a role=log, not a list: its <li>s say so (no orphan listitems for a screen reader).
  li.setAttribute('role', 'none');
  if (c.created_at) li.title = fmtTime(c.created_at, { hour: '2-digit', minute: '2-digit' });
  return li;
}

function wallList() {
  const list = client.comments.slice();
  let extra = false;
  for (const c of client.mine.comments.values()) {
    if (c.state === 'held') { list.push(c); extra = true; }
  }
  if (extra) list.sort((a, b) => a.seq - b.seq);
  return list;
}

function syncWall() {
  wallQueued = false;
  if (newestSeq === 0) wall.setAttribute('aria-live', 'off'); // do not read out the whole history
  const stick = forceBottom || nearBottom();
  const list = wallList();
  const firstRender = newestSeq === 0;
  const added = ui.syncCards(wall, wallNodes, list, { make: (c) => ({ node: commentNode(c), rec: c }), stale: (n, c) => n.rec !== c });
  const fresh = firstRender ? 0 : added.filter((c) => c.seq > newestSeq && !client.isMine(c.id)).length;
  if (list.length) newestSeq = Math.max(newestSeq, list[list.length - 1].seq || 0);
  $('wall-empty').hidden = list.length > 0;
  if (firstRender) setTimeout(() => wall.setAttribute('aria-live', 'polite'), 500);
  if (stick || firstRender) {
    forceBottom = false;
    scrollWallToEnd();
  } else if (fresh) {
    unseen += fresh;
    renderPill();
  }
}

function queueWall() {
  if (wallQueued) return;
  wallQueued = true;
  requestAnimationFrame(syncWall);
}

function scrollWallToEnd() {
  wall.scrollTop = wall.scrollHeight;
  unseen = 0;
  renderPill();
}

function renderPill() {
  const pill = $('new-pill');
  pill.hidden = unseen === 0;
  $('new-pill-text').textContent = t('new_comments', { count: unseen > 99 ? '99+' : unseen });
}

wall.addEventListener('scroll', () => { if (unseen && nearBottom()) { unseen = 0; renderPill(); } }, { passive: true });
$('new-pill').addEventListener('click', () => {
  if (reduceMotion.matches) scrollWallToEnd();
  else { wall.scrollTo({ top: wall.scrollHeight, behavior: 'smooth' }); unseen = 0; renderPill(); }
});

client.addEventListener('comments', (e) => {
  if (e.detail.reset) { for (const n of wallNodes.values()) n.node.remove(); wallNodes.clear(); newestSeq = 0; }
  queueWall();
});

// ---- questions -----------------------------------------------------------------

const qList = $('q-list');
const qNodes = new Map(); // id → {node, rec, refs}
let qQueued = false;

const questionNode = (q) => ui.questionNode(q, { t, mine: client.isMine(q.id), onVote });
const sigOf = (q) => ui.questionSig(q, client.isMine(q.id));
const updateQuestionNode = (n) => ui.updateQuestionNode(n, { t, num, ago, voted: client.voted.has(n.rec.id) });

function questionOrder() {
  const mine = [...client.mine.questions.values()].sort((a, b) => b.seq - a.seq);
  const shown = sortQuestions([...client.questions.values()]);
  return { mine, shown };
}

function renderQuestions() {
  qQueued = false;
  const { mine, shown } = questionOrder();
  const openCount = shown.filter((q) => q.state !== 'answered').length;
  $('q-count').textContent = openCount ? num(openCount) : '';
  const list = [...mine, ...shown];
  const firstAnswered = shown.find((q) => q.state === 'answered');
  // FLIP: remember where cards were, reorder, then animate from there.
  const animate = !reduceMotion.matches && qList.offsetParent !== null;
  ui.syncQuestionCards(qList, qNodes, list, { make: questionNode, sig: sigOf, update: updateQuestionNode, firstAnswered, animate, duration: 260 });
  $('q-empty').hidden = list.length > 0;
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
  const up = !client.voted.has(id);
  client.vote(id, up).then((ack) => { if (!ack.ok) showError(ack.error); });
}

// ---- notes and errors ------------------------------------------------------------

let noteTimer = null;
let transient = false;

// The note above the dock shows a passing message (an error, "sent") or,
// when there is none, why the active form is closed or a moderation hint.
function setNote(text, kind = 'info', ms = 0) {
  const note = $('dock-note');
  clearTimeout(noteTimer);
  transient = Boolean(text);
  if (!transient) { renderStatusNote(); return; }
  note.textContent = text;
  note.dataset.kind = kind;
  note.hidden = false;
  if (ms) noteTimer = setTimeout(() => setNote(''), ms);
}

function renderStatusNote() {
  if (transient) return;
  const note = $('dock-note');
  const why = closedReason();
  const set = (client.lecture || {}).settings || {};
  const reason = activeTab === 'questions' ? why.questions : why.comments;
  let hint = '';
  if (activeTab === 'questions' && set.question_mode === 'held') hint = t('ask_held_hint');
  note.textContent = reason || hint;
  note.dataset.kind = reason ? 'closed' : 'hint';
  note.hidden = !note.textContent;
}

function showError(err) { setNote(errorText(err), 'error', 6000); }

// ---- composer --------------------------------------------------------------------

const input = $('comment-input');
const askInput = $('ask-input');

const closedReason = () => closedFor(client.lecture || {});

function renderClosed() {
  const why = closedReason();
  const lec = client.lecture || {};
  const set = lec.settings || {};
  for (const [form, reason, field] of [[$('composer'), why.comments, input], [$('ask-form'), why.questions, askInput]]) {
    const off = Boolean(reason);
    form.classList.toggle('is-closed', off);
    for (const c of form.elements) c.disabled = off;
    field.placeholder = off ? t('closed_short') : (field === input ? t(set.comment_mode === 'held' ? 'comment_placeholder_held' : 'comment_placeholder') : t('ask_placeholder'));
  }
  $('anon-wrap').hidden = set.anonymous_questions === false;
  if (set.anonymous_questions === false) $('ask-anon').checked = false;
  renderStatusNote();
}

function renderNick() {
  const nick = getNick();
  const btn = $('nick-btn');
  avatar(nick || '', btn);
  btn.setAttribute('aria-label', t('nickname_current', { name: nick || t('anonymous') }));
  btn.title = btn.getAttribute('aria-label');
  $('ask-nick').textContent = t('ask_as', { name: nick || t('anonymous') });
}

function askNickname() {
  return new Promise((resolve) => {
    const dlg = $('nick-dialog');
    const field = $('nick-input');
    field.value = getNick() || '';
    const done = () => {
      dlg.removeEventListener('close', done);
      if (dlg.returnValue === 'ok') setNick(field.value.trim().slice(0, 24));
      else if (dlg.returnValue === 'anon') setNick('');
      renderNick();
      resolve(dlg.returnValue === 'ok' || dlg.returnValue === 'anon');
    };
    dlg.returnValue = '';
    dlg.addEventListener('close', done);
    if (typeof dlg.showModal === 'function') dlg.showModal(); else { dlg.setAttribute('open', ''); }
    field.focus();
  });
}
$('nick-input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); $('nick-dialog').close('ok'); }
});
$('nick-btn').addEventListener('click', () => askNickname());
$('ask-nick').addEventListener('click', () => askNickname());

const { submitComment, submitQuestion } = ui.textForms({
  client, t, setNote, showError, askNickname, getNick, input, askInput, autoGrow, renderClosed,
  maxComment: MAX_COMMENT, maxQuestion: MAX_QUESTION,
  follow: (on) => { forceBottom = on; },
  commentSent: queueWall,
  questionSent: () => { qList.scrollTop = 0; },
});

function autoGrow() {
  askInput.style.height = 'auto';
  askInput.style.height = `${Math.min(askInput.scrollHeight, 140)}px`;
}

$('composer').addEventListener('submit', submitComment);
$('ask-form').addEventListener('submit', submitQuestion);
input.addEventListener('input', () => renderCounter(input, $('comment-counter'), MAX_COMMENT));
ui.holdImeEnter(input);
askInput.addEventListener('input', () => { renderCounter(askInput, $('ask-counter'), MAX_QUESTION); autoGrow(); });
askInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('ask-form').requestSubmit(); }
});
askInput.addEventListener('focus', () => $('ask-form').classList.add('is-open'));
$('ask-form').addEventListener('focusout', (e) => {
  const form = $('ask-form');
  if (!form.contains(e.relatedTarget) && !askInput.value) form.classList.remove('is-open');
});

// ---- likes -------------------------------------------------------------------------

const hearts = $('hearts');

function floatHeart() {
  if (reduceMotion.matches || hearts.childElementCount > 14) return;
  ui.floatHeart(hearts, { spread: 70, ms: 1100, slack: 600 });
}

$('like-btn').addEventListener('click', () => {
  client.like(1);
  floatHeart();
  ui.pop($('like-btn'));
});

// ---- details: share ------------------------------------------------------------------

$('share-copy').addEventListener('click', async () => {
  const url = $('share-url').value;
  try {
    await navigator.clipboard.writeText(url);
    $('share-note').textContent = t('share_copied');
  } catch (_) {
    $('share-url').select();
    $('share-note').textContent = t('share_copy_manual');
  }
  setTimeout(() => { $('share-note').textContent = ''; }, 3000);
});
if (navigator.share) {
  $('share-native').hidden = false;
  $('share-native').addEventListener('click', () => {
    const lec = client.lecture || {};
    navigator.share({ title: lec.title, url: $('share-url').value }).catch(() => {});
  });
}

// ---- polls: their script and styles load when the first poll appears ----------------

ui.whenPolls(client, page.polls, { client, ui, t, num, errorText, getNick });

// ---- go ------------------------------------------------------------------------------

client.addEventListener('lecture', (e) => renderLecture(e.detail.lecture));
client.addEventListener('welcome', (e) => { if (!e.detail.resumed) renderCounters(true); });
client.addEventListener('error', (e) => { if (e.detail && e.detail.code) console.warn('live:', e.detail.code, e.detail.message); });

// A link may open a view: ?view=ask (the "ask a question" QR code) opens the
// questions tab with the ask form focused; ?view=questions the questions tab.
const view = new URLSearchParams(location.search).get('view');

placeDetails();
renderLecture(initialLecture);
renderNick();
selectTab(view === 'ask' || view === 'questions' ? 'questions' : view === 'details' && !desktop.matches ? 'details' : 'comments');
if (view === 'ask' && !askInput.disabled) askInput.focus();
renderQuestions();
syncWall();
client.connect();
window.liveClient = client; // for debugging and the browser tests
