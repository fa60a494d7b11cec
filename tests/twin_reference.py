"""The cross-portal twin query as it was before it was made linear: the reference.

Kept verbatim (issue 15) so that ``tests/test_index_twins.py`` and ``bench/twins.py`` can
check that the bucketed query in :mod:`analysis.index.sample` finds exactly the same twins.
It joins every pair of listings of the same rooms, district and area bucket over the whole
date range and only then filters on time, so its work grows with the square of a cell's
listings. Parameters and placeholders are those of
:data:`analysis.index.sample.INSERT_TWIN_PAIRS`.
"""

from typing import Final

# Confident twins between portal $source_a and portal $source_b. Candidates: same rooms and
# district, area within tolerance, same floor when both are known, seen within `days` of
# each other; confirmed by two sightings within `days` whose prices are within tolerance;
# kept only when the match is mutual and unique. The area join goes through whole-m²
# buckets (each b listing in its bucket and both neighbours) so it is an equi-join.
QUADRATIC_TWIN_PAIRS: Final = """
INSERT INTO index_twin_pairs
WITH usable AS (
    SELECT lkey, source, observed_on, rent, rooms, district, area_m2, floor
    FROM ({sightings})
    WHERE exclusion IS NULL AND source IN ($source_a, $source_b)
      AND rooms IS NOT NULL AND district IS NOT NULL AND area_m2 IS NOT NULL
),
profile AS (
    SELECT lkey, any_value(source) AS source, any_value(rooms) AS rooms,
           any_value(district) AS district, any_value(area_m2) AS area_m2,
           any_value(floor) AS floor, min(observed_on) AS first_on, max(observed_on) AS last_on
    FROM usable GROUP BY lkey
),
shifted AS (
    SELECT p.*, CAST(floor(p.area_m2) AS INTEGER) + d.shift AS bucket
    FROM profile p, (VALUES (-1), (0), (1)) d(shift)
    WHERE p.source = $source_b
),
candidates AS (
    SELECT a.lkey AS a_key, b.lkey AS b_key
    FROM (SELECT * FROM profile WHERE source = $source_a) a
    JOIN shifted b
      ON b.rooms = a.rooms AND b.district = a.district
     AND b.bucket = CAST(floor(a.area_m2) AS INTEGER)
    WHERE abs(a.area_m2 - b.area_m2) <= $area_tol
      AND (a.floor IS NULL OR b.floor IS NULL OR a.floor = b.floor)
      AND a.first_on <= b.last_on + $days AND b.first_on <= a.last_on + $days
),
b_days AS (
    SELECT u.lkey, CAST(u.observed_on + CAST(r.shift AS INTEGER) AS DATE) AS day, u.rent
    FROM usable u
    JOIN (SELECT DISTINCT b_key FROM candidates) k ON k.b_key = u.lkey,
         range(-$days, $days + 1) r(shift)
),
confirmed AS (
    SELECT DISTINCT c.a_key, c.b_key
    FROM candidates c
    JOIN usable ua ON ua.lkey = c.a_key
    JOIN b_days ub ON ub.lkey = c.b_key AND ub.day = ua.observed_on
    WHERE abs(ua.rent - ub.rent) <= $price_tol * least(ua.rent, ub.rent)
)
SELECT a_key, b_key FROM confirmed
QUALIFY count(*) OVER (PARTITION BY a_key) = 1 AND count(*) OVER (PARTITION BY b_key) = 1
"""
