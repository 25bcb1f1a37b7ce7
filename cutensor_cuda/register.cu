#include "allocator_cuda.h"
#include "register.h"
#include "tg_cuda.h"

namespace tg::cuda {

void register_all() {
  register_elementwise();
  register_copy();
  register_reduce();
  register_softmax();
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
  install_allocator();
}

}  // namespace tg::cuda
