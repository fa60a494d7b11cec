"""Merge spools into the warehouse: one transaction, idempotent by key.

First, outside the transaction, in connection-local temporary tables:
  1. read every spool into a batch, all in one statement (a spool that cannot be read, or
     holds records that break the rules, is set aside whole under ``rejected/`` with its
     reason); a batch larger than a chunk is not held in memory but staged on disk, as
     Parquet files partitioned into its chunks, each read back when it is merged;
  2. dedupe inside the batch, chunk by chunk: one row per (source, listing_id, observed_on,
     origin), the latest ``observed_at`` winning. Only listings with more than one row can
     repeat a key, and when no listing has two rows (a night), nothing is checked at all.
Then one short transaction, run chunk by chunk (each chunk every row of a set of listings,
by a hash of source and listing id, so the result is the whole batch's and the memory a
statement needs is a chunk's, however big the batch):
  3. meet the chunk's listings with the stored ones once (a ``plan`` by rowid; a batch read
     into memory is planned just before the transaction, see CREATE_PLANS, and one whose
     listings are mostly new only for its stored ones, its new ones inserted straight from
     the batch, see CREATE_KNOWN): insert the new, and write of the others only what changes
     (first/last seen widened, attributes from the latest sighting; an attribute the latest
     sighting lacks is kept from an earlier one);
  4. merge ``observations`` by key: only the rows whose day lies in their listing's window
     of stored days can meet a stored row; those are joined with the fact table, a same-day
     repeat observed later rewrites the stored row in place, and every other row is
     inserted;
  5. record the runs (``crawl_runs``) and the spools (``spool_loads``).
Only after COMMIT are the spool files moved to ``loaded/``. A load killed at any point
leaves the warehouse as it was, and the next load merges the same spools again.

Step 4 rests on an invariant the loader keeps: every stored observation's ``observed_at``
lies between its listing's ``first_seen`` and ``last_seen`` (both widened by every row a
load reads; observations are only ever deleted, never moved).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import duckdb

from warehouse.errors import RentwatchError
from warehouse.faults import pause_point
from warehouse.records import (
    CITIES,
    CURRENCIES,
    LOCAL_TIMEZONE,
    MAX_PRICE,
    ORIGINS,
    PRICE_PERIODS,
    RECORD_COLUMNS,
)
from warehouse.spool import (
    LOADED_DIR,
    REJECTED_DIR,
    SPOOL_SUFFIX,
    RunMeta,
    is_being_written,
    meta_path_for,
    pending_spools,
    warc_path_for,
)

OBSERVED_ON = f"CAST(timezone('{LOCAL_TIMEZONE}', observed_at) AS DATE)"

# Rows merged per statement: the batch is merged in chunks of about this many rows, so the
# memory a merge needs does not grow with the batch (see load_spools).
CHUNK_ROWS: Final = 1_000_000

CREATE_BATCH = """
CREATE OR REPLACE TEMP TABLE batch AS
SELECT *, CAST(NULL AS DATE) AS observed_on, CAST(0 AS INTEGER) AS spool,
       CAST(0 AS UBIGINT) AS listing_hash
FROM ({select}) LIMIT 0
"""

# $paths (all of them, or one when a spool in the list failed): spool is the file's position
# in $spools (a number, not its name: 40 bytes a row less in memory); listing_hash puts every
# row of a listing in the same chunk. One statement over all the files reads them in
# parallel: a year of the country bench's 40 spools in 3.9 s against 7.7 s one by one.
READ_SPOOLS = f"""
INSERT INTO batch BY NAME
SELECT * EXCLUDE (filename), {OBSERVED_ON} AS observed_on,
       list_position($spools, filename) AS spool, hash(source, listing_id) AS listing_hash
FROM read_json($paths, format = 'newline_delimited', columns = $columns, filename = true)
"""

# A batch larger than a chunk is never held whole in memory: its spools are parsed once into
# Parquet files on disk, partitioned into chunks by the listing hash (every row of a listing
# in one chunk), and each chunk is merged through views over its files. Tables would not
# do: inside the load's one transaction DuckDB keeps every replaced temporary table until
# COMMIT, so a table per chunk held the whole batch again (a 4M-row night peaked at 2.1 GiB
# with 1M-row chunks, as high as reading it whole). The number of chunks is estimated from
# the spools' size (a record is 300-500 bytes): the estimate decides only the memory,
# never a result, which does not depend on the chunking.
ROW_BYTES: Final = 450
# The files are read back within the load, never kept: uncompressed (dictionary and
# run-length encoding still apply), a 1M-row night staged in 6.1 s against 6.4-7.0 s with
# snappy (load average 3). Rows a writer thread buffers per chunk before flushing
# (DuckDB's default, 524,288, made the staging of a 4M-row night peak at 1.3-1.9 GiB;
# 100,000: 0.8 GiB).
STAGE_FLUSH_ROWS: Final = 100_000
STAGE_SPOOLS = f"""
COPY (
    SELECT * EXCLUDE (filename), {OBSERVED_ON} AS observed_on,
           list_position($spools, filename) AS spool, hash(source, listing_id) AS listing_hash,
           hash(source, listing_id) % CAST($chunks AS UBIGINT) AS chunk
    FROM read_json($paths, format = 'newline_delimited', columns = $columns, filename = true)
) TO '{{stage}}' (FORMAT parquet, COMPRESSION uncompressed, PARTITION_BY (chunk), APPEND)
"""
STAGED = "read_parquet($files, hive_partitioning = false)"
FIND_BAD_STAGED_ROWS = f"""
SELECT spool, count(*) AS bad, min(problem) AS example
FROM (SELECT spool, {{problem}} AS problem FROM {STAGED})
WHERE problem IS NOT NULL
GROUP BY spool
ORDER BY spool
"""
COUNT_STAGED = f"""
SELECT spool, count(*) FROM {STAGED}
WHERE NOT list_contains(CAST($rejected AS INTEGER[]), spool)
GROUP BY spool
"""
# Views take no parameters: the file names are quoted, the spool numbers are integers. A
# row of a staged chunk is named by its file and its position in it.
STAGED_ROWS = """
(SELECT * FROM read_parquet([{files}], hive_partitioning = false, filename = true,
                            file_row_number = true)
 WHERE NOT list_contains([{rejected}]::INTEGER[], spool))
"""
STAGED_CHUNK_VIEW = """
CREATE OR REPLACE TEMP VIEW batch AS
SELECT r.* EXCLUDE (filename, file_row_number) FROM {rows} r {fold}
"""
# A chunk that repeats a key is folded by the same rule as DEDUPE (the latest sighting of
# each key kept): the rows it drops, only ever among the listings with more than one row,
# are named in a small table the view leaves out (a view cannot be deleted from). Writing
# the folded chunk whole to a file of its own had taken 1.1-1.3 s a million rows, a
# quarter of a staged 4M-row backfill, to drop 0.16 % of them.
FOLD_STAGED = """
CREATE OR REPLACE TEMP TABLE folded AS
SELECT filename, file_row_number FROM {rows}
WHERE listing_hash IN (SELECT listing_hash FROM repeated)
QUALIFY row_number() OVER (
    PARTITION BY {key} ORDER BY observed_at DESC, run_id DESC, price DESC) > 1
"""
FOLDED = "ANTI JOIN folded f ON r.filename = f.filename AND r.file_row_number = f.file_row_number"

# One chunk of the batch: the rows of the listings whose hash falls in it. The parameters are
# cast: an INTEGER parameter made DuckDB compute the modulo in HUGEINT, 2.6 s of thread time
# on a million rows, more than the join it fed.
IN_CHUNK = "listing_hash % CAST($chunks AS UBIGINT) = CAST($chunk AS UBIGINT)"
CHUNK = f"(SELECT * FROM batch WHERE {IN_CHUNK})"

# Why a row cannot be merged, or NULL when it can.
ROW_PROBLEM = """
CASE
  WHEN source IS NULL OR listing_id IS NULL OR run_id IS NULL
    THEN 'missing source, listing_id or run_id'
  WHEN NOT list_contains($cities, city) THEN 'unknown city ' || coalesce(city, 'NULL')
  WHEN price IS NULL OR price <= 0 OR price > $max_price THEN 'price missing or out of range'
  WHEN NOT list_contains($currencies, currency)
    THEN 'unknown currency ' || coalesce(currency, 'NULL')
  WHEN NOT list_contains($periods, price_period) THEN 'unknown price_period'
  WHEN NOT list_contains($origins, origin) THEN 'unknown origin'
  WHEN observed_at IS NULL THEN 'missing observed_at'
END
"""

FIND_BAD_ROWS = f"""
SELECT spool, count(*) AS bad, min(problem) AS example
FROM (SELECT spool, {ROW_PROBLEM} AS problem FROM batch)
WHERE problem IS NOT NULL
GROUP BY spool
ORDER BY spool
"""

KEY = "source, listing_id, observed_on, origin"

BATCH_SHAPE = "SELECT count(*), count(DISTINCT listing_hash) FROM batch"

# The listings of the batch with more than one row (a listing whose hash is shared with
# another's counts too: it only takes the slower path). Only their rows can repeat a key or
# need a per-listing aggregate. A batch in memory asks only this, not BATCH_SHAPE too (its
# row count is known): an empty table proves one row per listing, for about what
# BATCH_SHAPE costs (a 790,000-row batch of one row each: 0.129 s against 0.122 s, load 3.7),
# and a batch with multi-row listings saves BATCH_SHAPE (0.09 s on the bench's backfill).
# Their rows also give the number of the batch's listings (SAMPLE_KNOWN weighs it).
CREATE_MULTI = """
CREATE OR REPLACE TEMP TABLE multi AS
SELECT listing_hash, count(*) AS rows FROM batch GROUP BY listing_hash HAVING count(*) > 1
"""
COUNT_MULTI = "SELECT count(*), coalesce(sum(rows), 0) FROM multi"

MULTI_ROWS = "(SELECT * FROM batch WHERE listing_hash IN (SELECT listing_hash FROM multi))"

# The keys the multi-row listings repeat, by the listing's hash, day and origin (equal keys
# have equal ones): none proves no key repeats; otherwise the exact dedupe runs over the rows
# of the listings named here only. Counting the rows minus their distinct keys cost the same
# (0.12 s on the bench's backfill), and the dedupe's window over every multi-row listing's
# rows (420,000, for 3,200 that share a key) had cost 0.27 s against 0.10 s (load 3.7).
# Grouping by a hash of the whole key hashed each row's source and listing id again: 0.115-
# 0.124 s of CPU against 0.080-0.108 s (load 2.6).
CREATE_REPEATED = f"""
CREATE OR REPLACE TEMP TABLE repeated AS
SELECT listing_hash FROM {MULTI_ROWS}
GROUP BY listing_hash, observed_on, origin HAVING count(*) > 1
"""
COUNT_REPEATED = "SELECT count(*) FROM repeated"

# Only when the batch repeats a key: keep the latest sighting of each.
DEDUPE = f"""
DELETE FROM batch WHERE rowid IN (
    SELECT rowid FROM batch
    WHERE {IN_CHUNK} AND listing_hash IN (SELECT listing_hash FROM repeated)
    QUALIFY row_number() OVER (
        PARTITION BY {KEY} ORDER BY observed_at DESC, run_id DESC, price DESC) > 1
)
"""

# Listing attributes come from the latest sighting; one the latest sighting lacks is kept
# from an earlier one.
LISTING_ATTRIBUTES: Final = (
    "city", "district", "district_raw", "rooms", "area_m2", "floor", "floors_total",
    "owner_type", "url", "title",
)  # fmt: skip
_ATTRIBUTES = ", ".join(LISTING_ATTRIBUTES)
_LATEST_PER_LISTING = ", ".join(f"arg_max({c}, observed_at) AS {c}" for c in LISTING_ATTRIBUTES)

# One row per listing of the chunk: its latest attributes (arg_max skips NULLs, so each the
# latest sighting that has it), first and last sighting, first and last day. A listing with
# one row in the batch is its row; only the multi-row listings are aggregated, and when the
# batch has one row per listing (a night), none.
_ONE_ROW = f"""
SELECT listing_hash, source, listing_id, {_ATTRIBUTES}, observed_at AS first_seen,
       observed_at AS last_seen, observed_on AS first_day, observed_on AS last_day
FROM {{rows}}
"""
_AGGREGATED = f"""
SELECT listing_hash, source, listing_id, {_LATEST_PER_LISTING},
       min(observed_at) AS first_seen, max(observed_at) AS last_seen,
       min(observed_on) AS first_day, max(observed_on) AS last_day
FROM {{rows}}
GROUP BY listing_hash, source, listing_id
"""
CHUNK_LISTINGS_SINGLE = _ONE_ROW.format(rows=CHUNK)
_SINGLE_ROWS = f"{CHUNK} b WHERE listing_hash NOT IN (SELECT listing_hash FROM multi)"
# A staged chunk (a view over its files, which has no rowid) aggregates its multi-row
# listings column by column.
CHUNK_LISTINGS_STAGED = (
    _ONE_ROW.format(rows=_SINGLE_ROWS)
    + "UNION ALL"
    + _AGGREGATED.format(rows=f"{CHUNK} b WHERE listing_hash IN (SELECT listing_hash FROM multi)")
)

# A batch in memory takes a multi-row listing's attributes from its latest row, found by one
# arg_max of an integer (the row's rowid and a mask of the attributes it has, bit i set when
# attribute i is not NULL) and read back by rowid; ten arg_max columns, six of them strings,
# had been most of the plan's aggregate (the bench's backfill, 210,000 multi-row listings
# materialised: 0.46 s against 0.93 s, load average 4.5). Only a listing whose latest row
# lacks an attribute an earlier row has (its bit_or of masks is not its latest row's mask) is
# aggregated column by column, by the rule. Ties at the latest observed_at are, as before, up
# to DuckDB's parallel aggregation.
_MASK_BITS = len(LISTING_ATTRIBUTES)
_HAS = " | ".join(
    f"(CAST({c} IS NOT NULL AS INTEGER) << {i})" for i, c in enumerate(LISTING_ATTRIBUTES)
)
_LATEST_ROWS = f"""
SELECT listing_hash, source, listing_id,
       arg_max((rowid << {_MASK_BITS}) | ({_HAS}), observed_at) AS latest,
       bit_or({_HAS}) AS has,
       min(observed_at) AS first_seen, max(observed_at) AS last_seen,
       min(observed_on) AS first_day, max(observed_on) AS last_day
FROM batch WHERE {IN_CHUNK} AND listing_hash IN (SELECT listing_hash FROM multi)
GROUP BY listing_hash, source, listing_id
"""
_COMPLETE = f"has = latest & {2**_MASK_BITS - 1}"
# One scan of the batch keeps a single-row listing's row and a multi-row listing's latest row
# (when it has every attribute an earlier row has): one pipeline, so an INSERT fed by it
# writes its rows to the file as it runs. Read as three pipelines (single rows, latest rows,
# aggregated ones) each thread's share of the latest rows stayed under a row group and was
# written at COMMIT (the bench's backfill: its 790,000 new listings inserted and committed
# in 0.67-0.69 s against 0.76-0.82 s, COMMIT 0.012 s against 0.08-0.20 s; planned, the same
# speed either way).
CHUNK_LISTINGS_MIXED = (
    f"WITH multi_latest AS MATERIALIZED ({_LATEST_ROWS})"
    + f"""
SELECT b.listing_hash, b.source, b.listing_id, {", ".join(f"b.{c}" for c in LISTING_ATTRIBUTES)},
       coalesce(a.first_seen, b.observed_at) AS first_seen,
       coalesce(a.last_seen, b.observed_at) AS last_seen,
       coalesce(a.first_day, b.observed_on) AS first_day,
       coalesce(a.last_day, b.observed_on) AS last_day
FROM batch b LEFT JOIN multi_latest a ON b.rowid = a.latest >> {_MASK_BITS}
WHERE b.{IN_CHUNK} AND CASE
    WHEN a.latest IS NULL THEN b.listing_hash NOT IN (SELECT listing_hash FROM multi)
    ELSE a.{_COMPLETE}
END
UNION ALL"""
    + _AGGREGATED.format(
        rows=f"""{CHUNK} b SEMI JOIN (SELECT * FROM multi_latest WHERE NOT ({_COMPLETE})) a
  ON b.listing_hash = a.listing_hash AND b.source = a.source AND b.listing_id = a.listing_id"""
    )
)

# Whether a stored listing's attributes may change: a hash of the batch's ten attributes
# against a hash of the stored ten, computed as the stored listings are read. Equal hashes
# mean equal attributes (NULLs included), so nothing can change; only a listing whose hashes
# differ (on a night the new listings and the few whose card changed) carries the batch's
# attributes, and UPDATE_ALL merges them with the stored ones by the exact rule. Carrying
# the stored ten attributes of every listing through the join, to compare them there, had
# been most of the plan: 0.44 s against 0.30 s on a 1M-row night. (Two different attribute
# sets with one 64-bit hash would keep the stored set: odds of 2^-64 per changed listing.)
_ATTRIBUTES_HASH = f"hash({_ATTRIBUTES}) AS attributes_hash"
_CARRIED = ",\n           ".join(
    f"CASE WHEN l.stored IS NULL OR n.attributes_hash <> l.attributes_hash THEN n.{c} END AS {c}"
    for c in LISTING_ATTRIBUTES
)

# Every stored observation lies between its listing's first_seen and last_seen (the loader
# widens them by every row it reads and only ever deletes observations), and its observed_on
# is its local day under any offset of UTC-12..+14 (so whatever time-zone rules were in force
# when it was loaded). A batch row whose day is outside that window of its listing's stored
# sightings cannot meet a stored key: only the rest ("maybe stored") are joined with the fact
# table. On a night that is the re-run's rows, not the later sightings. The days are counted
# in epoch microseconds (the ICU time-zone functions took ten times as long); the lower bound
# takes a day more, as integer division truncates toward zero before 1970.
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000
_STORED_FROM = (
    f"DATE '1970-01-01' + CAST((epoch_us(l.first_seen) - {36 * _HOUR_US}) // {_DAY_US} AS INTEGER)"
)
_STORED_TO = (
    f"DATE '1970-01-01' + CAST((epoch_us(l.last_seen) + {14 * _HOUR_US}) // {_DAY_US} AS INTEGER)"
)

# The chunk's listings met with the stored ones once ({stored}: STORED_LISTINGS, or KNOWN's
# rows for a batch planned for its known listings only, see CREATE_KNOWN; {join}: LEFT, or
# INNER for those): rowid of the stored row (NULL: new),
# merged sightings, what changes, the window of stored days, and the batch's attributes and
# the key only where a statement needs them (new listings and those whose attributes may
# change; maybe-stored ones): on a night nearly every listing only moves its last
# sighting, and materialising ten attributes of every listing had been the plan's largest
# cost. n_last_seen: the batch's own last sighting, which decides the attributes' merge.
PLAN = f"""
SELECT listing_hash, stored, first_seen, last_seen, first_change, last_change,
       attributes_change, n_last_seen,
       stored_from, stored_to, maybe_stored,
       CASE WHEN stored IS NULL OR maybe_stored THEN source END AS source,
       CASE WHEN stored IS NULL OR maybe_stored THEN listing_id END AS listing_id,
       {_ATTRIBUTES}
FROM (
    SELECT n.listing_hash, n.source, n.listing_id, l.stored,
           n.last_seen AS n_last_seen,
           least(l.first_seen, n.first_seen) AS first_seen,
           greatest(l.last_seen, n.last_seen) AS last_seen,
           l.stored IS NOT NULL AND n.first_seen < l.first_seen AS first_change,
           l.stored IS NOT NULL AND n.last_seen > l.last_seen AS last_change,
           l.stored IS NOT NULL AND n.attributes_hash <> l.attributes_hash AS attributes_change,
           {_STORED_FROM} AS stored_from, {_STORED_TO} AS stored_to,
           l.stored IS NOT NULL AND n.last_day >= {_STORED_FROM} AND n.first_day <= {_STORED_TO}
               AS maybe_stored,
           {_CARRIED}
    FROM (SELECT *, {_ATTRIBUTES_HASH} FROM ({{listings}})) n
    {{join}} JOIN ({{stored}}) l ON l.source = n.source AND l.listing_id = n.listing_id
)
"""
_STORED_COLUMNS = f"source, listing_id, first_seen, last_seen, {_ATTRIBUTES_HASH}"
STORED_LISTINGS = f"SELECT rowid AS stored, {_STORED_COLUMNS} FROM listings"

# A batch whose listings are mostly new (a backfill, a first load) is planned for its known
# listings only, and its new listings are inserted straight from its listings' query in the
# transaction (INSERT_NEW_LISTINGS). Planned whole, the new listings' attributes were
# materialised in the plan and read back to be written, and the join with the stored
# listings built its hash table on the batch's wide side, the smaller (the bench's backfill,
# load average 1.3-1.9: plan 0.51 s and insert 0.54 s, against KNOWN 0.07 s, no plan, since
# none of its listings is stored, and the insert 0.69 s; peak 1,174 -> 872 MiB).
# KNOWN: the stored listings whose key hash is a batch listing's (a superset of the stored
# batch listings, exact by the joins on the key below); a temporary table made before the
# transaction, like the plans.
CREATE_KNOWN = f"""
CREATE OR REPLACE TEMP TABLE known AS
SELECT rowid AS stored, hash(source, listing_id) AS listing_hash, {_STORED_COLUMNS}
FROM listings WHERE hash(source, listing_id) IN (SELECT listing_hash FROM batch)
"""
KNOWN = "SELECT * EXCLUDE (listing_hash) FROM known"
COUNT_KNOWN = "SELECT count(*) FROM known"
# Which way: about 2,000 stored listings (every $every-th by rowid; all of a smaller
# warehouse) looked up in the batch by hash estimate how many of the batch's listings are
# stored; planned for the known only when under half. The choice decides only the speed,
# never a result (`load_spools(known_first=…)` forces either way). 0.007-0.010 s, where
# looking up 2,000 batch listings among the stored ones (hashing every stored key) took
# 0.021-0.046 s, paid by every night (load average 2.3).
SAMPLE_KNOWN = """
WITH sample AS MATERIALIZED (
    SELECT hash(source, listing_id) AS listing_hash FROM listings
    WHERE rowid % CAST($every AS BIGINT) = 0
)
SELECT (SELECT count(*) FROM sample), count(DISTINCT listing_hash) FROM batch
WHERE listing_hash IN (SELECT listing_hash FROM sample)
"""
COUNT_STORED = "SELECT count(*) FROM listings"
SAMPLED_LISTINGS: Final = 2_000
INSERT_NEW_LISTINGS = f"""
INSERT INTO listings BY NAME
SELECT n.source, n.listing_id, {", ".join(f"n.{c}" for c in LISTING_ATTRIBUTES)},
       n.first_seen, n.last_seen
FROM ({{listings}}) n
ANTI JOIN known k
  ON n.listing_hash = k.listing_hash AND n.source = k.source AND n.listing_id = k.listing_id
"""
# A batch read into memory is planned before the transaction, and each chunk reads its
# part through a view: a temporary table made inside the load's transaction is read back at
# about half the speed (its rows are the transaction's local storage), and every statement
# below reads the plan (the bench's backfill wrote its 790,000 new listings in 1.2 s from a
# plan made inside, 0.6 s from one made before). Nothing the transaction writes could
# change the plan: chunks partition the listings, a reparse deletes only observations, and
# the stored rows' rowids stay put (listings are never deleted).
CREATE_PLANS = "CREATE OR REPLACE TEMP TABLE plans AS " + PLAN
PLANS_VIEW = (
    "CREATE OR REPLACE TEMP VIEW plan AS SELECT * FROM plans "
    "WHERE listing_hash % CAST({chunks} AS UBIGINT) = CAST({chunk} AS UBIGINT)"
)
# A staged chunk's plan goes to a file and is read through a view (see STAGE_SPOOLS).
STAGE_PLAN = (
    "COPY ("
    + PLAN.replace("{join}", "LEFT").replace("{stored}", STORED_LISTINGS)
    + ") TO '{path}' (FORMAT parquet, COMPRESSION uncompressed)"
)
PLAN_VIEW = "CREATE OR REPLACE TEMP VIEW plan AS SELECT * FROM read_parquet('{path}')"

# Updates go by rowid (a hash join on one integer; by source and listing_id the same update
# took ten times as long) and write only what changes: on a night the sighting dates of
# nearly every listing, the attributes of few; a later sighting only moves last_seen.
UPDATE_LAST = """
UPDATE listings SET last_seen = p.last_seen
FROM plan p
WHERE listings.rowid = p.stored AND p.last_change AND NOT p.first_change
  AND NOT p.attributes_change
"""
UPDATE_DATES = """
UPDATE listings SET first_seen = p.first_seen, last_seen = p.last_seen
FROM plan p WHERE listings.rowid = p.stored AND p.first_change AND NOT p.attributes_change
"""
# The attributes by the rule: the later sighting's, a missing one kept from the other (the
# SET expressions read the stored row as it was). A listing whose hashes differ but whose
# attributes do not change by the rule (the batch lacks one the stored row has, or saw it
# earlier) has its stored attributes written back unchanged.
_MERGED = ",\n    ".join(
    f"{c} = CASE WHEN p.n_last_seen >= listings.last_seen THEN coalesce(p.{c}, listings.{c}) "
    f"ELSE coalesce(listings.{c}, p.{c}) END"
    for c in LISTING_ATTRIBUTES
)
UPDATE_ALL = f"""
UPDATE listings SET
    {_MERGED},
    first_seen = p.first_seen, last_seen = p.last_seen
FROM plan p WHERE listings.rowid = p.stored AND p.attributes_change
"""
INSERT_LISTINGS = f"""
INSERT INTO listings BY NAME
SELECT source, listing_id, {_ATTRIBUTES}, first_seen, last_seen FROM plan WHERE stored IS NULL
"""

# How many listings each statement below has to write (one that has none is not run).
PLAN_COUNTS = """
SELECT count(*),
       count(*) FILTER (last_change AND NOT first_change AND NOT attributes_change),
       count(*) FILTER (first_change AND NOT attributes_change),
       count(*) FILTER (attributes_change),
       count(*) FILTER (stored IS NULL),
       count(*) FILTER (maybe_stored)
FROM plan
"""

SAME_KEY = """
o.source = b.source AND o.listing_id = b.listing_id
AND o.observed_on = b.observed_on AND o.origin = b.origin
"""

_OBSERVATION_COLUMNS = (
    "b.source, b.listing_id, b.observed_at, b.observed_on, b.price, b.currency, "
    "b.price_period, b.origin, b.run_id, b.bumped_on, b.parser_version, b.warc_record_id"
)
# The columns outside the key, which a same-day sighting observed later replaces.
_REPLACED = (
    "observed_at", "price", "currency", "price_period", "run_id", "bumped_on",
    "parser_version", "warc_record_id",
)  # fmt: skip

# The chunk's rows that may meet a stored key, and the days they span.
CREATE_MAYBE = f"""
CREATE OR REPLACE TEMP TABLE maybe AS
SELECT {_OBSERVATION_COLUMNS}
FROM {CHUNK} b
JOIN (SELECT * FROM plan WHERE maybe_stored) p
  ON b.listing_hash = p.listing_hash AND b.source = p.source AND b.listing_id = p.listing_id
WHERE b.observed_on BETWEEN p.stored_from AND p.stored_to
"""
MAYBE_DAYS = "SELECT count(*), min(observed_on), max(observed_on) FROM maybe"

# The stored rows those meet (the fact table read only on their days): each either
# superseded (the batch saw it later that day) or kept; either way the batch row is not
# inserted.
CREATE_MET = f"""
CREATE OR REPLACE TEMP TABLE met AS
SELECT o.rowid AS stored, b.*, b.observed_at > o.observed_at AS superseded
FROM maybe b
JOIN (SELECT rowid, * FROM observations WHERE observed_on BETWEEN $first_day AND $last_day) o
  ON {SAME_KEY}
"""

MET_COUNTS = "SELECT count(*), count(*) FILTER (superseded) FROM met"

# A superseded row is rewritten in place (its key stays): deleting it and inserting the
# batch's row had cost a second at COMMIT for the 10,000 repeats of a night.
REPLACE_SUPERSEDED = f"""
UPDATE observations SET {", ".join(f"{c} = b.{c}" for c in _REPLACED)}
FROM met b WHERE observations.rowid = b.stored AND b.superseded
"""

INSERT_OBSERVATIONS = f"""
INSERT INTO observations BY NAME SELECT {_OBSERVATION_COLUMNS} FROM {CHUNK} b
"""
INSERT_UNMET_OBSERVATIONS = f"""
INSERT INTO observations BY NAME
SELECT {_OBSERVATION_COLUMNS} FROM {CHUNK} b ANTI JOIN met o ON {SAME_KEY}
"""

# A reparse: the responses it re-read, whose stored rows its own rows replace.
CREATE_REPLACED = """
CREATE OR REPLACE TEMP TABLE replaced AS
SELECT unnest($run_ids) AS run_id, unnest($record_ids) AS warc_record_id
"""

# Every row an earlier parse derived from those responses goes, whatever its observed_at:
# the rows the batch holds for them are the current parser's reading of the same bytes.
DELETE_REPLACED = """
DELETE FROM observations o USING replaced r
WHERE o.run_id = r.run_id AND o.warc_record_id = r.warc_record_id
"""

UPSERT_RUN = """
INSERT OR REPLACE INTO crawl_runs
VALUES ($run_id, $spider, $source, $cities, $origin, $started_at, $finished_at, $status,
        $reason, $items, $spool_file, $stats, now())
"""

RECORD_SPOOL = "INSERT INTO spool_loads VALUES ($name, $run_id, $rows, now())"


@dataclass(frozen=True)
class Rejected:
    spool: str
    reason: str
    # Where the spool was set aside; not part of what the load found (two loads of the same
    # spools from two folders found the same).
    moved_to: Path | None = field(default=None, compare=False)

    def line(self) -> str:
        """``"REJECTED x.jsonl: why (moved to DIR/, reason in x.jsonl.reason)"``."""
        if self.moved_to is None:
            return f"REJECTED {self.spool}: {self.reason}"
        where = f"moved to {self.moved_to}/, reason in {self.spool}.reason"
        return f"REJECTED {self.spool}: {self.reason} ({where})"


@dataclass(frozen=True)
class LoadReport:
    """What one load did. ``observations_written`` counts new and replaced rows."""

    spools: tuple[str, ...] = ()
    rows_read: int = 0
    batch_duplicates: int = 0
    observations_written: int = 0
    listings_written: int = 0
    observations_replaced: int = 0  # rows of re-read responses removed before the merge
    already_loaded: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    partial_lines: int = 0
    runs: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = [
            f"loaded {len(self.spools)} spool(s): {self.rows_read} rows read, "
            f"{self.batch_duplicates} same-day repeats folded, "
            f"{self.observations_written} observations written, "
            f"{self.listings_written} listings upserted"
        ]
        if self.observations_replaced:
            parts.append(
                f"{self.observations_replaced} rows an earlier parse derived from the same "
                "responses replaced"
            )
        if self.already_loaded:
            parts.append(f"{len(self.already_loaded)} already loaded (skipped)")
        if self.partial_lines:
            parts.append(f"{self.partial_lines} line(s) cut short by a crash set aside (.tail)")
        parts += [r.line() for r in self.rejected]
        return "; ".join(parts)


def _split_partial_tail(spool: Path) -> int:
    """Set aside a last line cut short by a crash (kept in ``<spool>.tail``)."""
    size = spool.stat().st_size
    if size == 0:
        return 0
    with open(spool, "rb+") as handle:
        handle.seek(-1, 2)
        if handle.read(1) == b"\n":
            return 0
        # Walk back to the last newline in blocks.
        pos, block = size, 65536
        cut = 0
        while pos > 0:
            start = max(0, pos - block)
            handle.seek(start)
            chunk = handle.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                cut = start + idx + 1
                break
            pos = start
        handle.seek(cut)
        tail = handle.read()
        spool.with_name(spool.name + ".tail").write_bytes(tail)
        handle.truncate(cut)
    return 1


def _move(files: Sequence[Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        if f.exists():
            shutil.move(str(f), folder / f.name)


def _companions(spool: Path) -> list[Path]:
    return [
        spool,
        meta_path_for(spool),
        spool.with_name(spool.name + ".tail"),
        warc_path_for(spool),
    ]


@dataclass(frozen=True)
class _Batch:
    per_spool: dict[str, int]
    rows: int
    kept: int  # rows left after folding same-key repeats
    rejected: tuple[Rejected, ...]
    chunks: int  # the merge runs once per chunk of listings
    one_row_each: bool  # no listing has two rows in the batch
    stage: Path | None = None  # staged: batch holds no rows yet, each chunk is read from here
    rejected_numbers: tuple[int, ...] = ()  # staged: the rejected spools' numbers
    listings: int = 0  # in memory: the batch's listings (by hash)
    known_first: bool = False  # planned for its known listings only, the new inserted apart
    planned: bool = True  # False: no listing of the batch is stored, nothing to plan


def _read_batch(conn: duckdb.DuckDBPyConnection, spools: Sequence[Path], chunk_rows: int) -> _Batch:
    """Read spools into the connection-local ``batch`` table, rejected and repeated rows removed.

    This happens before the transaction: in DuckDB a failed statement aborts the whole
    transaction, and a spool that cannot be read must only be set aside, not stop the load.
    Temporary tables never touch the warehouse file (past DuckDB's ``memory_limit`` they spill
    to its temporary directory).
    """
    columns = dict(RECORD_COLUMNS)
    select = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items())
    conn.execute(CREATE_BATCH.format(select=f"SELECT {select}"))
    rejected: list[Rejected] = []
    names = [s.name for s in spools]
    paths = [str(s) for s in spools]
    read = [str(s) for s in spools if s.stat().st_size > 0]
    try:
        if read:
            conn.execute(READ_SPOOLS, {"paths": read, "spools": paths, "columns": columns})
    except duckdb.Error:
        # A failed statement inserted nothing: read one by one to find the spools at fault.
        for path in read:
            try:
                conn.execute(READ_SPOOLS, {"paths": [path], "spools": paths, "columns": columns})
            except duckdb.Error as exc:
                name = Path(path).name
                rejected.append(_unreadable(name, exc))
    bad = conn.execute(FIND_BAD_ROWS, _RULES).fetchall()
    for number, count, example in bad:
        name = names[number - 1]
        rejected.append(_breaks_rules(name, count, example))
        conn.execute("DELETE FROM batch WHERE spool = ?", [number])
    counted = conn.execute("SELECT spool, count(*) FROM batch GROUP BY spool").fetchall()
    per_spool = {names[number - 1]: count for number, count in counted}
    rows = sum(per_spool.values())
    chunks = max(1, -(-rows // chunk_rows))
    one_row_each, folded, listings = _fold(conn, rows, chunks)
    return _Batch(
        per_spool, rows, rows - folded, tuple(rejected), chunks, one_row_each, listings=listings
    )


def _stage_batch(
    conn: duckdb.DuckDBPyConnection, spools: Sequence[Path], chunks: int, stage: Path
) -> _Batch:
    """Parse spools once into Parquet under ``stage``, ``chunks`` chunks, and check them there.

    For a batch larger than a chunk: no row is read back into memory here; the rule checks
    and the counts read only the columns they need, and each chunk is read when it is merged
    (:func:`_staged_chunk`). A spool that cannot be read or breaks the rules is set aside
    whole, as by :func:`_read_batch`.
    """
    columns = dict(RECORD_COLUMNS)
    names = [s.name for s in spools]
    paths = [str(s) for s in spools]
    read = [str(s) for s in spools if s.stat().st_size > 0]
    rejected: list[Rejected] = []

    def copy(files: list[str], folder: Path) -> None:
        conn.execute(
            STAGE_SPOOLS.format(stage=_quoted(folder)),
            {"paths": files, "spools": paths, "columns": columns, "chunks": chunks},
        )

    with _setting(conn, "partitioned_write_flush_threshold", STAGE_FLUSH_ROWS):
        try:
            if read:
                copy(read, stage / "all")
        except duckdb.Error:
            # A failed COPY leaves the files it had begun without their footer (unreadable):
            # remove them and stage the spools one by one, each in a folder of its own, to
            # find the ones at fault.
            shutil.rmtree(stage / "all", ignore_errors=True)
            for number, path in enumerate(read):
                try:
                    copy([path], stage / str(number))
                except duckdb.Error as exc:
                    shutil.rmtree(stage / str(number), ignore_errors=True)
                    name = Path(path).name
                    rejected.append(_unreadable(name, exc))
    files = sorted(str(f) for f in stage.glob("*/chunk=*/*.parquet"))
    found = []
    if files:
        query = FIND_BAD_STAGED_ROWS.format(problem=ROW_PROBLEM)
        found = conn.execute(query, {"files": files, **_RULES}).fetchall()
    for number, count, example in found:
        rejected.append(_breaks_rules(names[number - 1], count, example))
    numbers = [names.index(r.spool) + 1 for r in rejected]
    counted = (
        conn.execute(COUNT_STAGED, {"files": files, "rejected": numbers}).fetchall()
        if files
        else []
    )
    per_spool = {names[number - 1]: count for number, count in counted}
    rows = sum(per_spool.values())
    return _Batch(per_spool, rows, rows, tuple(rejected), chunks, False, stage, tuple(numbers))


def _unreadable(name: str, exc: duckdb.Error) -> Rejected:
    """A spool DuckDB could not read (both read paths give the same reason)."""
    return Rejected(name, f"unreadable: {str(exc).splitlines()[0]}")


def _breaks_rules(name: str, count: int, example: str) -> Rejected:
    """A spool with records that break the rules (both read paths give the same reason)."""
    return Rejected(name, f"{count} record(s) break the rules, e.g. {example}")


def _quoted(path: Path) -> str:
    """A path inside a single-quoted SQL literal (COPY and views take no parameters)."""
    return str(path).replace("'", "''")


@contextmanager
def _setting(conn: duckdb.DuckDBPyConnection, name: str, value: int | bool) -> Iterator[None]:
    """Set a numeric or boolean DuckDB setting for the duration, then restore it."""
    found = conn.execute("SELECT current_setting(?)", [name]).fetchone()
    kind = bool if isinstance(value, bool) else int
    conn.execute(f"SET {name} = {kind(value)}")
    try:
        yield
    finally:
        if found is not None:
            conn.execute(f"SET {name} = {kind(found[0])}")


def _staged_chunk(conn: duckdb.DuckDBPyConnection, batch: _Batch, chunk: int) -> _Batch | None:
    """Point the view ``batch`` at chunk ``chunk`` of a staged batch, its repeats folded.

    The chunk holds every row of its listings, so it is folded and merged as a whole batch
    of one chunk. None: the chunk has no rows.
    """
    assert batch.stage is not None
    files = sorted(batch.stage.glob(f"*/chunk={chunk}/*.parquet"))
    if not files:
        return None
    numbers = ", ".join(str(int(n)) for n in batch.rejected_numbers)
    listed = ", ".join(f"'{_quoted(f)}'" for f in files)
    staged = STAGED_ROWS.format(files=listed, rejected=numbers)
    conn.execute(STAGED_CHUNK_VIEW.format(rows=staged, fold=""))
    shape = conn.execute(BATCH_SHAPE).fetchone()
    assert shape is not None
    rows = int(shape[0])
    if not rows:
        return None
    one_row_each = shape[1] == rows  # proven: no two rows share a listing (nor a key)
    kept = rows
    if not one_row_each:
        conn.execute(CREATE_MULTI)
        conn.execute(CREATE_REPEATED)
        repeats = conn.execute(COUNT_REPEATED).fetchone()
        if repeats and repeats[0]:
            conn.execute(FOLD_STAGED.format(rows=staged, key=KEY))
            conn.execute(STAGED_CHUNK_VIEW.format(rows=staged, fold=FOLDED))
            counted = conn.execute("SELECT count(*) FROM batch").fetchone()
            kept = int(counted[0]) if counted else 0
    return _Batch({}, rows, kept, (), 1, one_row_each, batch.stage)


def _fold(conn: duckdb.DuckDBPyConnection, rows: int, chunks: int) -> tuple[bool, int, int]:
    """Fold the same-key repeats of ``batch`` (``rows`` rows), chunk by chunk.

    Returns whether no listing has two rows (then nothing was checked), the rows deleted and
    the batch's listings (by hash).
    """
    conn.execute(CREATE_MULTI)
    multi = conn.execute(COUNT_MULTI).fetchone()
    listed, multi_rows = (int(v) for v in multi) if multi else (0, 0)
    one_row_each = not listed  # proven: no two rows share a listing (nor a key)
    folded = 0
    if not one_row_each:
        conn.execute(CREATE_REPEATED)
        repeats = conn.execute(COUNT_REPEATED).fetchone()
        for chunk in range(chunks if repeats and repeats[0] else 0):
            deleted = conn.execute(DEDUPE, {"chunks": chunks, "chunk": chunk}).fetchone()
            folded += int(deleted[0]) if deleted else 0
    return one_row_each, folded, rows - multi_rows + listed


_RULES: Final = {
    "cities": list(CITIES),
    "max_price": MAX_PRICE,
    "currencies": list(CURRENCIES),
    "periods": list(PRICE_PERIODS),
    "origins": list(ORIGINS),
}


def _record_run(conn: duckdb.DuckDBPyConnection, spool: Path, rows: int) -> str:
    """Write the run's ``crawl_runs`` row (from its sidecar) and the ``spool_loads`` row."""
    meta_file = meta_path_for(spool)
    meta = RunMeta.read(meta_file) if meta_file.is_file() else None
    run_id = meta.run_id if meta else spool.name.removesuffix(".jsonl")
    if meta is not None:
        status = "crashed" if meta.status == "running" else meta.status
        conn.execute(
            UPSERT_RUN,
            {
                "run_id": meta.run_id,
                "spider": meta.spider,
                "source": meta.source,
                "cities": ",".join(meta.cities),
                "origin": meta.origin,
                "started_at": meta.started_at,
                "finished_at": meta.finished_at,
                "status": status,
                "reason": meta.reason
                or ("the run died before finishing" if status == "crashed" else None),
                "items": rows,
                "spool_file": spool.name,
                "stats": json.dumps(meta.stats, ensure_ascii=False),
            },
        )
    conn.execute(RECORD_SPOOL, {"name": spool.name, "run_id": run_id, "rows": rows})
    return run_id


@contextmanager
def _unordered(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB write the load's rows in any order, then restore the setting.

    No result of the merge depends on the order rows reach a table (the dedupe orders by
    observed_at, run_id and price; which of two sightings at the same instant gives a
    listing's attribute was already up to DuckDB's parallel aggregation), and keeping the
    insertion order serialises the parallel writers: a million-row spool went into the batch
    in 1.7 s against 2.1-2.7 s.
    """
    with _setting(conn, "preserve_insertion_order", False):
        yield


def _batch_listings(batch: _Batch) -> str:
    """The query of a chunk's listings, one row each (aggregated only where a listing has two)."""
    if batch.one_row_each:
        return CHUNK_LISTINGS_SINGLE
    return CHUNK_LISTINGS_STAGED if batch.stage else CHUNK_LISTINGS_MIXED


def _plan(conn: duckdb.DuckDBPyConnection, batch: _Batch, known_first: bool | None) -> _Batch:
    """Plan a batch read into memory, before the transaction (CREATE_PLANS): every listing, or
    (``known_first``; None: when a sample finds most of its listings new, see SAMPLE_KNOWN)
    only those already stored (CREATE_KNOWN), the rest left to INSERT_NEW_LISTINGS."""
    whole = {"chunks": 1, "chunk": 0}
    listings = _batch_listings(batch)
    if known_first is None:
        counted = conn.execute(COUNT_STORED).fetchone()
        stored = int(counted[0]) if counted else 0
        every = max(1, stored // SAMPLED_LISTINGS)
        found = conn.execute(SAMPLE_KNOWN, {"every": every}).fetchone()
        sampled, in_batch = (int(v) for v in found) if found else (0, 0)
        # Estimated stored batch listings (in_batch * stored / sampled) under half of them.
        known_first = not sampled or 2 * in_batch * stored < sampled * batch.listings
    if not known_first:
        plans = CREATE_PLANS.format(listings=listings, join="LEFT", stored=STORED_LISTINGS)
        conn.execute(plans, whole)
        return batch
    conn.execute(CREATE_KNOWN)
    counted = conn.execute(COUNT_KNOWN).fetchone()
    planned = bool(counted and counted[0])
    if planned:
        conn.execute(CREATE_PLANS.format(listings=listings, join="INNER", stored=KNOWN), whole)
    return replace(batch, known_first=True, planned=planned)


def _merge_chunk(conn: duckdb.DuckDBPyConnection, batch: _Batch, chunk: int) -> tuple[int, int]:
    """Merge one chunk of listings; returns (listings upserted, observations written).

    A staged chunk (``batch.stage``; ``batch`` a view over its files) writes its plan to a
    file there too, named by ``chunk``.
    """
    # A staged chunk is a batch of one chunk, its filter the trivial one.
    where = {"chunks": batch.chunks, "chunk": 0 if batch.stage else chunk}
    if batch.stage is not None:
        path = _quoted(batch.stage / f"plan-{chunk}.parquet")
        conn.execute(STAGE_PLAN.format(listings=_batch_listings(batch), path=path), where)
        conn.execute(PLAN_VIEW.format(path=path))
    elif batch.planned:
        conn.execute(PLANS_VIEW.format(chunks=int(batch.chunks), chunk=int(chunk)))
    upserted, *writes, maybe_stored = (0,) * 6
    if batch.planned:
        counted = conn.execute(PLAN_COUNTS).fetchone()
        assert counted is not None
        upserted, *writes, maybe_stored = (int(v) for v in counted)
    for statement, rows in zip(
        (UPDATE_LAST, UPDATE_DATES, UPDATE_ALL, INSERT_LISTINGS), writes, strict=True
    ):
        if rows:
            conn.execute(statement)
    if batch.known_first:
        inserted = conn.execute(
            INSERT_NEW_LISTINGS.format(listings=_batch_listings(batch)), where
        ).fetchone()
        upserted += int(inserted[0]) if inserted else 0
    met = replaced = 0
    if maybe_stored:
        conn.execute(CREATE_MAYBE, where)
        found = conn.execute(MAYBE_DAYS).fetchone()
        if found and found[0]:
            conn.execute(CREATE_MET, {"first_day": found[1], "last_day": found[2]})
            counted = conn.execute(MET_COUNTS).fetchone()
            met, replaced = (int(v) for v in counted) if counted else (0, 0)
            if replaced:
                conn.execute(REPLACE_SUPERSEDED)
    written = conn.execute(
        INSERT_UNMET_OBSERVATIONS if met else INSERT_OBSERVATIONS, where
    ).fetchone()
    return upserted, replaced + (int(written[0]) if written else 0)


# Temporary objects a load creates in its connection (tables, or views over a staged batch).
TEMPORARIES: Final = (
    "batch", "plans", "plan", "known", "multi", "repeated", "folded", "maybe", "met", "replaced",
)  # fmt: skip
FIND_TEMPORARIES = """
SELECT 'TABLE', table_name FROM duckdb_tables()
WHERE temporary AND list_contains($names, table_name)
UNION ALL
SELECT 'VIEW', view_name FROM duckdb_views()
WHERE temporary AND NOT internal AND list_contains($names, view_name)
"""
# A staged batch's folder beside the warehouse file, named after it (the writer lock is the
# warehouse's, so a folder of that name found at a load's start was left by a killed load).
STAGE_PREFIX: Final = ".{name}.load-"


@contextmanager
def _workspace(conn: duckdb.DuckDBPyConnection, staged: bool) -> Iterator[Path | None]:
    """A scratch folder for a staged batch (None when not ``staged``); afterwards, or on any
    error, the folder and the load's temporary objects are removed.

    The folder sits beside the warehouse file (on its disk, not in a small /tmp), or in the
    system's temporary folder for a database in memory. A folder a killed load left behind
    is removed by the next staged load.
    """
    folder: Path | None = None
    try:
        if staged:
            found = conn.execute(
                "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
            ).fetchone()
            db = Path(found[0]) if found and found[0] else None
            prefix = STAGE_PREFIX.format(name=db.name if db else "memory")
            if db is not None:
                for stale in db.parent.iterdir():
                    if stale.name.startswith(prefix):
                        shutil.rmtree(stale, ignore_errors=True)
            folder = Path(tempfile.mkdtemp(prefix=prefix, dir=db.parent if db else None))
        yield folder
    finally:
        try:
            left = conn.execute(FIND_TEMPORARIES, {"names": list(TEMPORARIES)}).fetchall()
            for kind, name in left:
                conn.execute(f"DROP {kind} IF EXISTS {name}")
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


def load_spools(
    conn: duckdb.DuckDBPyConnection,
    spools: Sequence[Path],
    *,
    explicit: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    stage: bool | None = None,
    known_first: bool | None = None,
    replacing: Sequence[tuple[str, str]] = (),
) -> LoadReport:
    """Merge ``spools`` into the warehouse behind ``conn`` in one transaction.

    ``conn`` comes from :func:`warehouse.open_writer` (writer lock held, schema migrated).
    With ``explicit`` (files named by the user), a spool still being written is an error;
    otherwise it is left for a later load.

    The merge runs in chunks of about ``chunk_rows`` rows, each holding every row of its
    listings (by a hash of source and listing id), so each chunk's dedupe, listings upsert
    and keyed merge are exactly the batch's restricted to those listings: the result does
    not depend on the chunking, and the memory each statement needs stays bounded. A batch
    of more than one chunk (by the spools' size, or as ``stage`` says) is staged on disk
    (see STAGE_SPOOLS), so that the load's memory does not grow with the batch either; a
    smaller one is read into memory, the faster way. A batch in memory is planned whole, or
    for its known listings only when most are new (``known_first``: None chooses by a
    sample, see SAMPLE_KNOWN); the result is the same.

    ``replacing`` (a reparse): ``(run_id, warc_record_id)`` of the responses the spools were
    re-derived from; every stored row derived from one of them is deleted in the same
    transaction before the merge, so the spools' rows take their place even at an equal
    ``observed_at``. Rows of other responses
    meet the batch under the usual rule (a later same-day sighting wins).
    """
    loaded_names = {r[0] for r in conn.execute("SELECT spool_file FROM spool_loads").fetchall()}
    todo: list[Path] = []
    already: list[Path] = []
    for spool in spools:
        if explicit:
            _require_spool(spool)
        if not spool.is_file():
            raise RentwatchError(f"spool {spool} does not exist")
        if spool.name in loaded_names:
            already.append(spool)
        elif is_being_written(spool):
            if explicit:
                raise RentwatchError(f"spool {spool} is still being written by a running crawl")
        else:
            todo.append(spool)
    for spool in already:
        _move(_companions(spool), spool.parent / LOADED_DIR)
    if not todo:
        return LoadReport(already_loaded=tuple(s.name for s in already))

    partial = sum(_split_partial_tail(s) for s in todo)
    size = sum(s.stat().st_size for s in todo)
    staged = size > chunk_rows * ROW_BYTES if stage is None else stage
    with _unordered(conn), _workspace(conn, staged) as scratch:
        if scratch is None:
            batch = _read_batch(conn, todo, chunk_rows)
        else:
            chunks = max(1, -(-size // (chunk_rows * ROW_BYTES)))
            batch = _stage_batch(conn, todo, chunks, scratch)
        good = [s for s in todo if s.name not in {r.spool for r in batch.rejected}]
        listings_written = observations_written = 0
        folded = batch.rows - batch.kept
        if replacing:
            conn.execute(
                CREATE_REPLACED,
                {"run_ids": [r for r, _ in replacing], "record_ids": [i for _, i in replacing]},
            )
        if batch.stage is None and batch.kept:
            batch = _plan(conn, batch, known_first)
        conn.execute("BEGIN TRANSACTION")
        try:
            replaced_row = conn.execute(DELETE_REPLACED).fetchone() if replacing else None
            for chunk in range(batch.chunks if batch.kept else 0):
                part = _staged_chunk(conn, batch, chunk) if batch.stage else batch
                if part is None:
                    continue
                listings, observations = _merge_chunk(conn, part, chunk)
                folded += part.rows - part.kept if batch.stage else 0
                listings_written += listings
                observations_written += observations
            runs = [_record_run(conn, spool, batch.per_spool.get(spool.name, 0)) for spool in good]
            pause_point("before-commit")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    for spool in good:
        _move(_companions(spool), spool.parent / LOADED_DIR)
    rejected = []
    for r in batch.rejected:
        spool = next(s for s in todo if s.name == r.spool)
        folder = spool.parent / REJECTED_DIR
        _move(_companions(spool), folder)
        (folder / f"{spool.name}.reason").write_text(r.reason + "\n")
        rejected.append(replace(r, moved_to=folder))

    return LoadReport(
        spools=tuple(s.name for s in good),
        rows_read=batch.rows,
        batch_duplicates=folded,
        observations_written=observations_written,
        observations_replaced=int(replaced_row[0]) if replaced_row else 0,
        listings_written=listings_written,
        already_loaded=tuple(s.name for s in already),
        rejected=tuple(rejected),
        partial_lines=partial,
        runs=tuple(runs),
    )


def _require_spool(path: Path) -> None:
    """Refuse a file the user named that is not a spool, before anything is moved: a load sets
    a spool it cannot read aside under ``rejected/``, which for the user's own CSV would move
    it out of their hands. A spool is what discovery finds (``*.jsonl``)."""
    if path.is_dir():
        raise RentwatchError(f"{path} is a directory, not a spool: name the {SPOOL_SUFFIX} files")
    if path.suffix == SPOOL_SUFFIX:
        return
    hint = (
        f"; a CSV of listings is imported with `rentwatch import listings {path}`"
        if path.suffix.lower() == ".csv"
        else ""
    )
    raise RentwatchError(
        f"{path} is not a spool (a crawl's {SPOOL_SUFFIX} file, with its run's .run.json beside "
        f"it); nothing was loaded or moved{hint}"
    )


def load_pending(
    conn: duckdb.DuckDBPyConnection, spool_dir: Path, spools: Sequence[Path] = ()
) -> LoadReport:
    """Load the named spools, or every pending one in ``spool_dir`` (crashed runs included)."""
    if spools:
        return load_spools(conn, [Path(s) for s in spools], explicit=True)
    return load_spools(conn, pending_spools(spool_dir))
