// The control page's shared pieces: the API client (session cookie + CSRF
// token), toasts with an undo-style action, and small view helpers. No
// imports: the page's entry (control.js) passes in what a module needs, so
// that every module is loaded by its versioned URL.
// User text is only ever inserted with textContent / text nodes.

export const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** An error as the API sends it ({code, message, ...}), or one of our own. */
export class ApiError extends Error {
  constructor(error, status) {
    super((error && error.message) || (error && error.code) || 'error');
    Object.assign(this, error || {});
    this.code = (error && error.code) || 'unknown';
    this.status = status || 0;
  }
}

/**
 * The lecture's API: `call(method, path, body)` under /api/v1/lectures/{code}.
 * Every change sends the session's CSRF token; a `csrf` refusal fetches the
 * session again and retries once; `unauthorized` calls `onUnauthorized`.
 */
export function makeApi({ code, getCsrf, refreshSession, onUnauthorized }) {
  const base = `/api/v1/lectures/${encodeURIComponent(code)}`;

  async function call(method, path, body, retried = false) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (STATE_CHANGING.has(method)) {
      const csrf = getCsrf();
      if (csrf) headers['X-CSRF-Token'] = csrf;
    }
    let response;
    try {
      response = await fetch(base + path, {
        method, headers, credentials: 'same-origin', cache: 'no-store',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError({ code: 'network' }, 0);
    }
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (_) { data = null; }
    }
    if (response.ok) return data;
    const err = new ApiError((data && data.error) || { code: response.status >= 500 ? 'unavailable' : 'unknown' }, response.status);
    if (err.code === 'csrf' && !retried && refreshSession) {
      if (await refreshSession().catch(() => false)) return call(method, path, body, true);
    }
    if (err.code === 'unauthorized' && onUnauthorized) onUnauthorized(err);
    throw err;
  }

  return {
    base,
    get: (path) => call('GET', path),
    post: (path, body = {}) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call('DELETE', path),
  };
}

/** The text of an API error in the page's language. */
export function errorMessage(err, t) {
  const code = (err && err.code) || 'unknown';
  const known = ['unauthorized', 'csrf', 'conflict', 'forbidden', 'invalid', 'not_found', 'unavailable', 'network',
    'too_large', 'bad_json', 'closed'];
  let text = t(known.includes(code) ? `ctl_err_${code}` : 'ctl_err_unknown');
  if (code === 'invalid' && err.message) text += ` (${err.message})`;
  return text;
}

// ---- toasts ---------------------------------------------------------------------

/**
 * Toasts in `box`, newest last, at most `max`. `toast(text, {kind, action,
 * ms})`: kind 'ok' | 'info' | 'error'; action {label, run} makes a button
 * (an undo, a retry) that closes the toast when pressed. Returns the toast
 * with `.close()`. `undoLast()` presses the newest toast's action (key z).
 */
export function makeToasts(box, { el, t, max = 4 }) {
  const shown = [];
  function toast(text, { kind = 'info', action = null, ms } = {}) {
    const node = el('div', `toast toast-${kind}`);
    node.append(el('span', 'toast-text', text));
    const entry = { node, action, close };
    if (action) {
      const btn = el('button', 'toast-act', action.label);
      btn.type = 'button';
      btn.addEventListener('click', () => { close(); action.run(); });
      node.append(btn);
    }
    const x = el('button', 'toast-x', '×');
    x.type = 'button';
    x.setAttribute('aria-label', t('ctl_close'));
    x.addEventListener('click', close);
    node.append(x);
    box.append(node);
    shown.push(entry);
    while (shown.length > max) shown[0].close();
    let timer = setTimeout(close, ms || (kind === 'error' ? 9000 : action ? 8000 : 4000));
    node.addEventListener('pointerenter', () => clearTimeout(timer));
    node.addEventListener('pointerleave', () => { clearTimeout(timer); timer = setTimeout(close, 3000); });
    function close() {
      clearTimeout(timer);
      const i = shown.indexOf(entry);
      if (i >= 0) shown.splice(i, 1);
      node.remove();
    }
    return entry;
  }
  function undoLast() {
    for (let i = shown.length - 1; i >= 0; i -= 1) {
      const entry = shown[i];
      if (entry.action && entry.action.undo) { entry.close(); entry.action.run(); return true; }
    }
    return false;
  }
  return { toast, undoLast };
}

// ---- small helpers -----------------------------------------------------------------

/** A button with an icon (optional) and a label; `act` goes in data-act. */
export function button(el, icon, { label, act, cls = 'abtn', iconName, title, key }) {
  const b = el('button', cls);
  b.type = 'button';
  if (act) b.dataset.act = act;
  if (iconName) b.append(icon(iconName));
  b.append(el('span', 'abtn-l', label));
  if (key) {
    const k = el('kbd', null, key);
    k.setAttribute('aria-hidden', 'true');
    b.append(k);
  }
  if (title) b.title = title;
  return b;
}

/** Whether a key press belongs to a field the moderator is typing in. */
export function typing(e) {
  const n = e.target;
  if (!n || !n.tagName) return false;
  return n.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(n.tagName);
}

/** Copy `text` to the clipboard; falls back to selecting `input`. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_) {
    if (input) { input.focus(); input.select(); }
    try { return document.execCommand('copy'); } catch (__) { return false; }
  }
}

/** Seconds since the epoch (audit entries) or an ISO time, as HH:MM:SS in `lang`. */
export function clock(value, lang) {
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  try {
    return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(d);
  } catch (_) { return d.toTimeString().slice(0, 8); }
}

/** A word list from a file in the server's format: one word per line, `#`
 *  comments, a line starting with `?` is a watch word. NFKC like the server. */
export function parseWordFile(text) {
  const blocked = [];
  const watch = [];
  for (const raw of text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/)) {
    let line = raw.normalize('NFKC').trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('?')) {
      line = line.slice(1).trim();
      if (line) watch.push(line);
    } else blocked.push(line);
  }
  return { blocked, watch };
}

/** The words in a textarea: one a line, trimmed, blanks and repeats dropped. */
export function wordsOf(text) {
  const seen = new Set();
  for (const raw of String(text || '').split(/\r\n|\r|\n/)) {
    const w = raw.normalize('NFKC').trim();
    if (w) seen.add(w);
  }
  return [...seen];
}
