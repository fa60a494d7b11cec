"""Fault-injection bench: replay every finding of issue 12 and count what went wrong.

    .venv/bin/python bench/faults.py            # about two minutes on the shared 2-core machine

Each trial injects one fault (a failing page, empty pages, robots.txt rules and 5xx, a long
Retry-After, a hanging page, firewall challenge pages, a dead site, a sale page; prices cut
and mutated; personal data in titles, slugs and districts; a corrupt, truncated or full
warehouse; an import reusing a crawled id; formula cells) and checks that the outcome is the
truthful one. It prints:

- trials, and failures (trials whose outcome was not the truthful one);
- rows lost (listings served on pages that loaded but not spooled, or stored rows a fault
  removed), rows doubled (a key stored twice), wrong prices stored (a stored price that is not
  the listing's), PII matches (personal data found in what was spooled or stored);

all 0 except trials when the crawl tells the truth. The baseline, measured in the same run,
is a fault-free crawl of the same fake site: the ratio says what a fault trial costs.
Crawls run against the loopback fake (tests/loopback.py); nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from loopback import FakeSites, serve  # noqa: E402

from scrapers.parse.krisha import parse_search_page  # noqa: E402
from scrapers.parse.olx import parse_search_page as parse_olx  # noqa: E402
from scrapers.parse.price import Price, parse_price  # noqa: E402
from scrapers.run import CrawlJob, RunResult, run_crawls  # noqa: E402
from warehouse.pii import find_personal_data, url_personal_data  # noqa: E402

SHARED = ROOT.parent / "shared" / "kz_rents"
PAGE_2022 = SHARED / "reference_pages" / "krisha_search_almaty_longterm_p2_2022-10-13.html"
SALE_2022 = SHARED / "other_pages" / "krisha_sale_search_astana_2022-10-13.html"
TURNSTILE = (
    b'<html><head><script src="https://challenges.cloudflare.com/turnstile/v0/api.js">'
    b'</script></head><body><div class="cf-turnstile"></div></body></html>'
)
DDOS_GUARD = b'<html><script src="/.well-known/ddos-guard/check"></script></html>'


@dataclass
class Tally:
    trials: int = 0
    failures: list[str] = field(default_factory=list)
    rows_lost: int = 0
    rows_doubled: int = 0
    wrong_prices: int = 0
    pii: int = 0
    seconds: list[float] = field(default_factory=list)

    def trial(self, name: str, ok: bool) -> None:
        self.trials += 1
        if not ok:
            self.failures.append(name)


def spooled(result: RunResult) -> list[dict[str, Any]]:
    if not result.spool.is_file():
        return []
    return [json.loads(line) for line in result.spool.read_text().splitlines() if line]


def crawl(work: Path, site: FakeSites, **settings: Any) -> RunResult:
    spool = work / f"spool-{time.monotonic_ns()}"
    with serve(site) as base:
        [result] = run_crawls(
            [CrawlJob("krisha", {"city": "almaty", "origin": "simulated"})],
            spool_dir=spool,
            log_file=work / "scrapy.log",
            settings={
                "RENTWATCH_KRISHA_BASE_URL": settings.pop("base", base),
                "RENTWATCH_DB": str(work / "none.duckdb"),
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                "RENTWATCH_BACKOFF_START": 0,
                "LOG_LEVEL": "ERROR",
                **settings,
            },
        )
    return result


def check_rows(tally: Tally, site: FakeSites, result: RunResult) -> None:
    """Rows lost (cards the spider read as listings but did not spool), doubled (an id
    spooled twice) and wrong prices (a spooled price that is not the listing's), and PII."""
    truth = {str(x.listing_id): x.price for x in site.listings("krisha", "almaty")}
    rows = spooled(result)
    ids = [r["listing_id"] for r in rows]
    tally.rows_doubled += len(ids) - len(set(ids))
    tally.wrong_prices += sum(1 for r in rows if truth.get(r["listing_id"]) != r["price"])
    stats = result.stats
    read = int(stats.get("rentwatch/snapshots", 0))
    invalid = int(stats.get("rentwatch/dropped/invalid_record", 0))
    tally.rows_lost += max(0, read - invalid - len(set(ids)))
    tally.pii += sum(
        bool(find_personal_data(r.get("title")) or url_personal_data(r.get("url"))) for r in rows
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def crawl_trials(tally: Tally, work: Path) -> float:
    """Every crawl fault; returns the fault-free crawl's time (the baseline)."""
    started = time.perf_counter()
    healthy_site = FakeSites(krisha={"almaty": 200})
    healthy = crawl(work, healthy_site)
    baseline = time.perf_counter() - started
    tally.trial("healthy crawl finishes", healthy.ok and healthy.items == 200)
    tally.rows_lost += 200 - len({r["listing_id"] for r in spooled(healthy)})
    check_rows(tally, healthy_site, healthy)

    closed = _closed_port()
    cases: list[tuple[str, Callable[[], FakeSites], dict[str, Any], str]] = [
        ("a page keeps failing", lambda: FakeSites(krisha={"almaty": 200}, errors={"page=4": 500}),
         {}, "http 500"),
        ("pages 2-10 empty", lambda: FakeSites(krisha={"almaty": 200}, empty="page="),
         {}, "coverage 20/200"),
        ("robots disallows page=",
         lambda: FakeSites(krisha={"almaty": 60}, robots="User-agent: *\nDisallow: /*page=\n"),
         {}, "robots: disallowed /*page="),
        ("robots.txt answers 503", lambda: FakeSites(krisha={"almaty": 60}, robots_status=503),
         {}, "robots: disallowed everything"),
        ("Retry-After 3600 s",
         lambda: FakeSites(krisha={"almaty": 60}, errors={"page=2": 503},
                           headers={"page=2": {"Retry-After": "3600"}}),
         {}, "retry-after 3600s"),
        ("a page hangs", lambda: FakeSites(krisha={"almaty": 60}, hold="page=2"),
         {"DOWNLOAD_TIMEOUT": 0.5, "RETRY_TIMES": 0}, "timeout"),
        ("Cloudflare Turnstile",
         lambda: FakeSites(krisha={"almaty": 60}, body_override={"page=2": TURNSTILE}),
         {}, "blocked: cloudflare"),
        ("DDoS-Guard check",
         lambda: FakeSites(krisha={"almaty": 60}, body_override={"page=2": DDOS_GUARD}),
         {}, "blocked: ddos-guard"),
        ("the site is down", lambda: FakeSites(krisha={"almaty": 60}),
         {"base": f"http://127.0.0.1:{closed}", "RETRY_TIMES": 0}, "connection refused"),
    ]  # fmt: skip
    if SALE_2022.is_file():
        sale = SALE_2022.read_bytes()
        cases.append(
            ("a sale page instead of rent",
             lambda: FakeSites(krisha={"almaty": 40},
                               body_override={"/arenda/kvartiry/almaty/": sale}),
             {}, "not a rent search: sale")
        )  # fmt: skip
    for name, make, settings, cause in cases:
        site = make()
        t0 = time.perf_counter()
        result = crawl(work, site, **settings)
        tally.seconds.append(time.perf_counter() - t0)
        truthful = result.status == "failed" and cause in (result.reason or "")
        tally.trial(f"{name}: {result.status} {result.reason!r}", truthful)
        check_rows(tally, site, result)
    return baseline


PRICE_CASES = {
    "300’000 〒": 300_000, "300'000 〒": 300_000, "300_000 〒": 300_000,
    "300\u200b000 〒": 300_000, "300\u2060000 〒": 300_000, "300\u00a0000\u00a0〒": 300_000,
    "300\u202f000 ₸": 300_000, "300\u2009000 тг": 300_000,
    "300 000 〒 + 20 тыс. коммунальные": 300_000, "Цена: 1-комн. 300 000 〒": 300_000,
    "1.5 млн 〒": 1_500_000, "от 200 000 тг": 200_000,
}  # fmt: skip


def parser_trials(tally: Tally) -> None:
    for text, amount in PRICE_CASES.items():
        got = parse_price(text, default_currency="KZT")
        ok = isinstance(got, Price) and got.amount == amount
        tally.trial(f"price {text!r}", ok)
        tally.wrong_prices += 0 if ok else 1
    if PAGE_2022.is_file():
        from tests.test_parse_fuzz import BOUNDS  # the real cards' bounds

        body = PAGE_2022.read_bytes()
        seen = datetime(2022, 10, 13, 9, tzinfo=UTC)
        truth = {s.listing_id: s.price for s in parse_search_page(body, seen).snapshots}
        start = body.index(b'<div class="a-card__price">')
        wrong = 0
        cuts = range(start, start + 4_000, 1)
        for cut in cuts:
            for s in parse_search_page(body[:cut], seen).snapshots:
                kept = BOUNDS.check(s.city, s.rooms, s.price, s.currency, s.price_period)
                wrong += kept and truth.get(s.listing_id) != s.price
        tally.trial(f"{len(cuts)} cut points across the first cards", wrong == 0)
        tally.wrong_prices += wrong
        t0 = time.process_time()
        deep = parse_search_page(b"<div>" * 5000 + body, seen)
        tally.trial("page nested 5,000 deep is named", (deep.problem or "").startswith("page too"))
        hostile = body.replace(b'<img alt="', b'<img alt="' + "в ".encode() * 60_000, 3)
        parse_search_page(hostile, seen)
        tally.trial("hostile captions within 2 s CPU", time.process_time() - t0 < 2.0)

    from tests.test_pii import CORPUS, _olx_page

    for text, _ in CORPUS:
        page = parse_olx(
            _olx_page(f"2-комн квартира {text}", f"район {text}", "/d/obyavlenie/x-ID9.html"),
            datetime(2025, 6, 19, tzinfo=UTC), city="almaty",
        )  # fmt: skip
        found = sum(
            bool(find_personal_data(s.title) or find_personal_data(s.district_raw))
            for s in page.snapshots
        )
        tally.trial(f"PII {text!r}", found == 0 and len(page.snapshots) == 1)
        tally.pii += found


def cli(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RENTWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", "--db", str(db), *args],
        capture_output=True, text=True, timeout=300, check=False, env={**clean, **env},
    )  # fmt: skip


def warehouse_trials(tally: Tally, work: Path) -> None:
    from tests.factories import record, write_spool
    from warehouse.connection import connect

    db = work / "w.duckdb"
    write_spool(work / "spool", [record(i, price=100_000 + i) for i in range(20_000)])
    tally.trial("load", cli(db, "db", "load").returncode == 0)
    write_spool(work / "spool", [record(i, price=100_000 + i) for i in range(20_000)])
    tally.trial("the same rows again", cli(db, "db", "load").returncode == 0)
    conn = connect(db, read_only=True)
    n, distinct, wrong = conn.execute(
        "SELECT count(*), count(DISTINCT (source, listing_id, observed_on, origin)), "
        "count(*) FILTER (WHERE price <> 100000 + CAST(listing_id AS INTEGER)) FROM observations"
    ).fetchone() or (0, 0, 0)
    conn.close()
    tally.rows_lost += 20_000 - distinct
    tally.rows_doubled += n - distinct
    tally.wrong_prices += wrong

    # An import reusing a crawled id must not touch the crawled listing.
    csv = work / "same-id.csv"
    csv.write_text(
        "source,listing_id,city,observed_at,price,currency,rooms,title\n"
        "krisha,5,astana,2022-10-14,150000,KZT,4,Чужая\n",
        encoding="utf-8",
    )
    tally.trial("import with a crawled id", cli(db, "import", "listings", str(csv)).returncode == 0)
    conn = connect(db, read_only=True)
    crawled = conn.execute(
        "SELECT city, rooms FROM listings WHERE source = 'krisha' AND listing_id = '5'"
    ).fetchone()
    conn.close()
    tally.trial("crawled row unchanged by the import", crawled == ("almaty", 1))

    out = work / "export"
    hostile = work / "spool-hostile"
    write_spool(hostile, [record("h1", title='=HYPERLINK("x")'), record("h2", title="@SUM(1)")])
    cli(db, "db", "load", RENTWATCH_SPOOL_DIR=str(hostile))
    cli(db, "db", "export", "--format", "csv", "--out", str(out))
    cells = [c for f in out.glob("*.csv") for line in f.read_text().splitlines()
             for c in line.split(",")]  # fmt: skip
    tally.trial("no formula cell exported", not any(c[:1] in "=@" and c for c in cells))

    audit = cli(db, "db", "audit")
    tally.trial("db audit clean", audit.returncode == 0)

    snaps = work / "snaps"
    full = cli(db, "db", "snapshot", "--out-dir", str(snaps), RENTWATCH_FAIL_AT="snapshot-copy")
    tally.trial("snapshot on a full disk", full.returncode == 1 and "disk full" in full.stderr
                and not list(snaps.iterdir()))  # fmt: skip

    broken = work / "broken.duckdb"
    shutil.copyfile(db, broken)
    os.truncate(broken, broken.stat().st_size // 2)
    snap = cli(broken, "db", "snapshot", "--out-dir", str(work / "snaps2"))
    tally.trial("snapshot of a half-truncated file refused", snap.returncode == 1
                and not any((work / "snaps2").glob("*")))  # fmt: skip

    corrupt = work / "corrupt.duckdb"
    shutil.copyfile(db, corrupt)
    with open(corrupt, "r+b") as handle:
        for offset in range(12_388, corrupt.stat().st_size, 65_536):
            handle.seek(offset)
            handle.write(b"\x13\x37" * 64)
    status = cli(corrupt, "db", "status", RENTWATCH_READ_RETRY_TIMEOUT="60")
    tally.trial("corruption named as corruption", status.returncode == 1
                and "corrupt" in status.stderr and "held by" not in status.stderr)  # fmt: skip

    env = {"RENTWATCH_FAIL_AT": "spool-write", "RENTWATCH_FAIL_AFTER": "130"}
    os.environ.update(env)
    try:
        result = crawl(work, FakeSites(krisha={"almaty": 400}))
    finally:
        for key in env:
            os.environ.pop(key)
    lines = len(spooled(result))
    truthful = result.items == lines == 130 and "disk full after 130 rows" in (result.reason or "")
    tally.trial("full spool reported truthfully", truthful)


def main() -> int:
    tally = Tally()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        baseline = crawl_trials(tally, work)
        parser_trials(tally)
        warehouse_trials(tally, work)
        total = time.perf_counter() - started
    per_fault = sum(tally.seconds) / max(1, len(tally.seconds))
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores, shared)")
    print(f"trials {tally.trials}")
    print(f"failures {len(tally.failures)}")
    for name in tally.failures:
        print(f"  FAILED {name}")
    print(f"rows lost {tally.rows_lost}")
    print(f"rows doubled {tally.rows_doubled}")
    print(f"wrong prices stored {tally.wrong_prices}")
    print(f"PII matches {tally.pii}")
    print(
        f"time: {total:.1f} s in all; a fault crawl {per_fault:.2f} s against {baseline:.2f} s "
        f"for the fault-free baseline crawl ({per_fault / baseline:.2f}x)"
    )
    bad = tally.failures or tally.rows_lost or tally.rows_doubled or tally.wrong_prices or tally.pii
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
