"""Scrub personal data out of listings stored before the scrubber existed (issue 12).

Titles, ``district_raw`` and URLs pass through the same :mod:`warehouse.pii` scrubber the
parsers now apply before a snapshot exists: olx titles with phone numbers, e-mails and
names, and olx URL slugs made of those titles, are rewritten in place. Read in batches; only
the rows that change are held, then written in one UPDATE.
"""

from __future__ import annotations

import duckdb

from warehouse.pii import find_personal_data, scrub, scrub_url, url_personal_data

BATCH = 50_000

SELECT_TEXT = """
SELECT source, listing_id, title, district_raw, url FROM listings
WHERE title IS NOT NULL OR district_raw IS NOT NULL OR url IS NOT NULL
ORDER BY source, listing_id
"""

UPDATE = """
UPDATE listings SET title = s.title, district_raw = s.district_raw, url = s.url
FROM scrubbed s
WHERE listings.source = s.source AND listings.listing_id = s.listing_id
"""


def upgrade(conn: duckdb.DuckDBPyConnection) -> None:
    """Rewrite every listing whose free text holds a phone number, e-mail, handle or name."""
    import pandas as pd

    changed = []
    result = conn.execute(SELECT_TEXT)
    while rows := result.fetchmany(BATCH):
        for source, listing_id, title, district_raw, url in rows:
            if (
                find_personal_data(title)
                or find_personal_data(district_raw)
                or url_personal_data(url)
            ):
                changed.append(
                    (source, listing_id, scrub(title), scrub(district_raw), scrub_url(url))
                )
    if changed:
        frame = pd.DataFrame(
            changed, columns=["source", "listing_id", "title", "district_raw", "url"]
        )
        conn.register("scrubbed", frame)
        conn.execute(UPDATE)
        conn.unregister("scrubbed")
