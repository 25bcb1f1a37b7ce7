#!/usr/bin/env python
"""Run the benchmark suite from a source checkout: ``python bench/run.py [--quick]
[--sections kernels,overheads,training] [--json F] [--plot F.png] [--markdown F]``.
Same options as ``tensorgear bench`` (see --help)."""

import os
import sys


def _import_suite():
    try:
        from tensorgear.benchmarks import cli
    except ImportError:
        # Not installed (or an older install): use this checkout's package.
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, os.path.join(os.path.dirname(here), "pyfrontend"))
        for name in [m for m in sys.modules if m == "tensorgear" or m.startswith("tensorgear.")]:
            del sys.modules[name]
        from tensorgear.benchmarks import cli
    return cli


def main(argv=None):
    return _import_suite().main(argv)


if __name__ == "__main__":
    sys.exit(main())
