"""Collection: Scrapy spiders, pure page parsers, and the simulated market (sandbox).

Spiders only route requests; parsing lives in pure functions (``scrapers.parse``) and items
leave through a pipeline into a run's spool (``warehouse.spool``), never straight into DuckDB.
"""
