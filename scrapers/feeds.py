"""Scrapy feed exports with one row per listing: ``scrapy crawl krisha -a city=almaty -O x.csv``.

A spider yields one item per page (:class:`scrapers.items.SpoolBatch`, see ARCHITECTURE.md
"An item is a page's records"), which Scrapy's stock exporters would write as one row with a
``records`` column of Python reprs. The exporters below are Scrapy's own, with one change:
a page item is written as its records, one row each (:meth:`SpoolBatch.rows`). They are
registered for every format Scrapy knows in ``FEED_EXPORTERS`` (``scrapers/settings.py``),
so ``-O x.csv``, ``-O x.jsonl``, ``-O x.json`` and ``-o`` work as Scrapy documents them,
``FEED_EXPORT_FIELDS`` included. The spool is untouched: a feed costs only when one is asked for.

A row holds exactly the spool record's fields (the whitelist of :mod:`warehouse.records`,
so no personal data), with ``observed_at`` as ISO 8601 with its UTC offset and dates as
``YYYY-MM-DD``. Scrapy's "Stored … feed (N items)" line counts pages, not rows.
"""

from __future__ import annotations

from typing import Any

from scrapy.exporters import (
    BaseItemExporter,
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    MarshalItemExporter,
    PickleItemExporter,
    XmlItemExporter,
)

from scrapers.items import FEED_FIELDS, SpoolBatch


class _RowsPerListing(BaseItemExporter):
    """Mixin: a page item becomes one exported row per record; other items pass as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A fixed header: a CSV has the same columns whichever record comes first.
        if self.fields_to_export is None:
            self.fields_to_export = list(FEED_FIELDS)

    def export_item(self, item: Any) -> None:
        # super() is the concrete exporter that follows this mixin in each class's MRO.
        if isinstance(item, SpoolBatch):
            for row in item.rows():
                super().export_item(row)  # type: ignore[safe-super]
        else:
            super().export_item(item)  # type: ignore[safe-super]


class CsvRowExporter(_RowsPerListing, CsvItemExporter):
    """CSV, one line per listing, header from :data:`scrapers.items.FEED_FIELDS`."""


class JsonLinesRowExporter(_RowsPerListing, JsonLinesItemExporter):
    """JSON Lines, one object per listing."""


class JsonRowExporter(_RowsPerListing, JsonItemExporter):
    """One JSON array, one object per listing."""


class XmlRowExporter(_RowsPerListing, XmlItemExporter):
    """XML, one ``<item>`` per listing."""


class MarshalRowExporter(_RowsPerListing, MarshalItemExporter):
    """marshal, one record per listing."""


class PickleRowExporter(_RowsPerListing, PickleItemExporter):
    """pickle, one record per listing."""
