"""Shared fixtures. Reference data is read from ../shared (tests skip when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` next to the project; skip the test when it is not there."""
    if not SHARED.is_dir():
        pytest.skip("../shared reference data is absent")
    return SHARED


@pytest.fixture(scope="session")
def reference_pages(shared_dir: Path) -> Path:
    path = shared_dir / "kz_rents" / "reference_pages"
    if not path.is_dir():
        pytest.skip("../shared/kz_rents/reference_pages is absent")
    return path


@pytest.fixture(scope="session")
def its_cases(shared_dir: Path) -> Path:
    path = shared_dir / "its_cases"
    if not path.is_dir():
        pytest.skip("../shared/its_cases is absent")
    return path


@pytest.fixture(scope="session")
def other_pages(shared_dir: Path) -> Path:
    """Real krisha pages that are not rent search results (a sale search, a detail page)."""
    path = shared_dir / "kz_rents" / "other_pages"
    if not path.is_dir():
        pytest.skip("../shared/kz_rents/other_pages is absent")
    return path
