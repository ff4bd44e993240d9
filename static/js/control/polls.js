// The polls view: the lecture's polls (drafts, open, closed) with their
// results live, the form that makes and edits a draft, the actions on a poll
// (open, close, show or hide its results to viewers, reveal a quiz's answer,
// put it on the big screen, delete a draft), the quiz leaderboard, and
// copying the polls of another lecture (a series reusing one rating form).
//
// Records come from the moderators' socket (poll.* events carry the whole
// record, drafts and `correct` included; `poll_results` frames carry every
// poll's aggregates) and from the API's answers, which may be a moment ahead
// of the socket: such a record is kept until the socket next speaks of it.
// User text is only ever inserted with textContent / text nodes.

const KINDS = ['single', 'multiple', 'quiz', 'rating', 'text'];
const CHOICE = new Set(['single', 'multiple', 'quiz']);
const MIN_OPTIONS = 2;
const MAX_OPTIONS = 10;
const OPTION_MAX = 80;
const CLOUD_WORDS = 40;
const CODE_RE = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}$/;

export function init(ctx) {
  const { t, ui, api, common } = ctx;
  const { $, el, icon, clip } = ui;
  const text = (s) => document.createTextNode(s);

  const overrides = new Map(); // id → a record the API answered with, newer than what the socket has said
  const gone = new Set();      // ids deleted here before the socket has said so
  const results = new Map();   // id → {total, counts, average?}
  const nodes = new Map();     // id → card entry
  const box = $('polls');
  let screenId = null;         // the poll on the big screen (at most one)
  let editing = null;          // the id of the draft in the form, null for a new one
  let showNew = null;          // the id of a poll just made here: scrolled to once it has a card
  let queued = false;

  // ---- the records ------------------------------------------------------------------------

  function record(id) {
    if (gone.has(id)) return null;
    const rec = overrides.get(id) || (ctx.client ? ctx.client.polls.get(id) : null);
    return rec ? { ...rec, on_screen: rec.id === screenId } : null;
  }

  function all() {
    const ids = new Set([...(ctx.client ? ctx.client.polls.keys() : []), ...overrides.keys()]);
    return [...ids].map(record).filter(Boolean).sort((a, b) => (a.seq || 0) - (b.seq || 0));
  }

  /** What a record says about the big screen: the newest word on it wins. */
  function noteScreen(p) {
    if (!p || !p.id) return;
    if (p.on_screen) screenId = p.id;
    else if (screenId === p.id) screenId = null;
  }

  function keep(rec) {
    if (rec && rec.id) {
      overrides.set(rec.id, rec);
      gone.delete(rec.id);
      noteScreen(rec);
    }
    queue();
    return rec;
  }

  function drop(id) {
    overrides.delete(id);
    gone.add(id);
    if (screenId === id) screenId = null;
    queue();
  }

  const isChoice = (p) => CHOICE.has(p.kind);
  const scaleMax = (p) => (p.scale && Number(p.scale.max)) || 5;
  const scaleMin = (p) => (p.scale && p.scale.min !== undefined ? Number(p.scale.min) : scaleMax(p) === 10 ? 0 : 1);

  function kindLabel(p) {
    const kind = t(`ctl_poll_kind_${p.kind}`);
    return p.kind === 'rating' ? `${kind} · ${t(scaleMax(p) === 10 ? 'ctl_poll_scale_10' : 'ctl_poll_scale_5')}` : kind;
  }

  /** The body of POST /polls that makes this poll again (the undo of a delete). */
  function bodyOf(p) {
    const body = { kind: p.kind, title: p.title, allow_change: Boolean(p.allow_change) };
    if (isChoice(p)) body.options = (p.options || []).map((o) => o.text);
    if (p.kind === 'quiz') {
      const ids = (p.options || []).map((o) => o.id);
      body.correct = (p.correct || []).map((id) => ids.indexOf(id)).filter((i) => i >= 0);
      delete body.allow_change;
    }
    if (p.kind === 'rating') body.scale = scaleMax(p);
    return body;
  }

  // ---- a card --------------------------------------------------------------------------------

  const sig = (p) => JSON.stringify([p.state, p.kind, p.title, p.options, p.correct, p.scale, p.allow_change,
    p.results_shown, p.revealed, p.on_screen, editing === p.id]);

  function btn(label, act, iconName, cls = 'abtn') {
    return common.button(el, icon, { label, act, iconName, cls });
  }

  function flag(iconName, label, cls) {
    const tag = el('span', `tag pc-flag ${cls}`);
    tag.append(icon(iconName), text(label));
    return tag;
  }

  function card(p) {
    const li = el('li', `pc is-${p.state}`);
    li.dataset.id = p.id;
    li.dataset.state = p.state;
    li.dataset.kind = p.kind;
    li.classList.toggle('is-screen', p.on_screen);
    li.classList.toggle('is-editing', editing === p.id);
    const refs = {};
    const head = el('div', 'pc-head');
    const state = el('span', `pc-state pc-state-${p.state}`);
    if (p.state === 'open') state.append(el('span', 'pulse'));
    state.append(text(t(`ctl_poll_state_${p.state}`)));
    head.append(state, el('span', 'tag tag-muted pc-kind', kindLabel(p)));
    if (p.results_shown) head.append(flag('eye', t('ctl_poll_flag_shown'), 'pc-flag-shown'));
    if (p.kind === 'quiz' && p.revealed) head.append(flag('check', t('ctl_poll_flag_revealed'), 'pc-flag-revealed'));
    if (p.on_screen) head.append(flag('screen', t('ctl_poll_flag_screen'), 'pc-flag-screen'));
    if (p.kind !== 'quiz' && p.allow_change) head.append(el('span', 'pc-note', t('ctl_poll_flag_change')));
    refs.total = el('span', 'pc-total');
    head.append(refs.total);
    refs.res = el('div', 'pc-results');
    li.append(head, el('h3', 'pc-title', p.title), refs.res, actions(p));
    return { node: li, rec: p, refs, sig: sig(p), resKey: null };
  }

  function actions(p) {
    const acts = el('div', 'pc-acts');
    const S = p.state;
    if (S === 'draft') {
      acts.append(btn(t('ctl_poll_open'), 'open', 'play', 'abtn abtn-live'));
      if (editing !== p.id) acts.append(btn(t('ctl_poll_edit'), 'edit', 'edit'));
      acts.append(btn(t('ctl_poll_delete'), 'delete', 'trash', 'abtn abtn-quiet abtn-danger'));
      return acts;
    }
    if (S === 'open') acts.append(btn(t('ctl_poll_close'), 'close', 'stop', 'abtn abtn-live'));
    else acts.append(btn(t('ctl_poll_reopen'), 'open', 'play'));
    acts.append(p.results_shown
      ? btn(t('ctl_poll_hide'), 'hide', 'hide', 'abtn abtn-on')
      : btn(t('ctl_poll_show'), 'show', 'eye'));
    if (p.kind === 'quiz' && !p.revealed) {
      const reveal = btn(t('ctl_poll_reveal'), 'reveal', 'reveal', 'abtn abtn-ok');
      if (S !== 'closed') { reveal.disabled = true; reveal.title = t('ctl_poll_reveal_after_close'); }
      acts.append(reveal);
    }
    acts.append(p.on_screen
      ? btn(t('ctl_poll_unscreen'), 'unscreen', 'screen', 'abtn abtn-on')
      : btn(t('ctl_poll_screen'), 'screen', 'screen'));
    return acts;
  }

  // ---- results ----------------------------------------------------------------------------------

  const pctOf = (n, total) => (total > 0 ? Math.round((n * 100) / total) : 0);

  function update(n, p) {
    n.rec = p;
    const r = results.get(p.id) || null;
    const total = (r && Number(r.total)) || 0;
    n.refs.total.textContent = p.state === 'draft' ? t('ctl_poll_not_opened') : t('ctl_poll_answers', { count: ctx.num(total) });
    n.refs.total.dataset.total = String(total);
    const key = JSON.stringify(r);
    if (key === n.resKey) return;
    n.resKey = key;
    if (isChoice(p)) choiceResults(n, p, r);
    else if (p.kind === 'rating') n.refs.res.replaceChildren(ratingResults(p, r));
    else n.refs.res.replaceChildren(textResults(p, r));
  }

  function choiceResults(n, p, r) {
    if (!n.refs.rows) {
      const rows = el('ol', 'cpr-rows');
      n.refs.rows = new Map();
      for (const o of p.options || []) {
        const row = el('li', 'cpr');
        row.dataset.option = o.id;
        const correct = p.kind === 'quiz' && (p.correct || []).includes(o.id);
        row.classList.toggle('is-correct', correct);
        const label = el('span', 'cpr-label');
        label.append(el('b', 'cpr-letter', String(o.id).toUpperCase()), el('span', 'cpr-text', o.text));
        if (correct) {
          const c = el('span', 'cpr-correct');
          c.append(icon('check'), text(t('ctl_poll_correct')));
          label.append(c);
        }
        const bar = el('span', 'cpr-bar');
        const fill = el('span', 'cpr-fill');
        bar.append(fill);
        const num = el('span', 'cpr-n');
        const pct = el('span', 'cpr-pct');
        row.append(label, bar, num, pct);
        rows.append(row);
        n.refs.rows.set(o.id, { row, fill, num, pct });
      }
      n.refs.res.replaceChildren(rows);
    }
    const total = (r && Number(r.total)) || 0;
    const counts = (r && r.counts) || {};
    const top = Math.max(0, ...[...n.refs.rows.keys()].map((id) => Number(counts[id]) || 0));
    for (const [id, refs] of n.refs.rows) {
      const c = Number(counts[id]) || 0;
      const pct = pctOf(c, total);
      refs.fill.style.width = `${pct}%`;
      refs.row.classList.toggle('is-top', top > 0 && c === top);
      refs.num.textContent = p.state === 'draft' ? '' : ctx.num(c);
      refs.pct.textContent = p.state === 'draft' ? '' : `${pct}%`;
      refs.row.dataset.count = String(c);
    }
  }

  function ratingResults(p, r) {
    const min = scaleMin(p);
    const max = scaleMax(p);
    const counts = (r && r.counts) || {};
    const total = (r && Number(r.total)) || 0;
    let avg = r && typeof r.average === 'number' ? r.average : null;
    if (avg === null && total > 0) {
      let sum = 0;
      for (let v = min; v <= max; v += 1) sum += v * (Number(counts[v]) || 0);
      avg = sum / total;
    }
    const wrap = el('div', 'cpr-rating');
    const head = el('div', 'cpr-avg');
    const n = el('b', 'cpr-avg-n', avg === null ? '–' : avg.toFixed(1));
    if (avg !== null) n.title = String(Math.round(avg * 100) / 100);
    head.append(n, el('span', 'cpr-avg-of', `/ ${max}`));
    if (max === 5) {
      const stars = el('span', 'cpr-stars');
      stars.style.setProperty('--v', String(avg === null ? 0 : Math.max(0, Math.min(1, avg / 5))));
      const back = el('span', 'cpr-stars-back');
      const front = el('span', 'cpr-stars-front');
      for (let i = 0; i < 5; i += 1) { back.append(icon('star')); front.append(icon('star')); }
      stars.append(back, front);
      head.append(stars);
    }
    head.append(el('small', 'cpr-avg-l', t('ctl_poll_average')));
    const dist = el('ol', `cpr-dist cpr-dist-${max - min + 1}`);
    const peak = Math.max(1, ...Object.values(counts).map((c) => Number(c) || 0));
    for (let v = min; v <= max; v += 1) {
      const c = Number(counts[v]) || 0;
      const col = el('li', 'cpr-col');
      col.dataset.value = String(v);
      col.title = `${v}: ${c} (${pctOf(c, total)}%)`;
      const bar = el('span', 'cpr-col-bar');
      const fill = el('span', 'cpr-col-fill');
      fill.style.height = `${(c / peak) * 100}%`;
      bar.append(fill);
      col.append(el('span', 'cpr-col-n', c ? ctx.num(c) : ''), bar, el('span', 'cpr-col-v', String(v)));
      dist.append(col);
    }
    wrap.append(head, dist);
    return wrap;
  }

  function textResults(p, r) {
    const counts = (r && r.counts) || {};
    const words = Object.entries(counts).map(([w, c]) => [w, Number(c) || 0]).filter(([, c]) => c > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, CLOUD_WORDS);
    if (!words.length) return el('p', 'cpr-none', p.state === 'draft' ? t('ctl_poll_text_preview') : t('ctl_poll_no_words'));
    const top = words[0][1];
    // The most frequent words in the middle, the rest alternating to either side.
    const order = [];
    words.forEach((w, i) => (i % 2 ? order.unshift(w) : order.push(w)));
    const cloud = el('ul', 'cpr-cloud');
    cloud.setAttribute('aria-label', t('ctl_poll_cloud'));
    for (const [w, c] of order) {
      const share = c / top;
      const li = el('li', `cpr-word cpr-word-${share > 0.66 ? 3 : share > 0.33 ? 2 : 1}`);
      li.dataset.word = w;
      li.dataset.count = String(c);
      li.style.fontSize = `${Math.round(12 + 20 * Math.sqrt(share))}px`;
      li.append(text(w), el('sup', 'cpr-word-n', ctx.num(c)));
      cloud.append(li);
    }
    return cloud;
  }

  // ---- acting on a poll ----------------------------------------------------------------------------

  const DONE = {
    open: 'ctl_poll_done_open', reopen: 'ctl_poll_done_reopen', close: 'ctl_poll_done_close', show: 'ctl_poll_done_show',
    hide: 'ctl_poll_done_hide', reveal: 'ctl_poll_done_reveal', screen: 'ctl_poll_done_screen',
    unscreen: 'ctl_poll_done_unscreen', delete: 'ctl_poll_done_delete',
  };
  const INVERSE = { close: 'open', show: 'hide', hide: 'show', unscreen: 'screen' };
  const post = (id, action) => api.post(`/polls/${encodeURIComponent(id)}/${action}`);

  function act(p, action, busy) {
    const name = clip(p.title, 24);
    const done = t(DONE[action === 'open' && p.state === 'closed' ? 'reopen' : action], { title: name });
    let undo = null;
    if (action === 'delete') {
      const body = bodyOf(p);
      undo = async () => { const rec = keep(await api.post('/polls', body)); showNew = rec.id; return rec; };
    } else if (action === 'screen') {
      const before = screenId;
      undo = async () => keep(await (before && record(before) ? post(before, 'screen') : post(p.id, 'unscreen')));
    } else if (INVERSE[action]) {
      undo = async () => keep(await post(p.id, INVERSE[action]));
    }
    return ctx.act(async () => {
      const rec = await post(p.id, action);
      if (action === 'delete') drop(p.id); else keep(rec);
      if (action === 'reveal') loadBoard();
      return rec;
    }, { busy, done, undo });
  }

  box.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-act]');
    const li = e.target.closest('.pc');
    if (!b || !li) return;
    const p = record(li.dataset.id);
    if (!p) return;
    if (b.dataset.act === 'edit') editDraft(p);
    else act(p, b.dataset.act, b);
  });

  // ---- the form: a new poll or a draft -------------------------------------------------------------

  const form = $('poll-form');
  const optsBox = $('poll-options');
  const titleInput = $('poll-title');
  let kind = 'single';

  function formMessage(msg) {
    const m = $('poll-form-msg');
    m.hidden = !msg;
    m.textContent = msg || '';
  }

  function setKind(k) {
    kind = KINDS.includes(k) ? k : 'single';
    for (const r of form.querySelectorAll('input[name="poll-kind"]')) r.checked = r.value === kind;
    form.dataset.kind = kind;
    $('poll-kind-hint').textContent = t(`ctl_poll_kind_${kind}_hint`);
    $('poll-options-wrap').hidden = !CHOICE.has(kind);
    $('poll-scale-wrap').hidden = kind !== 'rating';
    $('poll-change-wrap').hidden = kind === 'quiz';
    if (CHOICE.has(kind)) while (optsBox.children.length < MIN_OPTIONS) addOption('');
    renumber();
  }

  function addOption(value, correct = false, after = null) {
    if (optsBox.children.length >= MAX_OPTIONS) return null;
    const li = el('li', 'cpl-opt');
    const letter = el('b', 'cpl-opt-letter');
    letter.setAttribute('aria-hidden', 'true');
    const input = el('input', 'cinput cpl-opt-text');
    input.type = 'text';
    input.maxLength = OPTION_MAX;
    input.value = value || '';
    const mark = el('label', 'cpl-opt-correct');
    const check = el('input');
    check.type = 'checkbox';
    check.className = 'cpl-opt-correct-box';
    check.checked = Boolean(correct);
    mark.append(check, icon('check'), el('span', null, t('ctl_poll_correct')));
    const remove = el('button', 'abtn abtn-quiet cpl-opt-remove');
    remove.type = 'button';
    remove.append(icon('x'));
    li.append(letter, input, mark, remove);
    if (after && after.parentNode === optsBox) after.after(li); else optsBox.append(li);
    renumber();
    return li;
  }

  function renumber() {
    const rows = [...optsBox.children];
    rows.forEach((li, i) => {
      const L = String.fromCharCode(65 + i);
      li.querySelector('.cpl-opt-letter').textContent = L;
      li.querySelector('.cpl-opt-text').placeholder = t('ctl_poll_option_placeholder', { letter: L });
      li.querySelector('.cpl-opt-text').setAttribute('aria-label', t('ctl_poll_option_label', { letter: L }));
      li.querySelector('.cpl-opt-correct-box').setAttribute('aria-label', t('ctl_poll_correct_label', { letter: L }));
      const rm = li.querySelector('.cpl-opt-remove');
      rm.disabled = rows.length <= MIN_OPTIONS;
      rm.setAttribute('aria-label', t('ctl_poll_option_remove', { letter: L }));
      rm.title = t('ctl_poll_option_remove', { letter: L });
    });
    $('poll-add-option').disabled = rows.length >= MAX_OPTIONS;
    $('poll-options-note').textContent = t(kind === 'quiz' ? 'ctl_poll_options_note_quiz' : 'ctl_poll_options_note', { n: rows.length, max: MAX_OPTIONS });
  }

  function resetForm() {
    editing = null;
    form.dataset.mode = 'new';
    $('poll-form-h').textContent = t('ctl_poll_form_new');
    $('poll-cancel').hidden = true;
    $('poll-save').textContent = t('ctl_poll_save');
    titleInput.value = '';
    optsBox.replaceChildren();
    for (const r of form.querySelectorAll('input[name="poll-scale"]')) r.checked = r.value === '5';
    $('poll-allow-change').checked = true;
    formMessage('');
    setKind('single');
    queue();
  }

  function editDraft(p) {
    editing = p.id;
    form.dataset.mode = 'edit';
    $('poll-form-h').textContent = t('ctl_poll_form_edit');
    $('poll-cancel').hidden = false;
    $('poll-save').textContent = t('ctl_poll_save_changes');
    titleInput.value = p.title || '';
    optsBox.replaceChildren();
    for (const o of p.options || []) addOption(o.text, (p.correct || []).includes(o.id));
    for (const r of form.querySelectorAll('input[name="poll-scale"]')) r.checked = r.value === String(scaleMax(p));
    $('poll-allow-change').checked = Boolean(p.allow_change);
    formMessage('');
    setKind(p.kind);
    form.scrollIntoView({ block: 'nearest' });
    titleInput.focus();
    queue();
  }

  /** The form as a request body, or {error, field} when something is missing. */
  function formBody() {
    const body = { kind, title: titleInput.value.trim() };
    if (!body.title) return { error: t('ctl_poll_err_title'), field: titleInput };
    if (CHOICE.has(kind)) {
      const rows = [...optsBox.children].map((li) => ({
        input: li.querySelector('.cpl-opt-text'),
        text: li.querySelector('.cpl-opt-text').value.trim(),
        correct: li.querySelector('.cpl-opt-correct-box').checked,
      }));
      const filled = rows.filter((r) => r.text);
      if (filled.length < MIN_OPTIONS) {
        const empty = rows.find((r) => !r.text);
        return { error: t('ctl_poll_err_options', { n: MIN_OPTIONS }), field: empty ? empty.input : null };
      }
      body.options = filled.map((r) => r.text);
      if (kind === 'quiz') {
        body.correct = filled.map((r, i) => (r.correct ? i : -1)).filter((i) => i >= 0);
        if (!body.correct.length) return { error: t('ctl_poll_err_correct'), field: filled[0].input };
      }
    }
    if (kind === 'rating') body.scale = Number((form.querySelector('input[name="poll-scale"]:checked') || {}).value || 5);
    if (kind !== 'quiz') body.allow_change = $('poll-allow-change').checked;
    return { body };
  }

  async function save(thenOpen, busy) {
    const { body, error, field } = formBody();
    if (error) {
      formMessage(error);
      if (field) field.focus();
      return;
    }
    formMessage('');
    const id = editing;
    const buttons = [$('poll-save'), $('poll-save-open')];
    for (const b of buttons) b.disabled = true;
    try {
      const rec = await ctx.act(async () => keep(id
        ? await api.patch(`/polls/${encodeURIComponent(id)}`, body)
        : await api.post('/polls', body)), {
        done: thenOpen ? null : t(id ? 'ctl_poll_done_updated' : 'ctl_poll_done_created', { title: clip(body.title, 24) }),
      });
      if (!rec) return;
      showNew = rec.id;
      resetForm();
      if (thenOpen) await act(rec, 'open', busy);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  form.addEventListener('change', (e) => {
    if (e.target.name === 'poll-kind') { setKind(e.target.value); formMessage(''); }
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); save(false, $('poll-save')); });
  $('poll-save-open').addEventListener('click', (e) => save(true, e.currentTarget));
  $('poll-cancel').addEventListener('click', () => { resetForm(); titleInput.focus(); });
  $('poll-new').addEventListener('click', () => { resetForm(); titleInput.focus(); });
  $('poll-add-option').addEventListener('click', () => {
    const li = addOption('');
    if (li) li.querySelector('.cpl-opt-text').focus();
  });
  optsBox.addEventListener('click', (e) => {
    const rm = e.target.closest('.cpl-opt-remove');
    if (!rm || optsBox.children.length <= MIN_OPTIONS) return;
    const li = rm.closest('.cpl-opt');
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    renumber();
    if (next) next.querySelector('.cpl-opt-text').focus();
  });
  // Enter in an option makes the next one (Ctrl+Enter saves); an IME's Enter picks a candidate.
  form.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.isComposing || e.keyCode === 229 || e.target.tagName !== 'INPUT') return;
    if (e.ctrlKey || e.metaKey) { e.preventDefault(); save(false, $('poll-save')); return; }
    if (e.target === titleInput) {
      e.preventDefault();
      const first = optsBox.querySelector('.cpl-opt-text');
      if (CHOICE.has(kind) && first) first.focus(); else save(false, $('poll-save'));
    } else if (e.target.classList.contains('cpl-opt-text')) {
      e.preventDefault();
      const li = e.target.closest('.cpl-opt');
      const next = li.nextElementSibling;
      if (next) next.querySelector('.cpl-opt-text').focus();
      else if (e.target.value.trim()) { const made = addOption('', false, li); if (made) made.querySelector('.cpl-opt-text').focus(); }
    }
  });

  // ---- the quiz leaderboard ------------------------------------------------------------------------

  let boardTimer = null;
  let leaders = [];

  function boardWanted() { return all().some((p) => p.kind === 'quiz' && p.revealed); }

  async function loadBoard() {
    clearTimeout(boardTimer);
    boardTimer = null;
    try {
      const out = await api.get('/polls/leaderboard');
      leaders = (out && out.leaders) || [];
      renderBoard();
    } catch (err) { ctx.fail(err); }
  }

  function scheduleBoard() {
    clearTimeout(boardTimer);
    boardTimer = setTimeout(loadBoard, 300);
  }

  function seconds(s) {
    const n = Number(s) || 0;
    return n < 60 ? t('ctl_poll_seconds', { n: n.toFixed(1) }) : t('ctl_poll_minutes', { m: Math.floor(n / 60), s: Math.round(n % 60) });
  }

  function renderBoard() {
    $('poll-board').hidden = !(leaders.length || boardWanted());
    $('poll-leaders').replaceChildren(...leaders.map((l, i) => {
      const li = el('li', `cpl-leader${i < 3 ? ` is-top is-top-${i + 1}` : ''}`);
      li.append(
        el('span', 'cpl-rank', String(i + 1)),
        el('span', 'cpl-leader-name', l.nickname || t('anonymous')),
        el('span', 'cpl-leader-correct', t('ctl_poll_leader_correct', { n: ctx.num(l.correct || 0) })),
        el('span', 'cpl-leader-time', seconds(l.seconds)),
      );
      return li;
    }));
    $('poll-leaders-empty').hidden = leaders.length > 0;
  }

  $('poll-board-refresh').addEventListener('click', async (e) => {
    e.currentTarget.disabled = true;
    await loadBoard();
    e.currentTarget.disabled = false;
  });

  // ---- copying another lecture's polls -----------------------------------------------------------

  const codeInput = $('poll-copy-code');
  codeInput.addEventListener('input', () => {
    const v = codeInput.value.toUpperCase().replace(/[^0-9A-Z]/g, '');
    if (v !== codeInput.value) codeInput.value = v;
  });
  $('poll-copy').addEventListener('submit', async (e) => {
    e.preventDefault();
    const from = codeInput.value.trim().toUpperCase();
    if (!CODE_RE.test(from)) { ctx.toast(t('ctl_poll_copy_bad_code'), { kind: 'error' }); codeInput.focus(); return; }
    if (from === String(ctx.code).toUpperCase()) { ctx.toast(t('ctl_poll_copy_same'), { kind: 'error' }); codeInput.focus(); return; }
    const go = $('poll-copy-go');
    go.disabled = true;
    try {
      const out = await api.post('/polls/copy', { from });
      const made = (out && out.polls) || [];
      for (const p of made) keep(p);
      if (made.length) showNew = made[0].id;
      codeInput.value = '';
      ctx.toast(t(made.length ? 'ctl_poll_copy_done' : 'ctl_poll_copy_none', { count: made.length, code: from }), { kind: made.length ? 'ok' : 'info' });
    } catch (err) {
      if (err && err.code === 'not_found') ctx.toast(t('ctl_poll_copy_not_found', { code: from }), { kind: 'error' });
      else ctx.fail(err, () => $('poll-copy').requestSubmit());
    } finally {
      go.disabled = false;
    }
  });

  // ---- rendering -----------------------------------------------------------------------------------

  function render() {
    queued = false;
    const polls = all();
    if (editing) {
      const p = polls.find((x) => x.id === editing);
      if (!p || p.state !== 'draft') {
        ctx.toast(t(p ? 'ctl_poll_edit_opened' : 'ctl_poll_edit_gone'), { kind: 'info' });
        resetForm();
      }
    }
    ui.syncCards(box, nodes, polls, { make: card, stale: (n, p) => n.sig !== sig(p), update });
    const by = { draft: 0, open: 0, closed: 0 };
    for (const p of polls) by[p.state] = (by[p.state] || 0) + 1;
    $('polls-count').textContent = ctx.num(polls.length);
    $('polls-summary').textContent = polls.length ? t('ctl_poll_summary', { open: ctx.num(by.open), draft: ctx.num(by.draft), closed: ctx.num(by.closed) }) : '';
    $('polls-empty').hidden = polls.length > 0;
    const badge = $('nav-poll-count');
    if (badge) badge.textContent = by.open ? ctx.num(by.open) : '';
    if (showNew && nodes.has(showNew)) {
      const n = nodes.get(showNew).node;
      showNew = null;
      n.scrollIntoView({ block: 'nearest' });
      n.classList.remove('is-new');
      void n.offsetWidth; // restart the flash
      n.classList.add('is-new');
    }
    $('poll-board').hidden = !(leaders.length || boardWanted());
  }

  function queue() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(render);
  }

  /** After a resumed reconnect or a conflict: the records and results as the server has them now. */
  async function refresh() {
    try {
      const out = await api.get('/polls');
      const have = new Set();
      for (const p of out.polls || []) {
        have.add(p.id);
        const live = ctx.client && ctx.client.polls.get(p.id);
        if (!live || JSON.stringify(live) !== JSON.stringify(p)) overrides.set(p.id, p);
      }
      for (const id of ctx.client ? ctx.client.polls.keys() : []) if (!have.has(id)) gone.add(id);
      screenId = null;
      for (const p of out.polls || []) noteScreen(p);
      for (const [id, r] of Object.entries(out.results || {})) results.set(id, r);
      queue();
      if (boardWanted()) scheduleBoard();
    } catch (err) { ctx.fail(err); }
  }

  // ---- the bus -------------------------------------------------------------------------------------

  ctx.on('reset', () => {
    overrides.clear();
    gone.clear();
    results.clear();
    for (const n of nodes.values()) n.node.remove();
    nodes.clear();
    leaders = [];
    renderBoard();
    queue();
  });
  ctx.on('polls', (d) => {
    if (d.reset) {
      screenId = null;
      for (const p of ctx.client ? ctx.client.polls.values() : []) noteScreen(p);
      for (const [id, r] of ctx.client ? ctx.client.pollResults : []) results.set(id, r);
      if (boardWanted()) loadBoard();
    }
    for (const id of d.changed || []) overrides.delete(id);
    for (const id of d.removed || []) { overrides.delete(id); if (screenId === id) screenId = null; }
    queue();
  });
  ctx.on('pollresults', (d) => {
    for (const [id, r] of Object.entries(d.results || {})) if (r && typeof r === 'object') results.set(id, r);
    queue();
  });
  ctx.on('events', (d) => {
    let board = false;
    for (const ev of d.events) {
      if (!ev.kind || !ev.kind.startsWith('poll.') || !ev.data || !ev.data.id) continue;
      if (ev.kind === 'poll.deleted') { if (screenId === ev.data.id) screenId = null; } else noteScreen(ev.data);
      if (ev.data.kind === 'quiz' && (ev.kind === 'poll.revealed' || ev.data.revealed)) board = true;
    }
    if (board) scheduleBoard();
    queue();
  });
  ctx.on('moderation', () => refresh()); // a resumed socket: what happened while it was away
  ctx.on('conflict', () => refresh());
  ctx.on('signedout', () => { resetForm(); leaders = []; renderBoard(); });

  resetForm();
  renderBoard();
}
