"""Spider arguments as validated models: a bad city or date is a one-line error at the door.

Arguments arrive as strings (``scrapy crawl krisha -a city=almaty``) or from
:func:`scrapers.run.run_crawls`; each spider names its model, and :func:`parse_args` turns
the raw mapping into it or raises :class:`SpiderArgumentError` naming the argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scrapers.clock import is_loopback
from warehouse.cities import REGISTRY
from warehouse.errors import RentwatchError


class SpiderArgumentError(RentwatchError):
    """A spider argument is missing or invalid."""


class SpiderParams(BaseModel):
    """Arguments every spider takes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    city: str = Field(description="the city to crawl: a registered city code (names accepted)")
    origin: Literal["live", "archive", "simulated"] = "live"
    run_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="the spool's name; made up if absent",
    )

    @field_validator("city", mode="before")
    @classmethod
    def _canonical_city(cls, value: object) -> object:
        if isinstance(value, str):
            found = REGISTRY.resolve(value)
            if found is None:
                raise ValueError(f"unknown city {value!r}; known: {', '.join(REGISTRY.codes)}")
            return found
        return value


class LiveParams(SpiderParams):
    """A crawl of a portal as it is now."""

    origin: Literal["live", "simulated"] = Field(
        default="live", description="simulated for the sandbox's market on loopback"
    )
    max_pages: int | None = Field(default=None, ge=1, description="stop after this many pages")


class KrishaParams(LiveParams):
    details: bool = Field(
        default=False, description="also fetch the detail page of cards that lack a district"
    )


class OlxParams(LiveParams):
    """olx.kz lists fewer cities than krisha: a city without a known olx slug is refused."""

    @model_validator(mode="after")
    def _olx_lists_it(self) -> OlxParams:
        if REGISTRY.get(self.city).olx_slug is None:
            with_olx = ", ".join(c.code for c in REGISTRY if c.olx_slug is not None)
            raise ValueError(f"olx has no known slug for {self.city}; cities on olx: {with_olx}")
        return self


class ArchiveParams(SpiderParams):
    """A backfill from web-archive captures between two dates (both inclusive)."""

    origin: Literal["archive", "simulated"] = "archive"
    date_from: date = Field(alias="from", description="first capture day, inclusive")
    date_to: date = Field(alias="to", description="last capture day, inclusive")

    @model_validator(mode="after")
    def _ordered(self) -> ArchiveParams:
        if self.date_from > self.date_to:
            raise ValueError(f"from {self.date_from} is after to {self.date_to}")
        return self


def parse_args(model: type[BaseModel], raw: Mapping[str, Any]) -> Any:
    """``raw`` validated as ``model``; a :class:`SpiderArgumentError` with one line if not."""
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            known = ", ".join(sorted(f.alias or n for n, f in model.model_fields.items()))
            message = f"unknown argument (known: {known})"
        elif first["type"] == "missing":
            message = "required"
        raise SpiderArgumentError(
            f"spider argument {where}: {message}" if where else f"spider arguments: {message}"
        ) from exc


def require_loopback_target(origin: str, base_urls: Mapping[str, str]) -> None:
    """A ``simulated`` run talks only to loopback (the sandbox), or it does not start.

    Without this, ``origin=simulated`` with the default base URLs crawled the real site and
    would have stored real rows labelled simulated. ``base_urls``: the Scrapy setting of each
    site the run fetches from, and its value.
    """
    if origin != "simulated":
        return
    elsewhere = [f"{name}={url}" for name, url in base_urls.items() if not is_loopback(url)]
    if elsewhere:
        raise SpiderArgumentError(
            f"origin simulated needs a loopback target (127.0.0.1, localhost or ::1), not "
            f"{', '.join(elsewhere)}: start the sandbox and point the base URL at it"
        )
