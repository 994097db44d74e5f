"""The demo LA for `manage.py seed_demo`: deterministic, realistic, and quick to build.

An administering LA ("Demo Borough", code 999) with about 60 schools (primaries, secondaries,
two special schools with bands, an SSC, an AP, nurseries), census figures, term dates, about
600 pupils with plans (some from other LAs, some in other LAs' schools, some moving mid-year,
some on managed moves), two clusters and one login per role.

Every row is written with its history (simple-history), recorded by the demo officer on the day
it "was recorded" (see DEMO_GO_LIVE), so `run_allocation --as-at` can re-run any demo run.

The package: `constants` (what the demo is made of), `history` (rows written with their dated
history), `schools` and `pupils` (the steps of `DemoBuilder` that build them), `builder`
(`DemoBuilder`, its clusters and logins, `seed_demo()`) and `runs` (`seed_demo_funding()`).
"""

from .builder import DemoBuilder, DemoSummary, seed_demo
from .constants import (
    DEMO_CENSUSES,
    DEMO_GO_LIVE,
    DEMO_LA,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_REASON,
    FAMILY,
    GIVEN,
    NEED_WEIGHTS,
    NEEDS,
    NEIGHBOURS,
    STREETS,
)
from .runs import DEMO_HOUSE_MOVES, DEMO_SPEND_SHARES, FundingSummary, seed_demo_funding

__all__ = [
    "DEMO_CENSUSES",
    "DEMO_GO_LIVE",
    "DEMO_HOUSE_MOVES",
    "DEMO_LA",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEMO_REASON",
    "DEMO_SPEND_SHARES",
    "FAMILY",
    "GIVEN",
    "NEEDS",
    "NEED_WEIGHTS",
    "NEIGHBOURS",
    "STREETS",
    "DemoBuilder",
    "DemoSummary",
    "FundingSummary",
    "seed_demo",
    "seed_demo_funding",
]
