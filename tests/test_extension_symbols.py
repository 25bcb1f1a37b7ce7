"""The compiled extension exports Python's entry point and nothing else.

A symbol _C exports can bind to another copy of the same library in the
process: a toolchain that links libstdc++ statically (the GPU machine's did)
then mixed two libstdc++ in one process, which broke every formatted number
and crashed once torch or numpy had loaded the shared one; the static CUDA
runtime would clash with PyTorch's the same way."""

import shutil
import subprocess

import pytest

from tensorgear import _C


def _exported(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    return sorted(line.split()[-1] for line in out.splitlines() if line.strip())


@pytest.mark.skipif(shutil.which("nm") is None, reason="needs nm (binutils)")
def test_the_extension_exports_only_its_entry_point():
    assert _exported(_C.__file__) == ["PyInit__C"]
