"""A script that uses tensorgear exits cleanly: no C++ static may hold a
Python object past the interpreter's finalisation (its destructor would
touch a dead interpreter at exit and crash the process with SIGSEGV)."""

import subprocess
import sys
import textwrap


def test_a_pytest_run_using_tensorgear_exits_with_status_0(tmp_path):
    # pytest's shutdown drops the last other references to numpy and
    # tensorgear._shape first, which is what exposed the bug.
    (tmp_path / "test_user.py").write_text(textwrap.dedent("""
        import tensorgear as tg

        def test_user():
            x = tg.constant([1.0, 2.0])
            assert x.shape == (2,)
            assert x.numpy().tolist() == [1.0, 2.0]
    """))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_user.py")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])


def test_a_script_using_tensorgear_exits_with_status_0():
    code = "import tensorgear as tg; x = tg.constant([[1.0, 2.0]]); print(x.shape, x.numpy().sum())"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "(1, 2)" in r.stdout, (r.returncode, r.stdout, r.stderr)
