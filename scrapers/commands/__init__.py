"""Scrapy commands of the rentwatch project (``COMMANDS_MODULE``): ``crawl`` replaced."""
