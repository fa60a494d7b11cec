-- Raw pages (WARC) behind every observation: which parser version derived a row, and from
-- which stored response. A reparse replaces exactly the rows derived from the responses it
-- re-read (run_id + warc_record_id); rows without a record id (older runs, imports) are
-- never touched by one.
ALTER TABLE observations ADD COLUMN parser_version INTEGER;  -- the page parser's PARSER_VERSION
ALTER TABLE observations ADD COLUMN warc_record_id VARCHAR;  -- WARC-Record-ID of the response
