// The CPU backend's registration calls, one per kernel family file; op::init()
// calls them at module init (an explicit call: self-registering globals in a
// static library get dropped by the linker).
#pragma once

namespace tg::cpu {

void register_elementwise();  // backend/cpu/elementwise.cpp
void register_reduce();       // backend/cpu/reduce.cpp
void register_softmax();      // backend/cpu/softmax.cpp
void register_copy();         // backend/cpu/copy.cpp
void register_join();         // backend/cpu/join.cpp
void register_gather();       // backend/cpu/gather.cpp
void register_fill();         // backend/cpu/fill.cpp
void register_random();       // backend/cpu/random.cpp
void register_optim();        // backend/cpu/optim.cpp (the optimizer updates' registry, backend/update.h)
void register_gemm();         // backend/cpu/gemm.cpp (matmul)
void register_dense();        // backend/cpu/dense.cpp
void register_conv();         // backend/cpu/conv.cpp
void register_pool();         // backend/cpu/pool.cpp
void register_image();        // backend/cpu/image.cpp
void register_norm();         // backend/cpu/norm.cpp
void register_rnn();          // backend/cpu/rnn.cpp
void register_sort();         // backend/cpu/sort.cpp
void register_scan();         // backend/cpu/scan.cpp
void register_linalg();       // backend/cpu/linalg.cpp (LAPACK)

inline void register_all() {
  register_elementwise();
  register_reduce();
  register_softmax();
  register_copy();
  register_join();
  register_gather();
  register_fill();
  register_random();
  register_optim();
  register_gemm();
  register_dense();
  register_conv();
  register_pool();
  register_image();
  register_norm();
  register_rnn();
  register_sort();
  register_scan();
  register_linalg();
}

}  // namespace tg::cpu
