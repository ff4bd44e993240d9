// The questions board: the one being answered pinned on top, then pending
// (oldest first), approved (most votes first), answered and dismissed, with
// counts. On a card: the state changes (always sent with `expect`, so two
// moderators acting at once get a conflict, not a double action), the
// speaker who answers it, a written answer, and merging a duplicate.
// User text is only ever inserted with textContent / text nodes.

const COLUMNS = ['pending', 'approved', 'answered', 'dismissed'];

export function init(ctx) {
  const { t, ui, api, common } = ctx;
  const { $, el, icon, clip } = ui;
  const time = (iso) => common.clock(iso, ctx.lang);

  /** Records the API answered with, newer than what the socket has said so far. */
  const overrides = new Map();
  const drafts = new Map();     // id → the written answer being typed
  const editing = new Set();    // ids whose answer editor is open
  const merging = new Set();    // ids whose merge picker is open
  const boxes = { answering: $('q-answering-list') };
  const nodes = { answering: new Map() };
  for (const col of COLUMNS) { boxes[col] = $(`qlist-${col}`); nodes[col] = new Map(); }
  let queued = false;

  function record(id) {
    const live = ctx.client ? ctx.client.questions.get(id) : null;
    const fetched = overrides.get(id);
    if (!fetched) return live;
    if (!live) return fetched;
    if ((live.updated_at || '') >= (fetched.updated_at || '')) { overrides.delete(id); return live; }
    return { ...fetched, votes: live.votes };
  }

  function all() {
    const ids = new Set([...(ctx.client ? ctx.client.questions.keys() : []), ...overrides.keys()]);
    return [...ids].map(record).filter(Boolean);
  }

  const bySeq = (a, b) => (a.seq || 0) - (b.seq || 0);
  const byVotes = (a, b) => (b.votes || 0) - (a.votes || 0) || bySeq(a, b);
  const byUpdate = (a, b) => String(b.updated_at || '').localeCompare(String(a.updated_at || '')) || bySeq(b, a);

  function columns() {
    const out = { answering: [], pending: [], approved: [], answered: [], dismissed: [] };
    for (const q of all()) (out[q.state] || out.pending).push(q);
    // One is answered at a time: a newer "answering" moves the one before it to "answered"
    // (the server does so; this shows it before the socket has said it).
    out.answering.sort(byUpdate);
    for (const q of out.answering.splice(1)) out.answered.push({ ...q, state: 'answered' });
    out.pending.sort(bySeq);
    out.approved.sort(byVotes);
    out.answered.sort(byUpdate);
    out.dismissed.sort(byUpdate);
    return out;
  }

  const speakers = () => ((ctx.lecture() || {}).speakers || []).map((s) => s.name).filter(Boolean);
  const sig = (q) => [q.state, q.text, q.answer, q.speaker, q.nickname, q.anonymous, (q.merged || []).length, q.merged_into,
    ctx.modeOf(ctx.handleOf(q)), editing.has(q.id), merging.has(q.id), speakers().join('\u0001')].join('|');

  // ---- a card ---------------------------------------------------------------------------------

  function btn(label, act, iconName, cls = 'abtn') {
    return common.button(el, icon, { label, act, iconName, cls });
  }

  function card(q) {
    const li = el('li', `qc is-${q.state}`);
    li.dataset.id = q.id;
    li.dataset.state = q.state;
    const refs = {};
    const head = el('div', 'qc-head');
    refs.votes = el('span', 'qc-votes');
    refs.votes.append(icon('up'), (refs.n = el('b', null, ctx.num(q.votes || 0))));
    refs.votes.title = t('ctl_q_votes');
    head.append(refs.votes, el('span', 'qc-author', q.anonymous || !q.nickname ? t('anonymous') : q.nickname));
    const tm = el('time', 'qc-time', time(q.created_at));
    tm.dateTime = q.created_at || '';
    head.append(tm);
    if (q.speaker) {
      const s = el('span', 'tag tag-speaker');
      s.append(icon('mic'), document.createTextNode(q.speaker));
      head.append(s);
    }
    if (q.merged && q.merged.length) head.append(el('span', 'tag tag-muted', t('ctl_q_merged_n', { count: q.merged.length })));
    const mode = ctx.modeOf(ctx.handleOf(q));
    if (mode) head.append(el('span', `tag tag-restricted tag-${mode}`, t(`ctl_author_${mode}`)));
    li.append(head, el('p', 'qc-text', q.text));
    if (q.answer && !editing.has(q.id)) {
      const ans = el('div', 'qc-answer');
      ans.append(el('p', 'qc-answer-h', t('ctl_q_written')), el('p', 'qc-answer-text', q.answer));
      li.append(ans);
    }
    if (q.merged_into) {
      const target = record(q.merged_into);
      li.append(el('p', 'qc-merged', t('ctl_q_merged_into', { text: target ? clip(target.text, 40) : q.merged_into })));
    }

    const acts = el('div', 'qc-acts');
    const S = q.state;
    if (S === 'pending') acts.append(btn(t('ctl_q_approve'), 'approved', 'check', 'abtn abtn-ok'));
    if (S === 'pending' || S === 'approved' || S === 'answered') acts.append(btn(t(S === 'answered' ? 'ctl_q_answer_again' : 'ctl_q_answer_now'), 'answering', 'live', 'abtn abtn-live'));
    if (S === 'approved' || S === 'answering' || S === 'pending') acts.append(btn(t('ctl_q_mark_answered'), 'answered', 'check'));
    if (S === 'answering') acts.append(btn(t('ctl_q_stop'), 'approved', 'pause'));
    if (S === 'answered') acts.append(btn(t('ctl_q_reopen'), 'approved', 'undo', 'abtn abtn-quiet'));
    if (S === 'dismissed') acts.append(btn(t('ctl_q_restore'), 'approved', 'undo', 'abtn abtn-on'));
    if (S !== 'dismissed') acts.append(btn(t('ctl_q_dismiss'), 'dismissed', 'x', 'abtn abtn-quiet'));
    li.append(acts);

    if (S !== 'dismissed') {
      const tools = el('div', 'qc-tools');
      const label = el('label', 'qc-speaker-l');
      label.append(icon('mic'));
      const sel = el('select', 'cselect cselect-sm qc-speaker');
      sel.setAttribute('aria-label', t('ctl_q_speaker'));
      sel.append(new Option(t('ctl_q_no_speaker'), ''));
      const names = speakers();
      if (q.speaker && !names.includes(q.speaker)) names.push(q.speaker);
      for (const n of names) sel.append(new Option(n, n));
      sel.value = q.speaker || '';
      label.append(sel);
      tools.append(label);
      if (!editing.has(q.id)) tools.append(btn(t(q.answer ? 'ctl_q_edit_answer' : 'ctl_q_write_answer'), 'edit', 'edit', 'abtn abtn-quiet'));
      if (!merging.has(q.id)) tools.append(btn(t('ctl_q_merge'), 'merge', 'merge', 'abtn abtn-quiet'));
      li.append(tools);
    }

    if (editing.has(q.id)) li.append(editor(q));
    if (merging.has(q.id) && S !== 'dismissed') li.append(mergePicker(q));
    return { node: li, rec: q, refs, sig: sig(q) };
  }

  function editor(q) {
    const box = el('div', 'qc-editor');
    const area = el('textarea', 'ctext qc-editor-text');
    area.rows = 3;
    area.maxLength = 2000;
    area.placeholder = t('ctl_q_answer_placeholder');
    area.setAttribute('aria-label', t('ctl_q_written'));
    area.value = drafts.has(q.id) ? drafts.get(q.id) : q.answer || '';
    area.addEventListener('input', () => drafts.set(q.id, area.value));
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); saveAnswer(q.id, q.state !== 'answered'); }
      if (e.key === 'Escape') { e.preventDefault(); closeEditor(q.id); }
    });
    const row = el('div', 'qc-editor-acts');
    row.append(btn(t('ctl_cancel'), 'edit-cancel', null, 'abtn abtn-quiet'));
    if (q.state === 'answered') row.append(btn(t('ctl_q_save_answer'), 'save-answer', 'check', 'abtn abtn-ok'));
    else row.append(btn(t('ctl_q_save_only'), 'save-answer', null, 'abtn'), btn(t('ctl_q_save_answered'), 'save-answered', 'check', 'abtn abtn-ok'));
    box.append(area, row);
    return box;
  }

  function mergePicker(q) {
    const box = el('div', 'qc-merge');
    const sel = el('select', 'cselect cselect-sm qc-merge-target');
    sel.setAttribute('aria-label', t('ctl_q_merge_into'));
    sel.append(new Option(t('ctl_q_merge_pick'), ''));
    for (const o of all().filter((x) => x.id !== q.id && x.state !== 'dismissed').sort(byVotes)) {
      sel.append(new Option(`▲${o.votes || 0} · ${clip(o.text, 48)}`, o.id));
    }
    const row = el('div', 'qc-editor-acts');
    row.append(btn(t('ctl_cancel'), 'merge-cancel', null, 'abtn abtn-quiet'), btn(t('ctl_q_merge_go'), 'merge-go', 'merge', 'abtn abtn-ok'));
    box.append(el('p', 'qc-merge-h', t('ctl_q_merge_hint')), sel, row);
    return box;
  }

  // ---- acting ---------------------------------------------------------------------------------------

  function keep(rec) {
    if (rec && rec.id) overrides.set(rec.id, rec);
    queue();
  }

  function update(q, body, opts = {}) {
    const path = `/questions/${encodeURIComponent(q.id)}`;
    if (body.state) body.expect = q.state;
    return ctx.act(async () => { const rec = await api.post(path, body); keep(rec); return rec; }, opts);
  }

  function setState(q, state, busy) {
    const opts = { busy };
    if (state === 'dismissed') {
      opts.done = t('ctl_done_dismiss');
      opts.undo = async () => keep(await api.post(`/questions/${encodeURIComponent(q.id)}`, { state: 'approved', expect: 'dismissed' }));
    }
    return update(q, { state }, opts);
  }

  async function saveAnswer(id, markAnswered, busy) {
    const q = record(id);
    if (!q) return;
    const area = document.querySelector(`.qc[data-id="${CSS.escape(id)}"] .qc-editor-text`);
    const text = area ? area.value : drafts.get(id) || '';
    const body = { answer: text.trim() };
    if (markAnswered && q.state !== 'answered') body.state = 'answered';
    const rec = await update(q, body, { busy, done: t(body.answer ? 'ctl_done_answer' : 'ctl_done_answer_cleared') });
    if (rec) closeEditor(id);
  }

  function closeEditor(id) {
    editing.delete(id);
    drafts.delete(id);
    queue();
  }

  function onClick(e) {
    const li = e.target.closest('.qc');
    const b = e.target.closest('button[data-act]');
    if (!li || !b) return;
    const q = record(li.dataset.id);
    if (!q) return;
    const act = b.dataset.act;
    if (['approved', 'answering', 'answered', 'dismissed'].includes(act)) setState(q, act, b);
    else if (act === 'edit') { editing.add(q.id); queue(true); }
    else if (act === 'edit-cancel') closeEditor(q.id);
    else if (act === 'save-answer') saveAnswer(q.id, false, b);
    else if (act === 'save-answered') saveAnswer(q.id, true, b);
    else if (act === 'merge') { merging.add(q.id); queue(); }
    else if (act === 'merge-cancel') { merging.delete(q.id); queue(); }
    else if (act === 'merge-go') {
      const target = li.querySelector('.qc-merge-target').value;
      if (!target) { li.querySelector('.qc-merge-target').focus(); return; }
      const into = record(target);
      ctx.act(async () => {
        const rec = await api.post(`/questions/${encodeURIComponent(q.id)}`, { merge_into: target });
        merging.delete(q.id);
        keep(rec);
        return rec;
      }, { busy: b, done: t('ctl_done_merge', { text: into ? clip(into.text, 30) : target }) });
    }
  }

  function onChange(e) {
    const sel = e.target.closest('.qc-speaker');
    if (!sel) return;
    const q = record(sel.closest('.qc').dataset.id);
    if (q) update(q, { speaker: sel.value }, { done: sel.value ? t('ctl_done_speaker', { name: sel.value }) : null });
  }

  for (const box of Object.values(boxes)) {
    box.addEventListener('click', onClick);
    box.addEventListener('change', onChange);
  }

  // ---- rendering ---------------------------------------------------------------------------------

  let focusEditor = false;

  function render() {
    queued = false;
    const cols = columns();
    const active = document.activeElement;
    const editingId = active && active.classList && active.classList.contains('qc-editor-text') ? active.closest('.qc').dataset.id : null;
    const caret = editingId ? [active.selectionStart, active.selectionEnd] : null;
    for (const col of ['answering', ...COLUMNS]) {
      ui.syncCards(boxes[col], nodes[col], cols[col], {
        make: card,
        stale: (n, q) => n.sig !== sig(q),
        update: (n, q) => { n.rec = q; n.refs.n.textContent = ctx.num(q.votes || 0); },
      });
      if (col !== 'answering') {
        $(`qcol-${col}-count`).textContent = ctx.num(cols[col].length);
        $(`qlist-${col}-empty`).hidden = cols[col].length > 0;
      }
    }
    $('q-answering').classList.toggle('is-on', cols.answering.length > 0);
    $('q-answering-none').hidden = cols.answering.length > 0;
    $('nav-q-count').textContent = cols.pending.length ? ctx.num(cols.pending.length) : '';
    const again = editingId && document.querySelector(`.qc[data-id="${CSS.escape(editingId)}"] .qc-editor-text`);
    if (again && again !== document.activeElement) { again.focus(); again.setSelectionRange(caret[0], caret[1]); }
    if (focusEditor) {
      focusEditor = false;
      const open = [...editing].map((id) => document.querySelector(`.qc[data-id="${CSS.escape(id)}"] .qc-editor-text`)).find(Boolean);
      if (open) open.focus();
    }
  }

  function queue(focus) {
    if (focus) focusEditor = true;
    if (queued) return;
    queued = true;
    requestAnimationFrame(render);
  }

  /** Another moderator acted first: fetch the board again so the cards show what is true now. */
  async function refresh() {
    try {
      const { questions } = await api.get('/questions');
      for (const q of questions) {
        const live = ctx.client && ctx.client.questions.get(q.id);
        if (!live || (q.updated_at || '') > (live.updated_at || '') || q.state !== live.state) overrides.set(q.id, { ...q, updated_at: q.updated_at || '' });
      }
      queue();
    } catch (err) { ctx.fail(err); }
  }

  ctx.on('reset', () => {
    overrides.clear();
    for (const col of Object.keys(nodes)) { for (const n of nodes[col].values()) n.node.remove(); nodes[col].clear(); }
    queue();
  });
  ctx.on('questions', () => queue());
  ctx.on('lecture', () => queue());
  ctx.on('restrictions', () => queue());
  ctx.on('conflict', () => refresh());
}
