"""What the demo LA is made of: its logins, LA codes, names, census dates and need weights."""

from __future__ import annotations

import datetime as dt

from pupils.models import PrimaryNeed

DEMO_PASSWORD = "demo-password-2026"
#: The demo's logins, as `seed_demo` prints them (cluster2 comes with the clusters demo).
DEMO_LOGINS = [
    ("officer", "LA SEN officer"),
    ("finance", "LA finance officer"),
    ("school", "School business manager (one primary school)"),
    ("school2", "School business manager (one secondary school)"),
    ("panel", "SEN Panel member (Django admin at /admin/)"),
    ("cluster", "Cluster host (North Downs Cluster)"),
    ("cluster2", "Cluster host (Riverside Cluster)"),
    ("admin", "System admin (superuser)"),
]
DEMO_LA = ("999", "Demo Borough")
NEIGHBOURS = [
    ("936", "Surrey"),
    ("938", "West Sussex"),
    ("845", "East Sussex"),
    ("886", "Kent"),
    ("204", "Hackney"),
    ("880", "Torbay"),
    ("926", "Norfolk"),
]
STREETS = [
    "Ashdown", "Beacon", "Brook", "Castle", "Chalk Hill", "Church", "Downs", "Elm", "Fairfield",
    "Forest", "Greenway", "Hawthorn", "Heath", "Highfield", "Hillside", "Kingsway", "Lark Rise",
    "Linden", "Meadow", "Mill", "Moor", "Northgate", "Oakwood", "Orchard", "Park", "Priory",
    "Queensway", "Riverside", "St Mary's", "St John's", "Southfield", "Spring", "Station",
    "Templars", "The Willows", "Valley", "Victoria", "Westcroft", "Whitegate", "Woodside",
]  # fmt: skip
GIVEN = [
    "Amara", "Ben", "Chloe", "Daniel", "Ella", "Finley", "Grace", "Harry", "Isla", "Jack", "Kai",
    "Layla", "Mohammed", "Noah", "Olivia", "Priya", "Quinn", "Rosie", "Sami", "Theo", "Uma",
    "Vinnie", "Willow", "Yusuf", "Zara", "Alfie", "Bella", "Callum", "Daisy", "Ethan", "Freya",
    "George", "Hana", "Isaac", "Jasmine", "Leo", "Maya", "Oscar", "Poppy", "Reuben", "Sophie",
]  # fmt: skip
FAMILY = [
    "Adams", "Begum", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Mensah", "Nowak", "Okafor", "Patel", "Quinn", "Roberts", "Smith", "Taylor",
    "Usman", "Vaughan", "Walker", "Xu", "Young", "Zielinski", "Ahmed", "Brown", "Campbell",
    "Dunn", "Ellis", "Foster", "Gill", "Hall", "Islam", "Kowalski", "Murphy", "Nguyen", "Shah",
]  # fmt: skip
NEEDS = [c.value for c in PrimaryNeed]
# October and January censuses (elements 1-2 use the latest before the FY) and November counts
# (R4's counting month in the West Sussex scheme), with a small drift in the roll.
DEMO_CENSUSES = [
    (dt.date(2024, 10, 3), 0.97),
    (dt.date(2025, 1, 16), 0.97),
    (dt.date(2025, 10, 2), 0.98),
    (dt.date(2025, 11, 6), 0.98),
    (dt.date(2026, 1, 15), 1.0),
    (dt.date(2026, 10, 1), 1.01),
    (dt.date(2026, 11, 5), 1.01),
]
NEED_WEIGHTS = [8, 12, 6, 2, 16, 18, 2, 1, 1, 4, 26, 4]
#: When the demo LA loaded its records into the product. The history a run "as at" reads says
#: so: what was in force then is recorded that morning, anything later on the day it took
#: effect (a plan on its issue date, a census on its day, a move on the day of the move).
DEMO_GO_LIVE = dt.date(2024, 3, 1)
DEMO_REASON = "Demo data"
