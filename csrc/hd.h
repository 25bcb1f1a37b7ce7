// TG_HD marks a function that one definition serves on both sides: compiled
// for the host by the C++ compiler, and for the host and the GPU by nvcc (the
// shared element functors, Philox, the offset calculator).
#pragma once

#if defined(__CUDACC__)
#define TG_HD __host__ __device__
#define TG_HD_INLINE __host__ __device__ __forceinline__
#else
#define TG_HD
#define TG_HD_INLINE inline __attribute__((always_inline))
#endif
