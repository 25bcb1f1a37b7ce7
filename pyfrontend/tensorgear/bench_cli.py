"""Entry of ``tensorgear bench`` (routed here by tensorgear.cli) and of
``python -m tensorgear.bench_cli``.  The suite itself is tensorgear.benchmarks,
inside the package, so it runs from a wheel as well as from a checkout."""

import sys

from .benchmarks.cli import build_parser, main  # noqa: F401

if __name__ == "__main__":
    sys.exit(main())
