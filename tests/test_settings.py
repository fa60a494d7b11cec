"""Settings precedence: defaults < config file < RENTWATCH_* environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from rentwatch.settings import load_settings
from warehouse.errors import RentwatchError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "RENTWATCH_DB",
        "RENTWATCH_CONFIG",
        "RENTWATCH_LOCK_TIMEOUT",
        "RENTWATCH_CRAWL__MIN_ITEMS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.db == Path("data/rentwatch.duckdb")
    assert settings.spools == Path("data/spool")
    assert settings.snapshots == Path("data/snapshots")


def test_rentwatch_toml_beats_defaults(tmp_path: Path) -> None:
    (tmp_path / "rentwatch.toml").write_text('db = "x/w.duckdb"\n[crawl]\nmin_items = 7\n')
    settings = load_settings()
    assert settings.db == Path("x/w.duckdb")
    assert settings.spools == Path("x/spool")
    assert settings.crawl.min_items == 7


def test_pyproject_table_is_read_when_no_rentwatch_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.rentwatch]\nlock_timeout = 3.5\n")
    assert load_settings().lock_timeout == 3.5


def test_env_beats_file_and_flags_beat_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rentwatch.toml").write_text('db = "from-file.duckdb"\n[crawl]\nmin_items = 7\n')
    monkeypatch.setenv("RENTWATCH_DB", "from-env.duckdb")
    monkeypatch.setenv("RENTWATCH_CRAWL__MIN_ITEMS", "9")
    assert load_settings().db == Path("from-env.duckdb")
    assert load_settings().crawl.min_items == 9
    assert load_settings(db=Path("from-flag.duckdb")).db == Path("from-flag.duckdb")


def test_explicit_config_file(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text("read_retry_timeout = 1.0\n")
    assert load_settings(other).read_retry_timeout == 1.0


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("db_path = 'typo'\n", "db_path"),
        ("lock_timeout = -1\n", "lock_timeout"),
        ("[crawl]\nconcurrent_per_domain = 8\n", "crawl.concurrent_per_domain"),
        ("db = [\n", "rentwatch.toml"),
    ],
)
def test_bad_settings_are_one_line_errors(tmp_path: Path, toml: str, needle: str) -> None:
    (tmp_path / "rentwatch.toml").write_text(toml)
    with pytest.raises(RentwatchError, match=needle.replace(".", r"\.")):
        load_settings()


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RentwatchError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
