// The CUDA backend's registration calls, one per kernel family file, mirroring
// csrc/backend/cpu/register.h; register_all() (tg_cuda.h) calls each.
#pragma once

namespace tg::cuda {

void register_elementwise();  // elementwise.cu
void register_copy();         // copy.cu: to_device, cast, identity
void register_reduce();       // reduce.cu
void register_softmax();      // softmax.cu
void register_join();         // join.cu
void register_gather();       // gather.cu
void register_fill();         // fill.cu
void register_random();       // random.cu
void register_optim();        // optim.cu (the optimizer updates' registry, backend/update.h)
void register_gemm();         // gemm.cu (matmul through cuBLAS)
void register_dense();        // dense.cu
void register_conv();         // conv.cu (im2col / col2im + cuBLAS)
void register_pool();         // pool.cu
void register_image();        // image.cu
void register_norm();         // norm.cu
void register_rnn();          // rnn.cu
void register_sort();         // sort.cu (argsort through CUB's segmented radix sort)
void register_scan();         // scan.cu (cumsum, cumprod)
void register_linalg();       // host_fallback.cu (the LAPACK ops, run on the host)

}  // namespace tg::cuda
