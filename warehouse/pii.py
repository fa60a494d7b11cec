"""Personal data out of free text: one scrubber for every text field the warehouse keeps.

Titles, addresses, ``district_raw`` and URLs of both portals pass through :func:`scrub`
before a snapshot exists (``scrapers.parse.snapshot``), the migration
``004_scrub_personal_data`` runs it over rows stored before it existed, and
``rentwatch db audit`` runs :func:`find_personal_data` over the warehouse.

What counts as personal data here:

- **phone numbers** as people type them in Kazakhstan: a 10-digit number starting with 7
  (``701 234 56 81``, ``7172 55 66 77``), with or without the ``8``/``+7`` prefix, whatever
  joins the digits (spaces of any kind, ``-`` ``–`` ``.`` ``/`` ``( )``); a local number
  ``55-66-77`` / ``255-66-77`` written with dashes or dots; any run of 6 or more digits after
  a contact word (``тел``, ``WhatsApp``, ``звоните``);
- **e-mail addresses**, also written ``ivan (at) mail.ru`` / ``ivan[собака]mail.ru``, and
  ``@handles`` (Telegram, Instagram);
- **names** after a contact word (``звоните Марат``, ``хозяйка Анна``, ``спросить Ивана``,
  ``меня зовут Ерлан``): one or two capitalised words.

Replacements are fixed markers (:data:`PHONE`, :data:`EMAIL`, :data:`NAME`), so a scrubbed
text says something was removed and never what. In URLs only the path's words are touched:
digits of the listing id stay.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote, urlsplit, urlunsplit

PHONE: Final = "[телефон скрыт]"
EMAIL: Final = "[почта скрыта]"
NAME: Final = "[имя скрыто]"

# Between the digits of a phone number: any space, dash, dot, slash or bracket, a few at most.
_GAP: Final = r"[\s\-\u2010-\u2015\u2212.·/\\()]{0,3}"
# 8 / +7 / 7 prefix, then a 10-digit number whose first digit is 7 (mobile 70x/74x/77x, city
# codes 7172, 727 …): 11 digits with the prefix, 10 without.
_PHONE_LONG: Final = re.compile(
    rf"(?<![\w+])(?:\+\s?7|8|7)?{_GAP}\(?7{_GAP}" + f"{_GAP}".join([r"\d"] * 9) + r"(?!\d)"
)
# A local number with dashes or dots between its groups: 55-66-77, 255-66-77, 2-55-66-77.
_PHONE_LOCAL: Final = re.compile(
    r"(?<![\w.,/-])(?:\d[-\u2010-\u2015.])?\d{2,3}[-\u2010-\u2015.]\d{2}[-\u2010-\u2015.]\d{2}(?![\w.,/-])"
)
_CONTACT_WORDS: Final = (
    r"тел(?:ефон)?\.?|моб(?:ильный)?\.?|номер|whats\s?app|ватсап|вацап|вотсап|viber|вайбер"
    r"|telegram|телеграм|звоните|звонить|позвоните|пишите|писать|обращаться(?:\s+к)?"
    r"|спросить|спрашивать|контакт(?:ы)?|хозя(?:ин|йка)|собственни(?:к|ца)|владел(?:ец|ица)"
    r"|риелтор|риэлтор|агент|менеджер|меня\s+зовут|зовут|\[телефон скрыт\]"
)
# olx slugs are titles transliterated and lower-cased: after such a word, the next word.
_SLUG_NAME: Final = re.compile(
    r"(?i)(?<![a-z])(?:zvonite|zvonit|pozvonite|pishite|sprosit|hozyain|hozyaika|hozyayka"
    r"|sobstvennik|sobstvennitsa|vladelets|rieltor|agent|menedzher|zovut|tel|telefon|whatsapp"
    r"|vatsap)(?:\s+x)*\s+([a-z]{2,})(?![a-z0-9])"
)
# After a contact word: a run of digits (6 or more, gaps allowed) is a number to call.
_PHONE_AFTER_WORD: Final = re.compile(
    rf"(?i:(?<!\w)(?:{_CONTACT_WORDS}))(?!\w)\s*[:\-–—,]?\s*(\+?\d(?:{_GAP}\d){{5,}})"
)
# After a contact word: one or two capitalised words are a person's name.
_NAME_AFTER_WORD: Final = re.compile(
    rf"(?i:(?<!\w)(?:{_CONTACT_WORDS}))(?!\w)\s*[:\-–—,]?\s*"
    r"(?:к\s+|у\s+)?([A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі]+(?:\s+[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі]+)?)"
)
_EMAIL: Final = re.compile(
    r"[\w.+-]+\s*(?:@|\(\s*at\s*\)|\[\s*at\s*\]|\(\s*собака\s*\)|\[\s*собака\s*\]|собака\s)"
    r"\s*[\w-]+(?:\s*(?:\.|\(\s*dot\s*\)|\[\s*dot\s*\]|\sточка\s)\s*[\w-]+)+",
    re.IGNORECASE,
)
_HANDLE: Final = re.compile(r"(?<![\w@])@[A-Za-z][\w.]{3,31}")

# Each kind, in the order applied: e-mails first (their digits are not phones), names last
# (a contact word's number goes before its name).
_KINDS: Final[tuple[tuple[str, re.Pattern[str], str], ...]] = (
    ("email", _EMAIL, EMAIL),
    ("handle", _HANDLE, EMAIL),
    ("phone", _PHONE_AFTER_WORD, PHONE),
    ("phone", _PHONE_LONG, PHONE),
    ("phone", _PHONE_LOCAL, PHONE),
    ("name", _NAME_AFTER_WORD, NAME),
)
_MARKERS: Final = (PHONE, EMAIL, NAME)


def _replace(pattern: re.Pattern[str], marker: str, text: str) -> str:
    """Replace the match, or only its group 1 when the pattern has one (the cue word stays)."""
    if pattern.groups == 0:
        return pattern.sub(marker, text)

    def one(match: re.Match[str]) -> str:
        start, end = match.span(1)
        return match[0][: start - match.start()] + marker + match[0][end - match.start() :]

    return pattern.sub(one, text)


def scrub(text: str | None) -> str | None:
    """``text`` with every phone number, e-mail address, handle and name replaced by a marker."""
    if not text:
        return text
    for _, pattern, marker in _KINDS:
        text = _replace(pattern, marker, text)
    return text


def scrub_url(url: str | None) -> str | None:
    """A URL whose path and query carry no personal data (olx slugs are the ad's title).

    Each path segment is read percent-decoded, ``-`` and ``_`` as spaces, and scrubbed; a
    marker becomes ``x``. All-digit segments (krisha's ``/a/show/<id>``) are ids and stay, and
    so do the scheme and host. The fragment is dropped.
    """
    if not url:
        return url
    parts = urlsplit(url)
    path = "/".join(_scrub_slug(segment) for segment in parts.path.split("/"))
    return urlunsplit((parts.scheme, parts.netloc, path, _scrub_slug(parts.query), ""))


def _slug_words(segment: str) -> str:
    return unquote(segment).replace("-", " ").replace("_", " ")


def _scrub_slug(segment: str) -> str:
    if not segment or segment.isdigit():
        return segment
    words = _slug_words(segment)
    cleaned = scrub(words) or ""
    for marker in _MARKERS:
        cleaned = cleaned.replace(marker, "x")
    cleaned = _replace(_SLUG_NAME, "x", cleaned)
    if cleaned == words:
        return segment
    return cleaned.replace(" ", "-")


def find_personal_data(text: str | None) -> list[str]:
    """The kinds of personal data (``phone``, ``email``, ``handle``, ``name``) left in ``text``."""
    if not text:
        return []
    found = []
    for kind, pattern, _ in _KINDS:
        if kind not in found and pattern.search(text):
            found.append(kind)
    return found


def url_personal_data(url: str | None) -> list[str]:
    """:func:`find_personal_data` over a URL's path segments and query, read as slugs."""
    if not url:
        return []
    parts = urlsplit(url)
    segments = [*parts.path.split("/"), parts.query]
    words = " / ".join(_slug_words(s) for s in segments if not s.isdigit())
    found = find_personal_data(words)
    if "name" not in found and any(m[1] != "x" for m in _SLUG_NAME.finditer(words)):
        found.append("name")
    return found
