from django.core.management.base import BaseCommand, CommandError

from funding.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo, seed_demo_funding


class Command(BaseCommand):
    help = (
        "Load the deterministic demo LA: about 60 schools, 600 pupils with plans, a login per role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=600)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database has schools."
        )

    def handle(self, *args, pupils: int, if_empty: bool, **options):
        from schools.models import School

        if School.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded.")
                self._print_logins()
                return
            raise CommandError("The database already has schools: seed_demo needs an empty one.")
        summary = seed_demo(pupils=pupils)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo LA loaded: {summary.schools} schools, {summary.pupils} pupils, "
                f"{summary.plans} plans, {summary.placements} placements."
            )
        )
        funding = seed_demo_funding()
        for run_id, fy, kind, total, lines in funding.runs:
            self.stdout.write(
                f"Allocation run {run_id}: FY {fy} {kind}, {lines:,} lines, £{total:,.2f}"
            )
        self.stdout.write(
            f"In-year changes recorded between the FY 2025-26 runs: {funding.changes}"
        )
        for move in funding.house_moves:
            self.stdout.write(f"House move (R8+, split between the two LAs): {move}")
        self.stdout.write(
            f"SEN spend recorded for FY 2025-26 by {funding.spends} schools (R21: allocation "
            "against spend in the final report)."
        )
        self.stdout.write(
            "Every demo row has its history (recorded by the officer, from March 2024), so "
            "run_allocation --as-at can re-run any run as at its own moment."
        )
        from funding.panel.demo import seed_panel_demo
        from funding.reports.demo import seed_reports_demo
        from funding.returns.tasks import generate_returns_for_month

        meetings = seed_panel_demo()
        self.stdout.write(f"SEN Panel: {len(meetings)} meetings with cases and decisions.")
        generate_returns_for_month("2026-11-01")
        self.stdout.write("Monthly returns issued for November 2026.")
        seed_reports_demo()
        self.stdout.write("High-needs budget lines and monthly snapshots loaded.")
        from clusters.demo import seed_cluster_demo

        seed_cluster_demo()
        self.stdout.write(
            "Clusters: pots, meetings, requests and the auxiliary aids fund; FY 2026-27 revised "
            "run with Pupil Specific Funding (Norfolk model)."
        )
        self._print_logins()

    def _print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<8} {role}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.")
