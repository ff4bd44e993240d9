// The viewer page's polls (/l/{code}): a card above the comments and the
// questions for each poll that is open, or closed with its results shown or
// its answer revealed. One tap answers (a multiple choice and a text: pick or
// type, then submit); the card shows the answer picked, takes a change while
// the poll allows one, shows the results once the moderators show them and a
// quiz's verdict once they reveal it. viewer.js loads this module (and with
// it lib/polls.js and css/polls.css) only when the first poll appears, so
// that the page stays small for everyone else.
// User text is only ever inserted with textContent / text nodes.

const MAX_OPEN = 3; // cards of open polls at most
const MAX_CLOSED = 1; // and of closed ones: the one whose results or answer came last
const NOTE_MS = 5000;

export async function mount({ client, ui, t, num, errorText, getNick, P }) {
  const { $, el, icon } = ui;

  const box = $('polls');
  box.setAttribute('aria-label', t('poll_label'));
  const cards = new Map(); // id → card
  const dismissed = new Set(); // closed polls this viewer put away

  const pollError = (err) => {
    const key = `poll_error_${(err && err.code) || ''}`;
    return t(key) !== key ? t(key) : errorText(err);
  };

  const touched = new Map(); // id → when its record last changed here (a counter)
  let clock = 0;
  const recent = (a, b) => (touched.get(b.id) || 0) - (touched.get(a.id) || 0)
    || String(b.closed_at || '').localeCompare(String(a.closed_at || '')) || b.seq - a.seq;

  function wanted() {
    const all = [...client.polls.values()];
    const open = all.filter((p) => p.state === 'open').sort((a, b) => b.seq - a.seq).slice(0, MAX_OPEN);
    const closed = all.filter((p) => p.state === 'closed' && (p.results_shown || p.revealed) && !dismissed.has(p.id))
      .sort(recent).slice(0, MAX_CLOSED);
    return [...open, ...closed];
  }

  function makeCard(poll) {
    const c = { id: poll.id, editing: false, busy: false, note: null, noteTimer: 0 };
    const node = el('section', 'pc');
    node.dataset.id = poll.id;
    const head = el('div', 'pc-head');
    c.kind = el('span', 'pc-kind');
    c.state = el('span', 'pc-state');
    c.done = el('span', 'pc-done');
    c.total = el('span', 'pc-total');
    c.close = el('button', 'pc-x');
    c.close.type = 'button';
    c.close.setAttribute('aria-label', t('poll_dismiss'));
    c.close.title = t('poll_dismiss');
    c.close.textContent = '×';
    c.close.addEventListener('click', () => { // this one and any closed before it
      for (const p of client.polls.values()) if (p.state === 'closed') dismissed.add(p.id);
      sync();
    });
    head.append(c.kind, c.state, c.done, c.total, c.close);
    c.title = el('h2', 'pc-title');
    c.verdict = el('p', 'pc-verdict');
    c.form = P.answerForm({ t, onAnswer: (a) => send(c, a) });
    c.results = P.resultsView({ t, num });
    c.summary = el('p', 'pc-summary');
    const foot = el('div', 'pc-foot');
    c.noteEl = el('p', 'pc-note');
    c.noteEl.setAttribute('role', 'status');
    c.change = el('button', 'pc-change', t('poll_change'));
    c.change.type = 'button';
    c.change.addEventListener('click', () => {
      c.editing = true;
      render(c);
      c.form.focus();
    });
    foot.append(c.noteEl, c.change);
    node.append(head, c.title, c.verdict, c.summary, c.form.node, c.results.node, foot);
    c.node = node;
    return c;
  }

  function setNote(c, text, kind) {
    clearTimeout(c.noteTimer);
    c.note = text ? [text, kind] : null;
    if (text && kind === 'ok') c.noteTimer = setTimeout(() => { c.note = null; render(c); }, NOTE_MS);
  }

  async function send(c, answer) {
    if (c.busy) return;
    c.busy = true;
    setNote(c, client.state === 'open' ? '' : t('queued_offline'), 'info');
    render(c);
    const ack = await client.answer(c.id, answer, getNick() || '');
    c.busy = false;
    if (ack.ok) { c.editing = false; setNote(c, t('poll_sent'), 'ok'); } else setNote(c, pollError(ack.error), 'error');
    render(c);
  }

  function render(c) {
    const p = client.polls.get(c.id);
    if (!p) return;
    const mine = client.myAnswers.get(p.id) || null;
    const res = p.results_shown ? client.pollResults.get(p.id) || null : null;
    const open = p.state === 'open';
    const canAnswer = open && (!mine || p.allow_change !== false);
    if (!canAnswer) c.editing = false;
    const showResults = Boolean(res) && (Boolean(mine) || !open) && !c.editing;
    const textDone = p.kind === 'text' && Boolean(mine) && !c.editing;
    const n = c.node;
    n.dataset.state = p.state;
    n.dataset.kind = p.kind;
    n.classList.toggle('is-answered', Boolean(mine));
    c.kind.textContent = t(`poll_kind_${p.kind}`);
    c.state.textContent = t(open ? 'poll_open' : 'poll_closed');
    c.done.hidden = !mine;
    c.done.replaceChildren(icon('check'), document.createTextNode(t('poll_answered')));
    c.total.textContent = res ? t('poll_total', { count: num(res.total || 0) }) : '';
    c.close.hidden = open;
    c.title.textContent = p.title;
    const v = P.verdict(p, mine);
    c.verdict.hidden = !(v || (p.kind === 'quiz' && p.revealed));
    c.verdict.dataset.verdict = v || 'none';
    c.verdict.textContent = v ? t(v === 'right' ? 'poll_right' : 'poll_wrong')
      : p.revealed ? `${t('poll_correct')}: ${P.answerText(p, { choices: p.correct || [] })}` : '';
    c.summary.hidden = !(textDone && !showResults);
    c.summary.textContent = mine ? t('poll_your_answer', { answer: P.answerText(p, mine) }) : '';
    c.form.node.hidden = showResults || textDone;
    c.form.update(p, mine, { locked: !canAnswer, busy: c.busy });
    c.results.node.hidden = !showResults;
    if (showResults) c.results.update(p, res, mine);
    c.change.hidden = !(canAnswer && mine && !c.editing && (showResults || textDone));
    const note = c.note || (mine && !res && !p.revealed && !c.busy ? [t('poll_wait_results'), 'hint'] : null);
    c.noteEl.textContent = note ? note[0] : '';
    c.noteEl.dataset.kind = note ? note[1] : '';
    c.noteEl.hidden = !c.noteEl.textContent;
  }

  function sync() {
    const list = wanted();
    ui.syncCards(box, cards, list, { make: makeCard, stale: () => false, update: (c) => render(c) });
    box.hidden = list.length === 0;
  }

  client.addEventListener('polls', (e) => {
    for (const id of e.detail.changed || []) {
      touched.set(id, (clock += 1));
      const p = client.polls.get(id);
      if (p && p.state === 'closed') dismissed.delete(id); // news of a poll put away brings it back
    }
    sync();
  });
  client.addEventListener('pollresults', (e) => {
    for (const id of Object.keys(e.detail.results || {})) {
      const c = cards.get(id);
      if (c) render(c);
    }
  });
  sync();
}
