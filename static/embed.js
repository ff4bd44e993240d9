/* live embed loader (docs/embeds.md). One tag per widget:
 *   <script src="https://HOST/embed.js" data-lecture="K7MXQ2" async></script>
 * Options, all data- attributes: mode (wall | compact | ask | questions),
 * theme (auto | light | dark), lang (zh-CN | en), height (px; default: as
 * tall as the content), readonly, accent (#hex), target (a CSS selector to
 * put the widget in). Defines no globals and adds no styles to the page;
 * talks only to its own frames, on its own origin. */
(function () {
  'use strict';
  var FIRST = { wall: 480, compact: 190, ask: 200, questions: 480 };
  var TITLE = { en: 'Live comments and questions', zh: '直播评论与提问' };
  var MARK = 'data-live-embed';

  function mount(script) {
    var d = script.dataset;
    var base;
    try { base = new URL(script.src, location.href); } catch (e) { return; }
    if (!d.lecture) { warn('data-lecture (the lecture code) is missing'); return; }
    var mode = FIRST[d.mode] ? d.mode : 'wall';
    var fixed = parseInt(d.height, 10) >= 120 ? parseInt(d.height, 10) : 0;
    var lang = d.lang || document.documentElement.lang || '';
    var q = new URLSearchParams({ mode: mode, theme: d.theme || 'auto', origin: location.origin });
    if (lang) q.set('lang', lang);
    if (fixed) q.set('height', String(fixed));
    if (d.readonly !== undefined && d.readonly !== 'false') q.set('readonly', '1');
    if (d.accent) q.set('accent', d.accent);

    var frame = document.createElement('iframe');
    frame.src = base.origin + '/embed/' + encodeURIComponent(d.lecture.trim()) + '?' + q;
    frame.title = d.title || TITLE[/^en/i.test(lang) ? 'en' : 'zh'];
    frame.setAttribute('loading', 'lazy');
    frame.setAttribute('allow', 'clipboard-write');
    frame.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox');
    frame.setAttribute(MARK, mode);
    var s = frame.style;
    s.display = 'block';
    s.width = '100%';
    s.maxWidth = '100%';
    s.minWidth = '240px';
    s.height = (fixed || FIRST[mode]) + 'px';
    s.border = '0';
    s.background = 'transparent';
    s.colorScheme = { light: 'light', dark: 'dark' }[d.theme] || 'light dark';
    s.overflow = 'hidden';

    // Only this frame, from the widget's own origin, may resize it.
    addEventListener('message', function (e) {
      if (e.source !== frame.contentWindow || e.origin !== base.origin) return;
      var m = e.data;
      if (!m || m.live !== 'embed') return;
      if (m.type === 'size' && !fixed && m.height > 0 && m.height < 10000) s.height = Math.ceil(m.height) + 'px';
    });
    frame.addEventListener('load', function () {
      try { frame.contentWindow.postMessage({ live: 'embed', type: 'hello' }, base.origin); } catch (e) { /* gone */ }
    });

    var target = d.target && document.querySelector(d.target);
    if (target) target.appendChild(frame);
    else script.parentNode.insertBefore(frame, script.nextSibling);
  }

  function warn(msg) { if (window.console) console.warn('live embed: ' + msg); }

  function scan() {
    var mine = document.currentScript;
    var all = document.querySelectorAll('script[data-lecture]');
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.hasAttribute(MARK) || !/\/embed\.js(\?|#|$)/.test(el.src)) continue;
      if (mine && el !== mine && new URL(el.src, location.href).origin !== new URL(mine.src, location.href).origin) continue;
      el.setAttribute(MARK, '');
      mount(el);
    }
  }

  // An async script may run before the document is parsed: widgets whose
  // tags come later are mounted when they run (or at DOMContentLoaded).
  scan();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
})();
