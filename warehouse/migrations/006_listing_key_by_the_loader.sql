-- The listing key (source, listing_id) is kept by the loader, under the single-writer lock,
-- as the fact table's key already is, not by a primary-key index. The loader is the only
-- writer of listings and meets every batch listing with the stored ones before it writes
-- (warehouse/load.py: a listing is inserted only when no stored row has its key). The ART
-- index behind the primary key had been about half of inserting a backfill's 790,000 new
-- listings and nearly all of its COMMIT (1.0 s of 5.2 s on the load bench's backfill; see
-- ARCHITECTURE.md). DuckDB cannot drop a primary key in place: the table is rebuilt.

CREATE TABLE listings_v6 (
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
    title         VARCHAR
);

INSERT INTO listings_v6 SELECT * FROM listings;

DROP TABLE listings;

ALTER TABLE listings_v6 RENAME TO listings;
