// The geometry of the 2-D window ops over NHWC operands (conv2d, its two
// backprops, the poolings and their gradients), shared by the op
// definitions (ops_conv.cpp), the CPU kernels (backend/cpu/conv.cpp,
// pool.cpp) and the CUDA kernels (cutensor_cuda/conv.cu, pool.cu).
//
// Output size along one dim, for input size n, window k, stride s, dilation
// d and padding p0 + p1: (n + p0 + p1 - ((k - 1) * d + 1)) / s + 1, as
// TensorFlow computes it once "SAME"/"VALID" are resolved into amounts.
#pragma once
#include <cstdint>

#include "backend/kernel.h"
#include "hd.h"

namespace tg {

// conv2d: input [N, H, W, C], filter [KH, KW, Cg, O] (HWIO), output
// [N, OH, OW, O], in G groups of Cg input and Og output channels (output
// channel o reads group o / Og). Poolings: KH x KW the window, O = C.
struct ConvGeom {
  int64_t N = 0, H = 0, W = 0, C = 0;
  int64_t KH = 1, KW = 1, O = 0;
  int64_t OH = 0, OW = 0;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0;  // padding before the first row / column
  int64_t G = 1, Cg = 0, Og = 0;

  // A row of the im2col matrix: one output position's window, ordered
  // (group, kh, kw, input channel of the group); Kg() per group. Row m of
  // the matrix is output position m of [N, OH, OW] in row-major order.
  TG_HD int64_t Kg() const { return KH * KW * Cg; }
  TG_HD int64_t K() const { return G * Kg(); }
  TG_HD int64_t rows() const { return N * OH * OW; }
  // A 1x1 filter at stride 1 without padding: the im2col matrix is the input itself.
  TG_HD bool pointwise() const {
    return KH == 1 && KW == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && OH == H && OW == W;
  }
};

// Output size of one spatial dim (may be <= 0 when the window does not fit:
// the ops' inference rejects that).
inline int64_t window_out_size(int64_t n, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1) {
  const int64_t span = n + p0 + p1 - ((k - 1) * d + 1);
  return span < 0 ? 0 : span / s + 1;
}

// The geometry of a conv call from the input's, the filter's and the
// output's shapes (each [4]) and the resolved window.
inline ConvGeom conv_geom(const int64_t* in, const int64_t* filter, const int64_t* out, const Window2D& w) {
  ConvGeom g;
  g.N = in[0]; g.H = in[1]; g.W = in[2]; g.C = in[3];
  g.KH = filter[0]; g.KW = filter[1]; g.Cg = filter[2]; g.O = filter[3];
  g.OH = out[1]; g.OW = out[2];
  g.sh = w.strides[0]; g.sw = w.strides[1];
  g.dh = w.dilations[0]; g.dw = w.dilations[1];
  g.pt = w.pads[0]; g.pl = w.pads[2];
  g.G = w.groups;
  g.Og = g.G > 0 ? g.O / g.G : 0;
  return g;
}

// The geometry of a pooling call from the input's and the output's shapes.
inline ConvGeom pool_geom(const int64_t* in, const int64_t* out, const Window2D& w) {
  ConvGeom g;
  g.N = in[0]; g.H = in[1]; g.W = in[2]; g.C = in[3];
  g.KH = w.ksize[0]; g.KW = w.ksize[1]; g.O = g.C;
  g.OH = out[1]; g.OW = out[2];
  g.sh = w.strides[0]; g.sw = w.strides[1];
  g.pt = w.pads[0]; g.pl = w.pads[2];
  g.G = g.C; g.Cg = 1; g.Og = 1;
  return g;
}

// The output rows (or columns) whose window contains input row ih:
// [first, last] with oh * s - p <= ih <= oh * s - p + k - 1 (poolings: no
// dilation). Empty when first > last.
TG_HD inline void windows_containing(int64_t i, int64_t k, int64_t s, int64_t p, int64_t out, int64_t& first,
                                     int64_t& last) {
  const int64_t hi = i + p;  // oh * s <= hi and oh * s >= hi - k + 1
  const int64_t lo = hi - k + 1;
  first = lo <= 0 ? 0 : (lo + s - 1) / s;
  last = hi / s;
  if (last > out - 1) last = out - 1;
}

}  // namespace tg
