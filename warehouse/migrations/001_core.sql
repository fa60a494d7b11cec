-- Core tables: crawl runs, the listing dimension, append-only price observations,
-- official monthly series, and the record of loaded spools.

CREATE TABLE crawl_runs (
    run_id       VARCHAR PRIMARY KEY,
    spider       VARCHAR NOT NULL,
    source       VARCHAR,
    cities       VARCHAR,                -- comma-separated city slugs the run was asked for
    origin       VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'crashed')),
    reason       VARCHAR,                -- one line: why a run failed
    items        BIGINT,                 -- items the run spooled
    spool_file   VARCHAR,
    stats        JSON,                   -- the crawler's stats and monitor results
    loaded_at    TIMESTAMPTZ
);

-- One row per listing on a portal. Attributes are those of the latest sighting.
CREATE TABLE listings (
    source        VARCHAR NOT NULL,      -- portal: krisha, olx, or an importer's name
    listing_id    VARCHAR NOT NULL,
    city          VARCHAR NOT NULL,      -- city slug: almaty, astana
    district      VARCHAR,               -- canonical district name
    district_raw  VARCHAR,               -- district text as the page printed it
    rooms         INTEGER,
    area_m2       DOUBLE,                -- total area, m²
    floor         INTEGER,
    floors_total  INTEGER,
    owner_type    VARCHAR,               -- owner | specialist | company
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    url           VARCHAR,
    title         VARCHAR,
    PRIMARY KEY (source, listing_id)
);

-- Append-only price facts: one per source, listing, local observation day and origin.
-- The key (source, listing_id, observed_on, origin) is enforced by the loader's merge under the
-- single-writer lock, not by an index: an ART index on the fact table would grow in memory with
-- it and make every load pay for index maintenance (see ARCHITECTURE.md).
CREATE TABLE observations (
    source        VARCHAR NOT NULL,
    listing_id    VARCHAR NOT NULL,
    observed_at   TIMESTAMPTZ NOT NULL,  -- when the page was fetched (or archived)
    observed_on   DATE NOT NULL,         -- observed_at's calendar day in Asia/Almaty
    price         BIGINT NOT NULL CHECK (price > 0),  -- whole units of `currency` per `price_period`
    currency      VARCHAR NOT NULL,      -- ISO 4217: KZT, USD, ...
    price_period  VARCHAR NOT NULL CHECK (price_period IN ('month', 'day', 'hour')),
    origin        VARCHAR NOT NULL CHECK (origin IN ('live', 'archive', 'import', 'simulated')),
    run_id        VARCHAR NOT NULL,
    bumped_on     DATE                   -- the card's "last raised" date, when shown
);

CREATE TABLE official_series (
    city     VARCHAR NOT NULL,
    month    DATE NOT NULL,              -- first day of the month
    metric   VARCHAR NOT NULL,           -- e.g. avg_rent_per_m2
    value    DOUBLE NOT NULL,
    unit     VARCHAR NOT NULL,           -- e.g. KZT/m2/month
    source   VARCHAR NOT NULL,
    PRIMARY KEY (city, month, metric, source)
);

-- A spool is recorded here in the same transaction that merges it.
CREATE TABLE spool_loads (
    spool_file   VARCHAR PRIMARY KEY,    -- file name inside the spool directory
    run_id       VARCHAR NOT NULL,
    rows         BIGINT NOT NULL,        -- valid records the spool held
    loaded_at    TIMESTAMPTZ NOT NULL
);
