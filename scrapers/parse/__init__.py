"""Pure parsers: page bytes and the observation time in, listing snapshots out.

Nothing here does I/O or keeps state between calls, so every function is tested by tables of
inputs and expected outputs, and the spiders only route requests to them.

- :mod:`scrapers.parse.krisha`, :mod:`scrapers.parse.olx`: ``parse_search_page(html,
  observed_at, *, city=None) -> ParsedPage`` for each portal's search pages;
- :mod:`scrapers.parse.price`, :mod:`~scrapers.parse.title`, :mod:`~scrapers.parse.dates`,
  :mod:`~scrapers.parse.districts`: the field parsers both portals share;
- :mod:`scrapers.parse.archive`: Wayback CDX rows and raw-capture URLs;
- :mod:`scrapers.parse.blocking`: telling a firewall's answer from a page of listings.
"""
