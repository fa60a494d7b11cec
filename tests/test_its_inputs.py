"""The ITS engine's input checks as pure functions: reading a CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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
