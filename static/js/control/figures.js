// Live figures (online now, peak, visits, unique viewers, likes, comments and
// questions per minute), the chart of online viewers over time (inline SVG
// from /figures, every 10 s), the report downloads and the audit log.
// User text is only ever inserted with textContent / text nodes.

const SVG = 'http://www.w3.org/2000/svg';
const POLL_MS = 10000;
const RATE_WINDOW_S = 60;
const AUDIT_KEPT = 300;

export function init(ctx) {
  const { t, ui, api, common } = ctx;
  const { $, el, clip } = ui;

  // ---- figures ----------------------------------------------------------------------------

  let counters = {};
  let samples = [];     // from /figures: {t, online, comments, questions, ...}
  let points = [];      // counters as they came: {t, comments, questions}
  let timer = null;

  const FIGS = [
    ['online', 'fig-online'], ['peak_online', 'fig-peak'], ['visits', 'fig-visits'],
    ['unique_viewers', 'fig-unique'], ['likes', 'fig-likes'],
  ];

  function setFig(id, text, title) {
    const n = $(id).querySelector('.fig-n');
    n.textContent = text;
    if (title !== undefined) n.title = title;
  }

  function renderFigures() {
    for (const [key, id] of FIGS) {
      if (typeof counters[key] === 'number') setFig(id, ctx.num(counters[key]), String(counters[key]));
    }
    const cpm = rate('comments');
    const qpm = rate('questions');
    setFig('fig-cpm', cpm === null ? '–' : fmtRate(cpm));
    setFig('fig-qpm', qpm === null ? '–' : fmtRate(qpm));
    renderTable(cpm, qpm);
  }

  const fmtRate = (r) => (r >= 10 ? ctx.num(Math.round(r)) : String(Math.round(r * 10) / 10));

  /** Per minute, over the last minute (or what there is of it, at least 10 s). */
  function rate(key) {
    const now = Date.now() / 1000;
    const series = [...samples.map((s) => ({ t: s.t, v: s[key] })), ...points.map((p) => ({ t: p.t, v: p[key] }))]
      .filter((p) => typeof p.v === 'number').sort((a, b) => a.t - b.t);
    if (!series.length || typeof counters[key] !== 'number') return null;
    let base = series[0];
    for (const p of series) { if (p.t <= now - RATE_WINDOW_S) base = p; else break; }
    const span = now - base.t;
    if (span < 10) return null;
    return Math.max(0, ((counters[key] - base.v) / span) * 60);
  }

  function renderTable(cpm, qpm) {
    const rows = [
      ['ctl_fig_online', counters.online], ['ctl_fig_peak', counters.peak_online], ['ctl_fig_visits', counters.visits],
      ['ctl_fig_unique', counters.unique_viewers], ['ctl_fig_likes', counters.likes], ['ctl_fig_comments', counters.comments],
      ['ctl_fig_questions', counters.questions], ['ctl_fig_answered_live', counters.answered_live],
      ['ctl_fig_answered_written', counters.answered_written],
    ];
    const items = rows.filter(([, v]) => typeof v === 'number').map(([k, v]) => [t(k), ctx.num(v)]);
    items.push([t('ctl_fig_cpm'), cpm === null ? '–' : fmtRate(cpm)], [t('ctl_fig_qpm'), qpm === null ? '–' : fmtRate(qpm)]);
    $('fig-table').replaceChildren(...items.map(([k, v]) => {
      const d = el('div');
      d.append(el('dt', null, k), el('dd', null, v));
      return d;
    }));
  }

  async function poll() {
    try {
      const f = await api.get('/figures');
      samples = f.samples || [];
      counters = { ...f.stats, ...counters, ...(ctx.client ? ctx.client.counters : {}) };
      const every = Number(f.every_s) || 10;
      $('chart-note').textContent = t('ctl_chart_note', { seconds: every });
      renderFigures();
      drawCharts();
    } catch (err) {
      if (err.code !== 'network' && err.code !== 'unauthorized') ctx.fail(err);
    }
  }

  function startPolling() {
    stopPolling();
    poll();
    timer = setInterval(() => { if (document.visibilityState !== 'hidden') poll(); else renderFigures(); }, POLL_MS);
  }
  function stopPolling() { clearInterval(timer); timer = null; }
  setInterval(() => { if (ctx.session) renderFigures(); }, 5000);

  // ---- the chart ------------------------------------------------------------------------------

  function svgEl(tag, attrs) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    return n;
  }

  function series() {
    const out = samples.map((s) => ({ t: s.t, v: s.online || 0 }));
    if (typeof counters.online === 'number') {
      const now = Math.floor(Date.now() / 1000);
      if (!out.length || now > out[out.length - 1].t) out.push({ t: now, v: counters.online });
    }
    return out;
  }

  function draw(svg, { axes }) {
    const w = Math.max(120, Math.round(svg.clientWidth || svg.getBoundingClientRect().width || 160));
    const h = Math.max(30, Math.round(svg.clientHeight || svg.getBoundingClientRect().height || 36));
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    const data = series();
    const parts = [];
    const padL = axes ? 44 : 1;
    const padR = axes ? 12 : 1;
    const padT = axes ? 12 : 3;
    const padB = axes ? 24 : 2;
    if (data.length < 2) {
      if (axes) {
        const tx = svgEl('text', { x: w / 2, y: h / 2, 'text-anchor': 'middle', class: 'chart-empty' });
        tx.textContent = t('ctl_chart_empty');
        parts.push(tx);
      }
      svg.replaceChildren(...parts);
      return;
    }
    const t0 = data[0].t;
    const t1 = data[data.length - 1].t;
    const max = Math.max(1, ...data.map((p) => p.v));
    const top = niceMax(max * 1.1);
    const x = (tt) => padL + ((tt - t0) / Math.max(1, t1 - t0)) * (w - padL - padR);
    const y = (v) => padT + (1 - v / top) * (h - padT - padB);
    if (axes) {
      for (const frac of [0, 0.5, 1]) {
        const yy = y(top * frac);
        parts.push(svgEl('line', { x1: padL, x2: w - padR, y1: yy, y2: yy, class: 'chart-grid' }));
        const label = svgEl('text', { x: padL - 6, y: yy + 4, 'text-anchor': 'end', class: 'chart-label' });
        label.textContent = ctx.num(Math.round(top * frac));
        parts.push(label);
      }
      const ticks = [t0, (t0 + t1) / 2, t1];
      ticks.forEach((tt, i) => {
        const label = svgEl('text', { x: x(tt), y: h - 6, 'text-anchor': i === 0 ? 'start' : i === 2 ? 'end' : 'middle', class: 'chart-label' });
        label.textContent = common.clock(Math.round(tt), ctx.lang).slice(0, 5);
        parts.push(label);
      });
    }
    const line = data.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
    const area = `${line}L${x(t1).toFixed(1)},${y(0).toFixed(1)}L${x(t0).toFixed(1)},${y(0).toFixed(1)}Z`;
    parts.push(svgEl('path', { d: area, class: 'chart-area' }), svgEl('path', { d: line, class: 'chart-line' }));
    const last = data[data.length - 1];
    parts.push(svgEl('circle', { cx: x(last.t), cy: y(last.v), r: axes ? 4 : 2.5, class: 'chart-dot' }));
    if (axes) {
      const peak = data.reduce((a, b) => (b.v > a.v ? b : a));
      parts.push(svgEl('circle', { cx: x(peak.t), cy: y(peak.v), r: 3.5, class: 'chart-peak' }));
      const pl = svgEl('text', { x: Math.min(w - padR, Math.max(padL, x(peak.t))), y: Math.max(10, y(peak.v) - 8), 'text-anchor': 'middle', class: 'chart-label chart-peak-l' });
      pl.textContent = t('ctl_chart_peak', { n: ctx.num(peak.v) });
      parts.push(pl);
    }
    svg.replaceChildren(...parts);
  }

  function niceMax(v) {
    const p = 10 ** Math.floor(Math.log10(v));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function drawCharts() {
    draw($('chart-mini'), { axes: false });
    if (ctx.view() === 'data') draw($('chart'), { axes: true });
  }

  addEventListener('resize', () => { if (ctx.session) drawCharts(); });

  // ---- report downloads ---------------------------------------------------------------------------

  function renderExport() {
    const mask = $('export-mask').checked ? '&mask=1' : '';
    for (const fmt of ['md', 'csv', 'json']) {
      const a = $(`export-${fmt}`);
      a.href = `${api.base}/export?format=${fmt}${mask}`;
      a.download = `lecture-${ctx.code}${mask ? '-masked' : ''}.${fmt}`;
    }
  }
  $('export-mask').addEventListener('change', renderExport);
  renderExport();

  // ---- the audit log -------------------------------------------------------------------------------

  const auditBox = $('audit');
  const auditNodes = new Map();
  let entries = [];   // newest first
  let lastLecture = null;

  const quote = (text) => (text ? t('ctl_quote', { text: clip(text, 24) }) : '');

  function valueLabel(key, v) {
    if (typeof v === 'boolean') return t(v ? 'ctl_on' : 'ctl_off');
    if (key === 'comment_mode') return t(`ctl_mode_${v}`);
    if (key === 'question_mode') return t(`ctl_qmode_${v}`);
    if (key === 'slow_mode_s') return v ? t('ctl_seconds', { n: v }) : t('ctl_slow_off');
    if (key === 'retention_days') return v ? t('ctl_days', { n: v }) : t('ctl_keep_all');
    if (key === 'replay_offset_s') return t('ctl_seconds', { n: v });
    if (Array.isArray(v)) return String(v.length);
    return String(v);
  }

  /** What a lecture.updated changed, told from the lecture before it. */
  function lectureChange(before, after) {
    if (!before) return null;
    if (before.status !== after.status) return t(`ctl_audit_status_${after.status}`);
    if ((before.key_generation || 0) !== (after.key_generation || 0)) return t('ctl_audit_key');
    if (before.purged_at !== after.purged_at) return t('ctl_audit_purged');
    const a = before.settings || {};
    const b = after.settings || {};
    const changed = Object.keys(b).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    if (changed.length) {
      return t('ctl_audit_settings', { changes: changed.map((k) => `${t(`ctl_setting_${k}`)} → ${valueLabel(k, b[k])}`).join(t('ctl_list_sep')) });
    }
    return t('ctl_audit_lecture_info');
  }

  /** A stored entry's `changed` fields (the server lists them; the values are in the lecture now). */
  function storedChange(changed, status) {
    if (changed.includes('status')) return t(`ctl_audit_status_${status}`);
    if (changed.includes('moderator_key')) return t('ctl_audit_key');
    if (changed.includes('purged_at')) return t('ctl_audit_purged');
    const settings = changed.filter((k) => k.startsWith('settings.')).map((k) => t(`ctl_setting_${k.slice(9)}`));
    return settings.length ? t('ctl_audit_settings', { changes: settings.join(t('ctl_list_sep')) }) : t('ctl_audit_lecture_info');
  }

  function describe(e) {
    const q = quote(e.text);
    switch (e.kind) {
      case 'comment.hidden': return t('ctl_audit_hidden', { text: q });
      case 'comment.restored': return t('ctl_audit_restored', { text: q });
      case 'comment.approved': return t('ctl_audit_approved', { text: q });
      case 'comment.featured': return t('ctl_audit_featured', { text: q });
      case 'comment.unfeatured': return t('ctl_audit_unfeatured', { text: q });
      case 'question.updated':
        if (e.merged_into) return t('ctl_audit_q_merged', { text: q });
        return e.state ? t(`ctl_audit_q_${e.state}`, { text: q }) : t('ctl_audit_q_updated', { text: q });
      case 'viewer.restricted': return t(`ctl_audit_restrict_${e.mode || 'none'}`, { name: e.nickname || t('anonymous') });
      case 'words.updated': return t('ctl_audit_words', { blocked: ctx.num(e.blocked || 0), watch: ctx.num(e.watch || 0) });
      case 'poll.created': case 'poll.opened': case 'poll.closed': case 'poll.results_shown':
      case 'poll.results_hidden': case 'poll.revealed': case 'poll.deleted':
        return t(`ctl_poll_audit_${e.kind.slice(5)}`, { text: q });
      case 'poll.updated': // a draft edited, or the big screen (known only for events seen live)
        return t(e.screen === undefined ? 'ctl_poll_audit_updated' : e.screen ? 'ctl_poll_audit_screen' : 'ctl_poll_audit_unscreen', { text: q });
      case 'lecture.updated':
        if (e.detail) return e.detail;
        if (e.changed) return storedChange(e.changed, e.status);
        if (e.status_changed) return t(`ctl_audit_status_${e.status}`);
        return t('ctl_audit_lecture', { status: t(`status_${e.status || 'live'}`) });
      case 'purged': return t('ctl_audit_tombstone');
      default: return e.kind;
    }
  }

  /** An entry made here from a moderator's event, in the server's shape (and a `detail` of our own). */
  function entryOf(ev) {
    const d = ev.data || {};
    const e = { seq: ev.seq, at: Date.now() / 1000, by: ev.by, kind: ev.kind };
    if (ev.kind.startsWith('comment.') || ev.kind.startsWith('question.')) {
      e.target = d.id;
      e.text = (d.text || '').slice(0, 80);
      if (ev.kind === 'question.updated') {
        e.state = d.state;
        if (d.merged_into) e.merged_into = d.merged_into;
      }
    } else if (ev.kind === 'viewer.restricted') {
      Object.assign(e, { target: d.viewer, mode: d.mode, nickname: d.nickname });
    } else if (ev.kind === 'words.updated') {
      Object.assign(e, { blocked: (d.blocked || []).length, watch: (d.watch || []).length });
    } else if (ev.kind.startsWith('poll.')) {
      Object.assign(e, { target: d.id, text: (d.title || '').slice(0, 80) });
      if (ev.kind === 'poll.updated' && d.state !== 'draft') e.screen = Boolean(d.on_screen);
    } else if (ev.kind === 'lecture.updated') {
      e.status = d.status;
      e.detail = lectureChange(lastLecture, d);
    }
    return e;
  }

  /** Stored entries, newest first: a status that differs from the one before it was a status change
   *  (`complete`: the list goes back to the lecture's start, which was `scheduled`). */
  function takeStored(list, complete) {
    const out = list.slice();
    let status = complete ? 'scheduled' : null;
    for (let i = out.length - 1; i >= 0; i -= 1) {
      const e = out[i];
      if (e.kind !== 'lecture.updated') continue;
      if (status !== null && e.status !== status) out[i] = { ...e, status_changed: true };
      status = e.status;
    }
    const known = new Map(entries.map((e) => [e.seq, e]));
    entries = out.map((e) => (known.get(e.seq) && known.get(e.seq).detail ? known.get(e.seq) : e));
    renderAudit();
  }

  function auditNode(e) {
    const li = el('li', `au au-${e.kind.replace('.', '-')}`);
    const tm = el('time', 'au-time', common.clock(e.at, ctx.lang));
    li.append(tm, el('b', 'au-by', e.by || t('ctl_someone')), el('span', 'au-what', describe(e)));
    return { node: li, rec: e };
  }

  function renderAudit() {
    const list = entries.slice(0, AUDIT_KEPT).map((e) => ({ ...e, id: String(e.seq) }));
    ui.syncCards(auditBox, auditNodes, list, { make: auditNode, stale: (n, e) => n.rec.detail !== e.detail || n.rec.status_changed !== e.status_changed });
    $('audit-empty').hidden = list.length > 0;
  }

  $('audit-more').addEventListener('click', async (e) => {
    const out = await ctx.act(() => api.get('/audit?limit=200'), { busy: e.currentTarget });
    if (out) takeStored(out.entries || [], (out.entries || []).length < 200);
  });

  // ---- the bus ------------------------------------------------------------------------------------------

  ctx.on('counters', (d) => {
    counters = { ...counters, ...d.counters };
    points.push({ t: Date.now() / 1000, comments: counters.comments, questions: counters.questions });
    const cut = Date.now() / 1000 - 900;
    while (points.length > 2 && points[0].t < cut) points.shift();
    renderFigures();
  });
  ctx.on('reset', (d) => {
    lastLecture = ctx.lecture();
    for (const n of auditNodes.values()) n.node.remove();
    auditNodes.clear();
    entries = [];
    const audit = (d.moderation && d.moderation.audit) || [];
    takeStored(audit.slice().reverse(), audit.length < 100);
  });
  ctx.on('moderation', (d) => {
    const audit = (d.moderation && d.moderation.audit) || [];
    if (d.moderation) takeStored(audit.slice().reverse(), audit.length < 100);
  });
  ctx.on('events', (d) => {
    let added = false;
    for (const ev of d.events) {
      if (ev.by && !entries.some((e) => e.seq === ev.seq)) { entries.unshift(entryOf(ev)); added = true; }
      if (ev.kind === 'lecture.updated' && ev.data) lastLecture = ev.data;
    }
    if (added) {
      if (entries.length > AUDIT_KEPT) entries.length = AUDIT_KEPT;
      renderAudit();
    }
  });
  ctx.on('view', (d) => { if (d.view === 'data') requestAnimationFrame(drawCharts); });
  ctx.on('session', startPolling);
  ctx.on('signedout', stopPolling);
}
