"""``rentwatch demo``: the whole pipeline, offline, on the simulated market; estimate vs truth.

Stages, each timed and reported as it runs:

1. **market**: build the seeded market and write its truth (``truth/truth.json`` and
   ``truth/truth_daily.csv``) under the output directory;
2. **sandbox**: serve krisha, olx and the web archive on 127.0.0.1 (three ephemeral ports);
3. **backfill**: the real ``krisha_archive`` spider over the archive's captures, 2021-07 … 2023-06;
4. **crawl**: the real ``krisha`` and ``olx`` spiders over today's simulated sites; then the
   sandbox stops;
5. **load**: the spools into the demo warehouse, in one transaction;
6. **index**: weekly median, mix-adjusted and hedonic series per city, stored in the warehouse;
7. **its**: the reports' headline estimate (``reports.ReportParams``: its series and ITS) per
   city, beside the truth on the same window and rooms; a comparison-design headline on a
   sandbox with fewer than three comparison cities falls back to the single-series design,
   with a printed note (:func:`reports.headline.design_for`);
8. **comparison**: beside a single-series headline, the comparison design's (synthetic
   control) for the same cities and truth, or "not run" when the sandbox has too few
   comparison cities;
9. **reports**: the economist's report and the officials' summary in ru, kk and en.

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
from warehouse.errors import RentwatchError
from warehouse.load import load_pending
from warehouse.status import warehouse_status

if TYPE_CHECKING:
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
    """One city's headline estimate beside the truth on the same definition."""

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


@dataclass
class DemoRun:
    """What the demo did and found; ``to_dict`` is the ``--json`` summary."""

    out_dir: Path
    seed: int
    scale: float
    stages: list[Stage] = field(default_factory=list)
    cities: dict[str, CityResult] = field(default_factory=dict)
    market: dict[str, int] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    estimator: str = ""
    # The comparison design beside a single-series headline (empty when it did not run).
    comparison: dict[str, CityResult] = field(default_factory=dict)
    comparison_estimator: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "simulated": True,
            "out_dir": str(self.out_dir),
            "seed": self.seed,
            "market_scale": self.scale,
            "market": self.market,
            "definition": DEFINITION,
            "estimator": self.estimator,
            "cities": {city: asdict(result) for city, result in self.cities.items()},
            "comparison": {
                "estimator": self.comparison_estimator,
                "cities": {city: asdict(result) for city, result in self.comparison.items()},
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
        self._series: dict[str, Any] = {}
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
        """The reports' headline estimator (their defaults) on the archive's years."""
        from reports import ReportParams

        return ReportParams(
            event=cal.EVENT_DATE, placebos=self.options.placebos, start=cal.ARCHIVE_FROM,
            end=cal.ARCHIVE_TO,
        )  # fmt: skip

    @property
    def params(self) -> ReportParams:
        """The headline as the demo runs it (see ``_params``)."""
        return self._params or self.headline()

    def note(self, text: str) -> None:
        self.run.notes.append(text)
        self.progress(f"    note: {text}")

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
        with self.stage("market", f"simulating the market (seed {self.options.seed})") as stage:
            self.market = Market(MarketConfig(self.options.seed, self.options.market_scale))
            self.archive = Archive(
                self.market,
                per_week=self.options.captures_per_week,
                pages=self.options.archive_pages,
            )
            self.truth = self.market.truth
            written = self.truth.write(self.out / "truth")
            self.run.outputs.extend(written)
            self.run.market = {**self.market.size, "archive_captures": len(self.archive.captures)}
            size = self.market.size
            stage.detail = (
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
            self.progress(f"    sandbox: {urls}")
            span = {"from": cal.ARCHIVE_FROM.isoformat(), "to": cal.ARCHIVE_TO.isoformat()}
            backfill = [
                CrawlJob("krisha_archive", {"city": city, **span, "origin": "simulated"})
                for city in cal.CITIES
            ]
            live = [
                CrawlJob(spider, {"city": city, "origin": "simulated"})
                for spider in ("krisha", "olx")
                for city in cal.CITIES
            ]
            for name, jobs, what in (
                ("backfill", backfill, "archive backfill 2021-07-01 … 2023-06-30 (krisha_archive)"),
                ("crawl", live, "live crawl of today's simulated krisha and olx"),
            ):
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
            from analysis.index import IndexSpec, build_indexes, store_index

            params = self.headline()
        except ImportError as exc:
            self.not_run("index", f"the rent index is not installed ({exc})")
            return False
        with self.stage("index", "weekly median, mix-adjusted and hedonic series") as stage:
            specs = [
                IndexSpec(city, method, "W") for city in cal.CITIES for method in INDEX_METHODS
            ]
            headline = [params.index_spec(city) for city in cal.CITIES]
            with open_writer(self.db, lock_timeout=self.settings.lock_timeout) as conn:
                built = build_indexes(conn, specs)
                # The ITS runs on the archive's years only: today's live crawl is one lone
                # week years later, which no trend or season should be fitted through.
                built += build_indexes(conn, headline, start=cal.ARCHIVE_FROM, end=cal.ARCHIVE_TO)
                for series in built:
                    store_index(conn, series)
            index_dir = self.out / "index"
            index_dir.mkdir(exist_ok=True)
            for series in built:
                path = index_dir / f"{series.spec.label.replace(' ', '_')}.csv"
                series.frame.to_csv(path, index=False)
                self.run.outputs.append(path)
            self._series = {s.spec.city: s for s in built[len(specs) :]}
            stage.detail = (
                f"{len(built)} series stored in index_series and written to {index_dir}; "
                f"simulated: {all(s.simulated for s in built)}"
            )
        return bool(self._series)

    def its(self) -> None:
        try:
            from reports.headline import city_headline, design_for, percent_text
        except ImportError as exc:
            self.not_run("its", f"the ITS engine is not installed ({exc})")
            return
        assert self.truth is not None
        with open_reader(self.db, retry_timeout=self.settings.read_retry_timeout) as conn:
            self._params, why = design_for(conn, list(self._series), self.headline(),
                                           registry=self.settings.registry)  # fmt: skip
        if why:
            self.note(why)
        params = self.params
        self.run.estimator = params.estimator_text()
        with self.stage("its", f"{params.estimator_text()}, per city") as stage:
            lines = []
            with open_reader(self.db, retry_timeout=self.settings.read_retry_timeout) as conn:
                # The reports' own headline (span, series, fit, window): the number printed
                # here is the report's.
                found = {city: city_headline(conn, city, params, registry=self.settings.registry)
                         for city in self._series}  # fmt: skip
            for city, headline in found.items():
                self.run.cities[city] = self.beside_truth(headline)
                truth = self.run.cities[city].truth_pct
                assert truth is not None
                lines.append(
                    f"{city} {percent_text(headline.effect.percent)} (truth {percent_text(truth)})"
                )
            stage.detail = "; ".join(lines)

    def beside_truth(self, headline: Any) -> CityResult:
        """A headline (:class:`reports.headline.Headline`) beside the truth on its window."""
        assert self.truth is not None
        params, effect, series = headline.params, headline.effect, headline.series
        truth = self.truth.average_effect_pct(
            headline.city, params.window_start, params.window_end, rooms=params.rooms
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
        )

    def comparison(self) -> None:
        """Beside a single-series headline, the comparison design's for the same cities."""
        from reports.headline import city_headline, comparison_params, design_for, percent_text

        if self.headline().compares:
            return  # the headline above is the comparison design (or its stand-in)
        params = comparison_params(self.params)
        with open_reader(self.db, retry_timeout=self.settings.read_retry_timeout) as conn:
            _, why = design_for(conn, list(self._series), params, registry=self.settings.registry)
        if why:
            self.not_run("comparison", f"{why.split(':')[0]}: the single-series design above "
                                       "stands")  # fmt: skip
            return
        self.run.comparison_estimator = params.estimator_text()
        with self.stage("comparison", f"{params.estimator_text()}, per city") as stage:
            lines = []
            with open_reader(self.db, retry_timeout=self.settings.read_retry_timeout) as conn:
                for city in self._series:
                    headline = city_headline(conn, city, params, registry=self.settings.registry)
                    result = self.run.comparison[city] = self.beside_truth(headline)
                    assert result.truth_pct is not None
                    lines.append(f"{city} {percent_text(headline.effect.percent)} (truth "
                                 f"{percent_text(result.truth_pct)})")  # fmt: skip
            stage.detail = "; ".join(lines)

    def reports(self) -> None:
        try:
            from reports import write_economist_report, write_summary_pdf
            from reports.gather import gather_report_data
        except ImportError as exc:
            self.not_run("reports", f"the reports are not installed ({exc})")
            return
        with self.stage("reports", "economist report and summaries in ru, kk, en") as stage:
            data = gather_report_data(
                self.db, cities=cal.CITIES, params=self.params, registry=self.settings.registry
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
            self.comparison()
        else:
            self.not_run("its", "needs the rent index")
        self.reports()
        summary = self.out / SUMMARY_JSON
        self.run.outputs.append(summary)
        summary.write_text(json.dumps(self.run.to_dict(), ensure_ascii=False, indent=2))
        return self.run


def _crawl_settings(settings: Settings) -> dict[str, Any]:
    """The spiders' settings for the demo warehouse, quiet: progress is the demo's to show."""
    from rentwatch.commands.crawl import scrapy_settings

    return {**scrapy_settings(settings), "LOG_LEVEL": "WARNING"}


def _peak_mib(who: int) -> float:
    """Peak resident memory in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def render_summary(run: DemoRun) -> str:
    """The closing table: per city the estimate, its interval and the truth (the headline's
    design, then the comparison design's when it ran), then stages and outputs."""
    lines = ["", "SIMULATED DATA — rentwatch demo on the sandbox market (seed "
             f"{run.seed}, scale {run.scale:g})", ""]  # fmt: skip
    if run.cities:
        any_city = next(iter(run.cities.values()))
        lines += [
            f"Average effect of the 21 Sep 2022 shock, {any_city.window_start} … "
            f"{any_city.window_end} (6 weeks):",
            f"  series: {any_city.series}",
            f"  ITS:    {run.estimator}",
            "",
            *_result_lines(run.cities),
        ]
        if run.comparison:
            lines += ["", f"  Comparison: {run.comparison_estimator}", ""]
            lines += _result_lines(run.comparison)
    else:
        lines.append("No estimate: the ITS did not run (see the stages above); coverage is above.")
    lines += [f"Note: {note}" for note in run.notes]
    lines += ["", "Stages:"]
    for stage in run.stages:
        lines.append(f"  {stage.name:<10} {stage.status:<8} {stage.seconds:>7.1f} s")
    lines += ["", f"Outputs (under {run.out_dir}):"]
    lines += [f"  {path}" for path in run.outputs]
    return "\n".join(lines)


def _result_lines(results: dict[str, CityResult]) -> list[str]:
    from reports.headline import percent_text

    lines = [f"  {'city':<8} {'estimate':>9}  {'95% interval':<18} {'truth':>7}  covered"]
    for city, r in results.items():
        assert r.estimate_pct is not None and r.low_pct is not None
        assert r.high_pct is not None and r.truth_pct is not None
        interval = f"[{percent_text(r.low_pct)}, {percent_text(r.high_pct)}]"
        lines.append(
            f"  {city:<8} {percent_text(r.estimate_pct):>9}  {interval:<18} "
            f"{percent_text(r.truth_pct):>7}  {'yes' if r.truth_in_interval else 'no'}"
        )
    return lines


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
