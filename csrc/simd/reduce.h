// The reduction and softmax-family inner loops: one function per (op, input
// dtype), picked from the table of the best instruction set the CPU supports
// (filled by reduce_impl.h through loops_arch.cpp).
//
// The reduction loops fold into an accumulator array whose dtype is
// reduce_acc_dtype(op, input dtype): sums and products of floats accumulate in
// float64 (float32 sums are then exact to well below float32 rounding, at no
// cost in a memory-bound loop), integer sums and products in int64, max/min in
// the input dtype, any/all in bool. A loop combines into the accumulator, so
// callers fill it with the identity first and may call a loop many times.
#pragma once
#include <cstdint>

#include "dtype.h"

namespace tg::simd {

enum class ReduceOp : uint8_t { Sum, Prod, Max, Min, Any, All, kCount };

inline DType reduce_acc_dtype(ReduceOp op, DType in) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Prod: return is_floating(in) ? DType::Float64 : DType::Int64;
    case ReduceOp::Max:
    case ReduceOp::Min: return in;
    default: return DType::Bool;
  }
}

// "rows": the reduced run is innermost.
//   acc[o*sacc] = op(acc[o*sacc], in[o*so + k*si] for k < n)   for o < m
using ReduceRowsFn = void (*)(const void* in, int64_t so, int64_t si, int64_t m, int64_t n, void* acc, int64_t sacc);
// "cols": the kept run is innermost; rows of the input fold into a vector.
//   acc[j*sacc] = op(acc[j*sacc], in[r*sr + j*sj] for r < nr)  for j < nc
using ReduceColsFn = void (*)(const void* in, int64_t sr, int64_t sj, int64_t nr, int64_t nc, void* acc,
                              int64_t sacc);
// Index of the first maximum (minimum) of in[k*s], k < n (n >= 1); a NaN
// beats every number and the first NaN wins, as in NumPy.
using ArgRowFn = int64_t (*)(const void* in, int64_t s, int64_t n);
// The same down nr rows of nc contiguous columns: idx[j] = arg over r of in[r*sr + j].
using ArgColsFn = void (*)(const void* in, int64_t sr, int64_t nr, int64_t nc, int64_t* idx);

// ---- softmax family (float32 / float64; contiguous rows of n) ---------------
// softmax (or log_softmax) of m rows.
using SoftmaxRowsFn = void (*)(const void* in, void* out, int64_t m, int64_t n);
// Down nc columns of L rows, ld elements apart: column j is in[r*ld + j], r < L.
using SoftmaxColsFn = void (*)(const void* in, void* out, int64_t L, int64_t nc, int64_t ld);
// out[o] = logsumexp of row o (rows start so elements apart).
using LseRowsFn = void (*)(const void* in, int64_t so, int64_t m, int64_t n, void* out);
// The cross-entropies keep each row's log-sum-exp as two parts, mx (the
// row max) and ls = log(sum(exp(x - mx))), for an accurate backward.
// Sparse: loss[o] = ls[o] - (x[o, labels[o]] - mx[o]).
using SparseXentFn = void (*)(const void* logits, const int64_t* labels, int64_t m, int64_t n, void* loss, void* mx,
                              void* ls);
// out[o, j] = (exp(x[o, j] - mx[o] - ls[o]) - [j == labels[o]]) * g[o]
using SparseXentBwdFn = void (*)(const void* logits, const int64_t* labels, const void* mx, const void* ls,
                                 const void* g, int64_t m, int64_t n, void* out);
// Dense: loss[o] = sum_j z[o, j] * (ls[o] - (x[o, j] - mx[o])).
using DenseXentFn = void (*)(const void* logits, const void* labels, int64_t m, int64_t n, void* loss, void* mx,
                             void* ls);
// out[o, j] = (softmax(x)[o, j] * sum_k z[o, k] - z[o, j]) * g[o]
using DenseXentBwdFn = void (*)(const void* logits, const void* labels, const void* mx, const void* ls, const void* g,
                                int64_t m, int64_t n, void* out);
// Element-wise: out = max(x, 0) - x*z + log1p(exp(-|x|)).
using SigmoidXentFn = void (*)(const void* x, const void* z, int64_t n, void* out);
// Element-wise: out = (sigmoid(x) - z) * g.
using SigmoidXentBwdFn = void (*)(const void* x, const void* z, const void* g, int64_t n, void* out);

struct ReduceLoops {
  // Indexed by op and input dtype.
  ReduceRowsFn rows[int(ReduceOp::kCount)][kNumDTypes] = {};
  ReduceColsFn cols[int(ReduceOp::kCount)][kNumDTypes] = {};
  ArgRowFn argmax_row[kNumDTypes] = {}, argmin_row[kNumDTypes] = {};
  ArgColsFn argmax_cols[kNumDTypes] = {}, argmin_cols[kNumDTypes] = {};
  // Indexed by dtype; only Float32 and Float64 are set.
  SoftmaxRowsFn softmax_rows[kNumDTypes] = {}, log_softmax_rows[kNumDTypes] = {};
  SoftmaxColsFn softmax_cols[kNumDTypes] = {}, log_softmax_cols[kNumDTypes] = {};
  LseRowsFn lse_rows[kNumDTypes] = {};
  SparseXentFn sparse_xent[kNumDTypes] = {};
  SparseXentBwdFn sparse_xent_bwd[kNumDTypes] = {};
  DenseXentFn dense_xent[kNumDTypes] = {};
  DenseXentBwdFn dense_xent_bwd[kNumDTypes] = {};
  SigmoidXentFn sigmoid_xent[kNumDTypes] = {};
  SigmoidXentBwdFn sigmoid_xent_bwd[kNumDTypes] = {};
};

}  // namespace tg::simd
