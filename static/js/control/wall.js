// The live wall (every comment, whatever its state, with hide / restore,
// feature and the author's ban / mute / lift) and the held queue (oldest
// first; approve and reject; j/k to move, a and r to act).
// User text is only ever inserted with textContent / text nodes.

export function init(ctx) {
  const { t, ui, api, common } = ctx;
  const { $, el, icon } = ui;
  const time = (iso) => common.clock(iso, ctx.lang);
  const name = (c) => c.nickname || t('anonymous');
  const post = (id, action) => api.post(`/comments/${encodeURIComponent(id)}/${action}`);

  // ---- what both lists show of a comment --------------------------------------------------

  function meta(c, extra) {
    const m = el('div', 'wc-meta');
    const tm = el('time', 'wc-time', time(c.created_at));
    tm.dateTime = c.created_at || '';
    m.append(tm, el('span', 'wc-name', name(c)));
    if (c.featured) {
      const tag = el('span', 'tag tag-featured');
      tag.append(icon('star'), document.createTextNode(t('featured')));
      m.append(tag);
    }
    if (c.state === 'hidden') m.append(el('span', 'tag tag-muted', t('ctl_state_hidden')));
    else if (c.state === 'muted') m.append(el('span', 'tag tag-muted', t('ctl_state_muted')));
    else if (c.state === 'held' && extra) m.append(el('span', 'tag tag-held', t('ctl_state_held')));
    const mode = ctx.modeOf(ctx.handleOf(c));
    if (mode) m.append(el('span', `tag tag-restricted tag-${mode}`, t(`ctl_author_${mode}`)));
    return m;
  }

  function actionButton(label, act, iconName, cls = 'abtn') {
    return common.button(el, icon, { label, act, iconName, cls });
  }

  function authorButtons(c) {
    const mode = ctx.modeOf(ctx.handleOf(c));
    const out = [];
    if (mode) out.push(actionButton(t(mode === 'banned' ? 'ctl_lift_ban' : 'ctl_lift_mute'), 'lift', 'undo', 'abtn abtn-quiet'));
    if (mode !== 'muted' && mode !== 'banned') out.push(actionButton(t('ctl_mute'), 'mute', 'mute', 'abtn abtn-quiet'));
    if (mode !== 'banned') out.push(actionButton(t('ctl_ban'), 'ban', 'ban', 'abtn abtn-quiet abtn-danger'));
    return out;
  }

  /** Ban, mute or lift the author of comment `c`, with the opposite as undo. */
  function restrict(c, action, busy) {
    const before = ctx.modeOf(ctx.handleOf(c));
    const who = name(c);
    const undoAction = before === 'banned' ? 'ban' : before === 'muted' ? 'mute' : 'lift';
    const done = action === 'ban' ? t('ctl_done_ban', { name: who }) : action === 'mute' ? t('ctl_done_mute', { name: who }) : t('ctl_done_lift', { name: who });
    return ctx.act(() => post(c.id, action), { done, undo: () => post(c.id, undoAction), busy });
  }

  // ---- the wall ----------------------------------------------------------------------------

  const box = $('wall');
  const nodes = new Map();
  let filter = 'all';
  let paused = false;
  let hovered = false;
  let unseen = 0;
  let newest = 0;
  let queued = false;
  let selected = null;
  let first = true;

  const FILTERS = {
    all: () => true,
    visible: (c) => c.state === 'visible',
    featured: (c) => c.featured,
    hidden: (c) => c.state === 'hidden' || c.state === 'muted',
  };

  function wallList() {
    const c = ctx.client;
    if (!c) return [];
    const pass = FILTERS[filter] || FILTERS.all;
    return c.comments.filter((rec) => rec.state !== 'held' && pass(rec));
  }

  const sig = (c) => `${c.state}|${c.featured}|${ctx.modeOf(ctx.handleOf(c))}|${c.text}`;

  function wallNode(c) {
    const li = el('li', `wc is-${c.state || 'visible'}`);
    li.dataset.id = c.id;
    li.dataset.state = c.state || 'visible';
    if (c.featured) li.classList.add('is-featured');
    if (c.id === selected) li.classList.add('is-selected');
    const main = el('div', 'wc-main');
    main.append(meta(c, true), el('p', 'wc-text', c.text));
    const acts = el('div', 'wc-acts');
    if (c.state === 'hidden') acts.append(actionButton(t('ctl_restore'), 'restore', 'eye', 'abtn abtn-on'));
    else acts.append(actionButton(t('ctl_hide'), 'hide', 'hide'));
    if (c.state === 'visible') {
      acts.append(c.featured ? actionButton(t('ctl_unfeature'), 'unfeature', 'star', 'abtn abtn-on') : actionButton(t('ctl_feature'), 'feature', 'star'));
    }
    acts.append(...authorButtons(c));
    li.append(main, acts);
    return { node: li, rec: c, sig: sig(c) };
  }

  function wallAction(c, action, busy) {
    if (action === 'ban' || action === 'mute' || action === 'lift') return restrict(c, action, busy);
    const undo = { hide: 'restore', feature: 'unfeature' }[action];
    const done = action === 'hide' ? t('ctl_done_hide') : null;
    return ctx.act(() => post(c.id, action), { done, undo: undo && done ? () => post(c.id, undo) : null, busy });
  }

  box.addEventListener('click', (e) => {
    const li = e.target.closest('.wc');
    if (!li) return;
    const b = e.target.closest('button[data-act]');
    const n = nodes.get(li.dataset.id);
    if (b && n) wallAction(n.rec, b.dataset.act, b);
    else select(li.dataset.id === selected ? null : li.dataset.id);
  });

  const nearBottom = () => box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const holding = () => paused || hovered;

  function syncWall() {
    queued = false;
    const stick = !holding() && (first || nearBottom());
    const list = wallList();
    const added = ui.syncCards(box, nodes, list, {
      make: wallNode, stale: (n, c) => n.sig !== sig(c), update: (n, c) => { n.rec = c; },
    });
    const fresh = first ? 0 : added.filter((c) => c.seq > newest).length;
    if (list.length) newest = Math.max(newest, list[list.length - 1].seq || 0);
    $('wall-empty').hidden = list.length > 0;
    $('wall-count').textContent = ctx.num(list.length);
    if (box.offsetParent !== null) first = false;
    if (stick) toEnd();
    else if (fresh) { unseen += fresh; renderHold(); }
  }

  function queueWall() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(syncWall);
  }

  function toEnd() {
    box.scrollTop = box.scrollHeight;
    unseen = 0;
    renderHold();
  }

  function renderHold() {
    const pill = $('wall-new');
    pill.hidden = unseen === 0;
    $('wall-new-text').textContent = t('new_comments', { count: unseen > 99 ? '99+' : unseen });
    const note = $('wall-paused');
    note.hidden = !holding();
    note.textContent = paused ? t('ctl_paused') : t('ctl_paused_hover');
    const btn = $('wall-pause');
    btn.setAttribute('aria-pressed', String(paused));
    $('wall-pause-label').textContent = paused ? t('ctl_resume') : t('ctl_pause');
  }

  function setPaused(on) {
    paused = on;
    if (!holding() && unseen) toEnd();
    renderHold();
  }

  $('wall-pause').addEventListener('click', () => setPaused(!paused));
  $('wall-new').addEventListener('click', () => { paused = false; hovered = false; toEnd(); });
  box.addEventListener('scroll', () => { if (unseen && nearBottom()) { unseen = 0; renderHold(); } }, { passive: true });
  // Comments do not move under the pointer: the wall holds while the mouse is on it.
  const wallBox = box.parentElement;
  wallBox.addEventListener('pointerenter', (e) => { if (e.pointerType === 'mouse') { hovered = true; renderHold(); } });
  wallBox.addEventListener('pointerleave', () => {
    if (!hovered) return;
    hovered = false;
    if (!paused && unseen) toEnd();
    renderHold();
  });
  $('wall-filter').addEventListener('change', (e) => {
    filter = e.target.value;
    for (const n of nodes.values()) n.node.remove();
    nodes.clear();
    first = true;
    queueWall();
  });

  function select(id) {
    if (selected === id) return;
    const old = selected && nodes.get(selected);
    if (old) old.node.classList.remove('is-selected');
    selected = id;
    const n = id && nodes.get(id);
    if (n) { n.node.classList.add('is-selected'); n.node.scrollIntoView({ block: 'nearest' }); }
  }

  function moveWall(step) {
    const ids = [...nodes.keys()];
    if (!ids.length) return;
    const i = ids.indexOf(selected);
    select(ids[Math.max(0, Math.min(ids.length - 1, i < 0 ? ids.length - 1 : i + step))]);
    if (!paused) setPaused(true); // moving through the wall holds it still
  }

  function wallKey(e) {
    const n = selected && nodes.get(selected);
    switch (e.key) {
      case 'j': case 'ArrowDown': moveWall(1); return true;
      case 'k': case 'ArrowUp': moveWall(-1); return true;
      case 'h': if (n) wallAction(n.rec, n.rec.state === 'hidden' ? 'restore' : 'hide'); return Boolean(n);
      case 'f': if (n && n.rec.state === 'visible') wallAction(n.rec, n.rec.featured ? 'unfeature' : 'feature'); return Boolean(n);
      case 'Escape': select(null); setPaused(false); return true;
      default: return false;
    }
  }

  // ---- the held queue -------------------------------------------------------------------------

  const heldBox = $('held');
  const heldNodes = new Map();
  const held = new Map(); // id → comment, oldest first
  let heldExtra = 0;       // held comments the server has beyond those loaded
  let cursor = null;
  let heldQueued = false;
  let refilling = false;

  function heldList() { return [...held.values()].sort((a, b) => a.seq - b.seq); }

  const heldSig = (c) => `${ctx.modeOf(ctx.handleOf(c))}|${c.text}`;

  function heldNode(c) {
    const li = el('li', 'hq');
    li.id = `hq-${c.id}`;
    li.dataset.id = c.id;
    if (c.id === cursor) li.setAttribute('aria-current', 'true');
    const main = el('div', 'wc-main');
    main.append(meta(c, false), el('p', 'wc-text', c.text));
    const acts = el('div', 'hq-acts');
    acts.append(
      common.button(el, icon, { label: t('ctl_approve'), act: 'approve', iconName: 'check', cls: 'abtn abtn-ok', key: 'a' }),
      common.button(el, icon, { label: t('ctl_reject'), act: 'reject', iconName: 'x', cls: 'abtn', key: 'r' }),
      ...authorButtons(c),
    );
    li.append(main, acts);
    return { node: li, rec: c, sig: heldSig(c) };
  }

  function renderHeld() {
    heldQueued = false;
    const list = heldList();
    if (!list.some((c) => c.id === cursor)) cursor = list.length ? list[0].id : null;
    ui.syncCards(heldBox, heldNodes, list, {
      make: heldNode,
      stale: (n, c) => n.sig !== heldSig(c),
      update: (n, c) => {
        n.rec = c;
        if (c.id === cursor) n.node.setAttribute('aria-current', 'true'); else n.node.removeAttribute('aria-current');
      },
    });
    const count = held.size + heldExtra;
    $('held-count').textContent = ctx.num(count);
    $('held-count').classList.toggle('is-hot', count > 0);
    $('nav-held-count').textContent = count ? ctx.num(count) : '';
    $('held-empty').hidden = list.length > 0;
    const more = $('held-more');
    more.hidden = heldExtra <= 0;
    more.textContent = heldExtra > 0 ? t('ctl_held_more', { count: ctx.num(heldExtra) }) : '';
    if (heldExtra > 0 && held.size < 200) refill();
  }

  function queueHeld() {
    if (heldQueued) return;
    heldQueued = true;
    requestAnimationFrame(renderHeld);
  }

  /** More of the queue than the snapshot carried: the moderation state again. */
  async function refill() {
    if (refilling) return;
    refilling = true;
    try {
      takeHeld(await api.get('/moderation'));
    } catch (err) { ctx.fail(err); } finally {
      setTimeout(() => { refilling = false; }, 2000);
    }
  }

  function takeHeld(m) {
    if (!m) return;
    held.clear();
    for (const c of m.held || []) held.set(c.id, c);
    heldExtra = Math.max(0, (m.held_count || 0) - held.size);
    queueHeld();
  }

  function heldAction(c, action, busy) {
    if (action === 'ban' || action === 'mute' || action === 'lift') return restrict(c, action, busy);
    const next = nextCursor(c.id);
    const undo = action === 'approve' ? 'hide' : 'restore';
    return ctx.act(async () => {
      const rec = await post(c.id, action);
      if (held.delete(c.id)) { if (cursor === c.id) cursor = next; queueHeld(); }
      return rec;
    }, {
      done: action === 'approve' ? t('ctl_done_approve') : t('ctl_done_reject'),
      undo: () => post(c.id, undo),
      undoLabel: action === 'approve' ? t('ctl_undo_hide') : t('ctl_undo_publish'),
      busy,
    });
  }

  function nextCursor(id) {
    const ids = heldList().map((c) => c.id);
    const i = ids.indexOf(id);
    return ids[i + 1] || ids[i - 1] || null;
  }

  heldBox.addEventListener('click', (e) => {
    const li = e.target.closest('.hq');
    if (!li) return;
    cursor = li.dataset.id;
    queueHeld();
    const b = e.target.closest('button[data-act]');
    const c = held.get(li.dataset.id);
    if (b && c) heldAction(c, b.dataset.act, b);
  });

  function moveHeld(step) {
    const ids = heldList().map((c) => c.id);
    if (!ids.length) return;
    const i = ids.indexOf(cursor);
    cursor = ids[Math.max(0, Math.min(ids.length - 1, i < 0 ? 0 : i + step))];
    renderHeld();
    const n = heldNodes.get(cursor);
    if (n) n.node.scrollIntoView({ block: 'nearest' });
  }

  function heldKey(e) {
    const c = cursor && held.get(cursor);
    switch (e.key) {
      case 'j': case 'ArrowDown': moveHeld(1); return true;
      case 'k': case 'ArrowUp': moveHeld(-1); return true;
      case 'a': if (c) heldAction(c, 'approve'); return Boolean(c);
      case 'r': if (c) heldAction(c, 'reject'); return Boolean(c);
      default: return false;
    }
  }

  // The keys of the live view: on the wall when it has the focus, else on the queue.
  ctx.keys.live = (e) => {
    if (e.key === 'p') { setPaused(!paused); return true; }
    if (box.contains(document.activeElement)) return wallKey(e);
    if (e.key === 'h' || e.key === 'f') return wallKey(e);
    return heldKey(e);
  };

  // ---- the bus ----------------------------------------------------------------------------------

  ctx.on('reset', (d) => {
    for (const n of nodes.values()) n.node.remove();
    nodes.clear();
    first = true;
    newest = 0;
    unseen = 0;
    takeHeld(d.moderation);
    queueWall();
  });
  ctx.on('moderation', (d) => takeHeld(d.moderation));
  ctx.on('comments', () => queueWall());
  ctx.on('events', (d) => {
    let changed = false;
    for (const ev of d.events) {
      if (!ev.kind.startsWith('comment.') || !ev.data || !ev.data.id) continue;
      if (ev.data.state === 'held') {
        held.set(ev.data.id, { ...(held.get(ev.data.id) || {}), ...ev.data, viewer: ev.viewer || ev.data.viewer });
        changed = true;
      } else if (held.delete(ev.data.id)) changed = true;
    }
    if (changed) queueHeld();
  });
  ctx.on('restrictions', () => { queueWall(); queueHeld(); });
  ctx.on('view', (d) => { if (d.view === 'live') { first = true; queueWall(); } });
  ctx.on('signedout', () => {
    held.clear();
    heldExtra = 0;
    queueHeld();
  });
}
