"""``rentwatch its``: interrupted-time-series estimate on a warehouse rent series or any CSV.

A thin face over :mod:`analysis.its` (see :func:`analysis.its.inputs.run_analysis`). On the
warehouse (``--city``) every choice left unset is the reports' headline estimator
(:class:`reports.ReportParams`) and the series is built on the span
:func:`reports.headline.headline_span` picks, so ``rentwatch its --city almaty`` prints the
number the reports print; the span, what it left out and the event's snapping are printed
with it. ``--design synthetic|comparative`` on the warehouse compares the city with the city
registry's comparison pool (``[cities] roles``; ``--donor`` to name the donors), each donor's
series on the same definition and span (:func:`reports.headline.city_headline`).
``--official CITY:METRIC[:BASIS[:SOURCE]]`` runs the ITS on an imported official monthly
series instead, ``--official-control`` adds one as a comparison series of a monthly outcome
(:mod:`reports.official`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, cast

import pandas as pd
import typer

from analysis.index import FREQS, METHODS, Freq
from analysis.its import InvalidSpecification, ITSModel
from analysis.its.comparative import ComparativeITSResult
from analysis.its.inputs import (
    Analysis,
    AnalysisOptions,
    default_errors,
    parse_order,
    parse_windows,
    read_csv,
    run_analysis,
)
from analysis.its.synthetic import SyntheticControlWarning
from analysis.its.synthetic_run import (
    PANEL_DESIGNS,
    PanelAnalysis,
    PanelOptions,
    run_panel_design,
)
from analysis.its.synthetic_weights import is_detrended
from analysis.its.timeaxis import EventSnap, snap_event
from rentwatch.commands.common import settings_of, writable
from rentwatch.progress import task
from reports import headline as hl
from reports import official as off
from warehouse import open_reader

DATE_FORMATS = ["%Y-%m-%d"]
# CSV defaults; on the warehouse, unset options take the headline estimator's (ReportParams).
CSV_SHAPE = "step-slope"
CSV_DESIGN = "segmented"
CSV_SEASONALITY = "none"
CSV_COMPARISON = "equal"
_HEADLINE = hl.ReportParams()


def its(
    ctx: typer.Context,
    csv: Annotated[
        Path | None, typer.Option("--csv", dir_okay=False, help="Any series as CSV.")
    ] = None,
    time_col: Annotated[
        str | None, typer.Option("--time-col", help="CSV: time column (numbers or dates).")
    ] = None,
    value_col: Annotated[str | None, typer.Option("--value-col", help="CSV: outcome.")] = None,
    city: Annotated[
        str | None, typer.Option(help="Warehouse series: a registered city (almaty, astana …).")
    ] = None,
    official: Annotated[
        str | None,
        typer.Option(
            help="An imported official monthly series as the outcome: "
            "CITY:METRIC[:BASIS[:SOURCE]] (a basis must be named when there are several)."
        ),
    ] = None,
    official_control: Annotated[
        str | None,
        typer.Option(
            "--official-control",
            help="An official monthly series (CITY:METRIC[:BASIS[:SOURCE]]) as a control "
            "series of a monthly outcome (--official, or --city with --freq M).",
        ),
    ] = None,
    donor: Annotated[
        list[str] | None,
        typer.Option(
            "--donor",
            help="Warehouse comparison designs: a donor city (repeat; default: the city "
            "registry's comparison pool).",
        ),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(
            help="Warehouse series: median, median_m2, mix or hedonic "
            f"\\[default: {_HEADLINE.method}]."
        ),
    ] = None,
    freq: Annotated[str, typer.Option(help="Warehouse series: D, W or M.")] = "W",
    rooms: Annotated[
        int | None,
        typer.Option(help=f"Warehouse series: one room count \\[default: {_HEADLINE.rooms}]."),
    ] = None,
    all_rooms: Annotated[
        bool,
        typer.Option("--all-rooms", help="Warehouse series: every room count in one series."),
    ] = False,
    flow: Annotated[
        bool | None,
        typer.Option(
            "--flow/--stock",
            help="Warehouse series: new listings only (flow) or every active listing (stock) "
            f"\\[default: {'flow' if _HEADLINE.flow else 'stock'}].",
            show_default=False,
        ),
    ] = None,
    district: Annotated[str | None, typer.Option(help="Warehouse series: one district.")] = None,
    start: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Warehouse series: first day (inclusive)."),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Warehouse series: last day (inclusive)."),
    ] = None,
    max_extrapolation: Annotated[
        float | None,
        typer.Option(
            help="Warehouse series: predict the counterfactual at most this fraction of the "
            f"pre-period past the event \\[default: {_HEADLINE.max_extrapolation:g}].",
            show_default=False,
        ),
    ] = None,
    event: Annotated[
        str | None,
        typer.Option(
            help="First post-period time, inclusive (warehouse: a day, snapped to the start of "
            f"its period \\[default: {_HEADLINE.event}])."
        ),
    ] = None,
    shape: Annotated[
        str | None,
        typer.Option(
            help=f"step, step-slope, pulse or step-pulse \\[CSV default: {CSV_SHAPE}; "
            f"warehouse: {_HEADLINE.shape}, with --design segmented]."
        ),
    ] = None,
    control_col: Annotated[
        list[str] | None, typer.Option("--control-col", help="Control series column (repeat).")
    ] = None,
    group_col: Annotated[
        str | None, typer.Option("--group-col", help="Long format: the unit column.")
    ] = None,
    treated: Annotated[
        str | None, typer.Option(help="Long format: the treated unit's value.")
    ] = None,
    covariate_col: Annotated[
        list[str] | None, typer.Option("--covariate-col", help="Covariate column (repeat).")
    ] = None,
    design: Annotated[
        str | None,
        typer.Option(
            help="segmented, counterfactual, synthetic (synthetic control) or comparative "
            f"(treated minus comparison) \\[CSV default: {CSV_DESIGN}; "
            f"warehouse: {_HEADLINE.design}]."
        ),
    ] = None,
    sc_variant: Annotated[
        str | None,
        typer.Option(
            "--sc-variant",
            help="Synthetic control: standard, demeaned, detrended, broken-trend, broken, "
            "augmented, "
            f"augmented-demeaned or augmented-detrended \\[default: {_HEADLINE.sc_variant}, "
            "the headline's, on a CSV too].",
        ),
    ] = None,
    sc_inference: Annotated[
        str | None,
        typer.Option(
            "--sc-inference",
            help="Synthetic control: conformal; backtest (the design's own errors at "
            "pre-period pseudo-events); backtest-placebo (the backtest widened to the "
            "donors' placebo effects at the event, with five donors or more); or pooled (the "
            "two sets of errors pooled on the log scale, the estimate retransformed) "
            f"\\[default: {_HEADLINE.sc_inference}; on a CSV whose pre-period is too short "
            "for a backtest, conformal, said].",
            show_default=False,
        ),
    ] = None,
    sc_halflife: Annotated[
        float | None,
        typer.Option(
            "--sc-halflife",
            help="Synthetic control, detrended variants: weigh the recent pre-period gap with "
            "this half-life in weeks (a CSV's periods) "
            f"\\[default: {_HEADLINE.sc_halflife or 'none'}].",
            show_default=False,
        ),
    ] = None,
    sc_trend_window: Annotated[
        int | None,
        typer.Option(
            "--sc-trend-window",
            help="Synthetic control, detrended variants: fit the gap's trend on the last this "
            "many weeks (a CSV's periods) of the fit, equally weighted, instead of a half-life "
            f"\\[default: {_HEADLINE.sc_trend_window or 'none'}].",
            show_default=False,
        ),
    ] = None,
    sc_anticipation: Annotated[
        int | None,
        typer.Option(
            "--sc-anticipation",
            help="Synthetic control: leave this many weeks (a CSV's periods) before the event "
            "out of the fit (a rise that began early counts in the effect) "
            f"\\[default: {_HEADLINE.sc_anticipation}].",
            show_default=False,
        ),
    ] = None,
    comparison: Annotated[
        str | None,
        typer.Option(
            help="Comparative design: equal or synthetic comparison weights "
            f"\\[default: {CSV_COMPARISON}].",
        ),
    ] = None,
    placebo_in_space: Annotated[
        bool,
        typer.Option(
            "--placebo-in-space/--no-placebo-in-space",
            help="Synthetic control: refit with every donor as treated (rank p).",
        ),
    ] = True,
    placebo_prune: Annotated[
        float | None,
        typer.Option(
            help="Synthetic control: drop placebos with pre-RMSPE above this × the treated's."
        ),
    ] = None,
    ridge_lambda: Annotated[
        float | None,
        typer.Option(
            help="Augmented synthetic control: fix the ridge λ (default: cross-validated)."
        ),
    ] = None,
    missing: Annotated[
        str | None,
        typer.Option(
            help="Synthetic/comparative gaps: error, drop-donors, drop-periods or "
            "interpolate-donors (a donor's short gaps bridged, the periods still missing "
            f"somewhere left out) \\[default: {hl.HEADLINE_MISSING}, the headline's].",
            show_default=False,
        ),
    ] = None,
    errors: Annotated[
        str | None,
        typer.Option(
            help="ols, newey, ar1 or arima (default: ar1 for one gaussian series, newey for "
            "pooled designs, ols for counts)."
        ),
    ] = None,
    lags: Annotated[
        int | None, typer.Option(help="Newey–West lags (default: floor(4(n/100)^(2/9))).")
    ] = None,
    small_sample: Annotated[
        bool, typer.Option("--small-sample", help="Newey–West with Stata's n/(n−k) and t.")
    ] = False,
    ar_method: Annotated[
        str,
        typer.Option(
            help="AR(1) errors: reml (ρ by REML, its uncertainty in the intervals), "
            "prais (as Stata) or fgls (as statsmodels GLSAR)."
        ),
    ] = "reml",
    arima_order: Annotated[str, typer.Option(help="ARIMA errors: p,d,q.")] = "1,0,0",
    seasonality: Annotated[
        str | None,
        typer.Option(
            help=f"none, month, fourier:K or fourier:K:P \\[CSV default: {CSV_SEASONALITY}; "
            f"warehouse: {_HEADLINE.seasonality}]."
        ),
    ] = None,
    season_col: Annotated[
        str | None, typer.Option("--season-col", help="Season position when times are numbers.")
    ] = None,
    family: Annotated[str, typer.Option(help="gaussian, poisson or quasipoisson.")] = "gaussian",
    offset_col: Annotated[
        str | None, typer.Option("--offset-col", help="Counts: exposure column (log taken).")
    ] = None,
    log: Annotated[
        bool | None,
        typer.Option("--log/--no-log", help="Model log(value) (default: log for rent series)."),
    ] = None,
    slope_anchor: Annotated[
        int, typer.Option(help="Slope-change clock at the first post period: 0 (itsa) or 1.")
    ] = 0,
    phase_in: Annotated[int, typer.Option(help="Post periods left out of the fit.")] = 0,
    trend: Annotated[
        bool, typer.Option("--trend/--no-trend", help="Counterfactual design: a time trend.")
    ] = True,
    periods: Annotated[
        float | None,
        typer.Option(
            help="Headline window: this many periods from the event (warehouse default: the "
            f"reports' {_HEADLINE.window_weeks} weeks)."
        ),
    ] = None,
    window: Annotated[
        list[str] | None, typer.Option(help="More effect windows START:END (repeat).")
    ] = None,
    horizon: Annotated[
        list[float] | None, typer.Option(help="Effect horizons in periods (repeat).")
    ] = None,
    find_break: Annotated[
        bool, typer.Option("--find-break", help="Search for the break date (sup-F).")
    ] = False,
    break_terms: Annotated[
        str | None, typer.Option(help="What breaks: mean, level or level-slope.")
    ] = None,
    placebos: Annotated[int, typer.Option(help="Placebo events in the pre-period.")] = 0,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="Refit over errors, lags, shapes, windows.")
    ] = False,
    alpha: Annotated[float, typer.Option(help="1 − interval level.")] = 0.05,
    seed: Annotated[int, typer.Option(help="Seed for simulation-based intervals.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write the fit plot (PNG) here.")
    ] = None,
) -> None:
    # The help's first line is rentwatch.commands.SUMMARIES["its"].
    """The event is inclusive in the post period. Rent series come from the warehouse
    (--city, --method, --freq); any other series from --csv with --time-col and --value-col.
    --design synthetic or comparative compares the treated series with control units: wide
    (--value-col is the treated column, each --control-col a donor) or long (--group-col,
    --value-col, --treated; --control-col picks donors, default all other units).
    """
    if plot is not None:
        writable(plot)
    if city is not None:
        # Any name the registry knows (Алматы, Alma-Ata, Нур-Султан …) is its code from here.
        registry = settings_of(ctx).registry
        city = registry.get(city).code
        named = registry.canonical(donor or ())
        if city in named:
            raise InvalidSpecification(f"--donor {city}: the treated city cannot be its own donor")
        border = [c for c in named if registry.get(c).role == "border"]
        if border:
            one = len(border) == 1
            typer.echo(
                f"note: {', '.join(border)} {'is a border city' if one else 'are border cities'}"
                " in the registry, never a comparison city by default: the inflow may have "
                f"reached {'it' if one else 'them'} too, which would pull the estimate down",
                err=True,
            )
    sc_given = (sc_inference, sc_halflife, sc_trend_window, sc_anticipation) != (None,) * 4
    if csv is not None and sc_given and design != "synthetic":
        raise InvalidSpecification(
            "--sc-inference, --sc-halflife, --sc-trend-window and --sc-anticipation go with "
            "--design synthetic"
        )
    if design in PANEL_DESIGNS and csv is not None:
        # What the design has no place for is refused, not dropped: the single-series
        # options, and each comparison design's own.
        single_series = {
            "--covariate-col": bool(covariate_col), "--season-col": season_col is not None,
            "--offset-col": offset_col is not None, "--family": family != "gaussian",
            "--slope-anchor": slope_anchor != 0, "--phase-in": phase_in != 0,
            "--no-trend": not trend, "--window": bool(window), "--horizon": bool(horizon),
            "--find-break": find_break, "--break-terms": break_terms is not None,
            "--placebos": placebos != 0, "--sensitivity": sensitivity,
        }  # fmt: skip
        own = (
            {"--comparison": comparison is not None, "--shape": shape is not None,
             "--seasonality": seasonality is not None, "--errors": errors is not None,
             "--lags": lags is not None, "--small-sample": small_sample,
             "--ar-method": ar_method != "reml", "--arima-order": arima_order != "1,0,0"}
            if design == "synthetic"
            else {"--sc-variant": sc_variant is not None,
                  "--placebo-prune": placebo_prune is not None,
                  "--no-placebo-in-space": not placebo_in_space,
                  "--ridge-lambda": ridge_lambda is not None}
        )  # fmt: skip
        unused = [name for name, set_ in {**single_series, **own}.items() if set_]
        if unused:
            raise _not_applying(unused, f"--design {design}", " (see rentwatch its --help)")
        # Synthetic control on a CSV is the headline's estimator unless told otherwise.
        variant = sc_variant or _HEADLINE.sc_variant
        # The headline's way of weighing the trend unless one was given (which replaces it).
        halflife, trend_window = sc_halflife, sc_trend_window
        if halflife is None and trend_window is None and is_detrended(variant):
            halflife, trend_window = _HEADLINE.sc_halflife, _HEADLINE.sc_trend_window
        panel_options = PanelOptions(
            design=design,
            variant=variant,
            trend_halflife=halflife if design == "synthetic" else None,
            trend_window=trend_window if design == "synthetic" else None,
            anticipation=(
                _HEADLINE.sc_anticipation if sc_anticipation is None else sc_anticipation
            ),
            inference=sc_inference or "auto",
            periods=periods,
            alpha=alpha,
            placebo=placebo_in_space,
            prune=placebo_prune,
            ridge_lambda=ridge_lambda,
            comparison=comparison or CSV_COMPARISON,
            shape=shape or CSV_SHAPE,
            seasonality=seasonality or CSV_SEASONALITY,
            errors=errors or "ar1",
            fit={
                "lags": lags,
                "small_sample": small_sample,
                "ar_method": ar_method,
                "arima_order": parse_order(arima_order),
                "seed": seed,
            },
            missing=missing or hl.HEADLINE_MISSING,
        )
        _panel_design(
            panel_options, csv=csv, city=city, time_col=time_col, value_col=value_col,
            control_col=control_col, group_col=group_col, treated=treated, event=event,
            log=log, as_json=as_json, plot=plot,
        )  # fmt: skip
        return
    fit_options: dict[str, Any] = {
        "lags": lags,
        "small_sample": small_sample,
        "ar_method": ar_method,
        "arima_order": parse_order(arima_order),
        "alpha": alpha,
        "seed": seed,
    }
    extra: dict[str, Any] = {}
    preamble: list[str] = []
    warehouse_given = city is not None or official is not None
    if official_control is not None and official is None and (city is None or freq != "M"):
        raise InvalidSpecification(
            "--official-control needs a monthly outcome: --official CITY:METRIC, or --city "
            "with --freq M"
        )
    if csv is not None:
        if warehouse_given:
            raise InvalidSpecification("use either --csv or --city/--official, not both")
        if time_col is None or value_col is None or event is None:
            raise InvalidSpecification("--csv needs --time-col, --value-col and --event")
        if donor or official_control:
            raise InvalidSpecification("--donor and --official-control apply to the warehouse")
        model_options: dict[str, Any] = {
            "shape": shape or CSV_SHAPE,
            "design": design or CSV_DESIGN,
            "family": family,
            "offset_col": offset_col,
            "seasonality": seasonality or CSV_SEASONALITY,
            "season_col": season_col,
            "control_cols": tuple(control_col or ()),
            "covariate_cols": tuple(covariate_col or ()),
            "group_col": group_col,
            "treated": treated,
            "slope_anchor": slope_anchor,
            "phase_in": phase_in,
            "trend": trend,
        }
        data = read_csv(csv)
        snap = _snapped_event(data, time_col, event)
        if snap is not None:
            event = snap.used
            preamble.append(snap.text())
            extra["event_snapped"] = snap.to_dict()
        model = ITSModel(
            data,
            time_col=time_col,
            value_col=value_col,
            event=event,
            log=bool(log),
            label=csv.name,
            **model_options,
        )
        fit_options["errors"] = errors or default_errors(model)
    elif warehouse_given:
        csv_only = {"--control-col": control_col, "--covariate-col": covariate_col,
                    "--group-col": group_col, "--treated": treated, "--season-col": season_col,
                    "--offset-col": offset_col}  # fmt: skip
        given = [name for name, value in csv_only.items() if value]
        if given or family != "gaussian":
            raise InvalidSpecification(
                f"{', '.join(given) or '--family'} applies to --csv series only"
            )
        if (method is not None and method not in METHODS) or freq not in FREQS:
            raise InvalidSpecification(
                f"--method is one of {', '.join(METHODS)} and --freq one of {', '.join(FREQS)}"
            )
        if city is not None and official is not None:
            raise InvalidSpecification("use either --city or --official as the outcome")
        if periods is not None and not float(periods).is_integer():
            unit = {"D": "days", "W": "weeks", "M": "months"}.get(freq, "periods")
            raise InvalidSpecification(
                f"--periods on a warehouse series is a whole number of {unit}; got {periods:g}"
            )
        # On a weekly series --periods is the window's weeks: the comparison headline reads
        # its window from the parameters, as the single-series preamble does.
        weeks = int(periods) if periods is not None and freq == "W" else None
        params = _warehouse_params(
            window_weeks=weeks,
            event=event, rooms=rooms, method=method, flow=flow, design=design, shape=shape,
            errors=errors, seasonality=seasonality, alpha=alpha, seed=seed,
            start=start.date() if start else None, end=end.date() if end else None,
            max_extrapolation=max_extrapolation, sc_variant=sc_variant, comparison=comparison,
            donors=donor, sc_inference=sc_inference, sc_halflife=sc_halflife,
            sc_trend_window=sc_trend_window, sc_anticipation=sc_anticipation,
            # Asked for by name, a comparison design short of donors is refused, not replaced.
            fallback=False if design is not None else None,
        )  # fmt: skip
        settings = settings_of(ctx)
        off_headline = (official is not None or official_control is not None or freq != "W"
                        or district is not None or all_rooms)  # fmt: skip
        if params.compares and design is None and off_headline:
            # The default comparison design is the headline series'; another series (an
            # official one, monthly, a district, all rooms) runs the single-series design.
            params = hl.single_series_params(params)
        if params.compares:
            if official is not None or official_control is not None:
                raise InvalidSpecification(
                    f"--design {params.design} compares warehouse cities; an official series "
                    "runs with a single-series design"
                )
            if freq != "W" or district is not None or all_rooms:
                raise InvalidSpecification(
                    f"--design {params.design} runs on the weekly headline series: --freq, "
                    "--district and --all-rooms do not apply"
                )
            assert city is not None
            # What the reports' comparison estimator has no place for is refused, not dropped.
            not_honoured = {
                "--no-log": log is False, "--missing": missing is not None,
                "--placebo-prune": placebo_prune is not None,
                "--no-placebo-in-space": not placebo_in_space,
                "--ridge-lambda": ridge_lambda is not None, "--lags": lags is not None,
                "--small-sample": small_sample, "--ar-method": ar_method != "reml",
                "--arima-order": arima_order != "1,0,0", "--slope-anchor": slope_anchor != 0,
                "--phase-in": phase_in != 0, "--no-trend": not trend, "--window": bool(window),
                "--horizon": bool(horizon), "--find-break": find_break,
                "--break-terms": break_terms is not None, "--placebos": placebos != 0,
                "--sensitivity": sensitivity,
            }  # fmt: skip
            given = [name for name, set_ in not_honoured.items() if set_]
            if _comparison_design(ctx, city, params, as_json=as_json, plot=plot, unused=given):
                return
            params = hl.single_series_params(params)  # the stand-in, said on stderr
        elif donor:
            raise InvalidSpecification("--donor goes with --design synthetic or comparative")
        series_freq = cast(Freq, freq)
        with open_reader(settings.db, retry_timeout=settings.read_retry_timeout) as conn:
            control = (
                off.read_key(conn, off.OfficialKey.parse(official_control, settings.registry))
                if official_control is not None
                else None
            )
            if official is not None:
                outcome = off.read_key(conn, off.OfficialKey.parse(official, settings.registry))
        if official is not None:
            model = off.official_model(outcome, params, control)
            series_freq = "M"
            preamble = [f"official series {outcome.label}, {outcome.unit}"]
            extra = {"official": _official_dict(outcome)}
        else:
            assert city is not None
            if all_rooms and rooms is not None:
                raise InvalidSpecification("use either --rooms N or --all-rooms, not both")
            spec = dataclasses.replace(
                params.index_spec(city),
                freq=series_freq,
                district=district,
                rooms=None if all_rooms else params.rooms,
            )
            with (
                task(f"{city}: building the series"),
                open_reader(settings.db, retry_timeout=settings.read_retry_timeout) as conn,
            ):
                span, series = hl.headline_series(conn, city, params, spec=spec)
            if control is not None:
                model = off.monthly_model(
                    series.frame[["period", "value"]], params, unit=series.unit,
                    label=series.spec.label, simulated=series.simulated, control=control,
                )  # fmt: skip
            else:
                model = hl.headline_model(series, params)
            extra = {"span": span.to_dict()}
            preamble = [hl.span_text(span)]
        if control is not None:
            preamble.append(f"control: official series {control.label}, {control.unit}")
            extra["official_control"] = _official_dict(control)
        if series_freq == "M":
            note = off.gap_note(model.data["period"])
            if note:
                preamble.append(note)
                extra["gaps"] = note
        changes = {"slope_anchor": slope_anchor, "phase_in": phase_in, "trend": trend}
        defaults = {"slope_anchor": 0, "phase_in": 0, "trend": True}
        changed = {k: v for k, v in changes.items() if v != defaults[k]}
        if log is False:
            changed["log"] = False
        if changed:
            model = model.replace(**changed)
        fit_options["errors"] = params.errors
        # The window said is the one the effect is read over: --periods when given.
        periods = int(periods) if periods is not None else hl.window_periods(params, series_freq)
        extra["window"] = hl.window_dict(params, series_freq, periods)
        preamble.append(hl.window_text(params, series_freq, periods))
    else:
        raise InvalidSpecification(
            "give a series: --csv FILE or --city CITY (or --official CITY:METRIC)"
        )

    options = AnalysisOptions(
        periods=periods,
        windows=tuple(parse_windows(window or [])),
        horizons=tuple(horizon) if horizon else None,
        find_break=find_break,
        break_terms=break_terms,
        placebos=placebos,
        sensitivity=sensitivity,
        fit=fit_options,
    )
    checks = [f"{placebos} placebos"] if placebos else []
    checks += ["sensitivity"] if sensitivity else []
    checks += ["break search"] if find_break else []
    with task("ITS: fitting" + (f" with {', '.join(checks)}" if checks else "")):
        analysis = run_analysis(model, options)
    if plot is not None:
        fig, _ = analysis.result.plot()
        fig.savefig(plot, dpi=120, bbox_inches="tight")
    if as_json:
        out = {**analysis.to_dict(), **extra}
        typer.echo(json.dumps(_clean(out), ensure_ascii=False, indent=2, default=str))
    else:
        lines = _summary(analysis)
        if extra:
            lines[1:1] = preamble
        for line in lines:
            typer.echo(line)


def _warehouse_params(**given: Any) -> hl.ReportParams:
    """The headline estimator with the options set on the command line."""
    event = given.pop("event")
    if event is not None:
        try:
            given["event"] = date.fromisoformat(event)
        except ValueError:
            raise InvalidSpecification(
                f"--event on the warehouse is a day like 2022-09-21, not {event!r}"
            ) from None
    return hl.with_choices(**given)


def _panel_design(
    options: PanelOptions,
    *,
    csv: Path,
    city: str | None,
    time_col: str | None,
    value_col: str | None,
    control_col: list[str] | None,
    group_col: str | None,
    treated: str | None,
    event: str | None,
    log: bool | None,
    as_json: bool,
    plot: Path | None,
) -> None:
    """--design synthetic / comparative on a CSV (wide or long)."""
    if city is not None:
        raise InvalidSpecification("use either --csv or --city, not both")
    if time_col is None or value_col is None or event is None:
        raise InvalidSpecification("--csv needs --time-col, --value-col and --event")
    data = read_csv(csv)
    snap = _snapped_event(data, time_col, event)
    if snap is not None:
        event = snap.used
    if group_col is None:
        if treated is not None:
            raise InvalidSpecification("--treated goes with --group-col (long form)")
        if not control_col:
            raise InvalidSpecification(
                f"--design {options.design} needs control units: --control-col (repeat) in the "
                "wide form, or --group-col/--treated in the long form"
            )
        unit_of_treated: str = value_col
        value: str | None = None
    else:
        if treated is None:
            raise InvalidSpecification("--group-col needs --treated (the treated unit's value)")
        unit_of_treated, value = treated, value_col
    # The caveats are printed with the result (and kept in the JSON), not as Python warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticControlWarning)
        analysis = run_panel_design(
            data,
            treated=unit_of_treated,
            donors=control_col or None,
            event=event,
            options=options,
            time_col=time_col,
            value_col=value,
            group_col=group_col,
            log=bool(log),
            label=csv.name,
        )
    if plot is not None:
        fig, _ = analysis.result.plot()
        fig.savefig(plot, dpi=120, bbox_inches="tight")
    if as_json:
        out = analysis.to_dict()
        if snap is not None:
            out = {**out, "event_snapped": snap.to_dict()}
        typer.echo(json.dumps(_clean(out), ensure_ascii=False, indent=2, default=str))
    else:
        if snap is not None:
            typer.echo(snap.text())
        for line in _panel_summary(analysis):
            typer.echo(line)


def _comparison_design(
    ctx: typer.Context,
    city: str,
    params: hl.ReportParams,
    *,
    as_json: bool,
    plot: Path | None,
    unused: list[str],
) -> bool:
    """--design synthetic / comparative on the warehouse: the reports' own comparison
    headline (donors from the registry's pool with the settings' roles, or --donor). False
    when the single series stands in for want of donors (the reports' own fallback, said
    on stderr): the caller then runs the single-series headline. ``unused``: options given
    that the comparison headline cannot honour (refused when it is what runs)."""
    settings = settings_of(ctx)
    with (
        task(f"{city}: building the series of the city and its donors, fitting"),
        open_reader(settings.db, retry_timeout=settings.read_retry_timeout) as conn,
    ):
        headline = hl.city_headline(conn, city, params, registry=settings.registry)
        if headline.stand_in is not None:
            typer.echo(f"note: {city}: {headline.stand_in.text()}", err=True)
            return False
        if unused:
            raise _not_applying(
                unused,
                f"the warehouse's {params.design} headline (the reports' estimator: log scale, "
                "the headline's gap rule and checks)",
                ", or run the design on a CSV panel (--csv)",
            )
        out = hl.comparison_dict(headline)
    if plot is not None:
        fig, _ = headline.result.plot()
        fig.savefig(plot, dpi=120, bbox_inches="tight")
    if as_json:
        typer.echo(json.dumps(_clean(out), ensure_ascii=False, indent=2, default=str))
        return True
    for line in _comparison_summary(headline, out):
        typer.echo(line)
    return True


def _comparison_summary(headline: hl.Headline, out: dict[str, Any]) -> list[str]:
    """The comparison headline in lines: what was fitted, the span and window, the donors
    (used, left out), weights, pre-period RMSPE, the effect, placebo in space, caveats."""
    params, pool, effect = headline.params, headline.pool, headline.effect
    assert pool is not None
    tag = " [SIMULATED data]" if pool.simulated else ""
    lines = [
        f"{headline.series.spec.label}{tag}: {params.estimator_text()}",
        hl.span_text(headline.span),
        hl.window_text(params),
        f"donors: {', '.join(pool.used)} ({len(pool.used)} of {len(pool.asked)} asked)",
    ]
    if pool.left_out:
        lines.append(f"left out: {hl.left_out_text(pool.left_out)}")
    lines += [
        "weights: "
        + ", ".join(f"{u} {w:.3f}" for u, w in out["weights"].items() if abs(w) >= 5e-4),
        f"pre-period RMSPE {out['pre_rmspe']:.4g} log points",
    ]
    if isinstance(headline.result, ComparativeITSResult):
        lines += _change_lines(out)
    unit = f" {effect.unit}" if effect.unit else ""
    lines.append(
        f"effect {effect.start}..{effect.end} ({effect.periods} obs): {hl.effect_text(effect)} "
        f"({effect.method}), p {effect.p:.4f}; {effect.absolute:+,.0f}{unit} "
        f"[{effect.absolute_low:+,.0f}, {effect.absolute_high:+,.0f}]"
    )
    return lines + _interval_lines(out) + _placebo_lines(out)


def _interval_lines(out: dict[str, Any]) -> list[str]:
    """What set a backtest interval, in one line (none for the other intervals)."""
    backtest = out.get("backtest")
    if backtest is None:
        return []
    line = (
        f"interval: backtest ±{backtest['half_width_percent']:.1f} pp "
        f"({backtest['pseudo_events']} pseudo-events before the event)"
    )
    spread = out.get("placebo_interval")
    pooled = out.get("pooled")
    if pooled is not None:
        rms = f"{100 * pooled['rms_log_error']:.1f}"
        kept = (
            f"{spread['placebos']} donors refitted as the treated unit"
            if spread is not None and "placebos" in spread
            else f"placebos not used: {spread['reason'] if spread else 'none'}"
        )
        return [
            f"interval: pooled errors, root mean square {rms} % on the log scale, "
            f"{pooled['df']} df ({backtest['pseudo_events']} pseudo-events before the event, "
            f"{pooled['backtest_df']} df; {kept}, {pooled['placebo_df']} df); the estimate "
            f"retransformed from {pooled['percent_uncorrected']:+.1f} % (Kennedy 1981)"
        ]
    if spread is None:
        return [line]
    if "half_width_percent" not in spread:
        return [f"{line}; placebos not used: {spread['reason']}"]
    wider = "the placebos'" if spread["used"] else "the backtest's"
    return [
        f"{line}; placebos ±{spread['half_width_percent']:.1f} pp ({spread['placebos']} "
        f"donors refitted as the treated unit); the wider, {wider}, is the interval"
    ]


def _change_lines(out: dict[str, Any]) -> list[str]:
    """A comparative design's level and slope change, one line each."""
    lines = []
    for term in ("level_change", "slope_change"):
        if term in out["coefficients"]:
            c = out["coefficients"][term]
            lines.append(
                f"{term}: {c['estimate']:.6g} [{c['ci_low']:.6g}, {c['ci_high']:.6g}] "
                f"p {c['p']:.4f}"
            )
    return lines


def _placebo_lines(out: dict[str, Any]) -> list[str]:
    """The placebo-in-space p and table, then the design's warnings."""
    lines = []
    placebo = out.get("placebo_in_space")
    if placebo is not None:
        lines.append(
            f"placebo in space: p {placebo['p']:.4f} (floor {placebo['p_floor']:.4f}, "
            f"{placebo['n_units']} units)"
        )
        table = pd.DataFrame(placebo["table"])[
            ["unit", "pre_rmspe", "post_rmspe", "ratio", "percent", "kept", "rank"]
        ]
        # A pruned placebo has no rank (null in the JSON): a dash, not NaN.
        lines.append(table.to_string(index=False, float_format=lambda v: f"{v:.4g}", na_rep="-"))
    loo = out.get("leave_one_out")
    if loo is not None and loo["largest"] is not None:
        big, n = loo["largest"], len(loo["table"])
        lines.append(
            f"leave one out ({n} donor{'' if n == 1 else 's'} of weight >= {loo['min_weight']:g}, "
            f"each refitted without): {hl.percent_text(loo['low'])} to "
            f"{hl.percent_text(loo['high'])} against {hl.percent_text(loo['percent'])} "
            f"(window ratios, before any correction); the largest move, without {big['donor']} "
            f"(weight {big['weight']:.3f}): {_amounts(big['change'])[0]} pp"
        )
    return lines + [f"warning: {w}" for w in out.get("warnings", [])]


def _official_dict(series: Any) -> dict[str, Any]:
    return {"city": series.city, "metric": series.metric, "source": series.source,
            "basis": series.basis, "unit": series.unit, "months": len(series.frame),
            "gaps": [[a.isoformat(), b.isoformat()] for a, b in series.gaps]}  # fmt: skip


def _panel_summary(analysis: PanelAnalysis) -> list[str]:
    result = analysis.result
    out = analysis.to_dict()
    spec = out["specification"]
    tag = " [SIMULATED data]" if spec["simulated"] else ""
    name = "synthetic control" if out["design"] == "synthetic" else "comparative ITS"
    variant = spec.get("variant") or f"{spec.get('comparison')} comparison, {spec.get('shape')}"
    lines = [
        f"{spec['label'] or spec['treated']}{tag}: {name} ({variant}), {spec['scale']} scale, "
        f"event {spec['event']} (inclusive), treated {spec['treated']}",
        "weights: "
        + ", ".join(f"{u} {w:.3f}" for u, w in out["weights"].items() if abs(w) >= 5e-4),
        f"pre-period RMSPE {out['pre_rmspe']:.4g} "
        f"({'log points' if spec['scale'] == 'log' else 'units'})",
    ]
    if isinstance(result, ComparativeITSResult):
        lines += _change_lines(out)
    e = analysis.headline()
    unit = f" {e.unit}" if e.unit else ""
    absolute, low, high = _amounts(e.absolute, e.absolute_low, e.absolute_high)
    lines.append(
        f"effect {e.start}..{e.end} ({e.periods} obs): {hl.effect_text(e)} ({e.method}), "
        f"p {e.p:.4f}; {absolute}{unit} [{low}, {high}]"
    )
    return lines + _interval_lines(out) + _placebo_lines(out)


def _not_applying(options: list[str], target: str, hint: str) -> InvalidSpecification:
    """The one-line refusal of options given that ``target`` has no place for; ``hint``
    ends the line ("leave them out" + hint)."""
    one = len(options) == 1
    return InvalidSpecification(
        f"{', '.join(options)} {'does' if one else 'do'} not apply to {target}; leave "
        f"{'it' if one else 'them'} out{hint}"
    )


def _amounts(*values: float) -> list[str]:
    """Signed amounts in the series' units with one number of decimals: two, or as many as
    keep three significant digits of the largest when it is under 1 (a share near 0.001
    had printed +0.00 [+0.00, +0.00])."""
    sizes = [abs(v) for v in values if math.isfinite(v) and v != 0]
    decimals = max(2, 2 - math.floor(math.log10(max(sizes)))) if sizes else 2
    return [_amount(v, decimals) for v in values]


def _amount(value: float, decimals: int) -> str:
    """One signed amount, with U+2212 for a minus as the percents beside it have it
    (hl.percent_text); an unbounded end ``−inf`` / ``+inf``, a missing one ``n/a``."""
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "+inf" if value > 0 else "\u2212inf"
    return f"{value:+,.{decimals}f}".replace("-", "\u2212")


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: missing numbers become null. So that an interval's
    unbounded end (a conformal interval that rejects no effect on that side) is not read as
    a missing one, a dict with ``percent_low`` and ``percent_high`` also says
    ``unbounded``: ``["low"]``, ``["high"]``, both or none."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        if "percent_low" in value and "percent_high" in value:
            out["unbounded"] = [
                side
                for side in ("low", "high")
                if isinstance(value[f"percent_{side}"], float)
                and math.isinf(value[f"percent_{side}"])
            ]
        return out
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _summary(analysis: Analysis) -> list[str]:
    result = analysis.result
    spec = result.model.describe()
    tag = " [SIMULATED data]" if spec["simulated"] else ""
    design = " ".join(part for part in (spec["design"], spec["shape"]) if part)
    lines = [
        f"{spec['label'] or spec['value_col']}{tag}: {design}, "
        f"{spec['scale']} scale, {spec['family']}, errors {result.errors.label()}, "
        f"event {spec['event']} (inclusive), n={result.n} (pre {result.n_pre}, "
        f"post {result.n_post})",
        f"{'term':<22}{'estimate':>14}{'se':>12}{'ci_low':>14}{'ci_high':>14}{'p':>10}",
    ]
    for name, c in result.coefficients.items():
        lines.append(
            f"{name:<22}{c.estimate:>14.6g}{c.se:>12.4g}{c.ci_low:>14.6g}"
            f"{c.ci_high:>14.6g}{c.p:>10.4f}"
        )
    if result.decay is not None:
        d = result.decay
        lines.append(
            f"decay {d.estimate:.4f} [{d.ci_low:.4f}, {d.ci_high:.4f}], "
            f"half-life {d.half_life:.2f} periods"
        )
    e = analysis.headline()
    unit = f" {e.unit}" if e.unit else ""
    # One rounding of the percent effect everywhere it is printed (reports.headline).
    absolute, low, high = _amounts(e.absolute, e.absolute_low, e.absolute_high)
    lines.append(
        f"effect {e.start}..{e.end} ({e.periods} obs): {hl.effect_text(e)}, "
        f"{absolute}{unit} [{low}, {high}], cumulative {_amounts(e.cumulative)[0]}"
    )
    tests = result.diagnostics
    lines.append(
        f"residuals (ols): DW {tests.ols.durbin_watson:.3f}, Breusch–Godfrey({tests.ols.lags}) "
        f"p {tests.ols.breusch_godfrey_p:.4f}; ({tests.model.residuals}): Ljung–Box"
        f"({tests.model.lags}) p {tests.model.ljung_box_p:.4f}; pre-period R² "
        f"{tests.pre_fit.r2:.3f}"
    )
    if analysis.breaks is not None:
        b = analysis.breaks.to_dict()
        lines.append(
            f"break: first post {b['first_post']} [{b['first_post_low']}, "
            f"{b['first_post_high']}], sup-F {b['statistic']:.2f} (p {b['p']:.4f})"
        )
    if analysis.placebo is not None:
        p = analysis.placebo
        lines.append(f"placebo: {p.n} events, empirical p {p.p_value:.4f}")
    if analysis.sensitivity is not None:
        table = analysis.sensitivity[
            [
                "varied",
                "errors",
                "shape",
                "window",
                "percent",
                "percent_low",
                "percent_high",
                "status",
            ]
        ]
        lines.append(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return lines + [f"note: {n}" for n in analysis.notes()]


def register(app: typer.Typer) -> None:
    app.command("its")(its)


def _snapped_event(data: pd.DataFrame, time_col: str, event: str) -> EventSnap | None:
    """The event moved to the start of its period on a CSV whose rows are dated by their
    periods' first days (analysis.its.timeaxis.snap_event); None when it stays."""
    if time_col not in data.columns:
        return None  # the model names the missing column
    return snap_event(data[time_col], event)
