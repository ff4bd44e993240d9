/**
 * polls.js — how a poll looks on every page (the viewer page, the big
 * screen, the stream overlay): its results and its answering form. Plain ES
 * module, no imports, no state of its own; it builds DOM nodes and updates
 * them, the page puts them where it likes and passes in its strings.
 * User text is only ever inserted with textContent / text nodes.
 *
 *   const view = resultsView({ t, num });      box.append(view.node);
 *   view.update(poll, results, mine, { words: 60 });   // again on every change
 *   const form = answerForm({ t, onAnswer });  box.append(form.node);
 *   form.update(poll, mine, { locked, busy });
 *
 * `poll`: the record (docs/protocol.md, "Polls"); `results`: {total, counts,
 * average?} or null when they are not shown (a choice poll then lists its
 * options, nothing else); `mine`: this viewer's answer or null.
 * `t(key, vars)` and `num(n)` come from the page (lib/ui.js `strings`).
 * The look is static/css/polls.css (classes `pr-*`, `pa-*`, `pl-*`).
 */

const SVG = 'http://www.w3.org/2000/svg';

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function star() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('viewBox', '0 0 24 24');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'm12 17.3 6.2 3.7-1.6-7 5.4-4.7-7.2-.6L12 2 9.2 8.7 2 9.3l5.4 4.7-1.6 7z');
  svg.append(path);
  return svg;
}

/** 'choice' (single, multiple, quiz), 'rating' or 'text'. */
export const family = (poll) => (poll.kind === 'rating' ? 'rating' : poll.kind === 'text' ? 'text' : 'choice');

/** The letter shown before an option: its id, upper case (a → A). */
export const optionKey = (id) => String(id || '').toUpperCase();

const isStars = (poll) => !poll.scale || poll.scale.max <= 5;
const scaleOf = (poll) => poll.scale || { min: 1, max: 5 };

/** A quiz's verdict on this answer once revealed: 'right', 'wrong', or null. */
export function verdict(poll, mine) {
  if (poll.kind !== 'quiz' || !poll.revealed || !Array.isArray(poll.correct) || !mine || !mine.choices) return null;
  const a = [...mine.choices].sort().join();
  return a === [...poll.correct].sort().join() ? 'right' : 'wrong';
}

/** Options picked by this answer, as "A 工匠精神", the rating value, or the text. */
export function answerText(poll, mine) {
  if (!mine) return '';
  if (mine.text !== undefined) return mine.text;
  if (mine.value !== undefined) return String(mine.value);
  const byId = new Map((poll.options || []).map((o) => [o.id, o.text]));
  return (mine.choices || []).map((id) => `${optionKey(id)} ${byId.get(id) || ''}`.trim()).join('、');
}

/** A percentage of `total`, whole. */
export const pct = (n, total) => (total > 0 ? Math.round((100 * (Number(n) || 0)) / total) : 0);

/** The average of a rating, one decimal ("4.2"), or "–". */
export const fmtAverage = (avg) => (typeof avg === 'number' && Number.isFinite(avg) ? avg.toFixed(1) : '–');

// A word's colour: the same for the same word everywhere (FNV-1a onto a few hues).
const HUES = [4, 28, 42, 145, 170, 196, 214, 238, 265, 292, 320, 344];
function hue(s) {
  let h = 2166136261;
  for (const ch of String(s)) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  return HUES[(h >>> 0) % HUES.length];
}

/**
 * The words of a text poll's results laid out as a cloud: the most frequent
 * in the middle, the others alternately before and after it, each sized by
 * its count (square-root scale, `--s` from 0 to 1). Deterministic: the same
 * counts always give the same cloud. `limit`: the most frequent words kept.
 */
export function cloudWords(counts, limit = 60) {
  const list = Object.entries(counts || {})
    .map(([word, n]) => [word, Number(n) || 0])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit);
  if (!list.length) return [];
  const max = list[0][1];
  const min = list[list.length - 1][1];
  const out = [];
  list.forEach(([word, n], i) => {
    const s = max === min ? 1 : Math.sqrt((n - min) / (max - min));
    const item = { word, count: n, s: Math.round(s * 100) / 100, hue: hue(word), rank: i };
    if (i % 2) out.unshift(item); else out.push(item);
  });
  return out;
}

// ---- results -------------------------------------------------------------------

/**
 * A poll's results: bars with counts and percentages (choice, quiz: the
 * correct option(s) marked once revealed, this viewer's pick marked), the
 * rating's distribution with its average (stars, or 0–10 columns), or the
 * word cloud. update(poll, results, mine, {words}) as often as they change;
 * the bars stay and move (CSS transitions) while the poll keeps its shape.
 */
export function resultsView({ t, num }) {
  const node = el('div', 'pr');
  let shape = '';
  let refs = null;

  function buildChoice(poll, res, mine) {
    const list = el('ol', 'pr-bars');
    const rows = new Map();
    const picked = new Set((mine && mine.choices) || []);
    const correct = new Set(poll.revealed && Array.isArray(poll.correct) ? poll.correct : []);
    for (const o of poll.options || []) {
      const li = el('li', 'pr-row');
      li.dataset.id = o.id;
      if (picked.has(o.id)) li.classList.add('is-mine');
      if (correct.has(o.id)) li.classList.add('is-correct');
      else if (correct.size && picked.has(o.id)) li.classList.add('is-wrong');
      const label = el('div', 'pr-label');
      label.append(el('span', 'pr-key', optionKey(o.id)), el('span', 'pr-text', o.text));
      if (correct.has(o.id)) label.append(el('span', 'pr-tag pr-tag-correct', t('poll_correct')));
      if (picked.has(o.id)) label.append(el('span', 'pr-tag pr-tag-mine', t('poll_mine')));
      li.append(label);
      const r = { li };
      if (res) {
        r.n = el('span', 'pr-n');
        label.append(r.n);
        const track = el('div', 'pr-track');
        track.append((r.fill = el('span', 'pr-fill')));
        li.append(track);
      }
      rows.set(o.id, r);
      list.append(li);
    }
    node.replaceChildren(list);
    return { rows };
  }

  function updateChoice(poll, res) {
    if (!res) return;
    const counts = res.counts || {};
    const total = Number(res.total) || 0;
    const top = Math.max(0, ...Object.values(counts).map(Number));
    for (const [id, r] of refs.rows) {
      const n = Number(counts[id]) || 0;
      const p = pct(n, total);
      r.fill.style.width = `${p}%`;
      r.li.classList.toggle('is-top', n > 0 && n === top);
      r.n.replaceChildren(el('b', null, `${p}%`), document.createTextNode(` ${num(n)}`));
      r.li.setAttribute('aria-label', `${optionKey(id)}: ${p}% (${n})`);
    }
  }

  function buildRating(poll) {
    const { min, max } = scaleOf(poll);
    const stars = isStars(poll);
    const box = el('div', `pr-rating ${stars ? 'is-stars' : 'is-ten'}`);
    const avg = el('div', 'pr-avg');
    const value = el('b', 'pr-avg-n', '–');
    const row = el('p', 'pr-avg-row');
    row.append(value, el('span', 'pr-avg-of', `/ ${max}`));
    avg.append(row);
    let meter = null;
    if (stars) {
      meter = el('span', 'pr-meter');
      const on = el('span', 'pr-meter-on');
      for (let i = 0; i < max; i += 1) { meter.append(star()); on.append(star()); }
      meter.append(on);
      avg.append(meter);
    }
    avg.append(el('span', 'pr-avg-l', t('poll_average')));
    const list = el('ol', stars ? 'pr-bars pr-dist' : 'pr-cols');
    const rows = new Map();
    const values = [];
    for (let v = min; v <= max; v += 1) values.push(v);
    if (stars) values.reverse(); // 5 stars on top
    for (const v of values) {
      const li = el('li', stars ? 'pr-row' : 'pr-col');
      li.dataset.value = String(v);
      const r = { li, n: el('span', 'pr-n') };
      if (stars) {
        const k = el('span', 'pr-key');
        k.append(document.createTextNode(String(v)), star());
        const track = el('div', 'pr-track');
        track.append((r.fill = el('span', 'pr-fill')));
        li.append(k, track, r.n);
      } else {
        const bar = el('span', 'pr-col-bar');
        bar.append((r.fill = el('span', 'pr-fill')));
        li.append(r.n, bar, el('span', 'pr-col-k', String(v)));
      }
      rows.set(String(v), r);
      list.append(li);
    }
    box.append(avg, list);
    node.replaceChildren(box);
    return { rows, value, meter, stars, max, min };
  }

  function updateRating(poll, res, mine) {
    const counts = (res && res.counts) || {};
    const total = Object.values(counts).reduce((a, n) => a + (Number(n) || 0), 0);
    const top = Math.max(0, ...Object.values(counts).map(Number));
    refs.value.textContent = fmtAverage(res && res.average);
    if (refs.meter) {
      const a = res && typeof res.average === 'number' ? res.average : 0;
      refs.meter.style.setProperty('--f', String(Math.max(0, Math.min(1, a / refs.max))));
    }
    for (const [v, r] of refs.rows) {
      const n = Number(counts[v]) || 0;
      const p = pct(n, total);
      if (refs.stars) {
        r.fill.style.width = `${p}%`;
        r.n.replaceChildren(el('b', null, `${p}%`), document.createTextNode(` ${num(n)}`));
      } else {
        r.fill.style.height = `${top ? Math.round((100 * n) / top) : 0}%`;
        r.n.textContent = num(n);
      }
      r.li.classList.toggle('is-mine', Boolean(mine && String(mine.value) === v));
      r.li.classList.toggle('is-top', n > 0 && n === top);
      r.li.setAttribute('aria-label', `${v}: ${n}`);
    }
  }

  function updateCloud(poll, res, mine, words) {
    const list = el('ul', 'pr-cloud');
    const own = mine && mine.text ? String(mine.text).toLowerCase() : '';
    for (const w of cloudWords(res && res.counts, words)) {
      const li = el('li', 'pr-word', w.word);
      li.style.setProperty('--s', String(w.s));
      li.style.setProperty('--h', String(w.hue));
      li.dataset.count = String(w.count);
      li.title = `${w.word} · ${w.count}`;
      if (w.rank === 0) li.classList.add('is-top');
      if (own && own.includes(w.word.toLowerCase())) li.classList.add('is-mine');
      list.append(li);
    }
    if (!list.childElementCount) list.append(el('li', 'pr-empty', t('poll_no_words')));
    node.replaceChildren(list);
  }

  return {
    node,
    update(poll, res, mine = null, { words = 60 } = {}) {
      const fam = family(poll);
      node.dataset.family = fam;
      node.dataset.kind = poll.kind;
      if (fam === 'text') { shape = ''; updateCloud(poll, res, mine, words); return; }
      const sig = fam === 'choice'
        ? JSON.stringify([poll.id, poll.options, poll.revealed && poll.correct, mine && mine.choices, Boolean(res)])
        : JSON.stringify([poll.id, poll.scale]);
      if (sig !== shape) {
        shape = sig;
        refs = fam === 'choice' ? buildChoice(poll, res, mine) : buildRating(poll);
      }
      if (fam === 'choice') updateChoice(poll, res);
      else updateRating(poll, res, mine);
    },
  };
}

// ---- the answering form -------------------------------------------------------------

let formSeq = 0;

/**
 * The answering form: one tap for a single choice, a quiz or a rating
 * (radio buttons, stars or 0–10 buttons), checkboxes and a submit button for
 * a multiple choice, a short text (30 characters) and a submit button for a
 * text poll. `onAnswer(answer)` gets {choices} | {value} | {text}.
 * update(poll, mine, {locked, busy}): `locked` when it may not (or no longer)
 * be answered; this viewer's answer is shown picked.
 */
export function answerForm({ t, onAnswer, textMax = 30 }) {
  const node = el('form', 'pa');
  node.noValidate = true;
  node.autocomplete = 'off';
  let shape = '';
  let mineSig = null;
  let state = { poll: null, mine: null, locked: false, busy: false };
  let parts = null;
  const name = `pa-${(formSeq += 1)}`;

  function build(poll) {
    const fam = family(poll);
    const multi = poll.kind === 'multiple' || Boolean(poll.multiple); // a quiz with several right answers too
    const p = { fam, multi, inputs: [], buttons: [] };
    if (fam === 'choice') {
      const list = el('div', 'pa-opts');
      list.setAttribute('role', multi ? 'group' : 'radiogroup');
      list.setAttribute('aria-label', poll.title || '');
      for (const o of poll.options || []) {
        const label = el('label', 'pa-opt');
        const input = el('input');
        input.type = multi ? 'checkbox' : 'radio';
        input.name = name;
        input.value = o.id;
        label.dataset.id = o.id;
        label.append(input, el('span', 'pa-key', optionKey(o.id)), el('span', 'pa-text', o.text));
        if (!multi) {
          input.addEventListener('change', () => { if (input.checked) send({ choices: [o.id] }); });
          // A tap on the option already chosen sends nothing; tell the page it stands.
        } else input.addEventListener('change', renderSubmit);
        p.inputs.push(input);
        list.append(label);
      }
      node.replaceChildren(list);
      if (multi) node.append(submitRow(p));
    } else if (fam === 'rating') {
      const { min, max } = scaleOf(poll);
      const stars = isStars(poll);
      const list = el('div', stars ? 'pa-stars' : 'pa-ten');
      list.setAttribute('role', 'radiogroup');
      list.setAttribute('aria-label', poll.title || '');
      const values = [];
      for (let v = min; v <= max; v += 1) values.push(v);
      if (stars) values.reverse(); // shown right to left again (CSS): the stars before the hovered one light up with it
      for (const v of values) {
        const b = el('button', stars ? 'pa-star' : 'pa-num');
        b.type = 'button';
        b.value = String(v);
        b.setAttribute('role', 'radio');
        b.setAttribute('aria-label', stars ? t('poll_stars', { n: v }) : String(v));
        if (stars) b.append(star()); else b.textContent = String(v);
        b.addEventListener('click', () => send({ value: v }));
        p.buttons.push(b);
        list.append(b);
      }
      node.replaceChildren(list);
    } else {
      const field = el('div', 'pa-field');
      const input = el('input', 'input pa-input');
      input.type = 'text';
      input.name = 'text';
      input.maxLength = textMax;
      input.enterKeyHint = 'send';
      input.placeholder = t('poll_text_placeholder');
      input.setAttribute('aria-label', poll.title || t('poll_text_placeholder'));
      const counter = el('span', 'pa-counter');
      input.addEventListener('input', () => {
        const n = Array.from(input.value).length;
        counter.textContent = n ? `${n}/${textMax}` : '';
        renderSubmit();
      });
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.isComposing || e.keyCode === 229)) e.preventDefault(); });
      field.append(input, counter);
      p.text = input;
      p.counter = counter;
      node.replaceChildren(field, submitRow(p));
    }
    return p;
  }

  function submitRow(p) {
    const b = el('button', 'btn btn-primary pa-submit', t('poll_submit'));
    b.type = 'submit';
    p.submit = b;
    return b;
  }

  function current() {
    if (parts.fam === 'text') return { text: parts.text.value.trim() };
    return { choices: parts.inputs.filter((i) => i.checked).map((i) => i.value) };
  }

  function renderSubmit() {
    if (!parts || !parts.submit) return;
    const a = current();
    const same = state.mine && JSON.stringify(a) === JSON.stringify(state.mine);
    const empty = a.text !== undefined ? !a.text : !a.choices.length;
    parts.submit.disabled = state.locked || state.busy || empty || Boolean(same);
    parts.submit.textContent = t(state.mine ? 'poll_change' : 'poll_submit');
  }

  function send(answer) {
    if (state.locked || state.busy) return;
    if (state.mine && JSON.stringify(answer) === JSON.stringify(state.mine)) return;
    onAnswer(answer);
  }

  node.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!parts || (parts.submit && parts.submit.disabled)) return;
    send(current());
  });

  return {
    node,
    /** Focus the first control. */
    focus() { const c = node.querySelector('input, button'); if (c) c.focus(); },
    update(poll, mine = null, { locked = false, busy = false } = {}) {
      const sig = JSON.stringify([poll.id, poll.kind, poll.options, poll.scale]);
      if (sig !== shape) { shape = sig; parts = build(poll); mineSig = null; }
      state = { poll, mine, locked, busy };
      node.classList.toggle('is-locked', locked);
      node.classList.toggle('is-busy', busy);
      node.dataset.kind = poll.kind;
      const ms = JSON.stringify(mine);
      const fresh = ms !== mineSig; // the answer changed (sent, or a new snapshot): show it picked
      mineSig = ms;
      const picked = new Set((mine && mine.choices) || []);
      const correct = new Set(poll.revealed && Array.isArray(poll.correct) ? poll.correct : []);
      for (const input of parts.inputs) {
        if (fresh || !parts.multi) input.checked = picked.has(input.value);
        input.disabled = locked || busy;
        const label = input.parentNode;
        label.classList.toggle('is-mine', picked.has(input.value));
        label.classList.toggle('is-correct', correct.has(input.value));
        label.classList.toggle('is-wrong', correct.size > 0 && picked.has(input.value) && !correct.has(input.value));
      }
      for (const b of parts.buttons) {
        const on = Boolean(mine && String(mine.value) === b.value);
        b.setAttribute('aria-checked', String(on));
        b.disabled = locked || busy;
      }
      if (parts.text) {
        if (fresh) { parts.text.value = (mine && mine.text) || ''; parts.counter.textContent = ''; }
        parts.text.disabled = locked || busy;
      }
      renderSubmit();
    },
  };
}

// ---- the quiz leaderboard ---------------------------------------------------------------

/** The leaderboard's rows ({nickname, correct, seconds}), the first `top`. */
export function leadersList(leaders, { t, num, top = 10 }) {
  const list = el('ol', 'pl');
  (leaders || []).slice(0, top).forEach((r, i) => {
    const li = el('li', 'pl-row');
    li.append(el('span', 'pl-rank', String(i + 1)), el('span', 'pl-name', r.nickname || t('anonymous')),
      el('span', 'pl-score', t('poll_leader_score', { count: num(r.correct || 0), seconds: (Number(r.seconds) || 0).toFixed(1) })));
    list.append(li);
  });
  return list;
}

/** The poll stylesheet (its versioned URL), added once; resolves when it has loaded. */
export function loadStyles(href) {
  if (!href) return Promise.resolve();
  const known = [...document.querySelectorAll('link[rel="stylesheet"]')].find((l) => l.getAttribute('href') === href);
  if (known) return known.sheet ? Promise.resolve() : new Promise((ok) => { known.addEventListener('load', ok); known.addEventListener('error', ok); });
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  return new Promise((ok) => {
    link.addEventListener('load', ok);
    link.addEventListener('error', ok);
    document.head.append(link);
  });
}

/** The URLs of a page's `data-polls` ("js/…?v=… js/lib/polls.js?v=… css/polls.css?v=…", relative to /static/). */
export const pollUrls = (attr) => String(attr || '').split(/\s+/).filter(Boolean).map((p) => (p.startsWith('/') ? p : `/static/${p}`));
