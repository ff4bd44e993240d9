// The stream overlay (/overlay/{code}): a transparent 1920×1080 page for
// streaming software (an OBS "browser source"). style=danmaku flies new
// comments across the top in lanes, at most `max` on screen, featured ones
// first and highlighted; style=list keeps the latest few as a lower third,
// the latest featured one pinned on top.
// A banner shows the question being answered. It connects as a display
// (`role=display` on the WebSocket URL), not as a viewer, and takes no input.
// User text is only ever inserted with textContent / text nodes.

const app = document.getElementById('app');
// The page names the versioned URLs of the library and the view helpers (static files are cached for a year).
const { LiveClient, formatCount } = await import(app.dataset.lib || new URL('./lib/live.js', import.meta.url).href);
const ui = await import(app.dataset.ui || new URL('./lib/ui.js', import.meta.url).href);
const { $, readJSON, el, icon, avatar, clip } = ui;

const S = readJSON('strings') || {};
const o = {
  style: 'danmaku', lanes: 8, duration: 12, max: 24, featured_only: false, question: true, stats: false,
  scale: 1, count: 5, position: 'left', top: 40, bg: 'transparent', preview: false, ...(readJSON('options') || {}),
};
const lang = document.documentElement.lang || 'zh-CN';
const W = 1920;
const H = 1080;
const DANMAKU_CHARS = 60;
const { t, num } = ui.strings(S, lang, formatCount);

// ---- the 1920×1080 stage, scaled to whatever size the source is ----------------------

const stage = $('stage');
const root = document.documentElement;
root.style.setProperty('--ov-font', String(o.scale));
root.style.setProperty('--ov-bg', o.bg === 'transparent' ? 'transparent' : o.bg);
function fit() {
  const k = Math.min(innerWidth / W, innerHeight / H) || 1;
  stage.style.transform = `translate(${(innerWidth - W * k) / 2}px, ${(innerHeight - H * k) / 2}px) scale(${k})`;
}
addEventListener('resize', fit);
fit();

// ---- the client ---------------------------------------------------------------------------

const client = new LiveClient({ code: app.dataset.code, path: app.dataset.ws, lecture: readJSON('lecture'), maxComments: 60 });
ui.showConnState(client, t);
const wanted = (c) => c && (c.state || 'visible') === 'visible' && (!o.featured_only || c.featured);

// ---- danmaku ---------------------------------------------------------------------------------

const lanesBox = $('lanes');
const LANE_H = Math.round(66 * o.scale);
const TOP = o.stats ? Math.max(o.top, 110) : o.top; // below the counters
const GAP = 80; // px between two comments in a lane
const speed = W / o.duration; // px/s, the same for every comment: none catches up with another
const laneFree = new Array(o.lanes).fill(0); // when each lane may take its next comment (ms)
const queue = [];
const shown = new Set(); // ids on screen or queued, so a comment flies once (again when it is featured)
let onScreen = 0;

function enqueue(c) {
  const key = `${c.id}|${c.featured ? 'f' : ''}`;
  if (shown.has(key)) return;
  shown.add(key);
  if (c.featured) {
    const firstPlain = queue.findIndex((x) => !x.featured);
    queue.splice(firstPlain < 0 ? queue.length : firstPlain, 0, c);
  } else queue.push(c);
  // The density limit: never more waiting than fits on screen once; the oldest plain ones go first.
  while (queue.length > o.max) {
    let i = queue.findIndex((x) => !x.featured);
    if (i < 0) i = 0;
    queue.splice(i, 1);
  }
  pump();
}

function danmakuNode(c) {
  const d = el('div', `dm${c.featured ? ' is-featured' : ''}`);
  d.dataset.id = c.id;
  if (c.featured) d.append(icon('star'));
  d.append(avatar(c.nickname), el('b', 'dm-name', c.nickname || t('anonymous')), el('span', 'dm-text', clip(c.text, DANMAKU_CHARS)));
  return d;
}

function pump() {
  const now = performance.now();
  while (queue.length && onScreen < o.max) {
    let lane = -1;
    for (let i = 0; i < o.lanes; i += 1) if (laneFree[i] <= now) { lane = i; break; }
    if (lane < 0) break;
    launch(queue.shift(), lane, now);
  }
  if (queue.length) {
    clearTimeout(pump.timer);
    const next = Math.min(...laneFree) - now;
    pump.timer = setTimeout(pump, Math.max(50, Math.min(next, 1000)));
  }
}

function launch(c, lane, now) {
  const d = danmakuNode(c);
  d.style.top = `${TOP + lane * LANE_H}px`;
  lanesBox.append(d);
  const width = d.offsetWidth;
  laneFree[lane] = now + ((width + GAP) / speed) * 1000;
  onScreen += 1;
  const anim = d.animate(
    [{ transform: `translateX(${W}px)` }, { transform: `translateX(${-width - 20}px)` }],
    { duration: ((W + width + 20) / speed) * 1000, easing: 'linear' },
  );
  anim.onfinish = () => { d.remove(); onScreen -= 1; pump(); };
}

// ---- the list (a lower third) --------------------------------------------------------------

const list = $('list');
const listNodes = new Map();

function listNode(c) {
  const li = el('li', `ov-item${c.featured ? ' is-featured' : ''}`);
  li.dataset.id = c.id;
  const body = el('div', 'ov-item-body');
  const head = el('p', 'ov-item-name');
  if (c.featured) head.append(icon('star'));
  head.append(document.createTextNode(c.nickname || t('anonymous')));
  body.append(head, el('p', 'ov-item-text', clip(c.text, 120)));
  li.append(avatar(c.nickname), body);
  return li;
}

function renderList() {
  const all = client.comments.filter(wanted);
  const items = all.slice(-o.count);
  // The latest featured comment stays, on top, until a newer one is featured.
  const pinned = [...all].reverse().find((c) => c.featured);
  if (pinned && !items.includes(pinned) && o.count > 1) items.splice(0, 1, pinned);
  const keep = new Set(items.map((c) => `${c.id}|${c.featured}`));
  for (const [key, node] of listNodes) {
    if (keep.has(key)) continue;
    listNodes.delete(key);
    node.classList.add('is-leaving');
    node.addEventListener('animationend', () => node.remove(), { once: true });
    setTimeout(() => node.remove(), 600);
  }
  let prev = null;
  for (const c of items) {
    const key = `${c.id}|${c.featured}`;
    let node = listNodes.get(key);
    if (!node) { node = listNode(c); listNodes.set(key, node); }
    const want = prev ? prev.nextSibling : list.firstChild;
    if (want !== node) list.insertBefore(node, want);
    prev = node;
  }
}

// ---- the question being answered ---------------------------------------------------------

let bannerId = null;
let bannerSig = '';
function renderBanner() {
  const banner = $('banner');
  const q = o.question ? [...client.questions.values()].find((x) => x.state === 'answering') : null;
  if (!q) {
    bannerId = null;
    if (!banner.hidden && !banner.classList.contains('is-leaving')) {
      banner.classList.add('is-leaving');
      setTimeout(() => { if (!bannerId) { banner.hidden = true; banner.classList.remove('is-leaving'); } }, 400);
    }
    return;
  }
  const sig = `${q.id}|${q.text}|${q.speaker}|${q.nickname}`;
  const asker = q.anonymous || !q.nickname ? t('anonymous') : q.nickname;
  $('banner-tag').textContent = q.speaker ? t('q_answering_by', { speaker: q.speaker }) : t('q_answering');
  $('banner-meta').textContent = `${t('overlay_asked_by', { name: asker })} · ${t('overlay_votes', { count: num(q.votes || 0) })}`;
  if (sig === bannerSig && bannerId === q.id) return;
  bannerSig = sig;
  bannerId = q.id;
  $('banner-text').textContent = q.text;
  banner.classList.remove('is-leaving', 'is-entering');
  banner.hidden = false;
  void banner.offsetWidth; // restart the entrance
  banner.classList.add('is-entering');
}

// ---- counters ------------------------------------------------------------------------------

function renderStats() {
  const c = client.counters;
  $('stats').hidden = !o.stats;
  if (typeof c.online === 'number') $('stat-online').textContent = num(c.online);
  $('stat-likes').textContent = num(client.likes);
}

// ---- polls: the one on screen, as a lower third (overlay-polls.js, loaded with the first poll) ----

ui.whenPolls(client, app.dataset.polls, { client, ui, t, num });

// ---- go --------------------------------------------------------------------------------------

client.addEventListener('comments', (e) => {
  if (o.style === 'list') { renderList(); return; }
  if (e.detail.reset) {
    // Not the whole history at once: only what is said from now on (the snapshot's ids count as seen).
    for (const c of client.comments) shown.add(`${c.id}|${c.featured ? 'f' : ''}`);
    return;
  }
  for (const c of e.detail.added) if (wanted(c)) enqueue(c);
  for (const c of e.detail.updated) if (wanted(c) && c.featured) enqueue(c); // featured now: once more, highlighted
});
client.addEventListener('questions', renderBanner);
client.addEventListener('counters', renderStats);

renderStats();
client.connect();
window.liveClient = client; // for debugging and the browser tests
