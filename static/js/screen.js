// The big screen (/l/{code}/screen): the hall's projector, read from ten
// metres. The question being answered (or, when there is none, the open ones
// with the most votes), the featured comments in rotation, the counters and a
// QR code to join (inline SVG, made by the server). No controls: it connects
// as a display (`role=display`) and only ever shows what the client library
// keeps, so it is right again after any reconnect, resumed or not.
// User text is only ever inserted with textContent / text nodes.

const app = document.getElementById('app');
// The page names the versioned URLs of the library and the view helpers (static files are cached for a year).
const { LiveClient, sortQuestions, formatCount } = await import(app.dataset.lib || new URL('./lib/live.js', import.meta.url).href);
const ui = await import(app.dataset.ui || new URL('./lib/ui.js', import.meta.url).href);
const { $, readJSON, el, icon, avatar } = ui;

const S = readJSON('strings') || {};
const o = { rotate: 8, ...(readJSON('options') || {}) };
const lang = document.documentElement.lang || 'zh-CN';
const { t, num } = ui.strings(S, lang, formatCount);
const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)');
const TOP = 3; // open questions shown while none is being answered

const client = new LiveClient({ code: app.dataset.code, path: app.dataset.ws, lecture: readJSON('lecture'), maxComments: 50 });
ui.showConnState(client, t);

// The largest font size, from `max` down to `min` rem, at which `node` fits in `box`.
function fit(node, box, max, min) {
  let size = max;
  node.style.fontSize = `${size}rem`;
  while (size > min && box.scrollHeight > box.clientHeight + 1) {
    size = Math.max(min, size - 0.125);
    node.style.fontSize = `${size}rem`;
  }
}

const asker = (q) => (q.anonymous || !q.nickname ? t('anonymous') : q.nickname);

// ---- the lecture -----------------------------------------------------------------

function renderLecture(lec) {
  if (!lec) return;
  ui.renderLectureHead(app, lec, t);
  $('speakers').replaceChildren(...(lec.speakers || []).map((s) => {
    const span = el('span', 'scr-speaker');
    span.append(el('b', null, s.name));
    if (s.title) span.append(el('span', null, s.title));
    return span;
  }));
}

// ---- questions: the one being answered, or the top open ones ----------------------

let answeringId = null;

function fitAnswering() {
  if (!$('answering').hidden) fit($('answering-text'), $('answering-box'), 2.25, 1.25);
}

function topNode(q) {
  const li = el('li', 'scr-top-q');
  li.dataset.id = q.id;
  const votes = el('span', 'scr-votes');
  votes.append(icon('up'), el('b', null, num(q.votes || 0)));
  const body = el('div', 'scr-top-body');
  body.append(el('p', 'scr-top-text', q.text), el('p', 'scr-meta', t('overlay_asked_by', { name: asker(q) })));
  li.append(votes, body);
  return li;
}

function renderQuestions() {
  const all = sortQuestions([...client.questions.values()]);
  const q = all.find((x) => x.state === 'answering');
  const top = q ? [] : all.filter((x) => x.state === 'approved').slice(0, TOP);
  app.dataset.qa = q ? 'answering' : top.length ? 'top' : 'empty';
  $('answering').hidden = !q;
  $('top').hidden = !top.length;
  $('qa-empty').hidden = Boolean(q || top.length);
  $('top-list').replaceChildren(...top.map(topNode));
  // As many open questions as fit whole (the first one always).
  const bottom = $('qa').getBoundingClientRect().bottom;
  for (const li of [...$('top-list').children].slice(1)) if (li.getBoundingClientRect().bottom > bottom + 1) li.remove();
  if (!q) { answeringId = null; return; }
  const card = $('answering');
  card.dataset.id = q.id;
  $('answering-tag').textContent = q.speaker ? t('q_answering_by', { speaker: q.speaker }) : t('q_answering');
  $('answering-text').textContent = q.text;
  $('answering-meta').textContent = `${t('overlay_asked_by', { name: asker(q) })} · ${t('overlay_votes', { count: num(q.votes || 0) })}`;
  fitAnswering();
  if (q.id !== answeringId) { // a new question: it comes in
    answeringId = q.id;
    card.classList.remove('is-new');
    void card.offsetWidth;
    card.classList.add('is-new');
  }
}

// ---- featured comments, one at a time, cross-fading ---------------------------------

const stage = $('feat-stage');
let shownId = null;
let shownSig = '';
let shownSeq = 0;
let known = null; // the ids featured at the last change (null: before the first snapshot)
let timer = null;

function slideNode(c) {
  const node = el('div', 'scr-slide');
  node.dataset.id = c.id;
  const by = el('p', 'scr-slide-by');
  by.append(avatar(c.nickname), document.createTextNode(c.nickname || t('anonymous')));
  node.append(el('p', 'scr-slide-text', c.text), by);
  return node;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(() => { advance(); schedule(); }, o.rotate * 1000);
}

function renderPager() {
  const list = [...client.featured.values()];
  const i = list.findIndex((c) => c.id === shownId);
  $('feat-n').textContent = list.length > 1 && i >= 0 ? `${i + 1} / ${list.length}` : '';
}

// Show `c` (none: nothing), fading the one before out.
function show(c) {
  shownId = c ? c.id : null;
  if (c) shownSeq = c.seq;
  renderPager();
  const sig = c ? `${c.id}|${c.text}|${c.nickname}` : '';
  if (sig === shownSig) return;
  shownSig = sig;
  for (const old of [...stage.children]) {
    if (reduceMotion.matches) { old.remove(); continue; } // without motion the swap is at once: never two slides
    if (old.classList.contains('is-out')) continue;
    old.classList.replace('is-in', 'is-out');
    setTimeout(() => old.remove(), 1000);
  }
  if (!c) return;
  const node = slideNode(c);
  stage.append(node);
  fit(node.firstChild, node, 1.5, 1.05);
  void node.offsetWidth; // start the fade from transparent
  node.classList.add('is-in');
  schedule(); // its full time on screen
}

// The next one after the one on show (by seq, so a removed one is no hole), round.
function advance() {
  const list = [...client.featured.values()];
  show(list.find((c) => c.seq > shownSeq) || list[0]);
}

client.addEventListener('featured', () => {
  const list = [...client.featured.values()];
  $('feat').hidden = !list.length;
  const fresh = known ? list.filter((c) => !known.has(c.id)) : [];
  known = new Set(list.map((c) => c.id));
  const same = list.find((c) => c.id === shownId);
  if (fresh.length) show(fresh[fresh.length - 1]); // featured just now: on screen at once
  else if (same) show(same); // still featured (maybe changed)
  else advance();
});

// ---- counters ------------------------------------------------------------------------

function renderCounters() {
  const c = client.counters;
  if (typeof c.online === 'number') $('stat-online').textContent = num(c.online);
  if (typeof c.visits === 'number') $('stat-visits').textContent = num(c.visits);
  if (typeof c.likes === 'number') $('stat-likes').textContent = num(client.likes);
}

// ---- polls: the one on screen takes the main area (screen-polls.js, loaded with the first poll) ----

ui.whenPolls(client, app.dataset.polls, { client, ui, t, num });

// ---- go ------------------------------------------------------------------------------

client.addEventListener('lecture', (e) => renderLecture(e.detail.lecture));
client.addEventListener('questions', renderQuestions);
client.addEventListener('counters', renderCounters);
addEventListener('resize', () => {
  renderQuestions();
  const node = stage.querySelector('.scr-slide.is-in');
  if (node) fit(node.firstChild, node, 1.5, 1.05);
});

// A projector's laptop must not dim or sleep while the screen is up (where the browser allows it).
const stayAwake = () => navigator.wakeLock?.request('screen').catch(() => {});
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') stayAwake(); });
stayAwake();

renderLecture(client.lecture);
renderQuestions();
client.connect();
window.liveClient = client; // for debugging and the browser tests
