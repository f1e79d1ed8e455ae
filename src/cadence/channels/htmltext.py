"""Plain-text alternative of an HTML email: readable, links kept."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(
    {"p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "blockquote",
     "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "address"}
)
_SKIP = frozenset({"style", "script", "head", "title", "template"})


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str | None, int]] = []
        self.lists: list[list[int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK:
            self.out.append("\n\n")
            if tag == "pre":
                self.pre += 1
            elif tag == "ol":
                self.lists.append([0])
            elif tag == "ul":
                self.lists.append([-1])
            elif tag == "hr":
                self.out.append("----\n\n")
        elif tag == "li":
            counter = self.lists[-1] if self.lists else [-1]
            if counter[0] >= 0:
                counter[0] += 1
                self.out.append(f"\n{counter[0]}. ")
            else:
                self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append("  ")
        elif tag == "a":
            href = dict(attrs).get("href")
            self.links.append((href, len(self.out)))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            elif tag in ("ol", "ul") and self.lists:
                self.lists.pop()
            self.out.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.out[start:]).strip()
            if href and not href.startswith(("#", "javascript:")) and href != text:
                target = href.removeprefix("mailto:") if href.startswith("mailto:") else href
                self.out.append(f" ({target})" if text and target != text else target)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Convert an email's HTML to plain text: blocks become paragraphs, lists bullets, links ``text (url)``."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n"


__all__ = ["html_to_text"]
