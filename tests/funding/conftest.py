"""Funding fixtures: a scheme with round, hand-countable rates on the 188-school-day FY 2025-26.

School days in FY 2025-26 (tests/conftest.py FY2025_TERMS, bank holidays removed):
  Summer 1 23 (5 May is a bank holiday), Summer 2 37, Autumn 1 38, Autumn 2 35, Spring 1 30,
  Spring 2 25 = 188. So 1 Apr-31 Aug 2025 = 60, 1 Sep 2025-31 Mar 2026 = 128,
  1 Sep-31 Dec 2025 = 73, 1 Jan-31 Mar 2026 = 55.
"""

from __future__ import annotations

import pytest

from funding.models import FundingScheme
from tests.funding.builders import make_scheme


@pytest.fixture
def scheme(home_la, fy2025_terms) -> FundingScheme:
    return make_scheme(home_la)


@pytest.fixture
def fast_passwords(settings):
    """Users are made by the dozen here; the real hasher is tested by the foundation."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
