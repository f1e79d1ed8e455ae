"""The new text of an HTML-only message: quoted history left out, the rest as plain lines.

Not :func:`cadence.channels.htmltext.html_to_text`: that one renders cadence's
own emails faithfully (links, lists); this one reads what a mail client wrote
and must drop the history it quoted, which only the markup still marks.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_HTML = 300_000
"""Characters of HTML read."""

_BLOCK = frozenset(
    {"p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "li", "blockquote",
     "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "address", "center", "dl", "dt", "dd"}
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
_HIDDEN = frozenset({"style", "script", "head", "title", "template", "noscript"})
# Gmail, Yahoo and Thunderbird wrap the quote (and Gmail the signature) in elements of these classes.
_QUOTE_CLASSES = frozenset({"gmail_quote", "gmail_quote_container", "gmail_signature", "yahoo_quoted",
                            "moz-cite-prefix", "protonmail_quote"})
# Outlook puts the quoted header block after these, then the history as siblings: everything after is history.
_HISTORY_IDS = frozenset({"appendonsend", "divrplyfwdmsg"})


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.stopped = False
        self.p_breaks: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        if self.skip_tag == "head" and tag == "body":
            self.skip_tag = None  # an unclosed <head> ends where the body starts, as in browsers
        if self.skip_tag is not None:
            if tag == self.skip_tag and tag not in _VOID:
                self.skip_depth += 1
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        if values.get("id", "").lower() in _HISTORY_IDS:
            self.stopped = True
            return
        classes = set(values.get("class", "").lower().split())
        quoted = tag == "blockquote" and values.get("type", "").lower() == "cite"
        if tag not in _VOID and (tag in _HIDDEN or quoted or classes & _QUOTE_CLASSES):
            self.skip_tag, self.skip_depth = tag, 1
            if tag in _BLOCK:
                self._break(1)
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "p":
            # Outlook (Word) writes every line as a margin-less <p class="MsoNormal">, blank lines as <p>&nbsp;</p>.
            self.p_breaks.append(1 if any(c.startswith("mso") for c in classes) else 2)
            self._break(self.p_breaks[-1])
        elif tag in _BLOCK:
            self._break(1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.stopped:
            return
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
                    if tag in _BLOCK:
                        self._break(1)
            return
        if tag == "p":
            self._break(self.p_breaks.pop() if self.p_breaks else 2)
        elif tag in _BLOCK:
            self._break(1)

    def _break(self, count: int) -> None:
        """End the current line; ``count`` 2 leaves an empty line (a paragraph)."""
        tail = "".join(self.out[-8:])
        trimmed = tail.rstrip(" \n")
        have = tail[len(trimmed):].count("\n") if trimmed or len(self.out) > 8 else count
        self.out.append("\n" * max(0, count - have))

    def handle_data(self, data: str) -> None:
        if not self.stopped and self.skip_tag is None:
            self.out.append(re.sub(r"[ \t\r\n\f\v]+", " ", data))


def html_text(html: str) -> str:
    """Plain text of a message's HTML, without the quoted history mail clients mark up.

    Left out: ``blockquote type="cite"`` (Apple Mail, Thunderbird), elements of
    class ``gmail_quote``, ``gmail_signature``, ``yahoo_quoted`` and similar, and
    everything from Outlook's ``appendonsend`` / ``divRplyFwdMsg`` on. Blocks and
    ``<br>`` end lines, paragraphs leave an empty line (not Outlook's ``MsoNormal``
    ones: those are lines); non-breaking spaces become spaces.
    """
    reader = _Reader()
    reader.feed(html[:MAX_HTML])
    reader.close()
    lines = (line.replace("\xa0", " ").strip() for line in "".join(reader.out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


__all__ = ["html_text"]
