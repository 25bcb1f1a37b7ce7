// Warp, block and block-column reductions shared by the reduction kernels
// (reduce.cu) and the softmax family (softmax.cu), and the loop that hands
// rows to groups of threads. Every combination runs in a fixed order that
// depends on the launch shape only, so results are deterministic (no atomics).
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace tg::cuda {

constexpr unsigned kFullWarp = 0xffffffffu;

// The combinations the row kernels use. NanMax is the CPU's Pick (a NaN
// anywhere wins, simd/reduce_impl.h); Plus is commutative, so every lane of
// an allreduce ends with the same sum.
struct NanMax {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return (b > a || b != b) ? b : a;
  }
};
struct Plus {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a + b;
  }
};

// Shuffles of any trivially copyable value: numbers through the native
// shuffles, other values (accumulator pairs) word by word.
template <class V>
__device__ __forceinline__ V shfl_xor_any(V v, int mask) {
  if constexpr (std::is_same_v<V, float> || std::is_same_v<V, double> || std::is_same_v<V, int> ||
                std::is_same_v<V, unsigned>) {
    return __shfl_xor_sync(kFullWarp, v, mask);
  } else if constexpr (std::is_integral_v<V> && sizeof(V) == 8) {
    return V(__shfl_xor_sync(kFullWarp, static_cast<unsigned long long>(v), mask));
  } else if constexpr (std::is_integral_v<V> && sizeof(V) < 4) {  // bool, bytes
    return V(__shfl_xor_sync(kFullWarp, int(v), mask));
  } else {
    constexpr int kWords = int((sizeof(V) + 3) / 4);
    unsigned w[kWords] = {};
    memcpy(w, &v, sizeof(V));
#pragma unroll
    for (int k = 0; k < kWords; ++k) w[k] = __shfl_xor_sync(kFullWarp, w[k], mask);
    memcpy(&v, w, sizeof(V));
    return v;
  }
}

// Every lane gets f over the warp's 32 values. A butterfly: at each step the
// two partners combine the same two values, so for a commutative f every
// lane ends with the same bits. Needs all 32 lanes.
template <class V, class F>
__device__ __forceinline__ V warp_allreduce(V v, F f) {
#pragma unroll
  for (int m = 16; m > 0; m >>= 1) v = f(v, shfl_xor_any(v, m));
  return v;
}

// Every thread of a group of G threads gets f over the group's values: G is
// 32 (the group is a warp) or the block size (the group is the whole block,
// 1-D, blockDim.x == G). smem holds G / 32 values. Every thread of the group
// must call it (it synchronises the block when G > 32).
template <int G, class V, class F>
__device__ __forceinline__ V group_allreduce(V v, F f, V* smem) {
  v = warp_allreduce(v, f);
  if constexpr (G > 32) {
    const int warp = int(threadIdx.x) / 32;
    if (threadIdx.x % 32 == 0) smem[warp] = v;
    __syncthreads();
    v = smem[0];
    for (int w = 1; w < G / 32; ++w) v = f(v, smem[w]);
    __syncthreads();  // smem is free for the next call
  }
  return v;
}

// In a block of (blockDim.x, blockDim.y) threads, blockDim.y a power of two:
// every thread gets f over the values of its block column (same threadIdx.x).
// smem holds blockDim.x * blockDim.y values. Every thread of the block must
// call it.
template <class V, class F>
__device__ __forceinline__ V column_allreduce(V v, F f, V* smem) {
  const int bx = int(blockDim.x), tx = int(threadIdx.x), ty = int(threadIdx.y);
  smem[ty * bx + tx] = v;
  __syncthreads();
  for (int h = int(blockDim.y) / 2; h > 0; h /= 2) {
    if (ty < h) {
      v = f(v, smem[(ty + h) * bx + tx]);
      smem[ty * bx + tx] = v;
    }
    __syncthreads();
  }
  v = smem[tx];
  __syncthreads();  // smem is free for the next call
  return v;
}

// Rows handed to groups of G threads (see group_allreduce): a block of
// kBlock threads takes kBlock / G rows at a time, in a grid-stride loop.
template <int G>
struct RowGroups {
  static constexpr int kBlock = G < 256 ? 256 : G;
  static constexpr int kRows = kBlock / G;

  static unsigned grid(int64_t rows) {
    const int64_t g = (rows + kRows - 1) / kRows;
    constexpr int64_t kMaxGrid = int64_t(1) << 20;
    return unsigned(g < 1 ? 1 : g > kMaxGrid ? kMaxGrid : g);
  }

  // Calls f(row, t) for each row this thread's group owns, t being the
  // thread's rank in its group. A group's threads see the same rows, and
  // with G > 32 every thread of the block sees the same rows, so f may call
  // group_allreduce.
  template <class F>
  __device__ static void for_each(int64_t rows, F&& f) {
    const int sub = int(threadIdx.x) / G, t = int(threadIdx.x) % G;
    for (int64_t b = blockIdx.x; b * kRows < rows; b += gridDim.x) {
      const int64_t row = b * kRows + sub;
      if (row < rows) f(row, t);
    }
  }
};

}  // namespace tg::cuda
