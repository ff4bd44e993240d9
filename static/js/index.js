// The catalogue's pages (home, a series, a speaker): times with their
// weekday, in the lecture's own time zone; on the home page, joining a
// lecture by its code. Everything works without this script: the server
// writes the times, and the join form falls back to /?code=, which redirects.
const lang = document.documentElement.lang || 'zh-CN';
let S = {};
try { S = JSON.parse(document.getElementById('strings').textContent); } catch (_) { /* keep defaults */ }

function formatter(zone, options) {
  try {
    return new Intl.DateTimeFormat(lang, { ...options, timeZone: zone });
  } catch (_) {
    return null; // a zone this browser does not know: keep the server's text
  }
}

for (const time of document.querySelectorAll('time[datetime][data-zone]')) {
  const start = new Date(time.dateTime);
  if (Number.isNaN(start.getTime())) continue;
  const zone = time.dataset.zone;
  const day = formatter(zone, { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' });
  const clock = formatter(zone, { hour: '2-digit', minute: '2-digit', hour12: false });
  if (!day || !clock) continue;
  let text = `${day.format(start)} ${clock.format(start)}`;
  const end = time.dataset.end ? new Date(time.dataset.end) : null;
  if (end && !Number.isNaN(end.getTime())) {
    text += day.format(end) === day.format(start) ? `–${clock.format(end)}` : ` – ${day.format(end)} ${clock.format(end)}`;
  }
  time.textContent = text;
}

const form = document.getElementById('join');
if (form) {
  const field = document.getElementById('join-code');
  const note = document.getElementById('join-note');
  field.addEventListener('input', () => {
    const v = field.value.toUpperCase().replace(/[^0-9A-Z]/g, '');
    if (v !== field.value) field.value = v;
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const code = field.value.toUpperCase().replace(/\s/g, ''); // codes never hold 0, O, 1 or I
    if (!/^[2-9A-HJ-NP-Z]{6}$/.test(code)) {
      note.textContent = S.index_join_invalid || 'Invalid code';
      note.dataset.kind = 'error';
      field.focus();
      return;
    }
    location.href = `/l/${code}`;
  });
}

// "/" puts the cursor in the search box, as on most sites with one.
const search = document.getElementById('q');
if (search) {
  document.addEventListener('keydown', (e) => {
    const typing = e.target.closest && e.target.closest('input, textarea, select, [contenteditable]');
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      search.focus();
      search.select();
    }
  });
}
