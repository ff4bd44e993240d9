// The lecture's status (go live, end), its settings (each control saves on
// change), the word lists, the banned and muted viewers, the speakers'
// links and the moderator key.
// User text is only ever inserted with textContent / text nodes.

const SLOW_STEPS = [0, 3, 5, 10, 15, 30, 60, 120, 300, 600];
const RETENTION_STEPS = [0, 7, 30, 90, 180, 365];

export function init(ctx) {
  const { t, ui, api, common } = ctx;
  const { $, el, icon } = ui;

  // ---- status: go live, end ---------------------------------------------------------------

  function renderStatus(lec) {
    const s = lec.status;
    $('go-live').hidden = s === 'live';
    $('go-live-label').textContent = t(s === 'ended' ? 'ctl_reopen_live' : 'ctl_go_live');
    $('end-live').hidden = s !== 'live';
    if (s !== 'live') closeEnd();
  }

  function setStatus(status, busy) {
    return ctx.act(() => api.post('/status', { status }), {
      busy, done: t(status === 'live' ? 'ctl_done_live' : 'ctl_done_ended'),
    });
  }

  function closeEnd() {
    $('end-confirm').hidden = true;
    $('end-live').setAttribute('aria-expanded', 'false');
  }

  $('go-live').addEventListener('click', (e) => setStatus('live', e.currentTarget));
  // Ending is the one action that asks first: viewers can no longer write afterwards.
  $('end-live').addEventListener('click', () => {
    const open = $('end-confirm').hidden;
    $('end-confirm').hidden = !open;
    $('end-live').setAttribute('aria-expanded', String(open));
    if (open) $('end-confirm-no').focus();
  });
  $('end-confirm-no').addEventListener('click', () => { closeEnd(); $('end-live').focus(); });
  $('end-confirm-yes').addEventListener('click', async (e) => {
    const lec = await setStatus('ended', e.currentTarget);
    if (lec) closeEnd();
  });

  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (!$('end-confirm').hidden) closeEnd();
    if (!$('rotate-confirm').hidden) closeRotate();
  });
  document.addEventListener('click', (e) => {
    if (!$('end-confirm').hidden && !e.target.closest('#status-actions')) closeEnd();
  });

  // ---- settings, saved on change ---------------------------------------------------------------

  const controls = [...document.querySelectorAll('[data-setting]')];

  function slowLabel(s) {
    if (!s) return t('ctl_slow_off');
    return s < 60 ? t('ctl_seconds', { n: s }) : t('ctl_minutes', { n: Math.round(s / 6) / 10 });
  }

  const retentionLabel = (d) => (d ? t('ctl_days', { n: d }) : t('ctl_keep_all'));

  /** A select of numeric steps that also offers the value in force (one set through the API). */
  function fillSteps(sel, steps, value, label) {
    const all = steps.includes(value) ? steps : [...steps, value].sort((a, b) => a - b);
    if (sel.options.length !== all.length || [...sel.options].some((o, i) => Number(o.value) !== all[i])) {
      sel.replaceChildren(...all.map((s) => new Option(label(s), String(s))));
    }
  }

  function renderSettings(lec) {
    const set = (lec && lec.settings) || {};
    for (const c of controls) {
      const key = c.dataset.setting;
      // A number being typed is not overwritten by another moderator's change meanwhile.
      if (!(key in set) || c.dataset.saving || (c.type === 'number' && document.activeElement === c)) continue;
      if (key === 'slow_mode_s') fillSteps(c, SLOW_STEPS, Number(set[key]) || 0, slowLabel);
      if (key === 'retention_days') fillSteps(c, RETENTION_STEPS, Number(set[key]) || 0, retentionLabel);
      if (c.type === 'checkbox') c.checked = Boolean(set[key]);
      else c.value = String(set[key]);
    }
    for (const f of fields) {
      if (lec && !f.dataset.saving && document.activeElement !== f) f.value = fieldText(f.dataset.field, lec[f.dataset.field]);
    }
    $('mode-hint').textContent = t(`ctl_mode_${set.comment_mode || 'filtered'}_hint`);
    $('words-mode-note').hidden = set.comment_mode !== 'open';
  }

  async function saveSetting(c) {
    const key = c.dataset.setting;
    let value = c.type === 'checkbox' ? c.checked : c.value;
    if ('number' in c.dataset) value = Number(value);
    c.dataset.saving = '1';
    const rec = await ctx.act(() => api.patch('', { settings: { [key]: value } }), {});
    delete c.dataset.saving;
    if (rec) {
      ctx.toast(t('ctl_saved_setting', { name: t(`ctl_setting_${key}`) }), { kind: 'ok', ms: 2500 });
    }
    const lec = rec || ctx.lecture(); // on failure the control shows what is in force
    renderSettings(lec);
    if (c.type === 'number') c.value = String(lec.settings[key]); // renderSettings left it alone: it has focus
  }

  for (const c of controls) c.addEventListener('change', () => saveSetting(c));

  // ---- the lecture in the catalogue, and its recording: saved on change ------------------------------------

  const fields = [...document.querySelectorAll('[data-field]')];
  const FIELD_LABELS = { series: 'ctl_series', tags: 'ctl_tags', video_url: 'ctl_video' };

  function fieldText(key, value) {
    if (key === 'tags') return (value || []).join(t('ctl_list_sep'));
    return value || '';
  }

  function fieldValue(f) {
    const text = f.value.trim();
    if (f.dataset.field === 'tags') return text.split(/[,，、;；]+/).map((s) => s.trim()).filter(Boolean);
    return text || null;
  }

  async function saveField(f) {
    const key = f.dataset.field;
    f.dataset.saving = '1';
    const rec = await ctx.act(() => api.patch('', { [key]: fieldValue(f) }), {});
    delete f.dataset.saving;
    if (rec) ctx.toast(t('ctl_saved_setting', { name: t(FIELD_LABELS[key]) }), { kind: 'ok', ms: 2500 });
    f.value = fieldText(key, (rec || ctx.lecture())[key]);
  }

  for (const f of fields) f.addEventListener('change', () => saveField(f));

  // ---- word lists ------------------------------------------------------------------------------------

  const blockedBox = $('words-blocked');
  const watchBox = $('words-watch');
  let saved = { blocked: [], watch: [] };
  let loaded = false;

  const same = (a, b) => a.length === b.length && a.every((w, i) => w === b[i]);
  const current = () => ({ blocked: common.wordsOf(blockedBox.value), watch: common.wordsOf(watchBox.value) });
  const dirty = () => { const c = current(); return !same(c.blocked, saved.blocked) || !same(c.watch, saved.watch); };

  function showWords(lists) {
    blockedBox.value = lists.blocked.join('\n');
    watchBox.value = lists.watch.join('\n');
    countWords();
  }

  function countWords() {
    const c = current();
    $('words-blocked-count').textContent = ctx.num(c.blocked.length);
    $('words-watch-count').textContent = ctx.num(c.watch.length);
    const changed = loaded && dirty();
    $('words-save').disabled = !changed;
    $('words-revert').hidden = !changed;
    if ($('words-status').dataset.keep) return; // a note of its own: saved, loaded, changed by another moderator
    wordsNote(changed ? t('ctl_words_unsaved') : '');
  }

  function wordsNote(text, keep) {
    const n = $('words-status');
    n.textContent = text;
    if (keep) n.dataset.keep = '1'; else delete n.dataset.keep;
  }

  function takeWords(words, defaults) {
    const wasDirty = loaded && dirty();
    saved = { blocked: [...(words.blocked || [])], watch: [...(words.watch || [])] };
    if (defaults) {
      $('words-defaults').textContent = defaults.blocked || defaults.watch
        ? t('ctl_words_defaults', { blocked: ctx.num(defaults.blocked || 0), watch: ctx.num(defaults.watch || 0) }) : '';
    }
    if (!wasDirty) showWords(saved);
    loaded = true;
    countWords();
    return wasDirty;
  }

  blockedBox.addEventListener('input', () => { delete $('words-status').dataset.keep; countWords(); });
  watchBox.addEventListener('input', () => { delete $('words-status').dataset.keep; countWords(); });
  $('words-revert').addEventListener('click', () => { showWords(saved); wordsNote(''); countWords(); });
  $('words-save').addEventListener('click', async (e) => {
    const lists = current();
    const out = await ctx.act(() => api.put('/words', lists), { busy: e.currentTarget });
    if (!out) return;
    saved = { blocked: out.blocked, watch: out.watch };
    showWords(saved);
    wordsNote(t('ctl_words_saved', { blocked: ctx.num(out.blocked.length), watch: ctx.num(out.watch.length) }), true);
    countWords();
    ctx.toast(t('ctl_words_saved', { blocked: ctx.num(out.blocked.length), watch: ctx.num(out.watch.length) }), { kind: 'ok' });
  });
  $('words-file').addEventListener('change', async (e) => {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) { ctx.toast(t('ctl_words_file_big'), { kind: 'error' }); return; }
    const { blocked, watch } = common.parseWordFile(await file.text());
    const c = current();
    const add = (list, more) => { const have = new Set(list); return [...list, ...more.filter((w) => !have.has(w) && have.add(w))]; };
    const next = { blocked: add(c.blocked, blocked), watch: add(c.watch, watch) };
    showWords(next);
    wordsNote(t('ctl_words_loaded', { blocked: ctx.num(next.blocked.length - c.blocked.length), watch: ctx.num(next.watch.length - c.watch.length), file: file.name }), true);
    countWords();
  });

  // ---- banned and muted viewers ------------------------------------------------------------------------

  function renderRestrictions() {
    const list = [...ctx.restrictions.values()].sort((a, b) => String(b.at).localeCompare(String(a.at)));
    $('restrictions').replaceChildren(...list.map((r) => {
      const li = el('li', 'restr');
      li.dataset.viewer = r.viewer;
      const who = el('div', 'restr-who');
      who.append(el('b', null, r.nickname || t('anonymous')), el('code', 'restr-handle', r.viewer));
      const info = el('div', 'restr-info');
      info.append(el('span', `tag tag-restricted tag-${r.mode}`, t(`ctl_author_${r.mode}`)), el('span', 'restr-time', common.clock(r.at, ctx.lang)));
      const acts = el('div', 'restr-acts');
      acts.append(
        common.button(el, icon, { label: t(r.mode === 'banned' ? 'ctl_to_muted' : 'ctl_to_banned'), act: r.mode === 'banned' ? 'muted' : 'banned', cls: 'abtn abtn-quiet' }),
        common.button(el, icon, { label: t('ctl_lift'), act: 'none', iconName: 'undo', cls: 'abtn abtn-on' }),
      );
      li.append(who, info, acts);
      return li;
    }));
    $('restrictions-count').textContent = ctx.num(list.length);
    $('restrictions-empty').hidden = list.length > 0;
  }

  $('restrictions').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-act]');
    const li = e.target.closest('.restr');
    if (!b || !li) return;
    const viewer = li.dataset.viewer;
    const before = ctx.restrictions.get(viewer);
    const mode = b.dataset.act;
    const name = (before && before.nickname) || t('anonymous');
    ctx.act(() => api.post('/restrictions', { viewer, mode }), {
      busy: b,
      done: mode === 'none' ? t('ctl_done_lift', { name }) : null,
      undo: mode === 'none' && before ? () => api.post('/restrictions', { viewer, mode: before.mode }) : null,
    });
  });

  // ---- speakers' links and the key ---------------------------------------------------------------------------

  function renderLinks(links) {
    $('speaker-links').replaceChildren(...(links || []).map((l, i) => {
      const li = el('li', 'link');
      const id = `speaker-link-${i}`;
      const label = el('label', 'link-name', l.name);
      label.htmlFor = id;
      const input = el('input', 'cinput link-url');
      input.id = id;
      input.type = 'text';
      input.readOnly = true;
      input.value = l.url;
      const copy = common.button(el, icon, { label: t('ctl_copy'), iconName: 'copy', cls: 'cbtn cbtn-sm' });
      copy.dataset.copy = id;
      const row = el('div', 'copy-row');
      row.append(input, copy);
      li.append(label, row);
      return li;
    }));
    $('speaker-links-empty').hidden = Boolean(links && links.length);
  }

  document.addEventListener('click', async (e) => {
    const b = e.target.closest('button[data-copy]');
    if (!b) return;
    const input = $(b.dataset.copy);
    const ok = await common.copyText(input.value, input);
    ctx.toast(t(ok ? 'ctl_copied' : 'ctl_copy_manual'), { kind: ok ? 'ok' : 'info', ms: 2500 });
  });

  function closeRotate() {
    $('rotate-confirm').hidden = true;
    $('rotate-key').hidden = false;
    $('rotate-key').setAttribute('aria-expanded', 'false');
  }

  // Rotating ends every other moderator's session and every speaker link: asked once, inline.
  $('rotate-key').addEventListener('click', () => {
    $('rotate-confirm').hidden = false;
    $('rotate-key').hidden = true;
    $('rotate-key').setAttribute('aria-expanded', 'true');
    $('rotate-no').focus();
  });
  $('rotate-no').addEventListener('click', () => { closeRotate(); $('rotate-key').focus(); });
  $('rotate-yes').addEventListener('click', async (e) => {
    const url = await ctx.act(() => ctx.rotateKey(), { busy: e.currentTarget, done: t('ctl_done_rotate') });
    closeRotate();
    if (!url) return;
    $('key-new').hidden = false;
    $('new-control-link').value = url;
    $('new-control-link').focus();
    $('new-control-link').select();
  });

  // ---- the bus --------------------------------------------------------------------------------------------

  ctx.on('session', (d) => {
    renderLinks(d.session.speaker_links);
    $('ingest-token').value = d.session.ingest_token || '';
  });
  ctx.on('lecture', (d) => { renderStatus(d.lecture); renderSettings(d.lecture); });
  ctx.on('reset', (d) => {
    if (d.moderation) takeWords(d.moderation.words || {}, d.moderation.default_words);
    renderRestrictions();
  });
  ctx.on('moderation', (d) => { if (d.moderation) takeWords(d.moderation.words || {}, d.moderation.default_words); });
  ctx.on('restrictions', renderRestrictions);
  ctx.on('events', (d) => {
    for (const ev of d.events) {
      if (ev.kind !== 'words.updated' || !ev.data) continue;
      const mine = ev.by && ctx.session && ev.by === ctx.session.name;
      if (takeWords(ev.data) && !mine) wordsNote(t('ctl_words_changed', { name: ev.by || '' }), true);
    }
  });
  ctx.on('signedout', () => { $('key-new').hidden = true; });

  const lec = ctx.lecture();
  renderStatus(lec);
  renderSettings(lec);
  renderRestrictions();
  countWords();
}
