"""The tests that compute hold whatever CPU computes them.

The last bits of a matrix product depend on the CPU: OpenBLAS picks a kernel per CPU (with or
without fused multiply-adds, another order of summation), and numpy picks its SIMD loops for
exp, log and sqrt (AVX-512 or not). A training run is chaotic enough to turn those bits into
another trajectory, so a test that held what one run happened to do passed on the machine it
was written on and failed on CI's (three times, on three kinds of machine: it is how
tests/test_depth.py and tests/test_dead_units.py learned to hold what the lessons say rather
than one run's luck). Here the test files that compute run again, in a subprocess that
computes as another CPU would: OpenBLAS's Sandybridge kernels (AVX, no FMA; Haswell's where the
machine already uses Sandybridge's) and numpy without AVX-512, set by OpenBLAS's
``OPENBLAS_CORETYPE`` and numpy's ``NPY_DISABLE_CPU_FEATURES``.
"""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

# Left out of the second run: files whose tests compute nothing a CPU could round another way
# (session state, uploads, queues, servers, configuration), the random-click monkey test (it
# holds "no exception", the longest file by far) and this file.
NOT_RERUN = {
    "test_admission.py", "test_deploy_config.py", "test_frame.py", "test_isolation.py",
    "test_monkey.py", "test_other_cpus.py", "test_persistence.py", "test_readme.py",
    "test_reconnect.py", "test_server_process.py", "test_uploads.py",
}
CHECK_CORE = ("import numpy; from threadpoolctl import threadpool_info; "
              "print(*[i.get('architecture') for i in threadpool_info() "
              "if i.get('internal_api') == 'openblas'])")


def openblas_core():
    """The OpenBLAS kernel this process's numpy uses ('Haswell', ...), or None without one."""
    from threadpoolctl import threadpool_info

    cores = [info.get("architecture") for info in threadpool_info()
             if info.get("internal_api") == "openblas"]
    return cores[0] if cores else None


def another_cpu():
    """The environment of a process that computes as another CPU would."""
    from numpy._core import _multiarray_umath as umath

    core = openblas_core()
    # Every SIMD target above AVX2 that numpy was built to dispatch to (those the machine lacks
    # are ignored by numpy).
    above_avx2 = [target for target in umath.__cpu_dispatch__
                  if target not in umath.__cpu_baseline__ and target not in ("X86_V3", "AVX2")]
    return {**os.environ,
            "OPENBLAS_CORETYPE": "Haswell" if core == "Sandybridge" else "Sandybridge",
            "NPY_DISABLE_CPU_FEATURES": " ".join(above_avx2)}


@pytest.mark.slow
def test_the_computing_tests_pass_on_another_cpu():
    if openblas_core() is None:
        pytest.skip("numpy here does not use OpenBLAS, whose kernel this test chooses")
    env = another_cpu()
    # The child really computes with the other kernel (a name OpenBLAS does not know would
    # leave it on the machine's own, and this test would prove nothing).
    child_core = subprocess.run([sys.executable, "-c", CHECK_CORE], env=env, cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=60).stdout.strip()
    assert child_core == env["OPENBLAS_CORETYPE"] != openblas_core()

    tests = REPO_ROOT / "tests"
    files = sorted(str(path.relative_to(REPO_ROOT)) for path in tests.glob("test_*.py")
                   if path.name not in NOT_RERUN)
    assert "tests/test_depth.py" in files and "tests/test_dead_units.py" in files
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
         "nn_core", *files],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    failed, tail = run.returncode != 0, "\n".join(run.stdout.splitlines()[-60:])
    assert not failed, (
        f"with OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']} and NPY_DISABLE_CPU_FEATURES="
        f"{env['NPY_DISABLE_CPU_FEATURES']!r}:\n{tail}\n{run.stderr[-2000:]}")
