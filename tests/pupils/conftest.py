"""Shared fixtures for the pupil pages' tests: two schools of the home LA. A module's own
fixture of the same name takes precedence."""

import pytest

from tests import factories


@pytest.fixture
def oak(home_la):
    return factories.SchoolFactory(urn=111111, name="Oak Tree Primary", la=home_la)


@pytest.fixture
def beech(home_la):
    return factories.SchoolFactory(urn=222222, name="Beech House Special", la=home_la)
