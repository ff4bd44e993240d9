// Shared view helpers of the viewer page, the widget and the stream overlay:
// DOM building, avatars, strings, formatting, the comment and question cards
// and keyed list updates. No state of its own: every page passes in what it
// has (its strings, its language, its client's answers).
// User text is only ever inserted with textContent / text nodes.

const SVG = 'http://www.w3.org/2000/svg';

export const $ = (id) => document.getElementById(id);
export const readJSON = (id) => { try { return JSON.parse($(id).textContent); } catch (_) { return null; } };

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

/** A <video> for a stream file or a recording: controls, inline on phones, only its metadata until played. */
export function videoElement(src, label) {
  const v = document.createElement('video');
  v.controls = true;
  v.playsInline = true;
  v.setAttribute('playsinline', '');
  v.preload = 'metadata';
  v.src = src;
  v.setAttribute('aria-label', label);
  return v;
}

export function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(SVG, 'use');
  use.setAttribute('href', `#i-${name}`);
  svg.append(use);
  return svg;
}

const HUES = [4, 22, 38, 145, 165, 192, 212, 235, 262, 290, 318, 340];
export function hue(s) { // the same colour for a name on every page
  let h = 2166136261;
  for (const ch of String(s || '')) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 13;
  return HUES[(h >>> 0) % HUES.length];
}

// A name's initial on its colour (a person icon when there is no name), in a
// new <span> or in `node` (the nickname button).
export function avatar(name, node = el('span', 'avatar')) {
  if (name) node.textContent = Array.from(name)[0];
  else node.replaceChildren(icon('user'));
  node.style.setProperty('--h', String(hue(name)));
  node.classList.toggle('is-anon', !name);
  if (node.tagName === 'SPAN') node.setAttribute('aria-hidden', 'true');
  return node;
}

export const clip = (text, n) => { const a = Array.from(text || ''); return a.length > n ? `${a.slice(0, n - 1).join('')}…` : a.join(''); };

// The page's strings (the <script id="strings"> catalogue) and formatting in
// its language. `formatCount` comes from the client library.
export function strings(S, lang, formatCount) {
  function t(key, vars) {
    let s = S[key] ?? key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }
  const num = (n) => formatCount(n, lang);
  // Times as the hall reads them: in the lecture's time zone, whatever the phone's.
  const fmtTime = (iso, opts) => {
    const d = new Date(iso);
    if (!iso || Number.isNaN(d.getTime())) return '';
    for (const o of [{ timeZone: zone, ...opts }, opts]) {
      try { return new Intl.DateTimeFormat(lang, o).format(d); } catch (_) { /* an unknown zone: the phone's */ }
    }
    return d.toLocaleString();
  };
  const rtf = (() => { try { return new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }); } catch (_) { return null; } })();
  // "just now", "5 minutes ago", "2 hours ago"; older: `older(iso, seconds)`, by default "3 days ago".
  function ago(iso, older = (_, s) => rtf.format(Math.round(s / 86400), 'day')) {
    const d = new Date(iso).getTime();
    if (!d) return '';
    const s = Math.round((d - Date.now()) / 1000);
    if (!rtf || Math.abs(s) < 45) return t('just_now');
    if (Math.abs(s) < 3600) return rtf.format(Math.round(s / 60), 'minute');
    if (Math.abs(s) < 86400) return rtf.format(Math.round(s / 3600), 'hour');
    return older(iso, s);
  }
  function errorText(err) {
    const code = (err && err.code) || 'unknown';
    if (code === 'rate_limited' || code === 'slow_mode') return t(`error_${code}`, { seconds: Math.max(1, Math.ceil(Number(err.retry_after) || 1)) });
    if (code === 'too_long') return t('error_too_long', { limit: err.limit || '' });
    return `error_${code}` in S ? t(`error_${code}`) : t('error_unknown');
  }
  // Why the comment / question forms are closed, if they are.
  function closedReason(lec) {
    if (lec.status === 'ended') return { comments: t('closed_ended'), questions: t('closed_ended_questions') };
    return lec.settings && lec.settings.comments_open === false ? { comments: t('closed_comments') } : {};
  }
  return { t, num, fmtTime, ago, errorText, closedReason };
}

// ---- the lecture header and the connection ----------------------------------------

let zone; // the lecture's time zone, once a page has shown its lecture

export function renderLectureHead(app, lec, t) {
  zone = lec.timezone || undefined;
  app.dataset.status = lec.status;
  const status = $('status');
  status.dataset.status = lec.status;
  status.textContent = t(`status_${lec.status}`);
  $('lecture-title').textContent = lec.title || '';
  document.title = `${lec.title || ''} · ${t('app_name')}`;
}

export function showConnState(client, t) {
  client.addEventListener('state', (e) => {
    const conn = $('conn');
    conn.dataset.state = e.detail.state;
    conn.querySelector('.conn-text').textContent = t(`conn_${e.detail.state}`);
  });
}

// ---- cards ----------------------------------------------------------------------------

export function commentNode(c, { t, mine }) {
  const li = el('li', 'cmt');
  li.dataset.id = c.id;
  const held = c.state === 'held';
  if (c.featured) li.classList.add('is-featured');
  if (held) li.classList.add('is-held');
  if (mine) li.classList.add('is-mine');
  const body = el('div', 'cmt-body');
  const head = el('span', 'cmt-head');
  if (c.featured) {
    const tag = el('span', 'tag tag-featured');
    tag.append(icon('star'), document.createTextNode(t('featured')));
    head.append(tag);
  }
  head.append(el('span', 'cmt-name', c.nickname || t('anonymous')));
  if (c.source) head.append(el('span', 'tag tag-source', c.source)); // came in from another platform
  if (mine) head.append(el('span', 'tag tag-mine', t('me')));
  if (held) head.append(el('span', 'tag tag-held', t('pending_review')));
  body.append(head, el('span', 'cmt-text', c.text));
  li.append(avatar(c.nickname), body);
  return li;
}

// What a question card shows apart from its votes and age: a new card when it changes.
export const questionSig = (q, mine) => `${q.state}|${q.text}|${q.answer}|${q.speaker}|${q.nickname}|${mine}`;

// A question card: {node, rec, refs, sig}; `onVote(id)` unless `readonly`.
export function questionNode(q, { t, mine, readonly = false, onVote }) {
  const li = el('li', `q is-${q.state}`);
  li.dataset.id = q.id;
  const refs = {};
  if (q.state === 'pending' || q.state === 'dismissed') {
    const ph = el('span', 'vote vote-off');
    ph.append(icon('clock'));
    li.append(ph);
  } else {
    const vote = el(readonly ? 'span' : 'button', 'vote');
    if (!readonly) {
      vote.type = 'button';
      vote.addEventListener('click', () => onVote(q.id));
    } else vote.classList.add('vote-ro');
    vote.append(icon('up'), (refs.n = el('span', 'vote-n')));
    refs.vote = vote;
    li.append(vote);
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
  if (mine) badges.append(el('span', 'tag tag-mine', t('me')));
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
  return { node: li, rec: q, refs, sig: questionSig(q, mine) };
}

// The votes and age of a question card `n` made by questionNode.
export function updateQuestionNode(n, { t, num, ago, voted, readonly = false }) {
  const q = n.rec;
  if (n.refs.vote) {
    n.refs.n.textContent = num(q.votes || 0);
    if (!readonly) {
      n.refs.vote.setAttribute('aria-pressed', String(voted));
      n.refs.vote.setAttribute('aria-label', t(voted ? 'vote_undo' : 'vote_up', { count: q.votes || 0 }));
    }
  }
  n.refs.time.textContent = ago(q.created_at);
}

// ---- keyed lists ------------------------------------------------------------------------

// Keeps the cards in `box` in step with `list` (records with an id): `nodes`
// maps id → {node, rec, …}; a card is made by `make(rec)` where there is none
// or `stale(entry, rec)`, then `update(entry, rec)` if given, and the cards
// are put in the list's order, moving only those out of place. Cards of ids
// no longer listed go. Returns the records that got a card for the first time.
export function syncCards(box, nodes, list, { make, stale, update }) {
  const keep = new Set(list.map((r) => r.id));
  for (const [id, n] of nodes) if (!keep.has(id)) { n.node.remove(); nodes.delete(id); }
  const added = [];
  let prev = null;
  for (const r of list) {
    let n = nodes.get(r.id);
    if (!n || stale(n, r)) {
      const fresh = make(r);
      if (n) n.node.replaceWith(fresh.node);
      else added.push(r);
      nodes.set(r.id, (n = fresh));
    }
    if (update) update(n, r);
    const want = prev ? prev.nextSibling : box.firstChild;
    if (want !== n.node) box.insertBefore(n.node, want);
    prev = n.node;
  }
  return added;
}

// The question cards for `list`: remade where what they show (`sig`) changed,
// their votes and age brought up to date by `update(entry)`; with `animate`
// they slide from where they were to where they go (FLIP), in `duration` ms.
export function syncQuestionCards(box, nodes, list, { make, sig, update, firstAnswered, animate, duration }) {
  const before = animate ? measure(nodes) : null;
  syncCards(box, nodes, list, {
    make,
    stale: (n, q) => n.sig !== sig(q),
    update: (n, q) => {
      n.rec = q;
      n.node.classList.toggle('is-first-answered', q === firstAnswered);
      update(n);
    },
  });
  if (animate) slideFrom(nodes, before, duration);
}

function measure(nodes) {
  const before = new Map();
  for (const [id, n] of nodes) before.set(id, n.node.getBoundingClientRect().top);
  return before;
}

function slideFrom(nodes, before, duration) {
  for (const [id, n] of nodes) {
    const top = before.get(id);
    if (top === undefined) continue;
    const dy = top - n.node.getBoundingClientRect().top;
    if (Math.abs(dy) > 1) n.node.animate([{ transform: `translateY(${dy}px)` }, { transform: 'none' }], { duration, easing: 'cubic-bezier(.2,.7,.3,1)' });
  }
}

// ---- forms and likes ------------------------------------------------------------------------

export function renderCounter(field, counter, max) {
  const n = Array.from(field.value).length;
  field.form.classList.toggle('has-text', field.value.trim() !== '');
  counter.textContent = n ? `${n}/${max}` : '';
  counter.classList.toggle('is-near', n > max * 0.9);
}

export function busy(form, on) {
  form.classList.toggle('is-busy', on);
  form.querySelector('.send').disabled = on;
}

// Enter that confirms an IME candidate (Chinese input) must not send the comment.
export function holdImeEnter(input) {
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.isComposing || e.keyCode === 229)) e.preventDefault(); });
}

const HEART_COLORS = ['#ff4d6d', '#ff7aa2', '#ff9f43', '#f7b731', '#e84393', '#fd79a8'];

// A heart floating up from the like button, `spread` px sideways at most, for `ms` to `ms + slack` ms.
export function floatHeart(hearts, { spread, ms, slack }) {
  const h = el('span', 'heart');
  h.append(icon('heart'));
  h.style.setProperty('--dx', `${Math.round((Math.random() - 0.5) * spread)}px`);
  h.style.setProperty('--rot', `${Math.round((Math.random() - 0.5) * 40)}deg`);
  h.style.setProperty('--c', HEART_COLORS[Math.floor(Math.random() * HEART_COLORS.length)]);
  h.style.setProperty('--dur', `${ms + Math.round(Math.random() * slack)}ms`);
  h.addEventListener('animationend', () => h.remove());
  hearts.append(h);
}

export function pop(btn) {
  btn.classList.remove('is-pop');
  void btn.offsetWidth; // restart the pop animation
  btn.classList.add('is-pop');
}

/** Loads a page's poll module when the first poll appears. `spec` is the page's
 *  data-polls: the module, lib/polls.js and polls.css, paths under /static/.
 *  The module's mount() gets `context` and `P`, the shared poll library. */
export function whenPolls(client, spec, context) {
  const seen = () => {
    if (!client.polls.size) return;
    client.removeEventListener('polls', seen);
    const [mod, lib, css] = String(spec).split(/\s+/).map((p) => `/static/${p}`);
    Promise.all([import(mod), import(lib)])
      .then(([m, P]) => P.loadStyles(css).then(() => m.mount({ ...context, P })))
      .catch((e) => { console.warn('live: polls', e); client.addEventListener('polls', seen); }); // the next change tries again
  };
  client.addEventListener('polls', seen);
}

/** The viewer page's and the widget's comment and question forms: refuse
 *  empty text, ask the nickname once, show that a message waits while
 *  offline, then clear and report. The page says what differs: `follow(on)`
 *  (keep the wall at its newest while a comment goes out), `commentSent()`
 *  and `questionSent()` (how it re-renders and scrolls). */
export function textForms(p) {
  const { client, t, setNote, showError, askNickname, getNick, input, askInput } = p;
  async function send(form, field, empty, needsNick, post, sent, failed) {
    const text = field.value.trim();
    if (!text) { setNote(t(empty), 'error', 3000); field.focus(); return; }
    if (form.classList.contains('is-busy')) return;
    if (needsNick && getNick() === null && !(await askNickname())) { field.focus(); return; }
    busy(form, true);
    if (client.state !== 'open') setNote(t('queued_offline'), 'info');
    const ack = await post(text);
    busy(form, false);
    if (ack.ok) { field.value = ''; sent(ack); } else failed(ack);
  }
  return {
    async submitComment(e) {
      e.preventDefault();
      p.follow(true);
      await send($('composer'), input, 'error_empty', true, (text) => client.comment(text, getNick() || ''), (ack) => {
        renderCounter(input, $('comment-counter'), p.maxComment);
        setNote(ack.held ? t('comment_held') : '', 'ok', 5000);
        p.commentSent();
      }, (ack) => {
        p.follow(false);
        showError(ack.error);
        if (ack.error && ack.error.code === 'closed') p.renderClosed();
      });
      input.focus();
    },
    submitQuestion(e) {
      e.preventDefault();
      const anonymous = $('ask-anon').checked && !$('anon-wrap').hidden;
      return send($('ask-form'), askInput, 'error_empty_question', !anonymous,
        (text) => client.ask(text, { nickname: getNick() || '', anonymous }), (ack) => {
          renderCounter(askInput, $('ask-counter'), p.maxQuestion);
          p.autoGrow();
          setNote(ack.held ? t('question_held') : t('question_posted'), 'ok', 5000);
          p.questionSent();
        }, (ack) => showError(ack.error));
    },
  };
}
