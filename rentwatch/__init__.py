"""rentwatch: the command line and the settings over scrapers/, warehouse/, analysis/, reports/."""

__version__ = "0.1.0"
