"""manage.py bench NAME [--schools N --pupils N --seed S]: run a named benchmark (not a test).

Benchmarks are imported lazily so a missing one does not break the others:
  allocations -> funding.bench.allocations   (funding engine: full run vs set-based floor)
  returns     -> funding.returns.bench       (monthly returns through the real worker)
  pages       -> funding.bench.pages         (pages under load)
  reports     -> funding.reports.bench       (reports and budget pages)
Each module provides run(schools=..., pupils=..., seed=..., out=callable).
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
}


class Command(BaseCommand):
    help = "Run a benchmark on a synthetic LA in <DATABASE>_bench: " + ", ".join(BENCHMARKS)

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(BENCHMARKS))
        parser.add_argument("--schools", type=int, default=600)
        parser.add_argument("--pupils", type=int, default=25000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, name, schools, pupils, seed, **options):
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
        kwargs = {"schools": schools, "pupils": pupils, "seed": seed}
        parameters = inspect.signature(runner).parameters
        if "out" in parameters or any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
            kwargs["out"] = self.stdout.write
        kwargs = {
            k: v
            for k, v in kwargs.items()
            if k in parameters or any(p.kind == p.VAR_KEYWORD for p in parameters.values())
        }
        runner(**kwargs)
