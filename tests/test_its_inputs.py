"""The ITS engine's input checks as pure functions: reading a CSV, implausible values, a
window longer than the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.its.data import implausible_value, window_cut_note
from analysis.its.exceptions import InvalidData
from analysis.its.inputs import read_csv

EXPECTED = pd.DataFrame({"week": ["2021-04-05", "2021-04-12"], "rent": [66630.5, 67877.25],
                         "astana": [1.0, 2.0]})  # fmt: skip


def lines(*rows: str) -> str:
    return "".join(f"{row}\n" for row in rows)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("comma", lines("week,rent,astana", "2021-04-05,66630.5,1", "2021-04-12,67877.25,2")),
        ("semicolon", lines("week;rent;astana", "2021-04-05;66630.5;1", "2021-04-12;67877.25;2")),
        ("decimal comma",
         lines("week;rent;astana", "2021-04-05;66630,5;1", "2021-04-12;67877,25;2")),
        ("tab", lines("week\trent\tastana", "2021-04-05\t66630.5\t1", "2021-04-12\t67877.25\t2")),
        ("byte-order mark",
         lines("\ufeffweek,rent,astana", "2021-04-05,66630.5,1", "2021-04-12,67877.25,2")),
    ],
)  # fmt: skip
def test_a_csv_is_read_whatever_its_delimiter(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / "rents.csv"
    path.write_text(content, encoding="utf-8")
    table = read_csv(path)
    assert list(table.columns) == list(EXPECTED.columns), name
    assert table["rent"].tolist() == EXPECTED["rent"].tolist()
    assert table["astana"].astype(float).tolist() == EXPECTED["astana"].tolist()
    assert table["week"].astype(str).tolist() == EXPECTED["week"].tolist()


def test_a_semicolon_file_keeps_its_text_columns(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("week;city;rent\n2021-04-05;Алматы;1,5\n2021-04-12;Астана;2\n")
    table = read_csv(path)
    assert table["city"].tolist() == ["Алматы", "Астана"]
    assert table["rent"].tolist() == [1.5, 2.0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("week,Алматы\n2021-04-05,1\n".encode("cp1251"),
         "byte 0xc0 on line 1 is not UTF-8 (save the file as UTF-8)"),
        ("week,rent\n2021-04-05,1\n2021-04-12,Ц\n".encode("cp1251"),
         "byte 0xd6 on line 3 is not UTF-8 (save the file as UTF-8)"),
        (b"", "No columns to parse"),
        (b"week,rent\n", "has a header but no rows"),
    ],
)  # fmt: skip
def test_unreadable_csv_files_are_one_line_errors(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidData) as info:
        read_csv(path)
    assert message in str(info.value) and "\n" not in str(info.value)


RNG = np.random.default_rng(0)
STABLE = 1e5 * np.exp(RNG.normal(0, 0.02, 120))


def with_value(position: int, value: float) -> np.ndarray:
    values = STABLE.copy()
    values[position] = value
    return values


@pytest.mark.parametrize(
    ("case", "values", "expected"),
    [
        ("rents around 1e5", STABLE, None),
        ("one value of 1e12", with_value(80, 1e12), 80),
        ("one value of 1e300", with_value(80, 1e300), 80),
        ("150 times the median", with_value(3, 1.5e7), 3),
        ("a 200th of the median", with_value(5, 500.0), 5),
        ("50 times the median: not refused", with_value(3, 5e6), None),
        ("a gap is ignored", with_value(80, np.nan), None),
        ("a tenfold rise over three years", np.geomspace(1e5, 1e6, 156), None),
        ("growth from 1 to 10,000", np.geomspace(1, 1e4, 100), None),
        ("a linear count from 1 to 1,000", np.arange(1.0, 1001.0), None),
        ("counts with zeros", RNG.poisson(3, 100).astype(float), None),
        ("counts with zeros and a spike", np.r_[np.zeros(10), np.ones(80), [500.0]], None),
        ("differences, negative and positive", RNG.normal(0, 1, 100) * 1e3, None),
        ("a constant series", np.full(50, 1e5), None),
        ("a constant series and one wild value", np.r_[np.full(50, 1e5), [1e8]], 50),
        ("two values only", np.array([1.0, 1e6]), None),
    ],
)
def test_implausible_values(case: str, values: np.ndarray, expected: int | None) -> None:
    assert implausible_value(values) == expected, case


@pytest.mark.parametrize(("periods", "cut"), [(44, None), (45, "cut to the 44")])
def test_on_an_axis_of_days_the_window_counts_from_the_event_date(
    periods: float, cut: str | None
) -> None:
    """The first post observation (day 76) is three days after the event (day 73): the
    window from the event has 44 days of data, not the 41 from that observation."""
    t = np.arange(117.0)
    note = window_cut_note(t, t >= 76, periods, start=73.0)
    assert note is None if cut is None else (note is not None and cut in note)


@pytest.mark.parametrize(
    ("t", "periods", "cut"),
    [
        (np.arange(117.0), 500, "the window of 500 periods was cut to the 41"),
        (np.arange(117.0), 41, None),
        (np.arange(117.0), 6, None),
        (np.arange(117.0), None, None),
        (np.arange(0.0, 585.0, 5.0), 205, None),  # every fifth year: 41 rows span 205 years
        (np.arange(0.0, 585.0, 5.0), 206, "cut to the 205"),
    ],
)
def test_a_window_longer_than_the_post_period_is_said(
    t: np.ndarray, periods: float | None, cut: str | None
) -> None:
    post = np.arange(len(t)) >= 76
    note = window_cut_note(t, post, periods)
    assert note == cut if cut is None else cut in (note or "")
