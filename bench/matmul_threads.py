"""One GEMM on one thread vs split over the thread pool (single-threaded BLAS
per block), at the MNIST training shapes and squares, to place linalg's
parallel_gemm_threshold (csrc/backend/cpu/gemm.cpp).

    python bench/matmul_threads.py [--repeat N]

Runs both settings interleaved (this machine is shared and noisy) and prints
the best time of each (other load only ever adds time) and their ratio; a
ratio > 1 means the pool is faster.
"""

import argparse
import time

import numpy as np

import tensorgear as tg

_C = tg._C

CASES = [  # name, (M, K, N), transpose_a, transpose_b
    ("mnist fwd  x@W1", (128, 784, 512), False, False),
    ("mnist dW1  x^T@g", (784, 128, 512), True, False),
    ("mnist fwd  h@W2", (128, 512, 10), False, False),
    ("mnist dW2  h^T@g", (512, 128, 10), True, False),
    ("mnist dh   g@W2^T", (128, 10, 512), False, True),
    ("square 256", (256, 256, 256), False, False),
    ("square 512", (512, 512, 512), False, False),
    ("square 768", (768, 768, 768), False, False),
    ("square 1024", (1024, 1024, 1024), False, False),
    ("square 2048", (2048, 2048, 2048), False, False),
]


def operands(m, k, n, ta, tb):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    return tg.constant(a), tg.constant(b)


def time_once(a, b, ta, tb, reps):
    t0 = time.perf_counter()
    for _ in range(reps):
        tg.matmul(a, b, transpose_a=ta, transpose_b=tb)
    return (time.perf_counter() - t0) / reps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=15)
    args = p.parse_args()
    print(f"BLAS {_C.blas_info()}; our threads {_C.num_threads()}; "
          f"default threshold {_C._matmul_stats()['parallel_gemm_threshold']:.3g}")
    print(f"{'case':20s} {'MNK':>9s} {'1 thread ms':>12s} {'pool ms':>9s} {'1/pool':>7s}")
    try:
        for name, (m, k, n), ta, tb in CASES:
            a, b = operands(m, k, n, ta, tb)
            work = m * n * k
            reps = max(1, int(2e8 // work))
            single, pool = [], []
            for _ in range(args.repeat):
                _C._set_parallel_gemm_threshold(2**62)
                single.append(time_once(a, b, ta, tb, reps))
                _C._set_parallel_gemm_threshold(1)
                pool.append(time_once(a, b, ta, tb, reps))
            s, q = min(single), min(pool)
            print(f"{name:20s} {work:9.3g} {s * 1e3:12.3f} {q * 1e3:9.3f} {s / q:7.2f}")
    finally:
        _C._set_parallel_gemm_threshold(0)


if __name__ == "__main__":
    main()
