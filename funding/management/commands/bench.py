"""manage.py bench NAME [--schools N --pupils N --seed S]: run a named benchmark (not a test).

Benchmarks are imported lazily so a missing one does not break the others:
  allocations -> funding.bench.allocations   (funding engine: full run vs set-based floor)
  returns     -> funding.returns.bench       (monthly returns through the real worker)
  pages       -> funding.bench.pages         (pages under load)
  reports     -> funding.reports.bench       (reports and budget pages)
  imports     -> funding.bench.imports       (pupil import of 25,000 and 100,000 rows)
Each module provides run(schools=..., pupils=..., seed=..., out=callable).
  all         -> funding.bench.all           (every benchmark above on one synthetic LA, then
                                              one table: figure, target, met/over, with the
                                              machine's cores and load average)

`bench allocations --schools N` builds a synthetic LA of N schools (any number up to the
national 24,000 and beyond). `bench allocations --from-census` builds England instead from
../shared/data/england_census.csv (January 2019: 23,939 schools in 152 LAs): a national run,
where one administering LA ("990 England (national benchmark)") holds every school with its
real number on roll and one pupil with an EHC plan per plan the census counts there, and the
152 census LAs are the pupils' home LAs (billed their top-up). With it, --schools takes the
first N schools by URN (default all) and --pupils is ignored.
"""

from __future__ import annotations

import importlib
import inspect

from django.core.management.base import BaseCommand, CommandError

BENCHMARKS = {
    "allocations": "funding.bench.allocations",
    "returns": "funding.returns.bench",
    "pages": "funding.bench.pages",
    "reports": "funding.reports.bench",
    "imports": "funding.bench.imports",
    "payments": "funding.payments.bench",
    "scenarios": "funding.scenarios.bench",
}


class Command(BaseCommand):
    help = (
        "Run a benchmark on a synthetic LA in <DATABASE>_bench: "
        + ", ".join(BENCHMARKS)
        + ". allocations --from-census: a national run from ../shared/data/england_census.csv "
        "(one administering LA holding all 23,939 schools with their real rolls and EHC-plan "
        "counts; the 152 census LAs as the pupils' home LAs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", choices=[*sorted(BENCHMARKS), "all"])
        parser.add_argument(
            "--schools", type=int, help="Schools (default 600; with --from-census: all)."
        )
        parser.add_argument(
            "--pupils", type=int, help="Pupils (default 25,000; ignored with --from-census)."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--from-census",
            action="store_true",
            help="allocations: the national shape from ../shared/data/england_census.csv, "
            "one LA administering every school, the 152 census LAs as home LAs.",
        )
        parser.add_argument(
            "--repeat",
            type=int,
            help="allocations: timed runs (and floors); scenarios: timed runs of each figure, "
            "the median reported; default 3.",
        )

    def handle(self, *args, name, schools, pupils, seed, from_census, repeat, **options):
        if name == "all":
            from funding.bench.all import run_all

            run_all(BENCHMARKS, schools=schools, pupils=pupils, seed=seed, out=self.stdout.write)
            return
        module_name = BENCHMARKS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                raise CommandError(
                    f"The {name!r} benchmark is not installed yet ({module_name} is missing)."
                ) from exc
            raise
        runner = getattr(module, "run", None)
        if runner is None:
            raise CommandError(f"{module_name} has no run() function.")
        kwargs = {"seed": seed}
        # Each benchmark keeps its own defaults for what is not given.
        for key, value in (
            ("schools", schools),
            ("pupils", pupils),
            ("repeat", repeat),
            ("from_census", from_census or None),
        ):
            if value is not None:
                kwargs[key] = value
        parameters = inspect.signature(runner).parameters
        if from_census and "from_census" not in parameters:
            raise CommandError(f"The {name!r} benchmark has no --from-census.")
        if "out" in parameters or any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
            kwargs["out"] = self.stdout.write
        kwargs = {
            k: v
            for k, v in kwargs.items()
            if k in parameters or any(p.kind == p.VAR_KEYWORD for p in parameters.values())
        }
        runner(**kwargs)
