// A live lecture's dashboard: every 30 s, while the tab is shown, the
// sections marked data-refresh are swapped for the server's fresh rendering
// of them (the charts are made on the server; nothing is drawn here). A
// section holding the focus waits for the next round; an open table stays
// open. When the lecture is no longer live, the page reloads once and stops.

const EVERY_MS = 30000;

async function refresh() {
  if (document.hidden) return;
  let doc;
  try {
    const response = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!response.ok) return;
    doc = new DOMParser().parseFromString(await response.text(), 'text/html');
  } catch (_) {
    return; // offline for a moment: the next round tries again
  }
  const fresh = doc.getElementById('dash');
  if (!fresh) return;
  if (fresh.dataset.status !== 'live') {
    location.reload();
    return;
  }
  for (const old of document.querySelectorAll('#dash [data-refresh]')) {
    const next = doc.getElementById(old.id);
    if (!next || old.contains(document.activeElement)) continue;
    for (const details of old.querySelectorAll('details[open][id]')) {
      const same = next.querySelector(`#${CSS.escape(details.id)}`);
      if (same) same.open = true;
    }
    old.replaceWith(document.importNode(next, true));
  }
}

setInterval(refresh, EVERY_MS);
document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
