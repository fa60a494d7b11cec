"""Reading HTML once, in the right encoding, and flattening its text."""

from __future__ import annotations

from typing import Final

from lxml import etree
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    resolve_encoding,
)

from warehouse.pii import PHONE, scrub

# Pages that declare no charset are read as UTF-8 (what krisha.kz and olx.kz serve), not as
# libxml2's Latin-1 default, which would turn every Cyrillic letter into two garbage ones.
DEFAULT_ENCODING = "utf-8"
# How far from the end the closing </html> tag is looked for (trailing scripts and iframes).
END_SCAN = 64 * 1024
PHONE_REMOVED: Final = PHONE


class UnreadablePage(ValueError):
    """The page cannot be read whole (``reason``: e.g. nested deeper than libxml2 allows)."""


def load_html(html: bytes | str) -> etree._Element:
    """Parse a whole page with lxml. Bytes are decoded by their declared charset, else UTF-8.

    Plain ``lxml.etree`` elements, not ``lxml.html`` ones: the latter run a Python class
    lookup for every element a parser touches, which costs more than the extraction itself.
    ``huge_tree`` lifts libxml2's 256-level nesting limit (to 2048): a page nested deeper than
    that is hostile or broken and raises :class:`UnreadablePage` (libxml2 would otherwise
    stop reading at that depth and hand back a page silently cut short).
    """
    if isinstance(html, str):
        html, encoding = html.encode("utf-8"), "utf-8"
    else:
        encoding = html_body_declared_encoding(html) or DEFAULT_ENCODING
    parser = etree.HTMLParser(encoding=encoding, remove_comments=True, huge_tree=True)
    root = etree.fromstring(html, parser)
    for error in parser.error_log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise UnreadablePage(f"page too deep: {error.message.split(',')[0].lower()}")
    if root is None:  # empty or whitespace-only input
        root = etree.fromstring(b"<html></html>", parser)
    return root


def as_served(body: bytes, content_type: str | bytes | None) -> bytes | str:
    """A page's body as its parser should read it, given the response's ``Content-Type``.

    A charset in the HTTP header overrides the page's ``<meta charset>`` (a byte-order mark
    overrides both), as in a browser: when the header names one the page does not declare,
    the text decoded by it; otherwise the bytes as they came (the parser reads those by their
    meta, else as UTF-8). A page sent as windows-1251 with only its header saying so had been
    read as UTF-8, every Cyrillic title garbled and every card dropped.
    """
    header = content_type.decode("latin-1") if isinstance(content_type, bytes) else content_type
    transport = http_content_type_encoding(header) if header else None
    if transport is None:
        return body
    declared = html_body_declared_encoding(body) or DEFAULT_ENCODING
    if resolve_encoding(declared) == transport:
        return body
    return html_to_unicode(header, body)[1]


def ends_whole(html: bytes | str) -> bool:
    """True when the page's closing ``</html>`` tag arrived: a page cut short (a truncated
    archive capture, a dropped connection) lacks it, and its last card may be cut inside its
    price ("300 0" read as 300)."""
    tail = html[-END_SCAN:]
    marker: bytes | str = b"</html" if isinstance(tail, bytes) else "</html"
    return marker in tail.lower()  # type: ignore[operator]


def squash(text: str | None) -> str:
    """Collapse every run of whitespace (NBSP, U+202F, U+2009 and newlines too) to one space."""
    return " ".join(text.split()) if text else ""


def text_of(element: etree._Element) -> str:
    """All the text inside ``element``, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


def without_phones(text: str) -> str:
    """``text`` scrubbed of personal data (:func:`warehouse.pii.scrub`): phones, e-mails, names."""
    return scrub(text) or ""
