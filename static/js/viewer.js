// The viewer page (/l/{code}): stream, live comment wall, Q&A, likes.
// User text is only ever inserted with textContent / text nodes.

// The page names the library's versioned URL (static files are cached for a year).
const libHref = document.getElementById('app').dataset.lib || new URL('./lib/live.js', import.meta.url).href;
const { LiveClient, sortQuestions, formatCount } = await import(libHref);

const $ = (id) => document.getElementById(id);
const readJSON = (id) => { try { return JSON.parse($(id).textContent); } catch (_) { return null; } };
const S = readJSON('strings') || {};
const lang = document.documentElement.lang || 'zh-CN';
const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)');
const desktop = matchMedia('(min-width: 960px)');
const SVG = 'http://www.w3.org/2000/svg';
const MAX_COMMENT = 300;
const MAX_QUESTION = 500;

function t(key, vars) {
  let s = S[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(SVG, 'use');
  use.setAttribute('href', `#i-${name}`);
  svg.append(use);
  return svg;
}

const HUES = [4, 22, 38, 145, 165, 192, 212, 235, 262, 290, 318, 340];
function hue(s) {
  let h = 2166136261;
  for (const ch of String(s || '')) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 13;
  return HUES[(h >>> 0) % HUES.length];
}

function avatar(name, node = el('span', 'avatar')) {
  if (name) node.textContent = Array.from(name)[0];
  else node.replaceChildren(icon('user'));
  node.style.setProperty('--h', String(hue(name)));
  node.classList.toggle('is-anon', !name);
  if (node.tagName === 'SPAN') node.setAttribute('aria-hidden', 'true');
  return node;
}

const fmtTime = (iso, opts) => {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  try { return new Intl.DateTimeFormat(lang, opts).format(d); } catch (_) { return d.toLocaleString(); }
};
const rtf = (() => { try { return new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }); } catch (_) { return null; } })();
function ago(iso) {
  const d = new Date(iso).getTime();
  if (!d) return '';
  const s = Math.round((d - Date.now()) / 1000);
  if (!rtf || Math.abs(s) < 45) return t('just_now');
  if (Math.abs(s) < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (Math.abs(s) < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return fmtTime(iso, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
const num = (n) => formatCount(n, lang);

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
  app.dataset.status = lec.status;
  const status = $('status');
  status.dataset.status = lec.status;
  status.textContent = t(`status_${lec.status}`);
  $('lecture-title').textContent = lec.title || '';
  document.title = `${lec.title || ''} · ${t('app_name')}`;
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
    const v = document.createElement('video');
    v.controls = true;
    v.playsInline = true;
    v.setAttribute('playsinline', '');
    v.preload = 'metadata';
    v.src = safe;
    v.setAttribute('aria-label', t('stage_label'));
    stage.replaceChildren(v);
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

client.addEventListener('state', (e) => {
  const conn = $('conn');
  conn.dataset.state = e.detail.state;
  conn.querySelector('.conn-text').textContent = t(`conn_${e.detail.state}`);
});

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
  const li = el('li', 'cmt');
  li.dataset.id = c.id;
  const held = c.state === 'held';
  if (c.featured) li.classList.add('is-featured');
  if (held) li.classList.add('is-held');
  if (client.isMine(c.id)) li.classList.add('is-mine');
  const body = el('div', 'cmt-body');
  const head = el('span', 'cmt-head');
  if (c.featured) {
    const tag = el('span', 'tag tag-featured');
    tag.append(icon('star'), document.createTextNode(t('featured')));
    head.append(tag);
  }
  head.append(el('span', 'cmt-name', c.nickname || t('anonymous')));
  if (client.isMine(c.id)) head.append(el('span', 'tag tag-mine', t('me')));
  if (held) head.append(el('span', 'tag tag-held', t('pending_review')));
  body.append(head, el('span', 'cmt-text', c.text));
  li.append(avatar(c.nickname), body);
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
  const keep = new Set(list.map((c) => c.id));
  for (const [id, n] of wallNodes) if (!keep.has(id)) { n.node.remove(); wallNodes.delete(id); }
  let prev = null;
  let fresh = 0;
  const firstRender = newestSeq === 0;
  for (const c of list) {
    let n = wallNodes.get(c.id);
    if (!n) {
      n = { node: commentNode(c), rec: c };
      wallNodes.set(c.id, n);
      if (!firstRender && c.seq > newestSeq && !client.isMine(c.id)) fresh += 1;
    } else if (n.rec !== c) {
      const node = commentNode(c);
      n.node.replaceWith(node);
      n.node = node;
      n.rec = c;
    }
    const want = prev ? prev.nextSibling : wall.firstChild;
    if (want !== n.node) wall.insertBefore(n.node, want);
    prev = n.node;
  }
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

function questionNode(q) {
  const li = el('li', 'q');
  li.dataset.id = q.id;
  const own = client.isMine(q.id);
  const pending = q.state === 'pending' || q.state === 'dismissed';
  li.classList.add(`is-${q.state}`);
  const refs = {};
  if (!pending) {
    const vote = el('button', 'vote');
    vote.type = 'button';
    vote.append(icon('up'), (refs.n = el('span', 'vote-n')));
    vote.addEventListener('click', () => onVote(q.id));
    refs.vote = vote;
    li.append(vote);
  } else {
    const ph = el('span', 'vote vote-off');
    ph.append(icon('clock'));
    li.append(ph);
  }
  const body = el('div', 'q-body');
  const badges = el('div', 'q-badges');
  if (q.state === 'answering') {
    const b = el('span', 'tag tag-live');
    b.append(el('span', 'pulse'), document.createTextNode(q.speaker ? t('q_answering_by', { speaker: q.speaker }) : t('q_answering')));
    badges.append(b);
  } else if (q.state === 'answered') {
    const b = el('span', 'tag tag-done');
    b.append(icon('check'), document.createTextNode(q.speaker ? t('q_answered_by', { speaker: q.speaker }) : t('q_answered')));
    badges.append(b);
  } else if (q.state === 'pending') badges.append(el('span', 'tag tag-held', t('pending_review')));
  else if (q.state === 'dismissed') badges.append(el('span', 'tag tag-muted', t('q_dismissed')));
  if (own) badges.append(el('span', 'tag tag-mine', t('me')));
  if (badges.childNodes.length) body.append(badges);
  body.append(el('p', 'q-text', q.text));
  const meta = el('p', 'q-meta');
  meta.append(el('span', 'q-author', q.anonymous || !q.nickname ? t('anonymous') : q.nickname));
  refs.time = el('time', 'q-time');
  refs.time.dateTime = q.created_at || '';
  meta.append(refs.time);
  body.append(meta);
  if (q.answer) {
    const ans = el('div', 'q-answer');
    ans.append(el('p', 'q-answer-by', q.speaker ? t('answer_by', { speaker: q.speaker }) : t('answer_written')));
    ans.append(el('p', 'q-answer-text', q.answer));
    body.append(ans);
  }
  li.append(body);
  return { node: li, rec: q, refs, sig: sigOf(q) };
}

const sigOf = (q) => `${q.state}|${q.text}|${q.answer}|${q.speaker}|${q.nickname}|${client.isMine(q.id)}`;

function updateQuestionNode(n) {
  const q = n.rec;
  if (n.refs.vote) {
    const on = client.voted.has(q.id);
    n.refs.n.textContent = num(q.votes || 0);
    n.refs.vote.setAttribute('aria-pressed', String(on));
    n.refs.vote.setAttribute('aria-label', t(on ? 'vote_undo' : 'vote_up', { count: q.votes || 0 }));
  }
  n.refs.time.textContent = ago(q.created_at);
}

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
  const before = new Map();
  const animate = !reduceMotion.matches && qList.offsetParent !== null;
  if (animate) for (const [id, n] of qNodes) before.set(id, n.node.getBoundingClientRect().top);
  const keep = new Set(list.map((q) => q.id));
  for (const [id, n] of qNodes) if (!keep.has(id)) { n.node.remove(); qNodes.delete(id); }
  let prev = null;
  for (const q of list) {
    let n = qNodes.get(q.id);
    if (!n || n.sig !== sigOf(q)) {
      const fresh = questionNode(q);
      if (n) n.node.replaceWith(fresh.node);
      qNodes.set(q.id, (n = fresh));
    }
    n.rec = q;
    n.node.classList.toggle('is-first-answered', q === firstAnswered);
    updateQuestionNode(n);
    const want = prev ? prev.nextSibling : qList.firstChild;
    if (want !== n.node) qList.insertBefore(n.node, want);
    prev = n.node;
  }
  $('q-empty').hidden = list.length > 0;
  if (animate) {
    for (const [id, n] of qNodes) {
      const top = before.get(id);
      if (top === undefined) continue;
      const dy = top - n.node.getBoundingClientRect().top;
      if (Math.abs(dy) > 1) n.node.animate([{ transform: `translateY(${dy}px)` }, { transform: 'none' }], { duration: 260, easing: 'cubic-bezier(.2,.7,.3,1)' });
    }
  }
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

function errorText(err) {
  const code = (err && err.code) || 'unknown';
  if (code === 'rate_limited') return t('error_rate_limited', { seconds: Math.max(1, Math.ceil(Number(err.retry_after) || 1)) });
  if (code === 'too_long') return t('error_too_long', { limit: err.limit || '' });
  const key = `error_${code}`;
  return key in S ? t(key) : t('error_unknown');
}

function showError(err) { setNote(errorText(err), 'error', 6000); }

// ---- composer --------------------------------------------------------------------

const input = $('comment-input');
const askInput = $('ask-input');

function closedReason() {
  const lec = client.lecture || {};
  if (lec.status === 'ended') return { comments: t('closed_ended'), questions: t('closed_ended_questions') };
  const r = {};
  if (lec.settings && lec.settings.comments_open === false) r.comments = t('closed_comments');
  return r;
}

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

function renderCounter(field, counter, max) {
  const n = Array.from(field.value).length;
  field.form.classList.toggle('has-text', field.value.trim() !== '');
  counter.textContent = n ? `${n}/${max}` : '';
  counter.classList.toggle('is-near', n > max * 0.9);
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

function busy(form, on) {
  form.classList.toggle('is-busy', on);
  form.querySelector('.send').disabled = on;
}

async function submitComment(e) {
  e.preventDefault();
  const form = $('composer');
  const text = input.value.trim();
  if (!text) { setNote(t('error_empty'), 'error', 3000); input.focus(); return; }
  if (form.classList.contains('is-busy')) return;
  if (getNick() === null && !(await askNickname())) return;
  busy(form, true);
  if (client.state !== 'open') setNote(t('queued_offline'), 'info');
  forceBottom = true;
  const ack = await client.comment(text, getNick() || '');
  busy(form, false);
  if (ack.ok) {
    input.value = '';
    renderCounter(input, $('comment-counter'), MAX_COMMENT);
    setNote(ack.held ? t('comment_held') : '', 'ok', 5000);
    queueWall();
  } else {
    forceBottom = false;
    showError(ack.error);
    if (ack.error && ack.error.code === 'closed') renderClosed();
  }
  input.focus();
}

async function submitQuestion(e) {
  e.preventDefault();
  const form = $('ask-form');
  const text = askInput.value.trim();
  if (!text) { setNote(t('error_empty_question'), 'error', 3000); askInput.focus(); return; }
  if (form.classList.contains('is-busy')) return;
  const anonymous = $('ask-anon').checked && !$('anon-wrap').hidden;
  if (!anonymous && getNick() === null && !(await askNickname())) return;
  busy(form, true);
  if (client.state !== 'open') setNote(t('queued_offline'), 'info');
  const ack = await client.ask(text, { nickname: getNick() || '', anonymous });
  busy(form, false);
  if (ack.ok) {
    askInput.value = '';
    renderCounter(askInput, $('ask-counter'), MAX_QUESTION);
    autoGrow();
    setNote(ack.held ? t('question_held') : t('question_posted'), 'ok', 5000);
    qList.scrollTop = 0;
  } else {
    showError(ack.error);
  }
}

function autoGrow() {
  askInput.style.height = 'auto';
  askInput.style.height = `${Math.min(askInput.scrollHeight, 140)}px`;
}

$('composer').addEventListener('submit', submitComment);
$('ask-form').addEventListener('submit', submitQuestion);
input.addEventListener('input', () => renderCounter(input, $('comment-counter'), MAX_COMMENT));
// Enter that confirms an IME candidate (Chinese input) must not send the comment.
input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.isComposing || e.keyCode === 229)) e.preventDefault(); });
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
const HEART_COLORS = ['#ff4d6d', '#ff7aa2', '#ff9f43', '#f7b731', '#e84393', '#fd79a8'];

function floatHeart() {
  if (reduceMotion.matches || hearts.childElementCount > 14) return;
  const h = el('span', 'heart');
  h.append(icon('heart'));
  h.style.setProperty('--dx', `${Math.round((Math.random() - 0.5) * 70)}px`);
  h.style.setProperty('--rot', `${Math.round((Math.random() - 0.5) * 40)}deg`);
  h.style.setProperty('--c', HEART_COLORS[Math.floor(Math.random() * HEART_COLORS.length)]);
  h.style.setProperty('--dur', `${1100 + Math.round(Math.random() * 600)}ms`);
  h.addEventListener('animationend', () => h.remove());
  hearts.append(h);
}

$('like-btn').addEventListener('click', () => {
  client.like(1);
  floatHeart();
  const btn = $('like-btn');
  btn.classList.remove('is-pop');
  void btn.offsetWidth; // restart the pop animation
  btn.classList.add('is-pop');
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
