/**
 * live.js — the one client library of the live service (plain ES module, no
 * dependencies, no DOM). Every page (viewer, control, screen, widget,
 * overlay) builds on it; it implements docs/protocol.md.
 *
 *   import { LiveClient, sortQuestions, formatCount } from '/static/js/lib/live.js';
 *   const client = new LiveClient({ code: 'K7MXQ2' });
 *   client.addEventListener('comments', (e) => render(e.detail));
 *   client.connect();
 *
 * new LiveClient(options)
 *   code          lecture code; the socket goes to `/ws/{code}` on this host
 *   path | url    instead of code: a path (`/ws/K7MXQ2`) or a full ws(s) URL
 *   maxComments   visible comments kept, oldest dropped first (300)
 *   storage       where the viewer token lives (localStorage; key `live.viewer`)
 *   pingInterval 25000, backoffBase 500, backoffCap 15000 (ms; full jitter),
 *   stableAfter 10000 (ms open before the backoff resets), likeInterval 1000
 *
 * State (read it, do not write it):
 *   state      'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed'
 *              (`offline`: the browser says so, or 8+ failed attempts in a row; it keeps trying)
 *   lecture    the public lecture record     viewer, role, epoch, seq
 *   comments   visible comments in seq order (Array, capped)
 *   featured   Map id → featured visible comment, by seq (the newest 50, however old)
 *   questions  Map id → visible question (approved / answering / answered)
 *   mine       { comments: Map, questions: Map } this viewer's items others
 *              cannot see (held comments; pending or dismissed questions)
 *   voted      Set of question ids this viewer has upvoted
 *   counters   the latest stats record      likes  server total + own taps not yet acked
 *   polls      Map id → poll (not drafts; moderators: all), in seq order
 *   pollResults  Map id → results ({total, counts, average?}) this connection may see
 *   myAnswers  Map id → this viewer's answer ({choices} | {value} | {text})
 *   isMine(id) true for a comment/question this viewer wrote (this browser)
 *   A moderator connection (welcome.role !== 'viewer') keeps items of every state.
 *
 * Methods:
 *   connect(), close()
 *   send(msg, {retry}) → Promise<ack>  assigns `id`; resolves with the ack
 *       ({ok: true, …} or {ok: false, error: {code, message, retry_after?}});
 *       unacked messages are re-sent with the same id after a reconnect.
 *       retry: true waits out `rate_limited` / `unavailable` and re-sends.
 *   comment(text, nickname)              → Promise<ack>
 *   ask(text, {nickname, anonymous})     → Promise<ack>
 *   vote(questionId, up)                 → Promise<ack>, optimistic
 *   like(n = 1)                            gathered, flushed ≤ 1/s as {type:'like', count ≤ 100}
 *   answer(pollId, {choices} | {value} | {text}, nickname) → Promise<ack>; kept in myAnswers once ok
 *   pending                                number of messages waiting for an ack
 *
 * Events (CustomEvent; payload in e.detail):
 *   state      {state, previous, attempt, delay, code}
 *   welcome    {welcome, resumed}
 *   lecture    {lecture, previous}
 *   comments   {reset, added: [comment], updated: [comment], removed: [id]}
 *   featured   {featured: [comment]} on a reset and when `featured` changes
 *   questions  {reset, changed: [id], removed: [id], votes: bool}
 *   mine       {comments, questions}
 *   counters   {counters, likes}
 *   polls      {reset, changed: [id], removed: [id]}   a poll's record changed (opened, closed, shown…)
 *   pollresults {results: {id: results}}               aggregates, a few times a second at most
 *   events     {events}  the log events just applied, in order
 *   ack        the ack frame (every one)     error   {code, message} of an error frame
 *   pending    {count}
 */

const VISIBLE_QUESTION = new Set(['approved', 'answering', 'answered']);
const OWN_KEEP_QUESTION = new Set(['pending', 'dismissed']);
const COMMENT_KIND_STATE = {
  'comment.hidden': 'hidden', 'comment.restored': 'visible', 'comment.approved': 'visible',
};
const OFFLINE_AFTER = 8;

function store(storage) {
  try {
    const s = storage === undefined ? globalThis.localStorage : storage;
    if (s) { s.getItem('live.viewer'); return s; }
  } catch (_) { /* private mode, disabled storage */ }
  const mem = new Map();
  return { getItem: (k) => (mem.has(k) ? mem.get(k) : null), setItem: (k, v) => mem.set(k, String(v)), removeItem: (k) => mem.delete(k) };
}

function randomId(n) {
  const a = new Uint8Array(n);
  (globalThis.crypto || { getRandomValues: (x) => x.map(() => Math.random() * 256) }).getRandomValues(a);
  return Array.from(a, (b) => (b % 36).toString(36)).join('');
}

export function jitter(attempt, base, cap) {
  return Math.random() * Math.min(cap, base * 2 ** attempt);
}

/** Questions in display order: the one being answered, then open ones by
 *  votes (most first, older first on a tie), then answered ones by votes. */
export function sortQuestions(list) {
  const rank = (q) => (q.state === 'answering' ? 0 : q.state === 'answered' ? 2 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b) || (b.votes || 0) - (a.votes || 0) || (a.seq || 0) - (b.seq || 0));
}

/** 12345 → "1.2万" (zh-CN) or "12K" (en); one decimal only on a one-digit mantissa. */
export function formatCount(n, lang) {
  const v = Number(n) || 0;
  try {
    if (v < 10000 && lang !== 'en') return String(v);
    const f = (d) => new Intl.NumberFormat(lang, { notation: 'compact', maximumFractionDigits: d }).format(v);
    const whole = f(0);
    return /^\D*\d(\D|$)/.test(whole) ? f(1) : whole;
  } catch (_) { return String(v); }
}

export class LiveClient extends EventTarget {
  constructor(options = {}) {
    super();
    this.opts = {
      maxComments: 300, pingInterval: 25000, backoffBase: 500, backoffCap: 15000,
      stableAfter: 10000, likeInterval: 1000, connectTimeout: 15000, ...options,
    };
    this.code = options.code || null;
    this._storage = store(options.storage);
    this.viewer = this._storage.getItem('live.viewer');
    this.state = 'idle';
    this.role = 'viewer';
    this.epoch = null;
    this.seq = 0;
    this.lecture = options.lecture || null;
    this.comments = [];
    this._commentIds = new Map();
    this.featured = new Map();
    this.questions = new Map();
    this.mine = { comments: new Map(), questions: new Map() };
    this.voted = new Set();
    this.counters = {};
    this.polls = new Map();
    this.pollResults = new Map();
    this.myAnswers = new Map();
    this._own = new Set();
    this._serverLikes = 0;
    this._inflightLikes = 0; // sent, not acked yet
    this._likeBuf = 0;       // tapped, not sent yet
    this._likeTimer = null;
    this._lastLikeAt = 0;
    this._prefix = randomId(8);
    this._n = 0;
    this._outbox = new Map();
    this._attempt = 0;
    this._ws = null;
    this._timers = {};
    this._wanted = false;
    this._loadOwn();
    if (typeof addEventListener === 'function') {
      addEventListener('online', () => this._wake());
      addEventListener('offline', () => { if (this.state !== 'open' && this._wanted) this._setState('offline'); });
      if (typeof document !== 'undefined') {
        document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') this._wake(); });
      }
    }
  }

  get likes() { return this._serverLikes + this._likeBuf + this._inflightLikes; }
  get pending() { return this._outbox.size; }
  get moderator() { return this.role !== 'viewer'; }
  isMine(id) { return this._own.has(id); }

  // ---- connection -------------------------------------------------------

  connect() {
    this._wanted = true;
    if (this._ws) return this;
    this._open();
    return this;
  }

  close() {
    this._wanted = false;
    this._clearTimers();
    const ws = this._ws;
    this._ws = null;
    if (ws) { this._detach(ws); try { ws.close(1000); } catch (_) { /* already closed */ } }
    this._setState('closed');
  }

  _url() {
    const o = this.opts;
    const base = typeof location !== 'undefined' ? location.href : 'http://localhost/';
    const u = new URL(o.url || o.path || `/ws/${encodeURIComponent(this.code)}`, base);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    if (u.protocol === 'https:') u.protocol = 'wss:';
    if (this.viewer) u.searchParams.set('viewer', this.viewer);
    if (this.epoch && this.seq) {
      u.searchParams.set('since', String(this.seq));
      u.searchParams.set('epoch', this.epoch);
    }
    return u.toString();
  }

  _open() {
    this._clearTimers();
    if (this.state === 'idle' || this.state === 'closed') this._setState('connecting');
    let ws;
    try { ws = new WebSocket(this._url()); } catch (_) { this._scheduleReconnect(); return; }
    this._ws = ws;
    this._welcomed = false;
    ws.onmessage = (ev) => { if (this._ws === ws) this._onFrame(ev.data); };
    ws.onclose = (ev) => { if (this._ws === ws) this._onClose(ev.code); };
    ws.onerror = () => {};
    this._timers.connect = setTimeout(() => this._abandon(ws), this.opts.connectTimeout);
  }

  _detach(ws) { ws.onmessage = ws.onclose = ws.onerror = null; }

  /** Give up on a socket that went silent: do not wait for its close handshake. */
  _abandon(ws) {
    if (!ws || this._ws !== ws) return;
    this._detach(ws);
    try { ws.close(4000, 'stale'); } catch (_) { /* ignore */ }
    this._onClose(4000);
  }

  _onClose(code) {
    this._ws = null;
    this._clearTimers();
    this._lastClose = code;
    if (!this._wanted) return;
    if (!this._stable) this._attempt += 1;
    this._stable = false;
    this._scheduleReconnect(code);
  }

  _scheduleReconnect(code) {
    const o = this.opts;
    let delay;
    if (code === 1012) delay = 100 + Math.random() * 900;       // node restarting: another one is up
    else if (code === 4001) delay = 100 + Math.random() * 300;  // session ended (key rotated): back as what the page now is
    else delay = jitter(Math.max(0, this._attempt - 1), o.backoffBase, o.backoffCap);
    const offline = (typeof navigator !== 'undefined' && navigator.onLine === false) || this._attempt >= OFFLINE_AFTER;
    this._setState(offline ? 'offline' : 'reconnecting', { delay, code });
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return; // 'online' wakes us
    this._timers.retry = setTimeout(() => this._open(), delay);
  }

  _wake() {
    if (this._wanted && !this._ws && this.state !== 'closed') this._open();
  }

  _clearTimers() {
    for (const k of Object.keys(this._timers)) { clearTimeout(this._timers[k]); clearInterval(this._timers[k]); }
    this._timers = {};
  }

  _setState(state, extra = {}) {
    if (state === this.state && !extra.delay) return;
    const previous = this.state;
    this.state = state;
    this._emit('state', { state, previous, attempt: this._attempt, ...extra });
  }

  _emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  _write(msg) {
    const ws = this._ws;
    if (!ws || ws.readyState !== 1 || !this._welcomed) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  // ---- frames -----------------------------------------------------------

  _onFrame(raw) {
    this._lastFrameAt = Date.now();
    let f;
    try { f = JSON.parse(raw); } catch (_) { return; }
    if (!f || typeof f !== 'object') return;
    switch (f.type) {
      case 'welcome': this._onWelcome(f); break;
      case 'events': this._onEvents(Array.isArray(f.events) ? f.events : []); break;
      case 'counters': this._onCounters(f); break;
      case 'votes': this._onVotes(f.votes || {}); break;
      case 'poll_results': this._onPollResults(f.results || {}); break;
      case 'ack': this._onAck(f); break;
      case 'error': this._emit('error', f.error || {}); break;
      default: break; // pong and kinds we do not know
    }
  }

  _onWelcome(w) {
    clearTimeout(this._timers.connect);
    this._welcomed = true;
    this._everOpen = true;
    if (w.viewer && w.viewer !== this.viewer) {
      this.viewer = w.viewer;
      try { this._storage.setItem('live.viewer', w.viewer); } catch (_) { /* full */ }
    }
    this.role = w.role || 'viewer';
    const previous = this.lecture;
    if (w.lecture) this.lecture = w.lecture;
    const resumed = Boolean(w.resumed) && !w.snapshot;
    if (!resumed) this._reset(w);
    this._setState('open');
    this._emit('welcome', { welcome: w, resumed });
    if (w.lecture) this._emit('lecture', { lecture: this.lecture, previous });
    if (!resumed) {
      this._emit('comments', { reset: true, added: [], updated: [], removed: [] });
      this._emit('featured', { featured: [...this.featured.values()] });
      this._emit('questions', { reset: true, changed: [], removed: [] });
      this._emit('mine', this.mine);
      this._emit('counters', { counters: this.counters, likes: this.likes });
      this._emit('polls', { reset: true, changed: [], removed: [] });
      this._emit('pollresults', { results: Object.fromEntries(this.pollResults) });
    }
    this._timers.ping = setInterval(() => this._ping(), this.opts.pingInterval);
    this._timers.stable = setTimeout(() => { this._stable = true; this._attempt = 0; }, this.opts.stableAfter);
    for (const entry of this._outbox.values()) if (!entry.waiting) this._write(entry.msg);
    if (this._likeBuf) this._scheduleLikes();
  }

  _ping() {
    if (Date.now() - (this._lastFrameAt || 0) > this.opts.pingInterval * 2 + 10000) {
      this._abandon(this._ws);
      return;
    }
    this._write({ type: 'ping' });
  }

  _reset(w) {
    const s = w.snapshot || {};
    this.epoch = w.epoch || null;
    this.seq = Number(w.seq) || 0;
    this.comments = [];
    this._commentIds = new Map();
    const cs = (s.comments || []).filter((c) => c && c.id && this._keepComment(c)).sort((a, b) => a.seq - b.seq);
    for (const c of cs.slice(-this.opts.maxComments)) { this.comments.push(c); this._commentIds.set(c.id, c); }
    this.featured = new Map();
    this._feature(s.featured || []);
    this.questions = new Map();
    for (const q of s.questions || []) if (q && q.id && this._keepQuestion(q)) this.questions.set(q.id, q);
    this.counters = { ...(s.counters || {}) };
    this._serverLikes = Number(this.counters.likes) || 0;
    this.voted = new Set(s.voted || []);
    this.polls = new Map((s.polls || []).filter((p) => p && p.id).sort((a, b) => a.seq - b.seq).map((p) => [p.id, p]));
    this.pollResults = new Map(Object.entries(s.poll_results || {}));
    this.myAnswers = new Map(Object.entries(s.my_answers || {}));
    this.mine = { comments: new Map(), questions: new Map() };
    if (this._ownEpoch && this._ownEpoch !== this.epoch) this._own = new Set(); // ids of another history
    this._ownEpoch = this.epoch;
    const m = s.mine || {};
    for (const c of m.comments || []) if (c && c.id) { this.mine.comments.set(c.id, c); this._own.add(c.id); }
    for (const q of m.questions || []) if (q && q.id) { this.mine.questions.set(q.id, q); this._own.add(q.id); }
    this._saveOwn();
  }

  _keepComment(c) { return this.moderator || (c.state || 'visible') === 'visible'; }
  _keepQuestion(q) { return this.moderator || VISIBLE_QUESTION.has(q.state); }

  _onEvents(events) {
    const ch = { added: [], updated: [], removed: [], changed: new Set(), qremoved: [], mine: false, lecture: null };
    const applied = [];
    for (const ev of events) {
      if (!ev || typeof ev.seq !== 'number' || ev.seq <= this.seq) continue;
      this.seq = ev.seq;
      this._apply(ev, ch);
      applied.push(ev);
    }
    if (!applied.length) return;
    this._flushChanges(ch);
    this._emit('events', { events: applied });
  }

  _flushChanges(ch) {
    if (ch.lecture) this._emit('lecture', { lecture: this.lecture, previous: ch.lecture });
    if (ch.added.length || ch.updated.length || ch.removed.length) {
      this._emit('comments', { reset: false, added: ch.added, updated: ch.updated, removed: ch.removed });
    }
    if (ch.featured) this._emit('featured', { featured: [...this.featured.values()] });
    if (ch.changed.size || ch.qremoved.length) {
      this._emit('questions', { reset: false, changed: [...ch.changed], removed: ch.qremoved });
    }
    if (ch.mine) { this._emit('mine', this.mine); this._saveOwn(); }
    if (ch.polls) this._emit('polls', { reset: false, changed: [...ch.polls], removed: ch.pollsRemoved || [] });
  }

  _apply(ev, ch) {
    const kind = String(ev.kind || '');
    const d = ev.data;
    if (kind === 'lecture.updated' && d && typeof d === 'object') {
      if (!ch.lecture) ch.lecture = this.lecture || {};
      this.lecture = d;
    } else if (kind.startsWith('comment.') && d && d.id) {
      const rec = { ...(this._commentIds.get(d.id) || this.mine.comments.get(d.id) || {}), ...d };
      if (!d.state && COMMENT_KIND_STATE[kind]) rec.state = COMMENT_KIND_STATE[kind];
      if (!d.state && kind === 'comment.featured') rec.featured = true;
      if (!d.state && kind === 'comment.unfeatured') rec.featured = false;
      this._putComment(rec, ch);
    } else if (kind.startsWith('question.') && d && d.id) {
      this._putQuestion({ ...(this.questions.get(d.id) || this.mine.questions.get(d.id) || {}), ...d }, ch);
    } else if (kind.startsWith('poll.') && d && d.id) {
      if (!ch.polls) ch.polls = new Set();
      if (kind === 'poll.deleted' || (d.state === 'draft' && !this.moderator)) {
        if (this.polls.delete(d.id)) (ch.pollsRemoved = ch.pollsRemoved || []).push(d.id);
      } else {
        this.polls.set(d.id, { ...(this.polls.get(d.id) || {}), ...d });
        ch.polls.add(d.id);
      }
    }
    // 'private' and unknown kinds: the seq is noted, nothing else.
  }

  _putComment(c, ch) {
    if (this._keepComment(c)) {
      const old = this._commentIds.get(c.id);
      if (old) {
        const i = this.comments.indexOf(old);
        this.comments[i] = c;
        this._commentIds.set(c.id, c);
        ch.updated.push(c);
      } else {
        let i = this.comments.length;
        while (i > 0 && this.comments[i - 1].seq > c.seq) i -= 1;
        this.comments.splice(i, 0, c);
        this._commentIds.set(c.id, c);
        ch.added.push(c);
        while (this.comments.length > this.opts.maxComments) {
          const gone = this.comments.shift();
          this._commentIds.delete(gone.id);
          const j = ch.added.indexOf(gone);
          if (j >= 0) ch.added.splice(j, 1); else ch.removed.push(gone.id);
        }
      }
    } else if (this._commentIds.has(c.id)) {
      const old = this._commentIds.get(c.id);
      this.comments.splice(this.comments.indexOf(old), 1);
      this._commentIds.delete(c.id);
      ch.removed.push(c.id);
    }
    if (c.featured && (c.state || 'visible') === 'visible') ch.featured = this._feature([c]);
    else if (this.featured.delete(c.id)) ch.featured = true;
    if (this._own.has(c.id)) {
      if (c.state === 'held') this.mine.comments.set(c.id, c); else this.mine.comments.delete(c.id);
      ch.mine = true;
    }
  }

  _feature(list) {
    const all = [...this.featured.values(), ...list].filter((c) => c && c.id).sort((a, b) => a.seq - b.seq);
    this.featured = new Map([...new Map(all.map((c) => [c.id, c]))].slice(-50));
    return true;
  }

  _putQuestion(q, ch) {
    if (this._keepQuestion(q)) {
      this.questions.set(q.id, q);
      ch.changed.add(q.id);
    } else if (this.questions.delete(q.id)) {
      ch.qremoved.push(q.id);
    }
    if (this._own.has(q.id)) {
      if (OWN_KEEP_QUESTION.has(q.state)) this.mine.questions.set(q.id, q); else this.mine.questions.delete(q.id);
      ch.mine = true;
    }
  }

  _onCounters(f) {
    const { type, ...c } = f;
    this.counters = { ...this.counters, ...c };
    // The total may or may not hold our likes in flight: count them once either way.
    if (typeof c.likes === 'number') this._serverLikes = Math.max(this._serverLikes, c.likes - this._inflightLikes);
    this._emit('counters', { counters: this.counters, likes: this.likes });
  }

  _onVotes(votes) {
    const changed = [];
    for (const [id, n] of Object.entries(votes)) {
      const q = this.questions.get(id) || this.mine.questions.get(id);
      if (q && typeof n === 'number' && q.votes !== n) { q.votes = n; changed.push(id); }
    }
    if (changed.length) this._emit('questions', { reset: false, changed, removed: [], votes: true });
  }

  _onPollResults(results) {
    for (const [id, r] of Object.entries(results)) if (r && typeof r === 'object') this.pollResults.set(id, r);
    this._emit('pollresults', { results });
  }

  _onAck(a) {
    this._emit('ack', a);
    const entry = this._outbox.get(a.id);
    if (!entry) return;
    const err = !a.ok && a.error ? a.error : null;
    if (err && entry.retry && entry.tries < 6 && (err.code === 'rate_limited' || err.code === 'unavailable')) {
      entry.tries += 1;
      entry.waiting = true;
      const wait = err.code === 'rate_limited' ? (Number(err.retry_after) || 1) * 1000 : 1000 * 2 ** entry.tries;
      setTimeout(() => { entry.waiting = false; if (this._outbox.has(a.id)) this._write(entry.msg); }, wait);
      return;
    }
    this._outbox.delete(a.id);
    this._emit('pending', { count: this._outbox.size });
    if (a.ok && a.record && a.record.id) this._ownRecord(entry.msg.type, a.record);
    entry.resolve(a);
  }

  _ownRecord(type, rec) {
    this._own.add(rec.id);
    const ch = { added: [], updated: [], removed: [], changed: new Set(), qremoved: [], mine: true, lecture: null };
    if (type === 'comment') this._putComment(rec, ch);
    else if (type === 'question') this._putQuestion(rec, ch);
    this._flushChanges(ch);
  }

  // ---- sending ----------------------------------------------------------

  send(msg, { retry = false } = {}) {
    const id = msg.id || `${this._prefix}-${(this._n += 1)}`;
    const m = { ...msg, id };
    return new Promise((resolve) => {
      this._outbox.set(id, { msg: m, resolve, retry, tries: 0, waiting: false });
      this._emit('pending', { count: this._outbox.size });
      this._write(m);
    });
  }

  comment(text, nickname = '') {
    return this.send({ type: 'comment', text, nickname }, { retry: false });
  }

  ask(text, { nickname = '', anonymous = false } = {}) {
    return this.send({ type: 'question', text, nickname: anonymous ? '' : nickname, anonymous: Boolean(anonymous) });
  }

  vote(questionId, up = true) {
    const q = this.questions.get(questionId) || this.mine.questions.get(questionId);
    const had = this.voted.has(questionId);
    const apply = (on, votes) => {
      if (on) this.voted.add(questionId); else this.voted.delete(questionId);
      if (q && typeof votes === 'number') q.votes = votes;
      this._emit('questions', { reset: false, changed: [questionId], removed: [], votes: true });
    };
    if (had !== up) apply(up, q ? Math.max(0, (q.votes || 0) + (up ? 1 : -1)) : undefined);
    return this.send({ type: 'vote', question: questionId, up }, { retry: true }).then((a) => {
      if (a.ok) apply(a.up === undefined ? up : a.up, a.votes);
      else if (a.error && a.error.code === 'not_found') {
        this.voted.delete(questionId);
        if (this.questions.delete(questionId)) this._emit('questions', { reset: false, changed: [], removed: [questionId] });
      } else if (had !== up) apply(had, q ? Math.max(0, (q.votes || 0) + (had ? 1 : -1)) : undefined);
      return a;
    });
  }

  answer(pollId, answer, nickname) {
    const msg = { type: 'answer', poll: pollId, ...answer };
    if (nickname) msg.nickname = nickname;
    return this.send(msg, { retry: true }).then((a) => {
      if (a.ok) {
        this.myAnswers.set(pollId, a.answer || answer);
        this._emit('polls', { reset: false, changed: [pollId], removed: [] });
      }
      return a;
    });
  }

  like(n = 1) {
    const k = Math.max(0, Math.floor(n));
    if (!k) return;
    this._likeBuf += k;
    this._emit('counters', { counters: this.counters, likes: this.likes });
    this._scheduleLikes();
  }

  _scheduleLikes() {
    if (this._likeTimer) return;
    const wait = Math.max(0, this._lastLikeAt + this.opts.likeInterval - Date.now());
    this._likeTimer = setTimeout(() => { this._likeTimer = null; this._flushLikes(); }, wait);
  }

  _flushLikes() {
    if (!this._likeBuf) return;
    if (this.state !== 'open') return; // flushed again after the welcome
    const count = Math.min(100, this._likeBuf);
    this._likeBuf -= count;
    this._inflightLikes += count;
    this._lastLikeAt = Date.now();
    this.send({ type: 'like', count }, { retry: true }).then((a) => {
      this._inflightLikes -= count;
      if (a.ok && typeof a.likes === 'number') this._serverLikes = Math.max(this._serverLikes, a.likes);
      this._emit('counters', { counters: this.counters, likes: this.likes });
    });
    if (this._likeBuf) this._scheduleLikes();
  }

  // ---- own items, remembered per lecture so a reload still knows them ----

  _ownKey() { return this.code ? `live.own.${this.code}` : null; }

  _loadOwn() {
    const key = this._ownKey();
    if (!key) return;
    try {
      const v = JSON.parse(this._storage.getItem(key) || 'null');
      if (v && Array.isArray(v.ids)) { this._ownEpoch = v.epoch; for (const id of v.ids) this._own.add(id); }
    } catch (_) { /* ignore */ }
  }

  _saveOwn() {
    const key = this._ownKey();
    if (!key) return;
    try { this._storage.setItem(key, JSON.stringify({ epoch: this.epoch, ids: [...this._own].slice(-200) })); } catch (_) { /* full */ }
  }
}
