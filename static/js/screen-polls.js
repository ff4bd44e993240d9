// The big screen's poll (/l/{code}/screen): the poll the moderators put on
// screen takes the main area: its title, its results, huge and live, the
// number of answers; a revealed quiz with its correct answer marked and the
// leaderboard beside it. The screen is a display: it gets only the results
// that are shown to everyone, so while they are hidden it shows the question
// (and a choice poll's options) and asks the hall to answer on their phones.
// User text is only ever inserted with textContent / text nodes.

const LEADERS = 10;
const LEADERS_EVERY = 15000; // ms: answers may still come in after a reopen

export async function mount({ client, ui, t, num, P }) {
  const { $, el } = ui;
  const app = $('app');

  const box = el('section', 'scr-poll');
  box.id = 'poll';
  box.hidden = true;
  box.setAttribute('aria-live', 'polite');
  const head = el('div', 'scr-poll-head');
  const tag = el('p', 'scr-tag');
  const kind = el('span');
  tag.append(el('span', 'pulse'), kind);
  const state = el('span', 'scr-poll-state');
  const total = el('p', 'scr-poll-total');
  head.append(tag, state, total);
  const title = el('h2', 'scr-poll-title');
  const main = el('div', 'scr-poll-main');
  const results = P.resultsView({ t, num });
  const resultsBox = el('div', 'scr-poll-results');
  resultsBox.append(results.node);
  const leaders = el('aside', 'scr-poll-leaders');
  leaders.hidden = true;
  const leadersList = el('div');
  leaders.append(el('h3', null, t('poll_leaderboard')), leadersList);
  main.append(resultsBox, leaders);
  const cta = el('p', 'scr-poll-cta', t('poll_scan'));
  box.append(head, title, main, cta);
  app.append(box);

  let shownId = null;
  let leadersFor = '';
  let leadersTimer = 0;

  async function loadLeaders(poll) {
    clearTimeout(leadersTimer);
    try {
      const r = await fetch(`/api/v1/lectures/${encodeURIComponent(client.code || app.dataset.code)}/polls/leaderboard`, { cache: 'no-store' });
      if (r.ok) {
        const body = await r.json();
        if (shownId === poll.id) leadersList.replaceChildren(P.leadersList(body.leaders || [], { t, num, top: LEADERS }));
        leaders.hidden = shownId !== poll.id || !(body.leaders || []).length;
      }
    } catch (_) { /* the next poll change or the timer tries again */ }
    if (shownId === poll.id) leadersTimer = setTimeout(() => loadLeaders(poll), LEADERS_EVERY);
  }

  function render() {
    const p = [...client.polls.values()].find((x) => x.on_screen);
    const was = shownId;
    shownId = p ? p.id : null;
    box.hidden = !p;
    if (p) app.dataset.poll = p.id; else delete app.dataset.poll;
    if (!p) {
      clearTimeout(leadersTimer);
      leadersFor = '';
      leaders.hidden = true;
      if (was) dispatchEvent(new Event('resize')); // the questions come back: let screen.js fit them again
      return;
    }
    if (p.id !== was) { box.style.animation = 'none'; void box.offsetWidth; box.style.animation = ''; }
    const res = p.results_shown ? client.pollResults.get(p.id) || null : null;
    box.dataset.kind = p.kind;
    box.dataset.state = p.state;
    box.dataset.results = res ? 'shown' : 'hidden';
    kind.textContent = t(`poll_kind_${p.kind}`);
    tag.firstChild.hidden = p.state !== 'open';
    state.textContent = t(p.state === 'open' ? 'poll_open' : 'poll_closed');
    title.textContent = p.title;
    if (res) {
      total.replaceChildren(...t('poll_total', { count: '\u0000' }).split('\u0000').flatMap((s, i) => (i ? [el('b', null, num(res.total || 0)), s] : [s])));
    } else total.replaceChildren();
    // Hidden results: a choice poll lists its options (no counts); a rating or text poll shows only its title.
    const showOptions = !res && P.family(p) === 'choice';
    resultsBox.hidden = !res && !showOptions;
    if (res || showOptions) results.update(p, res, null, { words: 60 });
    fitResults();
    cta.hidden = p.state !== 'open';
    const quizDone = p.kind === 'quiz' && p.revealed;
    const key = quizDone ? `${p.id}|${p.revealed}|${p.state}` : '';
    if (key !== leadersFor) {
      leadersFor = key;
      if (quizDone) loadLeaders(p); else { clearTimeout(leadersTimer); leaders.hidden = true; }
    }
  }

  // The results as large as fit the area: from 1rem down to 0.5rem.
  function fitResults() {
    if (box.hidden || resultsBox.hidden) return;
    let size = 1;
    results.node.style.fontSize = '1rem';
    while (size > 0.5 && results.node.offsetHeight > resultsBox.clientHeight + 1) {
      size = Math.round((size - 0.05) * 100) / 100;
      results.node.style.fontSize = `${size}rem`;
    }
  }
  addEventListener('resize', fitResults);

  client.addEventListener('polls', render);
  client.addEventListener('pollresults', (e) => { if (shownId && shownId in (e.detail.results || {})) render(); });
  render();
}
