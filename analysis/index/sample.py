"""The sample behind every series: one row per listing-period, counted honestly.

Built inside DuckDB as connection-local temporary tables (so it works on a read-only
snapshot too):

``index_fx``       the rate table (currency, valid_from, KZT per unit), maybe empty;
``index_bounds``   the outlier rule's bounds per calendar month and room band;
``index_twins``    listings folded into a cross-source twin (``lkey -> ckey``);
``index_sample``   one row per flat (``ckey``) and period: the rent (KZT/month) of the last
                   sighting in the period (stock) or the first sighting in the flat's first
                   period (flow), outliers left out by default, plus the flat's attributes.

Listings are keyed by ``listings.rowid`` inside one build (integers join faster than
(source, listing_id) strings); the keys never leave the connection.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb

from analysis.index.spec import CountingRules, Freq, IndexSpec
from warehouse.records import LOCAL_TIMEZONE

# A rate table row: currency, first day the rate applies (inclusive), KZT per unit.
FxRate = tuple[str, date, float]

# The first day of the period a day falls in, per frequency ("W" starts on Monday).
PERIOD_OF: Final[dict[Freq, str]] = {
    "D": "{day}",
    "W": "CAST(date_trunc('week', {day}) AS DATE)",
    "M": "CAST(date_trunc('month', {day}) AS DATE)",
}

# Two periods around an event: labelled by the window's first day, and by the event day.
BEFORE_AFTER_PERIOD: Final = (
    "CASE WHEN {day} < $event THEN CAST($before_start AS DATE) ELSE CAST($event AS DATE) END"
)

# Every sighting of the city in the date range, priced in KZT/month, with why it cannot be
# used (NULL when it can). The outlier rule and the twin rule see the whole city, so a
# district's or a room count's series flags exactly what the city's series flags.
# {fx_join} / {fx_rate}: the rate table's ASOF join, only when there is a rate table.
CITY_SIGHTINGS: Final = f"""
SELECT l.rowid AS lkey, o.source, o.observed_at, o.observed_on, o.origin,
       l.rooms, l.district, l.area_m2, l.floor, l.floors_total, l.owner_type,
       CAST(timezone('{LOCAL_TIMEZONE}', l.first_seen) AS DATE) AS first_seen_on,
       CASE WHEN o.price_period <> 'month' THEN 'not_monthly'
            WHEN o.currency <> 'KZT' AND {{fx_rate}} IS NULL THEN 'no_fx_rate'
       END AS exclusion,
       o.price * CASE WHEN o.currency = 'KZT' THEN 1.0 ELSE {{fx_rate}} END AS rent,
       coalesce(least(l.rooms, 5), -1) AS room_band
FROM observations o
JOIN listings l ON l.source = o.source AND l.listing_id = o.listing_id
{{fx_join}}
WHERE l.city = $city
  AND ($start IS NULL OR o.observed_on >= $start)
  AND ($end IS NULL OR o.observed_on <= $end)
"""
FX_JOIN: Final = (
    "ASOF LEFT JOIN index_fx fx ON fx.currency = o.currency AND o.observed_on >= fx.valid_from"
)


def sightings_sql(with_rates: bool) -> str:
    """:data:`CITY_SIGHTINGS`, joined to the rate table only when there is one (the ASOF
    join costs about half the scan)."""
    if with_rates:
        return CITY_SIGHTINGS.format(fx_join=FX_JOIN, fx_rate="fx.kzt_per_unit")
    return CITY_SIGHTINGS.format(fx_join="", fx_rate="CAST(NULL AS DOUBLE)")


CREATE_FX = """
CREATE OR REPLACE TEMP TABLE index_fx (
    currency VARCHAR NOT NULL, valid_from DATE NOT NULL, kzt_per_unit DOUBLE NOT NULL
)
"""
INSERT_FX = "INSERT INTO index_fx VALUES (?, ?, ?)"

# Median and MAD of ln rent per (month, room band) and per month; the band's own figures
# when it has enough sightings, the month's otherwise.
CREATE_BOUNDS: Final = """
CREATE OR REPLACE TEMP TABLE index_bounds AS
WITH usable AS (
    SELECT CAST(date_trunc('month', observed_on) AS DATE) AS month, room_band, ln(rent) AS y
    FROM ({sightings}) WHERE exclusion IS NULL
),
cells AS (
    SELECT month, room_band, grouping(room_band) AS whole_month,
           count(*) AS n, median(y) AS med, mad(y) AS mad
    FROM usable
    GROUP BY GROUPING SETS ((month, room_band), (month))
)
SELECT b.month, b.room_band,
       CASE WHEN b.n >= $min_cell THEN b.med ELSE m.med END AS med,
       greatest($z * 1.4826 * CASE WHEN b.n >= $min_cell THEN b.mad ELSE m.mad END,
                $min_log) AS half_width
FROM cells b JOIN cells m ON m.month = b.month AND m.whole_month = 1
WHERE b.whole_month = 0
"""

CREATE_TWIN_PAIRS = "CREATE OR REPLACE TEMP TABLE index_twin_pairs (a_key BIGINT, b_key BIGINT)"

# Confident twins between portal $source_a and portal $source_b: same rooms and district,
# areas within $area_tol m², the same floor when both are known, and two sightings within
# $days days whose prices are within $price_tol of the lower one; kept only when the match
# is mutual and unique.
#
# Linear in the sightings, because every join is local in time, area, floor and price:
#  * a listing's sightings at one rent within one stretch of $stretch = 2·$days + 2 days
#    fold into a span (first day, last day). Inside a stretch two sightings are at most
#    2·$days + 1 days apart, so the days within $days of a span's sightings are exactly
#    [first − $days, last + $days], and two spans hold sightings within $days of each other
#    exactly when first_a ≤ last_b + $days and first_b ≤ last_a + $days: the test on spans is
#    the test on sightings, not an approximation. Daily sightings at a steady price fold
#    eightfold.
#  * spans can only match in the same or an adjacent stretch ($stretch > $days), whole-m²
#    area bucket ($area_reach = ⌈$area_tol⌉ buckets either way) and price band (bands of
#    ln rent $price_band ≥ ln(1 + $price_tol) wide): each b span is keyed in its neighbouring
#    stretches and buckets, each a span in its neighbouring bands, and the candidates come
#    from equi-joins on those keys plus rooms, district and floor (a span of unknown floor
#    joins every floor, in its own branch). A key only ever holds look-alikes of a few days,
#    however long the history; the exact rule is then applied to the candidates.
#  * the spans are materialised once; their keyed copies are not (each branch makes its own
#    as it joins), which halved the peak memory at 10M sightings.
TWIN_CANDIDATE: Final = """
    SELECT a.lkey AS a_key, b.lkey AS b_key, a.area_m2 AS a_area, b.area_m2 AS b_area,
           a.rent AS a_rent, b.rent AS b_rent, a.first_day AS a_first, a.last_day AS a_last,
           b.first_day AS b_first, b.last_day AS b_last
    FROM a_spans a
    JOIN b_spans b
      ON b.rooms = a.rooms AND b.district = a.district AND b.near_bucket = a.bucket
     AND b.near_stretch = a.stretch AND b.band = a.near_band {floor_key}
    {floor_filter}
"""
INSERT_TWIN_PAIRS: Final = f"""
INSERT INTO index_twin_pairs
WITH usable AS (
    SELECT lkey, rent, date_diff('day', DATE '1970-01-01', observed_on) AS day
    FROM ({{sightings}})
    WHERE exclusion IS NULL AND source IN ($source_a, $source_b)
      AND rooms IS NOT NULL AND district IS NOT NULL AND area_m2 IS NOT NULL
),
spans AS MATERIALIZED (
    SELECT s.*, l.source, l.rooms, l.district, l.area_m2, l.floor,
           CAST(floor(l.area_m2) AS BIGINT) AS bucket,
           CAST(floor(ln(s.rent) / $price_band) AS BIGINT) AS band
    FROM (
        SELECT lkey, rent, CAST(floor(day / $stretch) AS BIGINT) AS stretch,
               min(day) AS first_day, max(day) AS last_day
        FROM usable
        GROUP BY ALL
    ) s
    JOIN listings l ON l.rowid = s.lkey
),
a_spans AS NOT MATERIALIZED (
    SELECT s.*, s.band + dp.shift AS near_band
    FROM spans s, range(-1, 2) dp(shift)
    WHERE s.source = $source_a
),
b_spans AS NOT MATERIALIZED (
    SELECT s.*, s.bucket + da.shift AS near_bucket, s.stretch + dt.shift AS near_stretch
    FROM spans s, range(-$area_reach, $area_reach + 1) da(shift), range(-1, 2) dt(shift)
    WHERE s.source = $source_b
),
candidates AS (
{TWIN_CANDIDATE.format(floor_key="AND b.floor = a.floor", floor_filter="")}
    UNION ALL
{TWIN_CANDIDATE.format(floor_key="", floor_filter="WHERE a.floor IS NULL")}
    UNION ALL
{TWIN_CANDIDATE.format(floor_key="", floor_filter="WHERE a.floor IS NOT NULL AND b.floor IS NULL")}
),
confirmed AS (
    SELECT DISTINCT a_key, b_key
    FROM candidates
    WHERE abs(a_area - b_area) <= $area_tol
      AND a_first <= b_last + $days AND b_first <= a_last + $days
      AND abs(a_rent - b_rent) <= $price_tol * least(a_rent, b_rent)
)
SELECT a_key, b_key FROM confirmed
QUALIFY count(*) OVER (PARTITION BY a_key) = 1 AND count(*) OVER (PARTITION BY b_key) = 1
"""

# Each twinned listing's flat key (the smallest key among it and its twins) and the flat's
# first day across its twins, which decides its flow period.
CREATE_TWINS: Final = f"""
CREATE OR REPLACE TEMP TABLE index_twins AS
WITH members AS (
    SELECT a_key AS lkey, least(a_key, b_key) AS ckey FROM index_twin_pairs
    UNION ALL
    SELECT b_key, least(a_key, b_key) FROM index_twin_pairs
),
flats AS (SELECT lkey, min(ckey) AS ckey FROM members GROUP BY lkey)
SELECT f.lkey, f.ckey,
       min(CAST(timezone('{LOCAL_TIMEZONE}', l.first_seen) AS DATE))
           OVER (PARTITION BY f.ckey) AS first_seen_on
FROM flats f JOIN listings l ON l.rowid = f.lkey
"""

CITY_SOURCES: Final = "SELECT DISTINCT source FROM listings WHERE city = $city ORDER BY source"

# One row per flat and period. {period} and {first_period} are PERIOD_OF expressions;
# {pick} is arg_max (stock: the last sighting in the period) or arg_min (flow: the first).
CREATE_SAMPLE: Final = """
CREATE OR REPLACE TEMP TABLE index_sample AS
WITH sightings AS (
    SELECT coalesce(t.ckey, s.lkey) AS ckey, s.observed_at, s.rent, s.origin,
           {period} AS period,
           {first_period} AS first_period,
           abs(ln(s.rent) - b.med) > b.half_width AS outlier
    FROM ({sightings}) s
    LEFT JOIN index_twins t ON t.lkey = s.lkey
    JOIN index_bounds b
      ON b.month = CAST(date_trunc('month', s.observed_on) AS DATE) AND b.room_band = s.room_band
    WHERE s.exclusion IS NULL
      AND ($district IS NULL OR s.district = $district)
      AND ($rooms IS NULL OR s.rooms = $rooms)
),
per_flat AS (
    SELECT ckey, period,
           {pick}(rent, observed_at) FILTER (WHERE $keep_outliers OR NOT outlier) AS rent,
           {pick}(origin, observed_at) FILTER (WHERE $keep_outliers OR NOT outlier) AS origin,
           count(*) FILTER (WHERE outlier) AS outlier_sightings
    FROM sightings
    WHERE NOT $flow OR period = first_period
    GROUP BY ckey, period
)
SELECT f.ckey, f.period, f.rent, f.origin, f.outlier_sightings,
       l.rooms, l.district, l.area_m2, l.owner_type,
       CASE WHEN l.floor IS NULL THEN 'unknown'
            WHEN l.floor <= 1 THEN 'first'
            WHEN l.floors_total > 1 AND l.floor >= l.floors_total THEN 'top'
            ELSE 'middle'
       END AS floor_band
FROM per_flat f JOIN listings l ON l.rowid = f.ckey
"""

COUNT_EXCLUDED: Final = """
SELECT exclusion, count(*)
FROM ({sightings})
WHERE exclusion IS NOT NULL
  AND ($district IS NULL OR district = $district) AND ($rooms IS NULL OR rooms = $rooms)
GROUP BY exclusion
"""

COUNT_SAMPLE = """
SELECT coalesce(sum(outlier_sightings), 0), count(*) FILTER (WHERE rent IS NULL)
FROM index_sample
"""

COUNT_USABLE: Final = "SELECT count(*) FROM index_sample WHERE rent IS NOT NULL"

COUNT_TWINS = "SELECT count(*) FILTER (WHERE lkey <> ckey) FROM index_twins"

TEMP_TABLES: Final = (
    "index_sample", "index_twins", "index_twin_pairs", "index_bounds", "index_fx",
)  # fmt: skip


@dataclass(frozen=True)
class SampleCounts:
    """Counts from building the sample (see :class:`analysis.index.spec.Exclusions`)."""

    not_monthly: int
    no_fx_rate: int
    outliers: int
    outlier_only: int
    twins: int
    usable: int  # listing-periods with a usable rent


@dataclass(frozen=True)
class Window:
    """The city and date range a sample covers (inclusive local days; None = open)."""

    city: str
    start: date | None = None
    end: date | None = None
    with_rates: bool = False  # a rate table was given (non-KZT prices may count)

    @property
    def sightings(self) -> str:
        return sightings_sql(self.with_rates)

    def params(self) -> dict[str, object]:
        return {"city": self.city, "start": self.start, "end": self.end}


def price_band(price_tol: float) -> float:
    """Width of the twin query's price bands in ln rent: at least ln(1 + ``price_tol``), so
    two rents within tolerance are never more than one band apart (with a margin for the
    rounding of ``ln``)."""
    return max(math.log1p(price_tol), 1e-9) * (1 + 1e-6)


def twin_rule_params(rules: CountingRules) -> dict[str, object]:
    """The twin rule's parameters of :data:`INSERT_TWIN_PAIRS` (all but the portals)."""
    return {
        "area_tol": rules.twin_area_m2,
        "price_tol": rules.twin_price_rel,
        "days": rules.twin_days,
        "stretch": 2 * rules.twin_days + 2,
        "area_reach": math.ceil(rules.twin_area_m2),
        "price_band": price_band(rules.twin_price_rel),
    }


def prepare_city(
    conn: duckdb.DuckDBPyConnection,
    window: Window,
    rules: CountingRules,
    fx_rates: Iterable[FxRate] = (),
) -> int:
    """Build the rate, outlier-bound and twin tables for one city; returns listings folded."""
    conn.execute(CREATE_FX)
    rates = [list(r) for r in fx_rates]
    if rates:
        conn.executemany(INSERT_FX, rates)
    params = window.params()
    conn.execute(
        CREATE_BOUNDS.format(sightings=window.sightings),
        {
            **params,
            "min_cell": rules.outlier_min_cell,
            "z": rules.outlier_z,
            "min_log": rules.outlier_min_log,
        },
    )
    conn.execute(CREATE_TWIN_PAIRS)
    sources = [r[0] for r in conn.execute(CITY_SOURCES, {"city": window.city}).fetchall()]
    for i, source_a in enumerate(sources):
        for source_b in sources[i + 1 :]:
            conn.execute(
                INSERT_TWIN_PAIRS.format(sightings=window.sightings),
                {
                    **params,
                    "source_a": source_a,
                    "source_b": source_b,
                    **twin_rule_params(rules),
                },
            )
    conn.execute(CREATE_TWINS)
    row = conn.execute(COUNT_TWINS).fetchone()
    return int(row[0]) if row else 0


def build_sample(
    conn: duckdb.DuckDBPyConnection,
    spec: IndexSpec,
    window: Window,
    rules: CountingRules,
) -> None:
    """(Re)build ``index_sample`` for ``spec``; :func:`prepare_city` must have run."""
    _create_sample(
        conn,
        PERIOD_OF[spec.freq],
        window,
        rules,
        flow=spec.flow,
        params={"district": spec.district, "rooms": spec.rooms},
    )


def build_before_after_sample(
    conn: duckdb.DuckDBPyConnection, window: Window, rules: CountingRules, event: date
) -> None:
    """``index_sample`` with two periods: ``window.start`` (before ``event``) and ``event``
    (the event day and after: the event date is inclusive in the post period)."""
    _create_sample(
        conn,
        BEFORE_AFTER_PERIOD,
        window,
        rules,
        flow=False,
        params={"district": None, "rooms": None, "event": event, "before_start": window.start},
    )


def _create_sample(
    conn: duckdb.DuckDBPyConnection,
    period_of: str,
    window: Window,
    rules: CountingRules,
    *,
    flow: bool,
    params: dict[str, object],
) -> None:
    sql = CREATE_SAMPLE.format(
        sightings=window.sightings,
        period=period_of.format(day="s.observed_on"),
        first_period=period_of.format(day="coalesce(t.first_seen_on, s.first_seen_on)"),
        pick="arg_min" if flow else "arg_max",
    )
    conn.execute(
        sql,
        {**window.params(), **params, "keep_outliers": rules.include_outliers, "flow": flow},
    )


def sample_counts(
    conn: duckdb.DuckDBPyConnection, spec: IndexSpec, window: Window, twins: int
) -> SampleCounts:
    """What the sample left out (sightings and listing-periods), for :class:`Exclusions`."""
    excluded = dict(
        conn.execute(
            COUNT_EXCLUDED.format(sightings=window.sightings),
            {**window.params(), "district": spec.district, "rooms": spec.rooms},
        ).fetchall()
    )
    row = conn.execute(COUNT_SAMPLE).fetchone()
    outliers, outlier_only = (int(row[0]), int(row[1])) if row else (0, 0)
    usable = conn.execute(COUNT_USABLE).fetchone()
    return SampleCounts(
        not_monthly=int(excluded.get("not_monthly", 0)),
        no_fx_rate=int(excluded.get("no_fx_rate", 0)),
        outliers=outliers,
        outlier_only=outlier_only,
        twins=twins,
        usable=int(usable[0]) if usable else 0,
    )


def drop_temp_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for table in TEMP_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
