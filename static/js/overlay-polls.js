// The stream overlay's poll (/overlay/{code}): the poll the moderators put
// on screen as a compact lower-third card, in place of the question banner:
// its title and results (bars, the rating, or the top words), the number of
// answers. Like the big screen it is a display and gets only the results
// shown to everyone; while they are hidden it shows the question (and a
// choice poll's options) and asks viewers to answer.
// User text is only ever inserted with textContent / text nodes.

const WORDS = 16; // the top words of a text poll: a lower third is no wall

export async function mount({ client, ui, t, num, P }) {
  const { $, el } = ui;
  const app = $('app');

  const card = el('section', 'ov-poll');
  card.id = 'ov-poll';
  card.hidden = true;
  card.setAttribute('aria-live', 'polite');
  const head = el('div', 'ov-poll-head');
  const tag = el('span', 'ov-poll-tag');
  const total = el('span', 'ov-poll-total');
  head.append(tag, total);
  const title = el('p', 'ov-poll-title');
  const results = P.resultsView({ t, num });
  const cta = el('p', 'ov-poll-cta', t('poll_scan'));
  card.append(head, title, results.node, cta);
  const banner = $('banner');
  banner.parentNode.insertBefore(card, banner);

  let shownId = null;

  function render() {
    const p = [...client.polls.values()].find((x) => x.on_screen);
    if (!p) {
      shownId = null;
      card.hidden = true;
      delete app.dataset.poll;
      return;
    }
    if (p.id !== shownId) { card.style.animation = 'none'; void card.offsetWidth; card.style.animation = ''; }
    shownId = p.id;
    card.hidden = false;
    app.dataset.poll = p.id;
    const res = p.results_shown ? client.pollResults.get(p.id) || null : null;
    card.dataset.kind = p.kind;
    card.dataset.state = p.state;
    card.dataset.results = res ? 'shown' : 'hidden';
    tag.textContent = `${t(`poll_kind_${p.kind}`)} · ${t(p.state === 'open' ? 'poll_open' : 'poll_closed')}`;
    title.textContent = p.title;
    if (res) {
      total.replaceChildren(...t('poll_total', { count: '\u0000' }).split('\u0000').flatMap((s, i) => (i ? [el('b', null, num(res.total || 0)), s] : [s])));
    } else total.replaceChildren();
    const showOptions = !res && P.family(p) === 'choice';
    results.node.hidden = !res && !showOptions;
    if (res || showOptions) results.update(p, res, null, { words: WORDS });
    cta.hidden = p.state !== 'open' || Boolean(res);
  }

  client.addEventListener('polls', render);
  client.addEventListener('pollresults', (e) => { if (shownId && shownId in (e.detail.results || {})) render(); });
  render();
}
