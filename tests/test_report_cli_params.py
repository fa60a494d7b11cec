"""`rentwatch report` options: unset means the headline estimator's own defaults."""

from __future__ import annotations

import dataclasses

import pytest
import typer

from rentwatch.commands.report import Method, _params
from reports import ReportParams


def test_no_options_is_the_headline_estimator() -> None:
    assert _params(None, None, None, None, None) == ReportParams()


def test_options_change_only_what_they_name() -> None:
    params = _params("2022-10-01", 2, Method.hedonic, 4, 0)
    expected = dataclasses.replace(
        ReportParams(), rooms=2, method="hedonic", window_weeks=4, placebos=0
    )
    assert params == dataclasses.replace(expected, event=params.event)
    assert str(params.event) == "2022-10-01"


def test_a_bad_event_is_a_usage_error() -> None:
    with pytest.raises(typer.BadParameter, match="2022-09-21"):
        _params("21.09.2022", None, None, None, None)
