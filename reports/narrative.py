"""Prose from numbers: every sentence that carries a number is built here from the facts.

Modelled on CausalImpact's written report: the direction of the change, its size, its
interval, whether the interval excludes zero, then the caveats that apply. The templates
(:mod:`reports.phrases`) hold words only; the numbers come from :mod:`reports.facts` objects
and are written by :mod:`reports.formatting` in the report's language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import pandas as pd

from reports import phrases as P
from reports.facts import Caveat, CityEstimate, Coverage, DonorNote, Interval, RoomMedians
from reports.formatting import (
    MINUS,
    NBSP,
    Lang,
    format_date,
    format_month,
    format_number,
    format_percent,
    format_tenge,
    percent_decimals,
    plural_ru,
)
from reports.verdict import verdict
from warehouse.cities import REGISTRY

# Amounts in prose are rounded to the nearest thousand tenge: asking rents are quoted so.
TENGE_ROUNDING = 1000


def fill(template: str, **fields: str) -> str:
    """``template`` with its fields filled in, as a sentence: a date that ends in an
    abbreviation ("2022 г.") does not get a second full stop, and the first letter is a
    capital."""
    text = template.format(**fields).replace("..", ".")
    return text[0].upper() + text[1:] if text else text


def counted(n: int, noun: str, lang: Lang) -> str:
    """``6, "week"`` -> ru ``"6 недель"``, kk ``"6 апта"``, en ``"6 weeks"``."""
    forms = P.COUNTED[noun][lang]
    if lang == "ru":
        word = plural_ru(n, *forms)
    elif lang == "en":
        word = forms[0] if n == 1 else forms[1]
    else:
        word = forms[0]  # a Kazakh noun after a numeral stays singular
    return f"{format_number(n, lang)}{NBSP}{word}"


def rooms_phrase(rooms: int, lang: Lang) -> str:
    return P.ROOMS_WORDS[lang].get(rooms) or P.ROOMS_GENERIC[lang].format(
        rooms=format_number(rooms, lang)
    )


def city_name(city: str, lang: Lang) -> str:
    """The city's name in ``lang``: the reports' own words, else the city registry's."""
    if city in P.CITY[lang]:
        return P.CITY[lang][city]
    if city in REGISTRY:
        found = REGISTRY.get(city)
        return {"ru": found.name_ru, "kk": found.name_kk, "en": found.name_en}[lang]
    return city.title()


def _city_in(city: str, lang: Lang) -> str:
    # Without a declined form (ru prepositional, kk locative) the name stands after a
    # preposition as it is: "в Шымкент" is understood, a guessed suffix could be wrong.
    fallback = {"ru": "в {c}", "kk": "{c}", "en": "in {c}"}[lang].format(c=city_name(city, lang))
    return P.CITY_IN[lang].get(city, fallback)


def _event(est: CityEstimate, lang: Lang) -> str:
    # Kazakh "after"/"from"/"before" govern the ablative; the other languages do not inflect.
    return format_date(est.event, lang, ablative=True)


def _level(interval: Interval, lang: Lang) -> str:
    return format_percent(interval.level * 100, lang, decimals=0)


def headline(est: CityEstimate, lang: Lang) -> str:
    """The one sentence an official repeats: direction, size and range of the effect."""
    eff = est.effect_pct
    decimals = percent_decimals(eff.estimate, eff.low, eff.high)
    fields = {
        "rooms": rooms_phrase(est.rooms, lang),
        "city_in": _city_in(est.city, lang),
        "weeks": counted(est.window_weeks, "week", lang),
        "event": _event(est, lang),
    }
    direction = verdict(eff)
    if direction != "unclear":
        kind = "up" if direction == "rise" else "down"
        # The verb carries the direction, so the numbers are written as sizes.
        low, high = sorted((abs(eff.low), abs(eff.high)))
        fields |= {
            "pct": format_percent(abs(eff.estimate), lang, decimals=decimals),
            "low": format_percent(low, lang, decimals=decimals),
            "high": format_percent(high, lang, decimals=decimals),
        }
    else:
        kind = "unclear"
        fields |= {
            "pct": format_percent(eff.estimate, lang, decimals=decimals, sign=True),
            "low": format_percent(eff.low, lang, decimals=decimals, sign=True),
            "high": format_percent(eff.high, lang, decimals=decimals, sign=True),
        }
    return fill(P.HEADLINE[lang][kind], **fields)


def interval_sentence(est: CityEstimate, lang: Lang) -> str:
    eff = est.effect_pct
    decimals = percent_decimals(eff.estimate, eff.low, eff.high)
    kind = "includes" if verdict(eff) == "unclear" else "excludes"
    return fill(
        P.INTERVAL[lang][kind],
        level=_level(eff, lang),
        low=format_percent(eff.low, lang, decimals=decimals, sign=True),
        high=format_percent(eff.high, lang, decimals=decimals, sign=True),
    )


def _signed_tenge(amount: float, lang: Lang) -> str:
    text = format_tenge(abs(amount), lang, round_to=TENGE_ROUNDING)
    rounded = round(amount / TENGE_ROUNDING)
    if rounded == 0:
        return text
    return ("+" if amount > 0 else MINUS) + text


def kzt_sentence(est: CityEstimate, lang: Lang) -> str | None:
    """The effect in tenge per month, or None when the ITS did not give it or gave no
    finite range (an interval reaching −100 % has no lower bound in tenge: the percent
    sentence says the range)."""
    kzt = est.effect_kzt
    if kzt is None or not all(math.isfinite(v) for v in (kzt.estimate, kzt.low, kzt.high)):
        return None
    return fill(
        P.KZT_DIFFERENCE[lang],
        amount=_signed_tenge(kzt.estimate, lang),
        low=_signed_tenge(kzt.low, lang),
        high=_signed_tenge(kzt.high, lang),
    )


def method_phrase(method: str, lang: Lang, *, flow: bool = False) -> str:
    """The index method in words; ``flow``: of new listings only."""
    return (P.METHOD_NAMES_NEW if flow else P.METHOD_NAMES)[lang].get(method, method)


def method_sentence(est: CityEstimate, lang: Lang) -> str:
    """How the estimate was made; a comparison design says what the expected level is
    built from."""
    template = P.METHOD[lang]
    if est.comparison is not None:
        template = P.METHOD_COMPARISON[lang][est.comparison.design]
    sentence = fill(
        template,
        method=method_phrase(est.method, lang, flow=est.flow),
        periods=P.PERIODS[lang].get(est.freq, est.freq),
    )
    weeks = est.comparison.anticipation if est.comparison is not None else 0
    if weeks:
        sentence += " " + fill(P.ANTICIPATION[lang], weeks=counted(weeks, "week", lang))
    return sentence


def means(est: CityEstimate, lang: Lang) -> str:
    template = P.MEANS[lang] if est.comparison is None else P.MEANS_COMPARISON[lang]
    return fill(template, weeks=counted(est.window_weeks, "week", lang), event=_event(est, lang))


def chart_caption(est: CityEstimate, lang: Lang) -> str:
    template = P.CHART_CAPTION[lang] if est.comparison is None else P.CHART_CAPTION_COMPARISON[lang]
    return fill(
        template,
        rooms=rooms_phrase(est.rooms, lang),
        method=method_phrase(est.method, lang, flow=est.flow),
        periods=P.PERIODS[lang].get(est.freq, est.freq),
        level=_level(est.effect_pct, lang),
    )


# The officials' sentence names the donors that carry this share of the weight (at most
# COMPARED_NAMED of them); the rest are counted.
COMPARED_SHARE = 0.9
COMPARED_NAMED = 4


def compared_with(est: CityEstimate, lang: Lang) -> str | None:
    """What a comparison design compared the city with, in plain words: the donors with the
    largest weights and their shares ("Shymkent (41%), Karaganda (33%) and 2 more"), or the
    cities averaged by a comparative design with equal weights; None for a single series."""
    comparison = est.comparison
    if comparison is None:
        return None
    used = [(c, w) for c, w in comparison.weights if w > 0]
    equal = comparison.design == "comparative" and comparison.variant == "equal"
    if equal:
        named = used[:COMPARED_NAMED]
        parts = [city_name(c, lang) for c, _ in named]
    else:
        named = list(comparison.top(COMPARED_SHARE))[:COMPARED_NAMED]
        parts = [f"{city_name(c, lang)} ({format_percent(100 * w, lang, decimals=0)})"
                 for c, w in named]  # fmt: skip
    words = P.COMPARED_WITH[lang]
    donors = ", ".join(parts)
    rest = len(used) - len(named)
    if rest > 0:
        donors += " " + words["more"].format(n=format_number(rest, lang))
    return fill(words["average" if equal else "weights"], donors=donors)


def weights_sentence(est: CityEstimate, lang: Lang) -> str | None:
    """The economist's sentence on the donor weights: "Almaty's counterfactual leans on
    Shymkent 0.41, Karaganda 0.33 and 2 more with smaller weights."."""
    comparison = est.comparison
    if comparison is None or lang == "kk":
        return None
    words = P.ECONOMIST[lang]
    named = comparison.top(COMPARED_SHARE)
    parts = [f"{city_name(c, lang)} {format_number(w, lang, decimals=2)}" for c, w in named]
    rest = sum(1 for _, w in comparison.weights if w > 0) - len(named)
    more = words["weights_more"].format(n=format_number(rest, lang)) if rest > 0 else ""
    return fill(words["weights_sentence"], city=city_name(est.city, lang),
                weights=", ".join(parts), more=more)  # fmt: skip


def donor_reason(note: DonorNote, lang: P.ReportLang) -> str:
    """Why a donor was left out, in words (the economist's languages)."""
    values = P.VALUES[lang]
    v = note.values
    if note.reason == "thin":
        # "из 61 недели", "of 1 week": the noun follows the total.
        return values["thin_donor"].format(n=format_number(int(v["n"]), lang),
                                           of=counted(int(v["of"]), "week_of", lang))  # fmt: skip
    if note.reason == "window_gap":
        return values["window_gap"].format(week=format_date(v["week"], lang))
    return values.get(note.reason, note.reason)


def caveat_sentence(caveat: Caveat, lang: Lang) -> str:
    """One caveat in words; its numbers come from ``caveat.values``."""
    v = caveat.values
    fields: dict[str, str] = {"city": city_name(caveat.city, lang) if caveat.city else ""}
    if caveat.key == "short_series":
        fields["n"] = counted(int(v["n"]), "point", lang)
    elif caveat.key == "placebo_failed":
        fields["share"] = format_percent(float(v["share"]) * 100, lang, decimals=0)
        fields["n"] = format_number(int(v["n"]), lang)
    elif caveat.key == "poor_fit":
        fields["r2"] = format_number(float(v["r2"]), lang, decimals=2)
    elif caveat.key == "break_elsewhere":
        fields |= {k: format_date(v[k], lang) for k in ("date", "low", "high")}
    elif caveat.key == "fragile":
        decimals = percent_decimals(float(v["low"]), float(v["high"]))
        fields |= {k: format_percent(float(v[k]), lang, decimals=decimals, sign=True)
                   for k in ("low", "high")}  # fmt: skip
    elif caveat.key == "autocorrelation":
        fields["p"] = format_number(float(v["p"]), lang, decimals=3)
    elif caveat.key == "thin_weeks":
        fields["n"] = counted(int(v["n"]), "week_in", lang)
        fields["min"] = format_number(int(v["min"]), lang)
    elif caveat.key == "single_series":
        fields["n"] = format_number(int(v["n"]), lang)
        fields["need"] = format_number(int(v["need"]), lang)
    elif caveat.key == "placebo_space":
        fields["p"] = format_number(float(v["p"]), lang, decimals=2)
        fields["n"] = format_number(int(v["n"]), lang)
    return fill(P.CAVEAT[lang][caveat.key], **fields)


def caveat_sentences(caveats: Sequence[Caveat], lang: Lang) -> list[str]:
    """The caveats in words, one sentence for the cities that share a caveat with the same
    numbers ("Almaty, Astana: 1 week of the data holds fewer than 20 listings.")."""
    groups: dict[tuple[str, str], list[Caveat]] = {}
    for caveat in caveats:
        values = repr(sorted(caveat.values.items()))
        groups.setdefault((caveat.key, values), []).append(caveat)
    sentences = []
    for group in groups.values():
        first = group[0]
        sentence = caveat_sentence(first, lang)
        cities = [c.city for c in group if c.city]
        if len(group) > 1 and first.city and len(cities) == len(group):
            own = city_name(first.city, lang)
            joined = ", ".join(city_name(c, lang) for c in cities)
            sentence = sentence.replace(own, joined, 1)
        sentences.append(sentence)
    return sentences


def _names(keys: Sequence[str], table: dict[str, str]) -> str:
    return ", ".join(table.get(k, k) for k in keys)


def data_sentence(coverage: Coverage, lang: Lang) -> str:
    """Sources, origins, counts and dates behind the report; the last day is the data's date."""
    return fill(
        P.DATA_SOURCES[lang],
        listings=counted(coverage.listings, "listing", lang),
        observations=counted(coverage.observations, "price", lang),
        sources=_names(coverage.sources, P.SOURCE_NAMES),
        origins=_names(coverage.origins, P.ORIGIN_NAMES[lang]),
        first=format_date(coverage.first_day, lang),
        last=format_date(coverage.last_day, lang),
    )


def title(cities: Sequence[str], est: CityEstimate, lang: Lang) -> str:
    return fill(
        P.TITLE[lang], event=_event(est, lang), cities=", ".join(city_name(c, lang) for c in cities)
    )


def table_title(est: CityEstimate, lang: Lang) -> str:
    weeks = counted(est.window_weeks, "week", lang)
    return fill(P.TABLE_TITLE[lang], weeks=weeks, event=_event(est, lang))


def table_note(min_listings: int, lang: Lang) -> str:
    return fill(P.TABLE_NOTE[lang], min=format_number(min_listings, lang))


def series_label(
    method: str, rooms: int | None, flow: bool, lang: Lang, *, headline: bool = False
) -> str:
    """An index series by name: "mix-adjusted median, all rooms", "…, 1-room, new listings"."""
    words = P.SERIES_LABEL[lang]
    name = P.METHOD_NAMES[lang].get(method, method)
    if rooms is None:
        return words["all"].format(method=name)
    listings = words["flow" if flow else "stock"]
    key = "headline" if headline else "rooms"
    return words[key].format(method=name, rooms=format_number(rooms, lang), listings=listings)


def span_sentence(estimates: Sequence[CityEstimate], coverage: Coverage, lang: Lang) -> str | None:
    """The days the estimates stand on (the span, inside the data's first and last day): one
    sentence when every city's span is the same, else one span per city."""
    spans = [
        (e.city, max(e.span.start, coverage.first_day), min(e.span.end, coverage.last_day))
        for e in estimates
        if e.span is not None
    ]
    if not spans:
        return None
    if len({(a, b) for _, a, b in spans}) > 1:
        parts = [f"{city_name(c, lang)}: {format_date(a, lang)} – {format_date(b, lang)}"
                 for c, a, b in spans]  # fmt: skip
        return fill(P.SPAN_SENTENCE_CITIES[lang], spans="; ".join(parts))
    _, start, end = spans[0]
    return fill(P.SPAN_SENTENCE[lang], start=format_date(start, lang), end=format_date(end, lang))


# Holes shorter than this are counted, not named, in the officials' sources paragraph.
NAMED_GAP_WEEKS = 4


def gaps_sentence(coverage: Coverage, lang: Lang) -> str | None:
    """The holes in the data as spans of months ("No data: July 2023 – November 2026."), the
    short ones counted; None when there is no week without data."""
    empty = coverage.gaps[coverage.gaps["kind"] == "empty"] if not coverage.gaps.empty else None
    if empty is None or empty.empty:
        return None
    long = empty[empty["weeks"] >= NAMED_GAP_WEEKS]
    named = []
    for first, last in sorted(set(zip(long["first_week"], long["last_week"], strict=True))):
        a = format_month(pd.Timestamp(first).date(), lang)
        b = format_month(pd.Timestamp(last).date() + timedelta(days=6), lang)
        named.append(a if a == b else f"{a} – {b}")
    short = empty[empty["weeks"] < NAMED_GAP_WEEKS]
    short_weeks = int(short.drop_duplicates(["first_week", "last_week"])["weeks"].sum())
    parts = list(named)
    if short_weeks:
        parts.append(
            P.MORE_EMPTY_WEEKS[lang].format(n=counted(short_weeks, "period_W", lang))
            if named
            else counted(short_weeks, "period_W", lang)
        )
    return fill(P.NO_DATA[lang], spans="; ".join(parts))


def table_vs_headline(est: CityEstimate, medians: Sequence[RoomMedians], lang: Lang) -> str | None:
    """Why the before/after table and the headline differ for the same flats, with both
    numbers; None when the table has no change for the headline's rooms."""
    row = next((m for m in medians if m.city == est.city and m.rooms == est.rooms), None)
    if row is None or row.change_pct is None:
        return None
    eff = est.effect_pct
    return fill(
        P.TABLE_VS_HEADLINE[lang],
        weeks=counted(est.window_weeks, "week", lang),
        rooms=P.ROOMS_FOR[lang].get(est.rooms, rooms_phrase(est.rooms, lang)),
        city_in=_city_in(est.city, lang),
        table=format_percent(row.change_pct, lang, decimals=1, sign=True),
        headline=format_percent(
            eff.estimate,
            lang,
            decimals=percent_decimals(eff.estimate, eff.low, eff.high),
            sign=True,
        ),
    )
