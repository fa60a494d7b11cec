"""The sandbox: a simulated rental market with known truth, served in the real page formats.

- :mod:`~scrapers.sandbox.calibration`: every published figure the market is calibrated to;
- :mod:`~scrapers.sandbox.truth`: counterfactual and effect paths, written as ``truth.json``;
- :mod:`~scrapers.sandbox.market`: listings, postings, bumps and asking prices, seeded;
- :mod:`~scrapers.sandbox.krisha_pages`, :mod:`~scrapers.sandbox.olx_pages`: search pages;
- :mod:`~scrapers.sandbox.archive`: the web archive's captures and CDX index;
- :mod:`~scrapers.sandbox.server`: all of it on 127.0.0.1, for the real spiders.

Everything rendered here is simulated and says so in every page.
"""
