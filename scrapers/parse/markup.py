"""Reading HTML once, in the right encoding, and flattening its text."""

from __future__ import annotations

from typing import Final

from lxml import etree
from w3lib.encoding import html_body_declared_encoding

from warehouse.pii import PHONE, scrub

# Pages that declare no charset are read as UTF-8 (what krisha.kz and olx.kz serve), not as
# libxml2's Latin-1 default, which would turn every Cyrillic letter into two garbage ones.
DEFAULT_ENCODING = "utf-8"
PHONE_REMOVED: Final = PHONE


def load_html(html: bytes | str) -> etree._Element:
    """Parse a whole page with lxml. Bytes are decoded by their declared charset, else UTF-8.

    Plain ``lxml.etree`` elements, not ``lxml.html`` ones: the latter run a Python class
    lookup for every element a parser touches, which costs more than the extraction itself.
    """
    if isinstance(html, str):
        html, encoding = html.encode("utf-8"), "utf-8"
    else:
        encoding = html_body_declared_encoding(html) or DEFAULT_ENCODING
    parser = etree.HTMLParser(encoding=encoding, remove_comments=True)
    root = etree.fromstring(html, parser)
    if root is None:  # empty or whitespace-only input
        root = etree.fromstring(b"<html></html>", parser)
    return root


def squash(text: str | None) -> str:
    """Collapse every run of whitespace (NBSP, U+202F, U+2009 and newlines too) to one space."""
    return " ".join(text.split()) if text else ""


def text_of(element: etree._Element) -> str:
    """All the text inside ``element``, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


def without_phones(text: str) -> str:
    """``text`` scrubbed of personal data (:func:`warehouse.pii.scrub`): phones, e-mails, names."""
    return scrub(text) or ""
