"""Prose and number formatting of the reports: pure functions, parametrized tables."""

from __future__ import annotations

import math
import re
import string
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from reports import narrative
from reports import phrases as P
from reports.caveats import CaveatRules, estimate_caveats, find_caveats
from reports.coverage import find_gaps
from reports.economist import interval_text, placebo_uncorrected
from reports.facts import CityEstimate, Comparison, Coverage, DonorNote, Interval, IntervalParts
from reports.figures import _figure, draw_effect
from reports.formatting import (
    MINUS,
    NBSP,
    check_lang,
    format_date,
    format_number,
    format_percent,
    format_tenge,
    percent_decimals,
    plural_ru,
)


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "sign", "expected"),
    [
        (350_000, "ru", 0, False, f"350{NBSP}000"),
        (350_000, "en", 0, False, "350,000"),
        (1_234_567.891, "kk", 1, False, f"1{NBSP}234{NBSP}567,9"),
        (1_234_567.891, "en", 2, False, "1,234,567.89"),
        (999, "ru", 0, False, "999"),
        (12.5, "ru", 1, True, "+12,5"),
        (-12.5, "ru", 1, True, f"{MINUS}12,5"),
        (-12.5, "en", 1, False, f"{MINUS}12.5"),
        (-0.04, "ru", 1, True, "0,0"),  # rounds to zero: no sign
        (0.0, "en", 0, True, "0"),
    ],
)
def test_format_number(value: float, lang: str, decimals: int, sign: bool, expected: str) -> None:
    assert format_number(value, check_lang(lang), decimals=decimals, sign=sign) == expected


@pytest.mark.parametrize(
    ("amount", "lang", "round_to", "expected"),
    [
        (350_000, "ru", 1, f"350{NBSP}000{NBSP}₸"),
        (349_600, "kk", 1000, f"350{NBSP}000{NBSP}₸"),
        (1_500_000, "en", 1, f"1,500,000{NBSP}₸"),
    ],
)
def test_format_tenge(amount: float, lang: str, round_to: int, expected: str) -> None:
    assert format_tenge(amount, check_lang(lang), round_to=round_to) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (12.5, "ru", f"12,5{NBSP}%"), (12.5, "kk", f"12,5{NBSP}%"), (12.5, "en", "12.5%"),
        # An interval's unbounded ends (a conformal interval that rejects nothing there).
        (-math.inf, "ru", f"\u2212∞{NBSP}%"), (math.inf, "en", "∞%"),
    ],
)  # fmt: skip
def test_format_percent(value: float, lang: str, expected: str) -> None:
    assert format_percent(value, check_lang(lang), decimals=1) == expected


def test_format_percent_signs_infinity_and_refuses_nan() -> None:
    assert format_percent(math.inf, "en", sign=True) == "+∞%"
    with pytest.raises(ValueError, match="cannot format nan"):
        format_percent(math.nan, "en")


def test_an_unbounded_interval_is_a_sentence_and_a_band_that_covers_the_chart() -> None:
    """A conformal interval bounded on neither side (a short pre-period): the headline says
    the data cannot tell, from −∞ to +∞, and the window's band spans the chart."""
    from analysis.its.effects import Effect
    from reports.gather import _comparison_path

    est = _estimate(24, -math.inf, math.inf)
    for lang in ("ru", "kk", "en"):
        text = narrative.headline(est, check_lang(lang))
        assert "∞" in text and narrative.interval_sentence(est, check_lang(lang))

    class Result:  # what _comparison_path reads of a comparative result
        series = pd.DataFrame({
            "time": pd.date_range("2022-08-01", periods=10, freq="W-MON"),
            "observed": 140_000.0, "counterfactual": 120_000.0, "post": [False] * 7 + [True] * 3,
        })  # fmt: skip

    nan = math.nan
    window = Effect(
        start="2022-09-19", end="2022-10-03", periods=3, horizon_start=0, horizon_end=2,
        effect=0.154, se=nan, ci_low=-math.inf, ci_high=math.inf, p=0.9, percent=16.7,
        percent_low=-math.inf, percent_high=math.inf, absolute=20_000, absolute_low=nan,
        absolute_high=nan, cumulative=nan, cumulative_low=nan, cumulative_high=nan,
        counterfactual=120_000, observed=140_000, method="conformal", level=0.95, unit=None,
    )  # fmt: skip
    path = _comparison_path(Result(), window)  # type: ignore[arg-type]
    inside = path["expected_low"].notna()
    assert inside.sum() == 3
    assert (path["expected_low"][inside] == 0).all()
    assert np.isposinf(path["expected_high"][inside]).all()


@pytest.mark.parametrize(
    ("day", "lang", "ablative", "expected"),
    [
        (date(2022, 9, 21), "ru", False, f"21{NBSP}сентября 2022{NBSP}г."),
        (date(2022, 9, 21), "kk", False, f"2022{NBSP}жылғы 21{NBSP}қыркүйек"),
        (date(2022, 9, 21), "kk", True, f"2022{NBSP}жылғы 21{NBSP}қыркүйектен"),
        (date(2023, 6, 30), "kk", True, f"2023{NBSP}жылғы 30{NBSP}маусымнан"),
        (date(2022, 9, 21), "en", True, f"21{NBSP}September 2022"),
        (date(2022, 1, 1), "ru", True, f"1{NBSP}января 2022{NBSP}г."),
    ],
)
def test_format_date(day: date, lang: str, ablative: bool, expected: str) -> None:
    assert format_date(day, check_lang(lang), ablative=ablative) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "неделя"), (2, "недели"), (4, "недели"), (5, "недель"), (11, "недель"),
     (12, "недель"), (21, "неделя"), (22, "недели"), (111, "недель"), (0, "недель")],
)  # fmt: skip
def test_plural_ru(n: int, expected: str) -> None:
    assert plural_ru(n, "неделя", "недели", "недель") == expected


@pytest.mark.parametrize(
    ("values", "expected"), [((32.4, 25.0, 40.2), 0), ((32.4, 8.0, 40.2), 1), ((-12, -30), 0)]
)
def test_percent_decimals(values: tuple[float, ...], expected: int) -> None:
    assert percent_decimals(*values) == expected


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="ru, kk, en"):
        check_lang("de")


def _templates() -> list[str]:
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, tuple):
            for v in value:
                walk(v)

    for name in dir(P):
        if name.isupper():
            walk(getattr(P, name))
    return found


def test_no_number_is_typed_into_a_template() -> None:
    templates = _templates()
    assert len(templates) > 100
    # Field names ({r2}) may hold digits; the words around them may not.
    typed = [t for t in templates if re.search(r"[0-9]", re.sub(r"\{[^}]*\}", "", t))]
    assert typed == []


@pytest.mark.parametrize("table", ["HEADLINE", "INTERVAL", "CAVEAT", "CHART"])
def test_every_language_has_the_same_templates_with_the_same_fields(table: str) -> None:
    entries = getattr(P, table)

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    keys = {lang: set(entries[lang]) for lang in ("ru", "kk", "en")}
    assert keys["ru"] == keys["kk"] == keys["en"]
    for key in keys["ru"]:
        assert (
            fields(entries["ru"][key]) == fields(entries["kk"][key]) == fields(entries["en"][key])
        )


def _estimate(estimate: float, low: float, high: float, **changes: object) -> CityEstimate:
    est = CityEstimate(
        city="almaty", rooms=1, method="mix", freq="W", event=date(2022, 9, 21),
        window_start=date(2022, 9, 19), window_end=date(2022, 10, 30), window_weeks=6,
        effect_pct=Interval(estimate, low, high), effect_kzt=Interval(48_400, 36_000, -1_200),
        path=pd.DataFrame(), n_pre=60, n_post=20, pre_fit_r2=0.9, placebo_p=0.02,
        placebo_n=40, break_date=date(2022, 9, 26), break_low=date(2022, 9, 12),
        break_high=date(2022, 10, 10), residual_autocorr_p=0.4,
    )  # fmt: skip
    return replace(est, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "estimate", "low", "high", "expected"),
    [
        ("en", 32.4, 25.04, 40.2,
         "Rents for one-room flats in Almaty rose by about 32% — between 25% and 40% — "
         f"in the 6{NBSP}weeks after 21{NBSP}September 2022."),
        ("ru", 32.4, 25.04, 40.2,
         f"Аренда однокомнатных квартир в Алматы за 6{NBSP}недель после 21{NBSP}сентября "
         f"2022{NBSP}г. подорожала примерно на 32{NBSP}% — от 25{NBSP}% до 40{NBSP}%."),
        ("kk", 32.4, 25.04, 40.2,
         f"Алматыда бір бөлмелі пәтерлерді жалға алу бағасы 2022{NBSP}жылғы 21{NBSP}қыркүйектен "
         f"кейінгі 6{NBSP}апта ішінде шамамен 32{NBSP}% өсті (аралығы: 25{NBSP}% – 40{NBSP}%)."),
        ("en", -8.25, -12.5, -4.0,
         "Rents for one-room flats in Almaty fell by about 8.3% — between 4.0% and 12.5% — "
         f"in the 6{NBSP}weeks after 21{NBSP}September 2022."),
        ("en", 2.0, -3.0, 7.04,
         f"Rents for one-room flats in Almaty changed by about +2.0% — between {MINUS}3.0% "
         f"and +7.0% — in the 6{NBSP}weeks after 21{NBSP}September 2022: the data cannot "
         "tell a rise from a fall."),
    ],
)  # fmt: skip
def test_headline(lang: str, estimate: float, low: float, high: float, expected: str) -> None:
    assert narrative.headline(_estimate(estimate, low, high), check_lang(lang)) == expected


@pytest.mark.parametrize(
    ("lang", "flow", "expected"),
    [
        ("en", True, "How: an interrupted time series on the mix-adjusted median of new "
                     "listings, by week; the expected level continues the path of rents before "
                     "the event."),
        ("en", False, "How: an interrupted time series on the mix-adjusted median, by week; the "
                      "expected level continues the path of rents before the event."),
        ("ru", True, "Как считали: прерванный временной ряд; ряд — медиана цен новых объявлений "
                     "с поправкой на структуру по неделям; ожидаемый уровень продолжает динамику "
                     "цен до события."),
        ("kk", True, "Қалай есептелді: үзілген уақыт қатары; қатар — жаңа хабарландырулардың "
                     "құрылымға түзетілген медианасы, апта сайын; күтілетін деңгей оқиғаға "
                     "дейінгі баға үрдісін жалғастырады."),
    ],
)  # fmt: skip
def test_method_sentence_names_new_listings_for_a_flow_series(
    lang: str, flow: bool, expected: str
) -> None:
    assert narrative.method_sentence(_estimate(30, 20, 40, flow=flow), check_lang(lang)) == expected


def test_every_method_has_a_flow_name_in_every_language() -> None:
    for lang in ("ru", "kk", "en"):
        assert set(P.METHOD_NAMES_NEW[lang]) == set(P.METHOD_NAMES[lang])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", f"In tenge: +48,000{NBSP}₸ a month against the expected level (+36,000{NBSP}₸ to "
               f"{MINUS}1,000{NBSP}₸)."),
        ("ru", f"В тенге: +48{NBSP}000{NBSP}₸ в месяц к ожидаемому уровню (от +36{NBSP}000{NBSP}₸ "
               f"до {MINUS}1{NBSP}000{NBSP}₸)."),
    ],
)  # fmt: skip
def test_kzt_sentence(lang: str, expected: str) -> None:
    assert narrative.kzt_sentence(_estimate(30, 20, 40), check_lang(lang)) == expected


@pytest.mark.parametrize(
    ("changes", "keys"),
    [
        ({}, []),
        ({"effect_pct": Interval(2, -3, 7)}, ["includes_zero"]),
        ({"n_pre": 20}, ["short_series"]),
        ({"placebo_p": 0.3}, ["placebo_failed"]),
        ({"pre_fit_r2": 0.2}, ["poor_fit"]),
        ({"break_date": date(2022, 5, 2), "break_low": date(2022, 4, 4),
          "break_high": date(2022, 6, 6)}, ["break_elsewhere"]),
        ({"residual_autocorr_p": 0.001}, ["autocorrelation"]),
        ({"sensitivity": Interval(30, -1.5, 33), "sensitivity_includes_zero": True}, ["fragile"]),
        ({"sensitivity": Interval(30, 12, 33), "sensitivity_includes_zero": False}, []),
        ({"placebo_p": None, "pre_fit_r2": None, "residual_autocorr_p": None,
          "break_date": None}, []),
    ],
)  # fmt: skip
def test_caveat_rules(changes: dict[str, object], keys: list[str]) -> None:
    found = estimate_caveats(_estimate(30, 20, 40, **changes), CaveatRules())
    assert [c.key for c in found] == keys


def _coverage(origins: tuple[str, ...], listings: list[int]) -> Coverage:
    weeks = pd.date_range("2022-08-01", periods=len(listings), freq="7D").date
    weekly = pd.DataFrame(
        {"city": "almaty", "source": "krisha", "origin": origins[0], "week": weeks,
         "listings": listings, "observations": listings}
    )  # fmt: skip
    return Coverage(
        weekly=weekly, gaps=find_gaps(weekly, 20), first_day=date(2022, 8, 1),
        last_day=date(2022, 10, 30), sources=("krisha",), origins=origins,
        listings=sum(listings), observations=sum(listings),
    )  # fmt: skip


def test_simulated_data_comes_first_and_thin_weeks_are_counted() -> None:
    coverage = _coverage(("archive", "simulated"), [30, 5, 0, 40])
    found = find_caveats({"almaty": _estimate(30, 20, 40)}, coverage, CaveatRules())
    assert [c.key for c in found] == ["simulated", "thin_weeks"]
    assert found[1].values == {"n": 2, "min": 20}
    assert narrative.caveat_sentence(found[1], "ru") == (
        f"Алматы: в 2{NBSP}неделях меньше 20 объявлений."
    )


def test_gaps_are_runs_of_weeks_not_one_row_a_week() -> None:
    weekly = pd.DataFrame({"city": "almaty", "source": "krisha", "origin": "live",
                           "week": [date(2022, 8, 1), date(2022, 8, 22), date(2022, 8, 29),
                                    date(2022, 9, 5)],
                           "listings": [30, 30, 5, 30],
                           "observations": [30, 30, 5, 30]})  # fmt: skip
    gaps = find_gaps(weekly, 20)
    assert gaps.to_dict("records") == [
        {"city": "almaty", "kind": "empty", "first_week": date(2022, 8, 8),
         "last_week": date(2022, 8, 15), "weeks": 2, "max_listings": 0},
        {"city": "almaty", "kind": "thin", "first_week": date(2022, 8, 29),
         "last_week": date(2022, 8, 29), "weeks": 1, "max_listings": 5},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "No data: July 2023 – November 2026; plus 1 week without data."),
        ("ru", "Нет данных: июль 2023 г. – ноябрь 2026 г.; ещё 1 неделя без данных."),
        ("kk", "Деректер жоқ: 2023 жылғы шілде – 2026 жылғы қараша; тағы 1 апта деректерсіз."),
    ],
)
def test_a_hole_of_years_is_one_span_of_months(lang: str, expected: str) -> None:
    archive = pd.date_range("2022-01-03", "2023-06-26", freq="7D").date
    weeks = [w for w in archive if w != date(2022, 1, 17)] + [date(2026, 11, 30)]
    weekly = pd.DataFrame({"city": "almaty", "source": "krisha", "origin": "live",
                           "week": weeks, "listings": 30, "observations": 30})  # fmt: skip
    coverage = replace(_coverage(("live",), [30]), weekly=weekly, gaps=find_gaps(weekly, 20))
    assert len(coverage.gaps) == 2  # not 180 rows
    assert narrative.gaps_sentence(coverage, check_lang(lang)).replace(NBSP, " ") == expected


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_every_caveat_reads_its_numbers_from_the_facts(lang: str) -> None:
    est = _estimate(2, -3, 7, n_pre=17, placebo_p=0.35, placebo_n=41, pre_fit_r2=0.123,
                    break_date=date(2022, 5, 2), break_low=date(2022, 4, 4),
                    break_high=date(2022, 6, 6), residual_autocorr_p=0.0042)  # fmt: skip
    fragile = _estimate(30, 20, 40, city="astana", sensitivity=Interval(30, -1.5, 33.25),
                        sensitivity_includes_zero=True)  # fmt: skip
    coverage = _coverage(("simulated",), [30, 5, 40])
    found = find_caveats({"almaty": est, "astana": fragile}, coverage, CaveatRules())
    assert "fragile" in [c.key for c in found]
    text = " ".join(narrative.caveat_sentence(c, check_lang(lang)) for c in found)
    sep = "." if lang == "en" else ","
    for number in ("17", "41", f"0{sep}12", f"0{sep}004", "35", f"1{sep}5", f"33{sep}3"):
        assert number in text
    assert P.CAVEAT[check_lang(lang)]["simulated"] in text


def test_thin_weeks_count_only_inside_the_series_span() -> None:
    coverage = _coverage(("live",), [30, 5, 40, 0, 0])  # weeks of 1, 8, 15, 22, 29 Aug
    path = pd.DataFrame({"period": [date(2022, 8, 1), date(2022, 8, 15)]})
    found = find_caveats({"almaty": _estimate(30, 20, 40, path=path)}, coverage, CaveatRules())
    assert [(c.key, c.values["n"]) for c in found] == [("thin_weeks", 1)]


def test_where_the_project_keeps_its_own_rule_over_babels() -> None:
    """Measured differences between Babel's CLDR formats and the project's rules (the module
    docstring of reports.formatting lists them): if Babel changes, this says which rule."""
    from babel.numbers import format_currency, format_decimal
    from babel.numbers import format_percent as babel_percent

    assert format_decimal(8.25, format="0.0", locale="ru") == "8,2"  # half to even
    assert format_number(8.25, "ru", decimals=1) == "8,3"  # half up
    assert format_decimal(-12.5, format="0.0", locale="en") == "-12.5"  # hyphen-minus
    assert format_number(-12.5, "en", decimals=1) == f"{MINUS}12.5"
    assert babel_percent(0.125, format="#,##0.0%", locale="kk") == "12,5%"  # no space
    assert format_percent(12.5, "kk") == f"12,5{NBSP}%"
    assert "KZT" in format_currency(350_000, "KZT", locale="ru")  # the code, not the sign
    assert format_tenge(350_000, "ru") == f"350{NBSP}000{NBSP}₸"
    # Where they agree, Babel's data is what the reports print: grouping and decimal sign.
    assert format_decimal(1_234_567.891, format="#,##0.0", locale="ru") == format_number(
        1_234_567.891, "ru", decimals=1
    )


@pytest.mark.parametrize(
    ("lang", "weeks", "said"),
    [
        ("en", 3, f"The last 3{NBSP}weeks before the event are left out of the fit: a rise "
                  "that began in them counts as part of the effect."),
        ("en", 1, f"The last 1{NBSP}week before the event"),
        ("ru", 3, f"Последние 3{NBSP}недели перед событием в подбор не входят"),
        ("ru", 5, f"Последние 5{NBSP}недель перед событием"),
        ("kk", 3, f"Оқиғаның алдындағы соңғы 3{NBSP}апта сәйкестендіруге кірмейді"),
        ("en", 0, None),
    ],
)  # fmt: skip
def test_a_synthetic_controls_weeks_left_out_are_said_with_the_method(
    lang: str, weeks: int, said: str | None
) -> None:
    comparison = Comparison(
        design="synthetic", variant="detrended", weights=(("shymkent", 1.0),), pre_rmspe=0.02,
        anticipation=weeks,
    )  # fmt: skip
    estimate = _estimate(30, 20, 40, comparison=comparison)
    sentence = narrative.method_sentence(estimate, check_lang(lang))
    start = P.METHOD_COMPARISON[check_lang(lang)]["synthetic"][:10]
    assert sentence.startswith(start)
    if said is None:
        assert sentence.count(".") == 1 and "left out" not in sentence
    else:
        assert said in sentence


@pytest.mark.parametrize(
    ("kzt", "said"),
    [
        (Interval(48_400, 36_000, 61_000), True),
        # A backtest interval reaching −100 % has no lower bound in tenge: format_tenge had
        # raised on −inf, a traceback from `report summary`.
        (Interval(-20_000, -math.inf, 61_000), False),
        (Interval(48_400, math.nan, 61_000), False),
    ],
)  # fmt: skip
def test_an_unbounded_interval_is_drawn_and_not_put_in_tenge(kzt: Interval, said: bool) -> None:
    days = pd.date_range("2022-08-01", periods=10, freq="W-MON")
    post = days >= "2022-09-19"
    expected = pd.Series(150_000.0, index=range(10))
    ratio_low = 1 + (-100.0 if not math.isfinite(kzt.low) else -30.0) / 100
    path = pd.DataFrame({
        "period": days.date, "observed": 140_000.0, "expected": expected,
        "expected_low": (expected * 0.8).where(post),
        "expected_high": (expected / ratio_low if ratio_low else expected * math.inf).where(post),
        "post": post,
    })  # fmt: skip
    est = _estimate(-12, -100 if not math.isfinite(kzt.low) else -30, 40,
                    effect_kzt=kzt, path=path)  # fmt: skip
    for lang in ("ru", "kk", "en"):
        sentence = narrative.kzt_sentence(est, check_lang(lang))
        assert (sentence is not None) == said
        assert narrative.headline(est, check_lang(lang))
    ax = _figure(4, 3).subplots()
    draw_effect(ax, est, check_lang("en"))
    _, top = ax.get_ylim()
    assert math.isfinite(top) and top < 10 * 150_000
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert np.isfinite(band).all() and band.max() > 150_000  # above every line drawn


_POOLED = dict(placebos=9, backtest_rms=5.9, placebo_rms=6.4, pooled_rms=6.2, correction=0.26)


@pytest.mark.parametrize(
    ("parts", "lang", "expected"),
    [
        (None, "en", ""),
        (IntervalParts("backtest", 26, 17.2, None), "en",
         "The window's interval comes from the design's errors at 26 pseudo-events before the "
         "event: ±17.2 pp."),
        (IntervalParts("backtest-placebo", 26, 17.2, 20.5), "en",
         "The window's interval is the wider of two: the comparison cities refitted in turn as "
         "if they had got the shock give ±20.5 pp, the design's errors at 26 pseudo-events "
         "before the event ±17.2 pp."),
        (IntervalParts("pooled", 26, 17.2, None, **_POOLED), "en",
         "The window's interval pools the design's errors where the truth is zero: at 26 "
         "pseudo-events before the event (root mean square 5.9%) and in the 9 comparison "
         "cities refitted in turn as if they had got the shock (6.4%), 6.2% together, on the "
         "log scale; the estimate is corrected for that scale by 0.3 pp (Kennedy, 1981)."),
        (IntervalParts("pooled", 26, 17.2, None, backtest_rms=5.9, correction=0.17), "en",
         "The window's interval comes from the design's errors at 26 pseudo-events before the "
         "event (root mean square 5.9%; with fewer than five comparison cities their placebos "
         "are not used), on the log scale; the estimate is corrected for that scale by 0.2 pp "
         "(Kennedy, 1981)."),
        (IntervalParts("pooled", 26, 17.2, None, **_POOLED), "ru",
         "Интервал окна объединяет ошибки метода там, где эффекта нет: на 26 псевдособытиях до "
         "события (среднеквадратичная ошибка 5,9 %) и у 9 городов сравнения, по очереди "
         "принятых за получившие шок (6,4 %), вместе — 6,2 %, в логарифмической шкале; оценка "
         "поправлена на эту шкалу на 0,3 п. п. (Kennedy, 1981)."),
        # The cases after a number: "на 21 псевдособытии", "у 21 города сравнения".
        (IntervalParts("pooled", 21, 17.2, None, **{**_POOLED, "placebos": 21}), "ru",
         "Интервал окна объединяет ошибки метода там, где эффекта нет: на 21 псевдособытии до "
         "события (среднеквадратичная ошибка 5,9 %) и у 21 города сравнения, по очереди "
         "принятых за получившие шок (6,4 %), вместе — 6,2 %, в логарифмической шкале; оценка "
         "поправлена на эту шкалу на 0,3 п. п. (Kennedy, 1981)."),
        (IntervalParts("backtest", 1, 17.2, None), "en",
         "The window's interval comes from the design's errors at 1 pseudo-event before the "
         "event: ±17.2 pp."),
    ],
)  # fmt: skip
def test_the_interval_sentence_says_what_set_the_interval(
    parts: IntervalParts | None, lang: str, expected: str
) -> None:
    assert interval_text(parts, lang).replace(NBSP, " ") == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "of", "lang", "expected"),
    [
        (49, 63, "ru", "данные за 49 из 63 недель до события"),
        (49, 61, "ru", "данные за 49 из 61 недели до события"),
        (40, 52, "ru", "данные за 40 из 52 недель до события"),
        (49, 63, "en", "data in 49 of 63 weeks before the event"),
        (0, 1, "en", "data in 0 of 1 week before the event"),
    ],
)
def test_a_thin_donor_is_said_with_the_total_declined(
    n: int, of: int, lang: str, expected: str
) -> None:
    note = DonorNote("kokshetau", "thin", {"n": n, "of": of, "share": 0.8})
    assert narrative.donor_reason(note, lang).replace(NBSP, " ") == expected  # type: ignore[arg-type]


def _placebo_comparison(inference: str, treated_percent: float) -> Comparison:
    table = pd.DataFrame(
        {"unit": ["almaty", "shymkent"], "treated": [True, False],
         "percent": [treated_percent, 3.1]}
    )  # fmt: skip
    parts = IntervalParts(inference, 20, 15.0, None, 12, 10.0, 9.0, 9.5, 0.5)
    return Comparison("synthetic", "detrended", (("shymkent", 1.0),), 0.02,
                      placebo=table, interval=parts)  # fmt: skip


@pytest.mark.parametrize(
    ("inference", "treated", "headline", "lang", "expected"),
    [
        ("pooled", 27.71, 27.2, "en", "The table's effects are each city's window total over "
         "its twin's, before the scale correction: 27.7% for Almaty there, 27.2% in the "
         "window's estimate."),
        ("pooled", 27.71, 27.2, "ru", "Эффекты в таблице — сумма за окно к сумме двойника, до "
         "поправки на шкалу: у Алматы там 27,7 %, в оценке окна — 27,2 %."),
        # the same to the shown decimal: nothing to explain
        ("pooled", 27.23, 27.2, "en", ""),
        # the other intervals take no correction: the table's row is the estimate
        ("backtest-placebo", 27.71, 27.2, "en", ""),
        ("pooled", float("nan"), 27.2, "en", ""),
    ],
)  # fmt: skip
def test_the_placebo_table_says_its_treated_row_is_before_the_correction(
    inference: str, treated: float, headline: float, lang: str, expected: str
) -> None:
    comparison = _placebo_comparison(inference, treated)
    name = narrative.city_name("almaty", lang)  # type: ignore[arg-type]
    said = placebo_uncorrected(comparison, headline, name, lang)  # type: ignore[arg-type]
    assert said.replace(NBSP, " ") == expected
