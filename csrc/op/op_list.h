// The ops of the op table (op/registry.h), one line each: the enum name, the
// op's name as errors, tape nodes and Python read it, and its kernel family
// with the loop of that family that computes it on the CPU (simd/elementwise.h).
//
// Every op of the engine is here (optimizer updates, which write Variables
// in place and are never taped, have a registry of their own,
// backend/update.h);
// docs/architecture.md tracks the migration.
#pragma once

// X(Enum, "name", SimdLoop, function in ops.h)
#define TG_OPS_UNARY(X)                                                                                   \
  X(Negative, "negative", Negative, negative) X(Abs, "abs", Abs, abs) X(Sign, "sign", Sign, sign)          \
  X(Square, "square", Square, square) X(Sqrt, "sqrt", Sqrt, sqrt) X(Rsqrt, "rsqrt", Rsqrt, rsqrt)          \
  X(Reciprocal, "reciprocal", Reciprocal, reciprocal) X(Exp, "exp", Exp, exp) X(Log, "log", Log, log)      \
  X(Log1p, "log1p", Log1p, log1p) X(Expm1, "expm1", Expm1, expm1) X(Sin, "sin", Sin, sin)                  \
  X(Cos, "cos", Cos, cos) X(Tanh, "tanh", Tanh, tanh) X(Sigmoid, "sigmoid", Sigmoid, sigmoid)              \
  X(Relu, "relu", Relu, relu) X(Softplus, "softplus", Softplus, softplus) X(Erf, "erf", Erf, erf)          \
  X(Erfc, "erfc", Erfc, erfc) X(LogicalNot, "logical_not", LogicalNot, logical_not)                        \
  X(IsNan, "is_nan", IsNan, isnan) X(IsFinite, "is_finite", IsFinite, isfinite) X(IsInf, "is_inf", IsInf, isinf)

#define TG_OPS_BINARY(X)                                                                                  \
  X(Add, "add", Add, add) X(Subtract, "subtract", Sub, subtract) X(Multiply, "multiply", Mul, multiply)    \
  X(Divide, "divide", Div, divide) X(FloorDivide, "floor_divide", FloorDiv, floor_divide)                  \
  X(Mod, "mod", Mod, mod) X(Pow, "pow", Pow, pow) X(Maximum, "maximum", Maximum, maximum)                  \
  X(Minimum, "minimum", Minimum, minimum) X(Equal, "equal", Equal, equal)                                  \
  X(NotEqual, "not_equal", NotEqual, not_equal) X(Less, "less", Less, less)                                \
  X(LessEqual, "less_equal", LessEqual, less_equal) X(Greater, "greater", Greater, greater)                \
  X(GreaterEqual, "greater_equal", GreaterEqual, greater_equal)                                            \
  X(LogicalAnd, "logical_and", LogicalAnd, logical_and) X(LogicalOr, "logical_or", LogicalOr, logical_or)  \
  X(LogicalXor, "logical_xor", LogicalXor, logical_xor)

// The fused backwards of relu, sigmoid and tanh (y, g): ops of their own, so
// gradients of gradients work; not Python functions.
#define TG_OPS_BINARY_FUSED(X)                                                                            \
  X(ReluGrad, "relu_grad", ReluGrad, relu_grad) X(SigmoidGrad, "sigmoid_grad", SigmoidGrad, sigmoid_grad)  \
  X(TanhGrad, "tanh_grad", TanhGrad, tanh_grad)

#define TG_OPS_TERNARY(X) \
  X(ClipByValue, "clip_by_value", Clip, clip_by_value) X(Where, "where", Where, where)

// Reductions (backend/cpu/reduce.cpp): X(Enum, "name", reduction, function).
#define TG_OPS_REDUCE(X)                                                                                  \
  X(ReduceSum, "reduce_sum", Sum, sum) X(ReduceMean, "reduce_mean", Sum, mean)                             \
  X(ReduceMax, "reduce_max", Max, max) X(ReduceMin, "reduce_min", Min, min)                                \
  X(ReduceProd, "reduce_prod", Prod, prod) X(ReduceAny, "reduce_any", Any, any)                            \
  X(ReduceAll, "reduce_all", All, all) X(ReduceLogSumExp, "reduce_logsumexp", LogSumExp, logsumexp)        \
  X(SumTo, "sum_to", Sum, sum_to) X(ArgMax, "argmax", ArgMax, argmax) X(ArgMin, "argmin", ArgMin, argmin)

// Softmax and the fused cross-entropies with their fused backwards
// (backend/cpu/softmax.cpp).
#define TG_OPS_SOFTMAX(X)                                                                                  \
  X(Softmax, "softmax", Softmax, softmax) X(LogSoftmax, "log_softmax", LogSoftmax, log_softmax)              \
  X(MaskedSoftmax, "masked_softmax", Softmax, masked_softmax)                                              \
  X(SparseSoftmaxXent, "sparse_softmax_cross_entropy_with_logits", SparseXent,                             \
    sparse_softmax_cross_entropy_with_logits)                                                              \
  X(SparseSoftmaxXentGrad, "sparse_softmax_cross_entropy_grad", SparseXentBwd, sparse_xent_grad)           \
  X(SoftmaxXent, "softmax_cross_entropy_with_logits", DenseXent, softmax_cross_entropy_with_logits)        \
  X(SoftmaxXentGrad, "softmax_cross_entropy_grad", DenseXentBwd, dense_xent_grad)                          \
  X(SigmoidXent, "sigmoid_cross_entropy_with_logits", SigmoidXent, sigmoid_cross_entropy_with_logits)      \
  X(SigmoidXentGrad, "sigmoid_cross_entropy_grad", SigmoidXentBwd, sigmoid_xent_grad)

// Copies (backend/cpu/copy.cpp); to_device's kernel is the non-CPU side's.
#define TG_OPS_COPY(X) \
  X(Cast, "cast", Copy, cast) X(Identity, "identity", Copy, identity) X(ToDevice, "to_device", Copy, to_device)

// Views: no kernel on any device, a new layout of the input's memory
// (ops_shape.cpp, indexing.cpp).
#define TG_OPS_VIEW(X)                                                                                    \
  X(Reshape, "reshape", View, reshape) X(BroadcastTo, "broadcast_to", View, broadcast_to)                   \
  X(Transpose, "transpose", View, transpose) X(ExpandDims, "expand_dims", View, expand_dims)                \
  X(Squeeze, "squeeze", View, squeeze) X(Split, "split", View, split) X(Unstack, "unstack", View, unstack)  \
  X(GetItem, "getitem", View, getitem)

// Joins: inputs written into regions of a new output (backend/cpu/join.cpp).
#define TG_OPS_JOIN(X)                                                                                    \
  X(Concat, "concat", Join, concat) X(Stack, "stack", Join, stack) X(Tile, "tile", Join, tile)              \
  X(Pad, "pad", Join, pad)

// Index-driven copies (backend/cpu/gather.cpp).
#define TG_OPS_GATHER(X)                                                                                  \
  X(GetItemBackward, "getitem_backward", Gather, getitem_backward) X(Gather, "gather", Gather, gather)       \
  X(GatherBackward, "gather_backward", Gather, gather_backward) X(OneHot, "one_hot", Gather, one_hot)       \
  X(FlatNonzero, "flatnonzero", Gather, flatnonzero)

// Creation (backend/cpu/fill.cpp): no inputs; the shape, dtype and device
// come from the attrs.
#define TG_OPS_CREATION(X) \
  X(Fill, "fill", Fill, full) X(Eye, "eye", Eye, eye) X(Range, "range", Range, arange) \
  X(Linspace, "linspace", Linspace, linspace)

// Random (backend/cpu/random.cpp): no inputs except random_shuffle's; the
// stateful and stateless variants of a distribution share its op and differ
// only in the Philox stream random.cpp puts in the attrs.
#define TG_OPS_RANDOM(X)                                                                                  \
  X(RandomNormal, "random_normal", Normal, random_normal)                                                  \
  X(TruncatedNormal, "truncated_normal", TruncatedNormal, truncated_normal)                                \
  X(RandomUniform, "random_uniform", Uniform, random_uniform) X(DropoutMask, "dropout_mask", Dropout, dropout_mask) \
  X(RandomShuffle, "random_shuffle", Shuffle, random_shuffle)

// Matrix products (backend/cpu/gemm.cpp): matmul, and the Dense layer's
// forward, the GEMM followed by a bias + activation epilogue
// (backend/cpu/dense.cpp). tensordot is a composition (transpose, reshape,
// matmul), not an entry.
#define TG_OPS_LINALG(X) X(MatMul, "matmul", Gemm, matmul) X(Dense, "dense", GemmEpilogue, dense)

// Convolution and pooling over NHWC inputs (ops_conv.cpp; backend/cpu/conv.cpp
// by im2col + GEMM, backend/cpu/pool.cpp): conv2d, the input's gradient (the
// transposed convolution) and the filter's, the 2-D poolings and their
// gradients.
#define TG_OPS_CONV(X)                                                                                     \
  X(Conv2D, "conv2d", Conv, conv2d)                                                                        \
  X(Conv2DBackpropInput, "conv2d_backprop_input", Conv, conv2d_backprop_input)                             \
  X(Conv2DBackpropFilter, "conv2d_backprop_filter", Conv, conv2d_backprop_filter)                          \
  X(MaxPool2D, "max_pool2d", Pool, max_pool2d) X(MaxPool2DGrad, "max_pool2d_grad", Pool, max_pool2d_grad)   \
  X(MaxPool2DGradGrad, "max_pool2d_grad_grad", Pool, max_pool2d_grad_grad)                                 \
  X(AvgPool2D, "avg_pool2d", Pool, avg_pool2d) X(AvgPool2DGrad, "avg_pool2d_grad", Pool, avg_pool2d_grad)

// Image sampling over NHWC inputs (ops_image.cpp; backend/cpu/image.cpp):
// a projective transform per image (resize is one), and its adjoint.
#define TG_OPS_IMAGE(X)                                                                                    \
  X(ImageTransform, "image_transform", Image, image_transform)                                             \
  X(ImageTransformGrad, "image_transform_grad", Image, image_transform_grad)

// Batch and layer normalization over the last axis, forward and backward each
// one op (ops_norm.cpp; backend/cpu/norm.cpp).
#define TG_OPS_NORM(X)                                                                                     \
  X(BatchNorm, "batch_norm", Norm, batch_norm) X(BatchNormGrad, "batch_norm_grad", Norm, batch_norm_grad)   \
  X(LayerNorm, "layer_norm", Norm, layer_norm) X(LayerNormGrad, "layer_norm_grad", Norm, layer_norm_grad)

// A recurrent layer's recurrence over a whole sequence, forward and backward
// through time each one op (ops_rnn.cpp; backend/cpu/rnn.cpp).
// Sorting (ops_sort.cpp; backend/cpu/sort.cpp): the positions of a stable
// sort along the last axis; sort, top_k and take_along_axis compose it with gather.
#define TG_OPS_SORT(X) X(ArgSort, "argsort", Sort, argsort)

// Scans along an axis (ops_scan.cpp; backend/cpu/scan.cpp).
#define TG_OPS_SCAN(X) X(Cumsum, "cumsum", Scan, cumsum) X(Cumprod, "cumprod", Scan, cumprod)

// Dense linear algebra through LAPACK (ops_lapack.cpp; backend/cpu/linalg.cpp);
// qr, eigh and svd return their factors packed in one tensor.
#define TG_OPS_LAPACK(X)                                                                                   \
  X(Cholesky, "cholesky", Lapack, cholesky) X(TriangularSolve, "triangular_solve", Lapack, triangular_solve)  \
  X(MatrixInverse, "matrix_inverse", Lapack, matrix_inverse) X(MatrixSolve, "matrix_solve", Lapack, matrix_solve) \
  X(LogAbsDet, "log_abs_det", Lapack, log_abs_det) X(Qr, "qr", Lapack, qr) X(Eigh, "eigh", Lapack, eigh)          \
  X(Svd, "svd", Lapack, svd)

#define TG_OPS_RNN(X) X(RnnSequence, "rnn_sequence", Rnn, rnn_sequence) X(RnnSequenceGrad, "rnn_sequence_grad", Rnn, rnn_sequence_grad)

#define TG_OPS(X)                                                                                        \
  TG_OPS_UNARY(X) TG_OPS_BINARY(X) TG_OPS_BINARY_FUSED(X) TG_OPS_TERNARY(X) TG_OPS_REDUCE(X) TG_OPS_SOFTMAX(X) \
  TG_OPS_COPY(X) TG_OPS_VIEW(X) TG_OPS_JOIN(X) TG_OPS_GATHER(X) TG_OPS_CREATION(X) TG_OPS_RANDOM(X) \
  TG_OPS_LINALG(X) TG_OPS_CONV(X) TG_OPS_IMAGE(X) TG_OPS_NORM(X) TG_OPS_RNN(X) \
  TG_OPS_SORT(X) TG_OPS_SCAN(X) TG_OPS_LAPACK(X)
