"""rentwatch's spiders: ``krisha`` and ``olx`` (search pages, every page) and
``krisha_archive`` (web-archive captures of krisha's search pages between two dates)."""
