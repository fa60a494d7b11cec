-- Rent index series built by analysis.index (`rentwatch index`). A series is keyed by
-- (city, district, rooms, method, freq, flow); district / rooms NULL mean "all". Rebuilding
-- a series replaces its rows in both tables in one transaction.

-- One row per series: how it was built and what was left out.
CREATE TABLE index_builds (
    city         VARCHAR NOT NULL,
    district     VARCHAR,
    rooms        INTEGER,
    method       VARCHAR NOT NULL CHECK (method IN ('median', 'median_m2', 'mix', 'hedonic')),
    freq         VARCHAR NOT NULL CHECK (freq IN ('D', 'W', 'M')),
    flow         BOOLEAN NOT NULL,       -- true: listings first seen in the period; false: all active
    unit         VARCHAR NOT NULL,       -- e.g. KZT/month, or "index, base period = 100"
    base_period  DATE,                   -- first day of the base period (mix, hedonic)
    se_type      VARCHAR,                -- hc1 | classical | median-mad
    origins      VARCHAR NOT NULL,       -- comma-separated origins behind the series
    simulated    BOOLEAN NOT NULL,       -- any simulated data in it: label it everywhere
    exclusions   JSON NOT NULL,          -- counts left out, by reason
    rules        JSON NOT NULL,          -- the counting rules in force
    coefficients JSON,                   -- hedonic: term, estimate, se (log scale)
    built_at     TIMESTAMPTZ NOT NULL
);

-- One row per series and period.
CREATE TABLE index_series (
    city      VARCHAR NOT NULL,
    district  VARCHAR,
    rooms     INTEGER,
    method    VARCHAR NOT NULL CHECK (method IN ('median', 'median_m2', 'mix', 'hedonic')),
    freq      VARCHAR NOT NULL CHECK (freq IN ('D', 'W', 'M')),
    flow      BOOLEAN NOT NULL,
    period    DATE NOT NULL,             -- first day of the period (W: Monday)
    value     DOUBLE,                    -- in the build's unit
    se        DOUBLE,                    -- standard error of value, NULL when not estimated
    n         BIGINT NOT NULL,           -- listing-periods behind the point
    origins   VARCHAR NOT NULL,          -- comma-separated origins behind the point
    built_at  TIMESTAMPTZ NOT NULL
);
