"""``rentwatch demo``: the whole pipeline, offline, on a simulated country; estimate vs truth.

Stages, each timed and reported as it runs:

1. **market**: build the seeded market of every simulated city (default: the 20 cities of
   :data:`scrapers.sandbox.country.DEFAULT_CITIES`; setting ``demo.cities``) and write its
   truth (``truth/truth.json`` and ``truth/truth_daily.csv``) under the output directory;
2. **sandbox**: serve krisha, olx and the web archive on 127.0.0.1 (three ephemeral ports);
3. **backfill**: the real ``krisha_archive`` spider over every city's captures,
   2021-07 … 2023-06;
4. **crawl**: the real ``krisha`` and ``olx`` spiders over today's simulated sites (olx where
   it lists the city), observed at the sandbox's clock (the market's last day, so the
   warehouse has no hole); then the sandbox stops;
5. **load**: the spools into the demo warehouse, in one transaction;
6. **index**: weekly median, mix-adjusted and hedonic series and the headline series of every
   city, stored in the warehouse;
7. **its**: the reports' headline (``reports.ReportParams``: its series, design and window) per
   treated city, beside the truth on the same window and rooms; a comparison-design headline
   on a sandbox with fewer than three comparison cities falls back to the single-series
   design, with a printed note (:func:`reports.headline.design_for`);
8. **comparison**: the other design beside it (:data:`HEADLINE_DESIGNS`): the comparison
   design beside a single-series headline, the single series beside a comparison headline,
   or "not run" when the sandbox has too few comparison cities;
9. **reports**: the economist's report and the officials' summary in ru, kk and en, for the
   treated cities.

Stages whose capability is not installed are reported "not run" with the reason, never faked.
Everything the crawls record has origin ``simulated``, so every series, table and page built
from it says so. The CLI is only orchestration: the work is in scrapers/, warehouse/,
analysis/ and reports/.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from pydantic import ValidationError

from rentwatch.commands.common import echo_json, settings_of
from rentwatch.progress import task
from rentwatch.settings import DemoSettings, Settings
from scrapers.sandbox import calibration as cal
from scrapers.sandbox.archive import Archive
from scrapers.sandbox.market import Market, MarketConfig
from scrapers.sandbox.server import Sandbox
from scrapers.sandbox.truth import Truth
from warehouse import open_reader, open_writer
from warehouse.cities import REGISTRY
from warehouse.errors import RentwatchError
from warehouse.load import load_pending
from warehouse.status import warehouse_status

if TYPE_CHECKING:
    from analysis.index import IndexSeries
    from reports import ReportParams

MARKER: Final = ".rentwatch-demo"  # marks a directory the demo made and may clear
WAREHOUSE: Final = "rentwatch.duckdb"
SUMMARY_JSON: Final = "demo_summary.json"
LANGS: Final = ("ru", "kk", "en")
# What a demo run leaves, relative to its directory (cleared before the next run).
PRODUCTS: Final = (WAREHOUSE, f"{WAREHOUSE}.wal", f"{WAREHOUSE}.lock", "spool", "snapshots",
                   "truth", "report", "index", SUMMARY_JSON,
                   *(f"summary_{lang}.pdf" for lang in LANGS))  # fmt: skip
INDEX_METHODS: Final = ("median", "mix", "hedonic")
DEFINITION: Final = (
    "effect_pct = 100 * (sum(observed) / sum(counterfactual) - 1) over the window (both ends "
    "included), on the headline series; truth_pct is the same quantity for the simulated "
    "market's true paths, on the same window and room count"
)


@dataclass
class Stage:
    """How one stage went: ``done``, ``failed`` or ``not run``, and a line saying what.

    ``peak_rss_mib``: the demo process's peak resident memory at the end of the stage (a
    high-water mark, so the stage that raised it is the one where it grew);
    ``children_peak_rss_mib``: the same for the largest finished child (the crawl processes).
    """

    name: str
    status: str
    seconds: float
    detail: str
    peak_rss_mib: float = 0.0
    children_peak_rss_mib: float = 0.0


@dataclass
class CityResult:
    """One city's headline estimate by one design, beside the truth on the same definition."""

    series: str
    window_start: str
    window_end: str
    estimate_pct: float | None = None
    low_pct: float | None = None
    high_pct: float | None = None
    level: float | None = None
    truth_pct: float | None = None
    truth_in_interval: bool | None = None
    observations: int = 0
    design: str = "its"


@dataclass(frozen=True)
class HeadlineDesign:
    """One design the demo puts beside the truth for every treated city.

    ``params(demo)`` is the reports' headline parameters it fits (every number printed is the
    report's own, :func:`reports.headline.city_headline`), or ``None`` when it has nothing to
    add (the other design is already the headline). A city whose fit raises a
    :class:`RentwatchError` is reported failed; the others still run.
    """

    name: str
    title: str
    params: Callable[[Demo], ReportParams | None]


@dataclass
class DemoRun:
    """What the demo did and found; ``to_dict`` is the ``--json`` summary."""

    out_dir: Path
    seed: int
    scale: float
    stages: list[Stage] = field(default_factory=list)
    # Per design (HEADLINE_DESIGNS' names), per treated city.
    designs: dict[str, dict[str, CityResult]] = field(default_factory=dict)
    estimators: dict[str, str] = field(default_factory=dict)
    # Every simulated city: its role and its true six-week effect on the headline's rooms.
    country: dict[str, dict[str, Any]] = field(default_factory=dict)
    market: dict[str, int] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def cities(self) -> dict[str, CityResult]:
        """The first design's results (the reports' headline)."""
        return next(iter(self.designs.values()), {})

    @property
    def estimator(self) -> str:
        return next(iter(self.estimators.values()), "")

    @property
    def comparison(self) -> dict[str, CityResult]:
        """The design put beside the headline (empty when it did not run)."""
        return self.designs.get("comparison", {})

    @property
    def comparison_estimator(self) -> str:
        return self.estimators.get("comparison", "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "simulated": True,
            "out_dir": str(self.out_dir),
            "seed": self.seed,
            "market_scale": self.scale,
            "market": self.market,
            "country": self.country,
            "definition": DEFINITION,
            "estimator": self.estimator,
            "cities": {city: asdict(result) for city, result in self.cities.items()},
            "designs": {
                name: {
                    "estimator": self.estimators.get(name, ""),
                    "cities": {c: asdict(r) for c, r in results.items()},
                }
                for name, results in self.designs.items()
            },
            "notes": self.notes,
            "stages": [asdict(stage) for stage in self.stages],
            "outputs": [str(p) for p in self.outputs],
        }


class Demo:
    """The demo's stages over one output directory. ``progress`` receives one line per event."""

    def __init__(self, settings: Settings, options: DemoSettings, progress: Callable[[str], None]):
        self.options = options
        self.out = options.out_dir
        self.db = self.out / WAREHOUSE
        self.spools = self.out / "spool"
        self.settings = settings.model_copy(
            update={"db": self.db, "spool_dir": self.spools, "snapshot_dir": self.out / "snapshots"}
        )
        self.progress = progress
        self.run = DemoRun(self.out, options.seed, options.market_scale)
        self.market: Market | None = None
        self.archive: Archive | None = None
        self.truth: Truth | None = None
        # The headline series of every simulated city (the designs' input: a treated city's
        # own, and the comparison cities' for the designs that use them).
        self.series: dict[str, IndexSeries] = {}
        # The headline as run: the reports' own, or its single-series stand-in when the
        # sandbox lacks comparison cities (set by its()).
        self._params: ReportParams | None = None

    # --- the frame --------------------------------------------------------------------------

    @contextmanager
    def stage(self, name: str, what: str) -> Iterator[Stage]:
        number = len(self.run.stages) + 1
        self.progress(f"[{number}] {name}: {what} …")
        stage = Stage(name, "done", 0.0, "")
        started = time.perf_counter()
        try:
            with task(f"[{number}] {name}"):
                yield stage
        except RentwatchError as exc:
            stage.status, stage.detail = "failed", str(exc)
        finally:
            stage.seconds = round(time.perf_counter() - started, 2)
            stage.peak_rss_mib = _peak_mib(resource.RUSAGE_SELF)
            stage.children_peak_rss_mib = _peak_mib(resource.RUSAGE_CHILDREN)
            self.run.stages.append(stage)
            self.progress(
                f"[{number}] {name}: {stage.status} in {stage.seconds:.1f} s — {stage.detail}"
            )

    def headline(self) -> ReportParams:
        """The reports' headline estimator (their defaults) on all the data: the sandbox's
        clock makes the live crawl the archive's last day, so there is no hole to leave out."""
        from reports import ReportParams

        return ReportParams(event=cal.EVENT_DATE, placebos=self.options.placebos)

    @property
    def params(self) -> ReportParams:
        """The headline as the demo runs it (see ``_params``)."""
        return self._params or self.headline()

    def note(self, text: str) -> None:
        self.run.notes.append(text)
        self.progress(f"    note: {text}")

    def donors_missing(self, params: ReportParams) -> str | None:
        """Why ``params`` cannot run here for want of comparison cities (None: it can)."""
        from reports.headline import design_for

        with open_reader(self.db, retry_timeout=self.settings.read_retry_timeout) as conn:
            _, why = design_for(conn, list(self.treated), params, registry=self.settings.registry)
        return why

    @property
    def cities(self) -> tuple[str, ...]:
        """The simulated cities (registered codes)."""
        return self.market.cities if self.market is not None else _country(self.options)

    @property
    def treated(self) -> tuple[str, ...]:
        """The simulated cities the headline is about."""
        return tuple(c for c in self.cities if REGISTRY.get(c).role == "treated")

    def not_run(self, name: str, why: str) -> None:
        self.run.stages.append(Stage(name, "not run", 0.0, why))
        self.progress(f"[{len(self.run.stages)}] {name}: not run — {why}")

    def prepare_directory(self) -> None:
        """Clear what an earlier demo left here; refuse a directory the demo did not make."""
        if self.out.exists():
            if not (self.out / MARKER).is_file() and any(self.out.iterdir()):
                raise RentwatchError(
                    f"{self.out} exists and was not made by rentwatch demo; choose another --out"
                )
            for name in PRODUCTS:
                path = self.out / name
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / MARKER).write_text(
            "made by rentwatch demo; its contents are replaced on each run\n"
        )

    # --- stages -----------------------------------------------------------------------------

    def build_market(self) -> None:
        what = f"simulating {len(self.cities)} cities (seed {self.options.seed})"
        with self.stage("market", what) as stage:
            self.market = Market(
                MarketConfig(self.options.seed, self.options.market_scale, self.cities)
            )
            self.archive = Archive(
                self.market,
                per_week=self.options.captures_per_week,
                pages=self.options.archive_pages,
            )
            self.truth = self.market.truth
            written = self.truth.write(self.out / "truth")
            self.run.outputs.extend(written)
            self.run.market = {**self.market.size, "archive_captures": len(self.archive.captures)}
            params = self.headline()
            self.run.country = {
                city: {
                    "role": self.truth.roles[city],
                    "truth_pct": round(self.truth.average_effect_pct(
                        city, params.window_start, params.window_end, rooms=params.rooms), 2),
                    "captures": sum(c.city == city for c in self.archive.captures),
                }
                for city in self.cities
            }  # fmt: skip
            size = self.market.size
            roles = Counter(self.truth.roles[c] for c in self.cities)
            stage.detail = (
                f"{len(self.cities)} cities ({', '.join(f'{n} {r}' for r, n in roles.items())}); "
                f"{size['flats']:,} flats, {size['listings']:,} listings, {size['events']:,} "
                f"postings and bumps; {len(self.archive.captures):,} archive captures; truth "
                f"written to {self.out / 'truth'}"
            )

    def crawl(self) -> None:
        from scrapers.run import CrawlJob, run_crawls

        assert self.market is not None and self.archive is not None
        with Sandbox(self.market, archive=self.archive) as sandbox:
            settings = {**_crawl_settings(self.settings), **sandbox.scrapy_settings()}
            urls = ", ".join(f"{site} {sandbox.base_url(site)}" for site in sandbox.sites)
            self.progress(f"    sandbox: {urls}; its clock: {sandbox.now.isoformat()}")
            span = {"from": cal.ARCHIVE_FROM.isoformat(), "to": cal.ARCHIVE_TO.isoformat()}
            backfill = [
                CrawlJob("krisha_archive", {"city": city, **span, "origin": "simulated"})
                for city in self.cities
            ]
            live = [
                CrawlJob(spider, {"city": city, "origin": "simulated"})
                for spider in ("krisha", "olx")
                for city in self.cities
                if spider == "krisha" or self.market.models[city].on_olx
            ]
            n = len(self.cities)
            for name, jobs, what in (
                ("backfill", backfill,
                 f"archive backfill of {n} cities, 2021-07-01 … 2023-06-30 (krisha_archive)"),
                ("crawl", live, f"live crawl of today's simulated krisha and olx, {n} cities, "
                                f"observed at the sandbox's clock"),
            ):  # fmt: skip
                with self.stage(name, what) as stage:
                    results = run_crawls(jobs, spool_dir=self.spools, settings=settings)
                    for result in results:
                        self.progress(f"    {result.line()}")
                    items = sum(r.items for r in results)
                    failed = [r.line() for r in results if not r.ok]
                    stage.detail = f"{items:,} listings spooled by {len(results)} runs"
                    if failed:
                        stage.status = "failed"
                        stage.detail += "; failed: " + "; ".join(failed)
            counts = sandbox.request_counts()
        served = sum(sum(c.values()) for c in counts.values())
        self.progress(f"    sandbox stopped after {served:,} requests")

    def load(self) -> None:
        with self.stage("load", f"merging spools into {self.db}") as stage:
            with open_writer(self.db, lock_timeout=self.settings.lock_timeout) as conn:
                report = load_pending(conn, self.spools, ())
                status = warehouse_status(conn)
            stage.detail = report.summary()
            if report.rejected:
                stage.status = "failed"
            self.progress(_indent(status.render()))
        self.run.outputs.append(self.db)

    def index(self) -> bool:
        try:
            from analysis.index import IndexSpec, SeriesError, build_indexes, store_index

            params = self.headline()
        except ImportError as exc:
            self.not_run("index", f"the rent index is not installed ({exc})")
            return False
        what = f"weekly median, mix-adjusted and hedonic series of {len(self.cities)} cities"
        with self.stage("index", what) as stage:
            index_dir = self.out / "index"
            index_dir.mkdir(exist_ok=True)
            built: list[IndexSeries] = []
            missing: list[str] = []
            with open_writer(self.db, lock_timeout=self.settings.lock_timeout) as conn:
                for city in self.cities:
                    headline = params.index_spec(city)
                    specs = [IndexSpec(city, m, "W") for m in INDEX_METHODS]
                    if headline not in specs:
                        specs.append(headline)
                    try:
                        series = build_indexes(conn, specs)
                    except SeriesError:  # a thin city: keep the series that can be built
                        series = []
                        for spec in specs:
                            try:
                                series += build_indexes(conn, [spec])
                            except SeriesError as exc:
                                missing.append(f"{spec.label}: {exc}")
                    for one in series:
                        store_index(conn, one)
                        if one.spec == headline:
                            self.series[city] = one
                    built += series
            for one in built:
                path = index_dir / f"{one.spec.label.replace(' ', '_')}.csv"
                one.frame.to_csv(path, index=False)
                self.run.outputs.append(path)
            stage.detail = (
                f"{len(built)} series of {len({s.spec.city for s in built})} cities stored in "
                f"index_series and written to {index_dir}; simulated: "
                f"{all(s.simulated for s in built)}"
            )
            if missing:
                stage.detail += f"; not built: {'; '.join(missing)}"
        return bool(self.series)

    def its(self) -> None:
        """Every headline design on every treated city, beside the truth."""
        try:
            import reports.headline  # noqa: F401  (the ITS engine and the reports)
        except ImportError as exc:
            for design in HEADLINE_DESIGNS:
                self.not_run(design.name, f"{design.title} is not installed ({exc})")
            return
        why = self.donors_missing(self.headline())
        if why:
            from reports.headline import single_series_params

            self._params = single_series_params(self.headline())
            self.note(why)
        for design in HEADLINE_DESIGNS:
            params = design.params(self)
            if params is None:
                continue
            if design.name != "its" and (why := self.donors_missing(params)):
                self.not_run(design.name, f"{why.split(':')[0]}: the design above stands")
                continue
            estimator = params.estimator_text()
            self.run.estimators[design.name] = estimator
            results = self.run.designs.setdefault(design.name, {})
            with self.stage(design.name, f"{estimator}, per treated city") as stage:
                lines, failed = [], []
                for city in self.treated:
                    try:
                        result = self.fit(params, city, design.name)
                    except RentwatchError as exc:
                        failed.append(f"{city}: {exc}")
                        continue
                    results[city] = result
                    assert result.estimate_pct is not None and result.truth_pct is not None
                    lines.append(
                        f"{city} {_percent(result.estimate_pct)} (truth "
                        f"{_percent(result.truth_pct)})"
                    )
                stage.detail = "; ".join(lines)
                if failed:
                    stage.status = "failed"
                    stage.detail += ("; " if lines else "") + "failed: " + "; ".join(failed)

    def fit(self, params: ReportParams, city: str, design: str) -> CityResult:
        """The reports' own headline of a treated city (span, series, fit, window) beside the
        truth on the same window and rooms: the number printed is the report's."""
        from reports.headline import city_headline

        assert self.truth is not None
        with open_reader(self.db, retry_timeout=self.settings.read_retry_timeout) as conn:
            headline = city_headline(conn, city, params, registry=self.settings.registry)
        effect, series = headline.effect, headline.series
        truth = self.truth.average_effect_pct(
            city, params.window_start, params.window_end, rooms=params.rooms
        )
        return CityResult(
            series=params.series_text(),
            window_start=params.window_start.isoformat(),
            window_end=params.window_end.isoformat(),
            # Unrounded: the summary prints them once, as the reports do.
            estimate_pct=effect.percent,
            low_pct=effect.percent_low,
            high_pct=effect.percent_high,
            level=effect.level,
            truth_pct=truth,
            truth_in_interval=bool(effect.percent_low <= truth <= effect.percent_high),
            observations=int(series.frame["n"].sum()),
            design=design,
        )

    def reports(self) -> None:
        try:
            from reports import write_economist_report, write_summary_pdf
            from reports.gather import gather_report_data
        except ImportError as exc:
            self.not_run("reports", f"the reports are not installed ({exc})")
            return
        with self.stage("reports", "economist report and summaries in ru, kk, en") as stage:
            data = gather_report_data(
                self.db, cities=self.treated, params=self.params, registry=self.settings.registry
            )
            report = write_economist_report(data, out_dir=self.out / "report")
            self.run.outputs.append(report.html)
            for lang in LANGS:
                self.run.outputs.append(
                    write_summary_pdf(data, out=self.out / f"summary_{lang}.pdf", lang=lang)
                )
            stage.detail = f"{report.html} and {len(LANGS)} summary PDFs"

    # --- the whole run ----------------------------------------------------------------------

    def __call__(self) -> DemoRun:
        self.prepare_directory()
        self.build_market()
        self.crawl()
        self.load()
        if self.index():
            self.its()
        else:
            for design in HEADLINE_DESIGNS:
                self.not_run(design.name, "needs the rent index")
        self.reports()
        summary = self.out / SUMMARY_JSON
        self.run.outputs.append(summary)
        summary.write_text(json.dumps(self.run.to_dict(), ensure_ascii=False, indent=2))
        return self.run


def _other_design(demo: Demo) -> ReportParams | None:
    """Beside a single-series headline the comparison design, beside a comparison headline
    the single series (a comparison headline that fell back has nothing to add)."""
    from reports.headline import comparison_params, single_series_params

    if demo._params is not None:
        return None  # the headline fell back to the single series for want of donors
    if demo.params.compares:
        return single_series_params(demo.params)
    return comparison_params(demo.params)


# How the summary names each design's table.
DESIGN_LABELS: Final = {"its": "HEADLINE", "comparison": "BESIDE IT"}
# The designs the demo puts beside the truth, in the order printed; the first is the reports'
# headline as run.
HEADLINE_DESIGNS: Final[tuple[HeadlineDesign, ...]] = (
    HeadlineDesign("its", "the ITS engine", lambda demo: demo.params),
    HeadlineDesign("comparison", "the comparison designs", _other_design),
)


def _percent(value: float) -> str:
    from reports.headline import percent_text

    return percent_text(value)


def _country(options: DemoSettings) -> tuple[str, ...]:
    from scrapers.sandbox.country import resolve

    return resolve(options.cities)


def _crawl_settings(settings: Settings) -> dict[str, Any]:
    """The spiders' settings for the demo warehouse, quiet: progress is the demo's to show."""
    from rentwatch.commands.crawl import scrapy_settings

    # A simulated town lists a handful of flats (fewer than the nightly's 20 at a small
    # scale), and one olx card of eight without its area is 87.5% coverage: the demo's runs
    # must find some listings and most fields; the other health checks stay as configured.
    coverage = min(settings.crawl.min_field_coverage, 0.75)
    return {**scrapy_settings(settings), "LOG_LEVEL": "WARNING", "RENTWATCH_MIN_ITEMS": 1,
            "RENTWATCH_MIN_FIELD_COVERAGE": coverage}  # fmt: skip


def _peak_mib(who: int) -> float:
    """Peak resident memory in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def render_summary(run: DemoRun) -> str:
    """The closing table: the country, per design and treated city the estimate, its interval
    and the truth, then the stages and outputs."""
    lines = ["", "SIMULATED DATA — rentwatch demo on the sandbox market (seed "
             f"{run.seed}, scale {run.scale:g})", ""]  # fmt: skip
    if run.country:
        by_role: dict[str, list[str]] = {}
        for city, info in run.country.items():
            by_role.setdefault(str(info["role"]), []).append(city)
        lines.append(f"Simulated country: {len(run.country)} cities")
        lines += [f"  {role:<11} {', '.join(cities)}" for role, cities in by_role.items()]
        lines.append("")
    if run.cities:
        any_city = next(iter(run.cities.values()))
        lines += [
            f"Average effect of the 21 Sep 2022 shock, {any_city.window_start} … "
            f"{any_city.window_end} (6 weeks):",
            f"  series: {any_city.series}",
        ]
        from reports.headline import percent_text

        for name, results in run.designs.items():
            if not results:
                continue
            label = DESIGN_LABELS.get(name, name.upper()) + ":"
            lines += [f"  {label:<11} {run.estimators.get(name, '')}", ""]
            lines.append(
                f"  {'city':<8} {'estimate':>9}  {'95% interval':<18} {'truth':>7}  covered"
            )
            for city, r in results.items():
                assert r.estimate_pct is not None and r.low_pct is not None
                assert r.high_pct is not None and r.truth_pct is not None
                interval = f"[{percent_text(r.low_pct)}, {percent_text(r.high_pct)}]"
                lines.append(
                    f"  {city:<8} {percent_text(r.estimate_pct):>9}  {interval:<18} "
                    f"{percent_text(r.truth_pct):>7}  {'yes' if r.truth_in_interval else 'no'}"
                )
            lines.append("")
    else:
        lines.append("No estimate: the ITS did not run (see the stages above); coverage is above.")
    lines += [f"Note: {note}" for note in run.notes]
    lines += ["", "Stages:"]
    for stage in run.stages:
        lines.append(f"  {stage.name:<11} {stage.status:<8} {stage.seconds:>7.1f} s")
    lines += ["", f"Outputs (under {run.out_dir}):"]
    index = [p for p in run.outputs if p.parent.name == "index" and p.suffix == ".csv"]
    lines += [f"  {path}" for path in run.outputs if path not in index]
    if index:
        lines.append(f"  {index[0].parent}/ ({len(index)} index series as CSV)")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        ctx: typer.Context,
        out: Annotated[
            Path | None, typer.Option("--out", help="Output directory (setting demo.out_dir).")
        ] = None,
        seed: Annotated[int | None, typer.Option(help="Market seed (demo.seed).")] = None,
        scale: Annotated[
            float | None, typer.Option(help="Market size, 1 = default (demo.market_scale).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    ) -> None:
        # Help: rentwatch.commands.SUMMARIES["demo"].
        settings = settings_of(ctx)
        overrides = {"out_dir": out, "seed": seed, "market_scale": scale}
        chosen = {k: v for k, v in overrides.items() if v is not None}
        try:
            options = DemoSettings.model_validate({**settings.demo.model_dump(), **chosen})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RentwatchError(f"invalid demo option {first['loc'][0]}: {first['msg']}") from exc
        started = time.perf_counter()

        def progress(line: str) -> None:
            typer.echo(line, err=True)
            sys.stderr.flush()

        run = Demo(settings, options, progress)()
        progress(f"demo finished in {time.perf_counter() - started:.1f} s")
        if as_json:
            echo_json(run.to_dict())
        else:
            typer.echo(render_summary(run))
        if any(stage.status == "failed" for stage in run.stages):
            raise typer.Exit(1)
