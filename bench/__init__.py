"""Thin wrappers around tensorgear.benchmarks (the suite ships inside the package
so that ``tensorgear bench`` works from a wheel).  ``python -m bench`` and
``python bench/run.py`` from a checkout use the tensorgear that imports, or
this checkout's pyfrontend/ when none does."""
