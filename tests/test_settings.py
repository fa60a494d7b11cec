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


def test_env_and_file_merge_inside_a_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A RENTWATCH_CRAWL__X variable overrides one key of [crawl]; the file keeps the others."""
    (tmp_path / "rentwatch.toml").write_text("[crawl]\nmin_items = 7\ndownload_delay = 0.25\n")
    monkeypatch.setenv("RENTWATCH_CRAWL__MIN_ITEMS", "9")
    crawl = load_settings().crawl
    assert (crawl.min_items, crawl.download_delay) == (9, 0.25)


def test_rentwatch_toml_wins_over_pyproject_whole(tmp_path: Path) -> None:
    (tmp_path / "rentwatch.toml").write_text("lock_timeout = 1.5\n")
    (tmp_path / "pyproject.toml").write_text("[tool.rentwatch]\nread_retry_timeout = 2.5\n")
    settings = load_settings()
    assert (settings.lock_timeout, settings.read_retry_timeout) == (1.5, 30.0)


def test_pyproject_without_our_table_sets_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n[tool.ruff]\n')
    assert load_settings() == load_settings(tmp_path / "pyproject.toml")
    assert load_settings().lock_timeout == 120.0


def test_explicit_pyproject_reads_its_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "proj"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text("[tool.rentwatch.crawl]\nmin_items = 3\n")
    monkeypatch.setenv("RENTWATCH_CONFIG", str(elsewhere / "pyproject.toml"))
    assert load_settings().crawl.min_items == 3


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("pyproject.toml", "[tool]\nrentwatch = 5\n", r"toml \[tool\.rentwatch\]: not a table"),
        ("rentwatch.toml", b'db = "\xff"\n', r"rentwatch\.toml: 'utf-8' codec"),
        ("pyproject.toml", "[tool.rentwatch]\ndb = 1\n", r"invalid setting db"),
    ],
)
def test_bad_files_name_themselves(
    tmp_path: Path, name: str, content: str | bytes, needle: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(RentwatchError, match=needle):
        load_settings()


def test_scrapy_crawl_and_rentwatch_crawl_start_from_the_same_knobs() -> None:
    """scrapers/settings.py (`scrapy crawl`) and the [crawl] defaults are one definition."""
    import scrapers.settings as scrapy_module

    for name, value in load_settings().crawl.scrapy_settings().items():
        assert getattr(scrapy_module, name) == value, name


def test_crawl_knobs_reach_scrapy_settings(tmp_path: Path) -> None:
    (tmp_path / "rentwatch.toml").write_text(
        '[crawl]\ndownload_delay = 3.0\npage_window = 2\nkrisha_base_url = "http://127.0.0.1:9"\n'
    )
    scrapy = load_settings().crawl.scrapy_settings()
    assert scrapy["DOWNLOAD_DELAY"] == 3.0
    assert scrapy["RENTWATCH_PAGE_WINDOW"] == 2
    assert scrapy["RENTWATCH_KRISHA_BASE_URL"] == "http://127.0.0.1:9"
