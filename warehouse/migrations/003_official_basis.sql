-- Official series keep their basis: statistics offices change methodology (the BNS average
-- rent per m² jumps between its 2021 and 2022 bases), and two bases are never one series.
-- Rows stored before this migration had no basis: they get 'unspecified'.

CREATE TABLE official_series_v3 (
    city     VARCHAR NOT NULL,
    month    DATE NOT NULL,              -- first day of the month
    metric   VARCHAR NOT NULL,           -- e.g. avg_rent_per_m2
    value    DOUBLE NOT NULL,
    unit     VARCHAR NOT NULL,           -- e.g. KZT/m2/month
    source   VARCHAR NOT NULL,
    basis    VARCHAR NOT NULL,           -- the methodology the value belongs to, e.g. 2022
    PRIMARY KEY (city, month, metric, source, basis)
);

INSERT INTO official_series_v3
SELECT city, month, metric, value, unit, source, 'unspecified' FROM official_series;

DROP TABLE official_series;

ALTER TABLE official_series_v3 RENAME TO official_series;
