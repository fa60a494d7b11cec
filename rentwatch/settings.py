"""rentwatch settings: one validated object for every command.

Precedence, lowest to highest:
  1. the defaults below;
  2. a config file: ``--config FILE`` / ``RENTWATCH_CONFIG``, else ``./rentwatch.toml``,
     else the ``[tool.rentwatch]`` table of ``./pyproject.toml``;
  3. environment variables ``RENTWATCH_*`` (nested sections with ``__``,
     e.g. ``RENTWATCH_CRAWL__MIN_ITEMS=50``);
  4. command-line flags (passed to :func:`load_settings` as keyword overrides).

The file is read by pydantic-settings' own ``TomlConfigSettingsSource``; sections merge key by
key across sources. ``[crawl]`` is :class:`scrapers.knobs.CrawlKnobs`, the defaults ``scrapy
crawl`` starts from too.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from scrapers.knobs import CrawlKnobs
from warehouse.cities import REGISTRY, CityRegistry
from warehouse.errors import RentwatchError

PYPROJECT_TABLE = ("tool", "rentwatch")


@dataclass(frozen=True)
class ConfigFile:
    """The config file in force: a ``rentwatch.toml`` (whole file) or a ``pyproject.toml``
    (its ``[tool.rentwatch]`` table)."""

    path: Path

    @property
    def is_pyproject(self) -> bool:
        return self.path.name == "pyproject.toml"

    def describe(self) -> str:
        return f"{self.path} [{'.'.join(PYPROJECT_TABLE)}]" if self.is_pyproject else str(self.path)


# The config file's source for the Settings being built (see Settings.settings_customise_sources).
_file_source: ContextVar[PydanticBaseSettingsSource | None] = ContextVar(
    "_file_source", default=None
)


class Section(BaseModel):
    """A settings section: unknown keys are errors, so a typo in a config file is caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CrawlSettings(CrawlKnobs):
    """``[crawl]``: how the spiders behave. The fields, defaults and bounds are
    :class:`scrapers.knobs.CrawlKnobs`', the same ones ``scrapy crawl`` starts from."""


class CitySettings(Section):
    """Which cities play which part (the registry is ``warehouse.cities``)."""

    # City -> role (treated, border, comparison, satellite): a judgement the user may revise,
    # e.g. {kokshetau = "border"} once its later spill-over is seen.
    roles: dict[str, str] = Field(default_factory=dict)
    # The cities `crawl`, `backfill` and `nightly` take when given none; unset: the treated
    # cities plus the comparison pool of the registry (with the roles above).
    crawl: list[str] | None = None

    @model_validator(mode="after")
    def _known(self) -> CitySettings:
        registry = REGISTRY.with_roles(self.roles)  # an unknown city or role is one line
        if self.crawl is not None:
            registry.canonical(self.crawl)
        return self


class DemoSettings(Section):
    """``rentwatch demo``: the simulated market, the archive's captures and the reports' checks."""

    out_dir: Path = Field(default=Path("demo"), description="where the demo writes everything")
    seed: int = Field(default=2022, description="the simulated market's seed")
    # 1.0 ≈ 1,750 active krisha listings in Almaty and 1,200 in Astana in autumn 2022.
    market_scale: float = Field(default=1.0, gt=0, le=20)
    captures_per_week: int = Field(default=2, ge=1, le=7, description="archive captures a week")
    archive_pages: int = Field(default=3, ge=1, le=20, description="search pages per capture")
    # The simulated country; unset: the treated cities, the border cities of krisha's autumn-2022
    # monitoring and the comparison pool (scrapers.sandbox.country.DEFAULT_CITIES, 20 cities).
    cities: list[str] | None = Field(default=None, description="the simulated cities")
    # The headline estimate (series and ITS) is the reports' own: reports.ReportParams.
    placebos: int = Field(default=40, ge=0, description="placebo events in the reports")

    @model_validator(mode="after")
    def _known_cities(self) -> DemoSettings:
        if self.cities is not None:
            REGISTRY.canonical(self.cities)  # an unknown city is one line
        return self


class Settings(BaseSettings):
    """Everything a command needs to know about where things are and how to behave."""

    model_config = SettingsConfigDict(
        env_prefix="RENTWATCH_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    db: Path = Field(default=Path("data/rentwatch.duckdb"), description="warehouse file")
    spool_dir: Path | None = Field(
        default=None, description="crawl spools; default: <db directory>/spool"
    )
    snapshot_dir: Path | None = Field(
        default=None, description="consistent copies; default: <db directory>/snapshots"
    )
    lock_timeout: float = Field(
        default=120.0, ge=0, description="seconds a writer waits for the warehouse lock"
    )
    read_retry_timeout: float = Field(
        default=30.0, ge=0, description="seconds a reader retries while a writer holds the file"
    )
    memory_limit: str | None = Field(
        default="2GB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB memory cap per process (bigger work spills to disk); unset: 80% of RAM",
    )
    warc_retention_days: int | None = Field(
        default=None,
        ge=1,
        description="days a loaded run's raw pages (WARC) are kept for reparsing; unset: all",
    )
    crawl: CrawlSettings = CrawlSettings()
    cities: CitySettings = CitySettings()
    demo: DemoSettings = DemoSettings()

    @model_validator(mode="after")
    def _derive_dirs(self) -> Settings:
        base = self.db.parent
        if self.spool_dir is None:
            object.__setattr__(self, "spool_dir", base / "spool")
        if self.snapshot_dir is None:
            object.__setattr__(self, "snapshot_dir", base / "snapshots")
        return self

    @property
    def registry(self) -> CityRegistry:
        """The city registry with the roles of ``[cities] roles``."""
        return REGISTRY.with_roles(self.cities.roles)

    def crawl_cities(self, given: Sequence[str] | None = None) -> tuple[str, ...]:
        """Codes of ``given`` (names accepted), else ``[cities] crawl``, else treated +
        comparison; an unknown city is a one-line :class:`~warehouse.cities.UnknownCity`."""
        registry = self.registry
        if given:
            return registry.canonical(given)
        if self.cities.crawl is not None:
            return registry.canonical(self.cities.crawl)
        return registry.with_role("treated", "comparison")

    @property
    def spools(self) -> Path:
        assert self.spool_dir is not None
        return self.spool_dir

    @property
    def snapshots(self) -> Path:
        assert self.snapshot_dir is not None
        return self.snapshot_dir

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (init) > ``RENTWATCH_*`` > the config file > defaults; no dotenv, no secrets."""
        file_source = _file_source.get()
        if file_source is None:
            return (init_settings, env_settings)
        return (init_settings, env_settings, file_source)


def find_config_file(explicit: Path | None = None) -> ConfigFile | None:
    """The config file in force: ``explicit`` (``--config``), else ``RENTWATCH_CONFIG``, else
    ``./rentwatch.toml``, else ``./pyproject.toml`` (read only for ``[tool.rentwatch]``)."""
    chosen = explicit or (Path(p) if (p := os.environ.get("RENTWATCH_CONFIG")) else None)
    if chosen is not None:
        if not chosen.is_file():
            raise RentwatchError(f"config file {chosen} does not exist")
        return ConfigFile(chosen)
    for candidate in (Path("rentwatch.toml"), Path("pyproject.toml")):
        if candidate.is_file():
            return ConfigFile(candidate)
    return None


def file_source(found: ConfigFile) -> TomlConfigSettingsSource:
    """pydantic-settings' own TOML source for ``found``; a bad file is a one-line error.

    A ``pyproject.toml`` without a ``[tool.rentwatch]`` table sets nothing (most projects'
    pyproject.toml is not about rentwatch).
    """
    table = PYPROJECT_TABLE if found.is_pyproject else ()
    try:
        source = TomlConfigSettingsSource(Settings, toml_file=found.path, toml_table_header=table)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RentwatchError(f"config file {found.describe()}: {exc}") from exc
    except KeyError:
        return TomlConfigSettingsSource(Settings, toml_file=None)
    except (AttributeError, TypeError) as exc:
        # The source takes the table's keys: a [tool.rentwatch] that is a value, not a table.
        raise RentwatchError(f"config file {found.describe()}: not a table") from exc
    return source


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from every source; ``overrides`` are command-line flags (None = not given)."""
    found = find_config_file(config)
    token = _file_source.set(file_source(found) if found is not None else None)
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RentwatchError(f"invalid setting {where}: {first['msg']}") from exc
    finally:
        _file_source.reset(token)
