// The replay page (/l/{code}/replay): the recording, with the comments and
// the answered questions appearing in step with it: flying over the picture
// (danmaku) and filling the lists beside it, both ways when seeking.
// What shows at a time follows live/core/replay.py: every item with t <= at.
// A recording the page can read the time of plays in <video>; otherwise
// (none, another site's player, HLS this browser cannot play) the page's
// own timeline player keeps the time.
// User text is only ever inserted with textContent / text nodes.

const app = document.getElementById('app');
// The page names the versioned URLs of the library and the view helpers (static files are cached for a year).
const { formatCount } = await import(app.dataset.lib || new URL('./lib/live.js', import.meta.url).href);
const ui = await import(app.dataset.ui || new URL('./lib/ui.js', import.meta.url).href);
const { $, readJSON, el, icon, clip } = ui;

const S = readJSON('strings') || {};
const lang = document.documentElement.lang || 'zh-CN';
const { t, num } = ui.strings(S, lang, formatCount);
const lecture = readJSON('lecture') || {};
const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)');

const WALL_MAX = 200; // comment cards kept in the list: the latest ones up to now
const JUMP_S = 3; // a step longer than this is a seek: what it skips does not fly
const CROSS_S = 8; // seconds a flying comment takes to cross the picture
const DANMAKU_CHARS = 40;
const DANMAKU_TOP = 44; // px: the lanes start below the danmaku switch

let data = null; // the timeline from the API
let C = []; // its comments, in the order they show
let Q = []; // its questions, in the order they show

// 75 → "1:15", 3725 → "1:02:05"
function clockText(s) {
  const v = Math.max(0, Math.floor(s));
  const h = Math.floor(v / 3600);
  const m = Math.floor((v % 3600) / 60);
  const sec = String(v % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

// How many of `items` show at `at`: the first index whose t is later.
function countAt(items, at) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].t <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---- flying comments over the picture -------------------------------------------------

const danmaku = (() => {
  const box = $('danmaku');
  const toggle = $('dm-toggle');
  let on = !reduceMotion.matches;
  let playing = false;
  let pausedAt = 0;
  let laneFree = []; // when each lane may take its next comment (ms)
  const queue = [];
  const running = new Set();

  const laneHeight = () => parseFloat(getComputedStyle(box).getPropertyValue('--lane')) || 30;
  // The lower part of the picture stays clear (the video's controls, the speakers' faces).
  const laneCount = () => Math.max(1, Math.floor((box.clientHeight * 0.78 - DANMAKU_TOP) / laneHeight()));

  function node(c) {
    const d = el('div', `r-dm-item${c.featured ? ' is-featured' : ''}`);
    if (c.featured) d.append(icon('star'));
    d.append(el('b', 'r-dm-name', c.nickname || t('anonymous')), el('span', 'r-dm-text', clip(c.text, DANMAKU_CHARS)));
    return d;
  }

  function launch(c, lane, now) {
    const d = node(c);
    d.style.top = `${DANMAKU_TOP + lane * laneHeight()}px`;
    box.append(d);
    const w = box.clientWidth;
    const width = d.offsetWidth;
    const speed = w / CROSS_S; // px/s, the same for every comment: none catches up with another
    laneFree[lane] = now + ((width + 40) / speed) * 1000;
    const anim = d.animate([{ transform: `translateX(${w}px)` }, { transform: `translateX(${-width - 20}px)` }],
      { duration: ((w + width + 20) / speed) * 1000, easing: 'linear' });
    running.add(anim);
    anim.onfinish = () => { running.delete(anim); d.remove(); pump(); };
  }

  function pump() {
    clearTimeout(pump.timer);
    if (!playing) return;
    const now = performance.now();
    const lanes = laneCount();
    while (queue.length) {
      let lane = -1;
      for (let i = 0; i < lanes; i += 1) if (!(laneFree[i] > now)) { lane = i; break; }
      if (lane < 0) break;
      launch(queue.shift(), lane, now);
    }
    if (queue.length) pump.timer = setTimeout(pump, 120);
  }

  function add(c) {
    if (!on || !playing) return;
    if (c.featured) {
      const firstPlain = queue.findIndex((x) => !x.featured);
      queue.splice(firstPlain < 0 ? queue.length : firstPlain, 0, c);
    } else queue.push(c);
    // No more waiting than fits on the picture twice: the oldest plain ones give way.
    while (queue.length > laneCount() * 2) {
      const i = queue.findIndex((x) => !x.featured);
      queue.splice(i < 0 ? 0 : i, 1);
    }
    pump();
  }

  function clear() {
    for (const anim of running) anim.cancel();
    running.clear();
    queue.length = 0;
    laneFree = [];
    box.replaceChildren();
  }

  function play() {
    if (playing) return;
    playing = true;
    const idle = performance.now() - pausedAt;
    laneFree = laneFree.map((x) => x + idle);
    for (const anim of running) anim.play();
    pump();
  }

  function pause() {
    if (!playing) return;
    playing = false;
    pausedAt = performance.now();
    for (const anim of running) anim.pause();
  }

  function show(value) {
    on = value;
    toggle.setAttribute('aria-pressed', String(on));
    box.hidden = !on;
    if (!on) clear();
  }

  toggle.title = t('replay_danmaku_hint');
  toggle.addEventListener('click', () => show(!on));
  reduceMotion.addEventListener('change', () => show(!reduceMotion.matches));
  show(on);
  return { add, clear, play, pause };
})();

// ---- the lists beside it -----------------------------------------------------------------

function seekButton(at) {
  const label = at < 0 ? t('replay_before_start') : clockText(at);
  const b = el('button', 'r-at', label);
  b.type = 'button';
  b.setAttribute('aria-label', t('replay_seek_to', { time: label }));
  return b;
}

function commentCard(c) {
  const li = ui.commentNode(c, { t, mine: false });
  li.dataset.t = String(c.t);
  li.querySelector('.cmt-head').append(seekButton(c.t));
  return li;
}

function questionCard(q) {
  // Every question in a replay was taken up; the newest one shown is "current".
  const card = ui.questionNode({ ...q, state: 'answered' }, { t, mine: false, readonly: true });
  card.refs.n.textContent = num(q.votes || 0);
  card.refs.n.setAttribute('aria-hidden', 'true');
  card.refs.vote.append(el('span', 'sr-only', t('replay_votes', { count: q.votes || 0 })));
  card.refs.time.replaceWith(seekButton(q.t));
  card.node.dataset.t = String(q.t);
  return card;
}

const wall = { lo: 0, hi: 0 }; // the comments C[lo..hi) have cards, in order
const wallBox = $('wall');
let following = true; // the list stays at its newest unless the reader scrolled up
wallBox.addEventListener('scroll', () => {
  following = wallBox.scrollHeight - wallBox.scrollTop - wallBox.clientHeight < 60;
}, { passive: true });

function renderWall(n, jump) {
  if (n === wall.hi && !jump) return;
  if (n > wall.hi && n - wall.hi <= WALL_MAX) {
    wallBox.append(...C.slice(wall.hi, n).map(commentCard));
    wall.hi = n;
    for (; wall.hi - wall.lo > WALL_MAX; wall.lo += 1) wallBox.firstElementChild.remove();
  } else if (n < wall.hi && n >= wall.lo) {
    for (; wall.hi > n; wall.hi -= 1) wallBox.lastElementChild.remove();
    const lo = Math.max(0, n - WALL_MAX);
    if (lo < wall.lo) wallBox.prepend(...C.slice(lo, wall.lo).map(commentCard));
    wall.lo = lo;
  } else if (n !== wall.hi) {
    wall.lo = Math.max(0, n - WALL_MAX);
    wall.hi = n;
    wallBox.replaceChildren(...C.slice(wall.lo, n).map(commentCard));
  }
  $('c-count').textContent = n ? num(n) : '';
  const empty = $('wall-empty');
  empty.hidden = n > 0;
  empty.textContent = t(C.length ? 'replay_comments_later' : 'replay_comments_none');
  if (jump || following) wallBox.scrollTop = wallBox.scrollHeight;
}

const qNodes = new Map();
let qShown = -1;

function renderQuestions(m) {
  if (m === qShown) return;
  qShown = m;
  const list = Q.slice(0, m).reverse(); // the latest taken up first
  ui.syncCards($('q-list'), qNodes, list, { make: questionCard, stale: () => false });
  for (const [id, n] of qNodes) n.node.classList.toggle('is-current', id === (list[0] && list[0].id));
  $('q-count').textContent = m ? num(m) : '';
  const empty = $('q-empty');
  empty.hidden = m > 0;
  empty.textContent = t(Q.length ? 'replay_questions_later' : 'replay_questions_none');
}

// ---- in step with the time ------------------------------------------------------------

let shownAt = null;

function sync(at, jump = false) {
  if (!data) return;
  const leap = jump || shownAt === null || at < shownAt || at - shownAt > JUMP_S;
  const n = countAt(C, at);
  if (leap) danmaku.clear();
  else for (let i = wall.hi; i < n; i += 1) danmaku.add(C[i]);
  renderWall(n, leap);
  renderQuestions(countAt(Q, at));
  shownAt = at;
}

// A card's time button, or the card itself unless the reader was selecting its text.
function onItemClick(e) {
  const item = e.target.closest('[data-t]');
  if (!item || (!e.target.closest('.r-at') && String(window.getSelection()))) return;
  source.seek(Math.max(0, Number(item.dataset.t)));
}
wallBox.addEventListener('click', onItemClick);
$('q-list').addEventListener('click', onItemClick);

// The page's own player: a clock that plays, pauses, seeks and runs 1×, 2× or 4×.
const player = {
  base: 0,
  since: null,
  rate: 1,
  duration: 0,
  shownSecond: -1,
  now() {
    if (this.since === null) return this.base;
    return Math.min(this.duration, this.base + ((performance.now() - this.since) / 1000) * this.rate);
  },
  paused() { return this.since === null; },
  play() {
    if (this.base >= this.duration) this.seek(0);
    this.since = performance.now();
    this.renderButton();
    danmaku.play();
    tick();
  },
  pause() {
    this.base = this.now();
    this.since = null;
    this.renderButton();
    this.renderTime();
    danmaku.pause();
  },
  seek(s) {
    this.base = Math.min(this.duration, Math.max(0, s));
    if (this.since !== null) this.since = performance.now();
    sync(this.base, true);
    this.renderTime();
  },
  setRate(r) {
    this.base = this.now();
    if (this.since !== null) this.since = performance.now();
    this.rate = r;
    for (const b of document.querySelectorAll('.r-rate')) b.setAttribute('aria-pressed', String(Number(b.dataset.rate) === r));
  },
  renderButton() {
    const playing = this.since !== null;
    const btn = $('r-play');
    btn.setAttribute('aria-label', t(playing ? 'replay_pause' : 'replay_play'));
    btn.replaceChildren(icon(playing ? 'pause' : 'play'));
  },
  renderTime() {
    const at = this.now();
    const second = Math.floor(at);
    if (second === this.shownSecond) return;
    this.shownSecond = second;
    const seek = $('r-seek');
    seek.value = String(second);
    seek.setAttribute('aria-valuetext', t('replay_time_of', { now: clockText(at), total: clockText(this.duration) }));
    $('r-elapsed').textContent = clockText(at);
  },
  setDuration(d) {
    this.duration = d;
    $('r-seek').max = String(Math.ceil(d));
    $('r-total').textContent = clockText(d);
    this.shownSecond = -1;
    this.renderTime();
  },
};

let ticking = false; // one frame loop at a time, however often playback (re)starts

function tick() {
  if (ticking) return;
  ticking = true;
  const frame = () => {
    if (source.paused()) { ticking = false; return; }
    const at = source.now();
    sync(at);
    if (source === player) {
      player.renderTime();
      if (at >= player.duration) { player.pause(); ticking = false; return; }
    }
    requestAnimationFrame(frame);
  };
  frame();
}

let source = player;

function usePlayer(note) {
  source = player;
  $('player').hidden = false;
  $('r-note').textContent = note || '';
  if (data) {
    player.setDuration(data.duration_s);
    sync(player.now(), true);
  }
}

$('r-play').addEventListener('click', () => (player.paused() ? player.play() : player.pause()));
$('r-seek').addEventListener('input', (e) => player.seek(Number(e.target.value)));
for (const b of document.querySelectorAll('.r-rate')) b.addEventListener('click', () => player.setRate(Number(b.dataset.rate)));

// ---- the picture ---------------------------------------------------------------------

function placeholder(title, sub, link) {
  $('stage').classList.add('is-placeholder');
  const ph = el('div', 'stage-ph');
  const ico = el('span', 'stage-ph-icon');
  ico.append(icon(link ? 'play' : 'check'));
  ph.append(ico, el('p', 'stage-ph-title', title));
  if (sub) ph.append(el('p', 'stage-ph-sub', sub));
  if (link) {
    const a = el('a', 'btn btn-primary', t('replay_open_video'));
    a.href = link;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    ph.append(a);
  }
  $('media').replaceChildren(ph);
}

function useVideo(url) {
  const v = ui.videoElement(url, t('replay_stage_label'));
  let seeking = false;
  v.addEventListener('seeking', () => { seeking = true; });
  v.addEventListener('seeked', () => { seeking = false; sync(v.currentTime, true); });
  v.addEventListener('timeupdate', () => { if (!seeking) sync(v.currentTime); });
  v.addEventListener('playing', () => { danmaku.play(); tick(); });
  for (const name of ['pause', 'waiting', 'ended']) v.addEventListener(name, () => danmaku.pause());
  v.addEventListener('error', () => {
    placeholder(t('replay_no_video'), t('replay_no_video_sub'));
    usePlayer(t('replay_video_error'));
  });
  $('media').replaceChildren(v);
  $('r-note').textContent = t('replay_video_note');
  source = {
    now: () => v.currentTime,
    paused: () => v.paused || v.ended,
    seek: (s) => { v.currentTime = s; },
  };
}

function setUpStage() {
  const url = lecture.video_url;
  const safe = url && (/^https?:\/\//i.test(url) || url.startsWith('/')) ? url : null;
  let kind = safe ? app.dataset.videoKind : null;
  if (kind === 'hls') kind = document.createElement('video').canPlayType('application/vnd.apple.mpegurl') ? 'video' : 'hls-link';
  if (kind === 'video') { useVideo(safe); return; }
  if (kind === 'iframe') {
    const f = document.createElement('iframe');
    f.src = safe;
    f.allow = 'autoplay; fullscreen; picture-in-picture';
    f.referrerPolicy = 'strict-origin-when-cross-origin';
    f.title = t('replay_stage_label');
    $('media').replaceChildren(f);
    usePlayer(t('replay_iframe_note'));
    return;
  }
  if (kind === 'hls-link') placeholder(t('replay_hls_title'), '', safe);
  else placeholder(t('replay_no_video'), t('replay_no_video_sub'));
  usePlayer();
}

// ---- tabs --------------------------------------------------------------------------------

const tabs = [...document.querySelectorAll('.tabs [role=tab]')];
function selectTab(tab, focus) {
  for (const x of tabs) {
    const on = x === tab;
    x.setAttribute('aria-selected', String(on));
    x.tabIndex = on ? 0 : -1;
    $(x.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  if (tab.dataset.tab === 'comments') wallBox.scrollTop = wallBox.scrollHeight;
}
for (const tab of tabs) {
  tab.addEventListener('click', () => selectTab(tab, false));
  tab.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(tab);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    selectTab(tabs[(to + tabs.length) % tabs.length], true);
  });
}

// ---- start ---------------------------------------------------------------------------------

async function load() {
  $('wall-empty').hidden = false;
  $('wall-empty').textContent = t('replay_loading');
  try {
    const r = await fetch(app.dataset.api, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    data = await r.json();
  } catch (e) {
    console.warn('live: replay', e);
    const retry = el('button', 'btn', t('replay_retry'));
    retry.type = 'button';
    retry.addEventListener('click', load);
    const empty = $('wall-empty');
    empty.replaceChildren(el('span', null, t('replay_load_error')), retry);
    empty.classList.add('r-error');
    return;
  }
  $('wall-empty').classList.remove('r-error');
  C = data.comments || [];
  Q = data.questions || [];
  $('r-length').textContent = t('replay_length', { duration: clockText(data.duration_s) });
  if (source === player) player.setDuration(data.duration_s);
  sync(source.now(), true);
}

setUpStage();
load();

// For tests and the console: the time shown and what is listed.
window.liveReplay = {
  at: () => source.now(),
  shown: () => ({ comments: wall.hi, questions: Math.max(0, qShown) }),
  get data() { return data; },
};
