// The home page: join a lecture by its code, show times in the reader's locale.
const lang = document.documentElement.lang || 'zh-CN';
let S = {};
try { S = JSON.parse(document.getElementById('strings').textContent); } catch (_) { /* keep defaults */ }

for (const time of document.querySelectorAll('time[datetime]')) {
  const d = new Date(time.dateTime);
  if (!Number.isNaN(d.getTime())) {
    time.textContent = new Intl.DateTimeFormat(lang, { month: 'long', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(d);
  }
}

const form = document.getElementById('join');
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
