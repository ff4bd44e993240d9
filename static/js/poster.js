// The printable poster (/l/{code}/poster): the time in the reader's zone and
// language, and a print button.
const lang = document.documentElement.lang || 'zh-CN';

const starts = document.getElementById('starts');
if (starts) {
  const d = new Date(starts.dateTime);
  if (!Number.isNaN(d.getTime())) {
    try {
      starts.textContent = new Intl.DateTimeFormat(lang, {
        year: 'numeric', month: 'long', day: 'numeric', weekday: 'long', hour: '2-digit', minute: '2-digit',
      }).format(d);
    } catch (_) { starts.textContent = d.toLocaleString(); }
  }
}

document.getElementById('print').addEventListener('click', () => window.print());
