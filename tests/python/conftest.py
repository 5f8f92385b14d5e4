import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture
def shared_dir() -> Path:
    """../shared when present (licence-restricted data); tests skip visibly otherwise."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present: licence-restricted vectors are not in the project")
    return SHARED


@pytest.fixture
def cli() -> str:
    path = os.environ.get("JOULE_CLI")
    if not path:
        pytest.skip("JOULE_CLI not set (run through ctest)")
    return path
