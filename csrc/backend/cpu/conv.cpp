// The CPU kernels of conv2d and its two backprops (ops_conv.cpp): im2col
// into a scratch buffer, then the GEMM of backend/cpu/gemm.h (its BLAS and
// thread policy), over the pool of parallel.h.
//
// The im2col matrix has one row per output position (n, oh, ow) and one
// column per window element, ordered (group, kh, kw, ci) (backend/window2d.h).
// The filter [KH, KW, Cg, O] is, row-major, the [Kg, O] matrix whose rows
// follow the same (kh, kw, ci) order, and group g owns its columns
// [g Og, (g+1) Og). So, per group g (every matrix row-major, blocks read in
// place through leading dimensions):
//   conv2d:          Y[:, g]     = cols[:, g]   . W[:, g]
//   backprop_filter: dW[:, g]    = cols[:, g]^T . dY[:, g]
//   backprop_input:  dcols[:, g] = dY[:, g]     . W[:, g]^T, then col2im adds
//                    each dcols element into the input position it came from.
// A pointwise conv (1x1, stride 1, no padding) is the input itself as the
// cols matrix: plain GEMMs, no scratch. A depthwise conv (one input channel
// per group) runs direct loops instead (its GEMMs would be tiny).
//
// Threading: conv2d and backprop_filter cut the rows (the output positions
// of the whole batch) into tiles whose cols fit a core's cache; each chunk
// of tiles runs on one thread with its own scratch and single-threaded
// GEMMs. backprop_filter gives each chunk a partial dW and adds the partials
// in chunk order (deterministic for a given thread count). backprop_input
// runs whole images per thread (several per GEMM when they are small), so
// col2im's scatter-add never races. A call too small to split runs on the
// caller, whose GEMMs may then split over the pool themselves.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "backend/cpu/gemm.h"
#include "backend/cpu/register.h"
#include "backend/window2d.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

constexpr int64_t kTileBytes = int64_t(256) << 10;   // one im2col tile: about a core's L2
constexpr int64_t kMinTileRows = 32;                 // rows below which a GEMM call is mostly overhead
constexpr int64_t kMinChunkWork = int64_t(1) << 17;  // multiply-adds worth a chunk of their own

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// ---- im2col / col2im ------------------------------------------------------------------

// A few elements (a window row of a thin input: C = 1 makes 3) copy faster
// inline than through a memcpy call.
template <class T>
inline void copy_elems(T* dst, const T* src, int64_t n) {
  if (n > 16) {
    std::memcpy(dst, src, size_t(n) * sizeof(T));
    return;
  }
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

// Output position m of [N, OH, OW] as (n, oh, ow), advanced without divisions.
struct Position {
  int64_t n, oh, ow;
  Position(const ConvGeom& g, int64_t m) : n(m / (g.OH * g.OW)), oh((m / g.OW) % g.OH), ow(m % g.OW) {}
  void next(const ConvGeom& g) {
    if (++ow < g.OW) return;
    ow = 0;
    if (++oh < g.OH) return;
    oh = 0;
    ++n;
  }
};

// Rows [m0, m1) of the im2col matrix of x into cols (row length K), padding as zeros.
template <class T>
void im2col(const ConvGeom& g, const T* x, int64_t m0, int64_t m1, T* cols) {
  const int64_t K = g.K(), Kg = g.Kg();
  Position p(g, m0);
  for (int64_t m = m0; m < m1; ++m, p.next(g)) {
    const T* img = x + p.n * g.H * g.W * g.C;
    T* row = cols + (m - m0) * K;
    const int64_t ih0 = p.oh * g.sh - g.pt, iw0 = p.ow * g.sw - g.pl;
    const bool cols_in = g.dw == 1 && iw0 >= 0 && iw0 + g.KW <= g.W;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = ih0 + kh * g.dh;
      const bool row_in = ih >= 0 && ih < g.H;
      // One group, the window's row inside the image: KW * C contiguous input elements.
      if (g.G == 1 && row_in && cols_in) {
        copy_elems(row + kh * g.KW * g.C, img + (ih * g.W + iw0) * g.C, g.KW * g.C);
        continue;
      }
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t iw = iw0 + kw * g.dw;
        const bool in = row_in && iw >= 0 && iw < g.W;
        const T* src = img + (ih * g.W + iw) * g.C;
        for (int64_t gi = 0; gi < g.G; ++gi) {
          T* dst = row + gi * Kg + (kh * g.KW + kw) * g.Cg;
          if (in) copy_elems(dst, src + gi * g.Cg, g.Cg);
          else std::fill_n(dst, g.Cg, T(0));
        }
      }
    }
  }
}

// Adds rows [m0, m1) of dcols (row length K) into dx at the input positions
// their window elements came from; padding positions are dropped.
template <class T>
void col2im_add(const ConvGeom& g, const T* dcols, int64_t m0, int64_t m1, T* dx) {
  const int64_t K = g.K(), Kg = g.Kg();
  Position p(g, m0);
  for (int64_t m = m0; m < m1; ++m, p.next(g)) {
    T* img = dx + p.n * g.H * g.W * g.C;
    const T* row = dcols + (m - m0) * K;
    const int64_t ih0 = p.oh * g.sh - g.pt, iw0 = p.ow * g.sw - g.pl;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = ih0 + kh * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t iw = iw0 + kw * g.dw;
        if (iw < 0 || iw >= g.W) continue;
        T* dst = img + (ih * g.W + iw) * g.C;
        for (int64_t gi = 0; gi < g.G; ++gi) {
          const T* src = row + gi * Kg + (kh * g.KW + kw) * g.Cg;
          T* d = dst + gi * g.Cg;
          for (int64_t ci = 0; ci < g.Cg; ++ci) d[ci] += src[ci];
        }
      }
    }
  }
}

// ---- tiles of rows ---------------------------------------------------------------------

// The tile size (rows) for im2col rows of K elements: cache-sized, and small
// enough that every thread gets tiles.
template <class T>
int64_t tile_rows(int64_t rows, int64_t K) {
  const int64_t cache_rows = std::max<int64_t>(kMinTileRows, kTileBytes / (K * int64_t(sizeof(T))));
  const int64_t share = std::max<int64_t>(kMinTileRows, ceil_div(rows, kChunksPerThread * num_threads()));
  return std::max<int64_t>(1, std::min({cache_rows, share, rows}));
}

// f(m0, m1, scratch) for each tile of rows, chunks of tiles spread over the
// pool, each chunk with its own scratch of tile * K elements.
template <class T, class F>
void for_row_tiles(const ConvGeom& g, F&& f) {
  const int64_t rows = g.rows(), K = g.K();
  const int64_t tile = tile_rows<T>(rows, K);
  const int64_t tiles = ceil_div(rows, tile);
  const int64_t grain = std::max<int64_t>(1, ceil_div(kMinChunkWork, tile * K * std::max<int64_t>(1, g.Og)));
  parallel_for(tiles, grain, [&](int64_t t0, int64_t t1) {
    std::unique_ptr<T[]> scratch(new T[size_t(tile * K)]);
    for (int64_t t = t0; t < t1; ++t) f(t * tile, std::min(rows, (t + 1) * tile), scratch.get());
  });
}

// ---- depthwise ------------------------------------------------------------------------
// One input channel per group (Keras's DepthwiseConv2D, groups == C): the
// GEMMs would be G products of Kg = KH KW columns and Og (the multiplier)
// rows each, so these direct loops run instead, with the channels of one
// position as the inner loop. Output channel o reads input channel o / Og.

bool depthwise(const ConvGeom& g) { return g.Cg == 1 && g.G > 1; }

// acc[o] += a[o / Og] * b[o] over the O output channels.
template <class T>
inline void depthwise_madd(T* acc, const T* a, const T* b, const ConvGeom& g) {
  if (g.Og == 1) {
    for (int64_t ch = 0; ch < g.C; ++ch) acc[ch] += a[ch] * b[ch];
    return;
  }
  for (int64_t ch = 0; ch < g.C; ++ch)
    for (int64_t k = 0; k < g.Og; ++k) acc[ch * g.Og + k] += a[ch] * b[ch * g.Og + k];
}

// y [N, OH, OW, O], threaded over output rows.
template <class T>
void depthwise_forward(const ConvGeom& g, const T* x, const T* w, T* y) {
  const int64_t grain = std::max<int64_t>(1, ceil_div(kMinChunkWork, g.OW * g.O * g.KH * g.KW));
  parallel_for(g.N * g.OH, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        T* out = y + (r * g.OW + ow) * g.O;
        std::fill_n(out, g.O, T(0));
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t iw = ow * g.sw - g.pl + kw * g.dw;
            if (iw < 0 || iw >= g.W) continue;
            depthwise_madd(out, x + ((n * g.H + ih) * g.W + iw) * g.C, w + (kh * g.KW + kw) * g.O, g);
          }
        }
      }
    }
  });
}

// dx [N, H, W, C]: each input position gathers from the outputs that read
// it, threaded over input rows (no two threads write one element).
template <class T>
void depthwise_backprop_input(const ConvGeom& g, const T* w, const T* dy, T* dx) {
  const int64_t grain = std::max<int64_t>(1, ceil_div(kMinChunkWork, g.W * g.O * g.KH * g.KW));
  parallel_for(g.N * g.H, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.H, ih = r % g.H;
      for (int64_t iw = 0; iw < g.W; ++iw) {
        T* out = dx + (r * g.W + iw) * g.C;
        std::fill_n(out, g.C, T(0));
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          const int64_t th = ih + g.pt - kh * g.dh;  // = oh * sh when output row oh reads ih through kh
          if (th < 0 || th % g.sh != 0 || th / g.sh >= g.OH) continue;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t tw = iw + g.pl - kw * g.dw;
            if (tw < 0 || tw % g.sw != 0 || tw / g.sw >= g.OW) continue;
            const T* d = dy + ((n * g.OH + th / g.sh) * g.OW + tw / g.sw) * g.O;
            const T* f = w + (kh * g.KW + kw) * g.O;
            if (g.Og == 1) {
              for (int64_t ch = 0; ch < g.C; ++ch) out[ch] += d[ch] * f[ch];
            } else {
              for (int64_t ch = 0; ch < g.C; ++ch)
                for (int64_t k = 0; k < g.Og; ++k) out[ch] += d[ch * g.Og + k] * f[ch * g.Og + k];
            }
          }
        }
      }
    }
  });
}

// dw [KH, KW, 1, O]: partial sums per chunk of output rows, added in chunk
// order (deterministic for a given thread count).
template <class T>
void depthwise_backprop_filter(const ConvGeom& g, const T* x, const T* dy, T* dw, int64_t size) {
  const int64_t rows = g.N * g.OH;
  const int64_t work = rows * g.OW * g.O * g.KH * g.KW;
  const int64_t parts = in_parallel_region()
                            ? 1
                            : std::max<int64_t>(1, std::min({rows, int64_t(num_threads()), work / kMinChunkWork}));
  std::vector<T> partials(size_t(parts * size), T(0));
  parallel_chunks(parts, [&](int64_t p) {
    T* acc = partials.data() + p * size;
    for (int64_t r = rows * p / parts; r < rows * (p + 1) / parts; ++r) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const T* d = dy + (r * g.OW + ow) * g.O;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t iw = ow * g.sw - g.pl + kw * g.dw;
            if (iw < 0 || iw >= g.W) continue;
            depthwise_madd(acc + (kh * g.KW + kw) * g.O, x + ((n * g.H + ih) * g.W + iw) * g.C, d, g);
          }
        }
      }
    }
  });
  std::copy_n(partials.data(), size, dw);
  for (int64_t p = 1; p < parts; ++p)
    for (int64_t i = 0; i < size; ++i) dw[i] += partials[size_t(p * size + i)];
}

// ---- conv2d ---------------------------------------------------------------------------

// Inputs x [N, H, W, C], w [KH, KW, Cg, O], dense in their own shapes; out [N, OH, OW, O].
template <class T>
void conv2d_kernel(const KernelCall& c) {
  const ConvGeom g = conv_geom(c.in[0].shape, c.in[1].shape, c.shape, c.attrs->window);
  const T* x = static_cast<const T*>(c.in[0].data);
  const T* w = static_cast<const T*>(c.in[1].data);
  T* y = static_cast<T*>(c.out.data);
  if (depthwise(g)) {
    depthwise_forward(g, x, w, y);
    return;
  }
  const int64_t K = g.K(), Kg = g.Kg();
  // Output rows [m0, m0 + m) from their cols rows (row length lda).
  auto product = [&](const T* cols, int64_t lda, int64_t m0, int64_t m) {
    for (int64_t gi = 0; gi < g.G; ++gi)
      gemm<T>(false, false, m, g.Og, Kg, cols + gi * Kg, lda, w + gi * g.Og, g.O, y + m0 * g.O + gi * g.Og, g.O);
  };
  if (g.pointwise()) {
    product(x, g.C, 0, g.rows());
    return;
  }
  for_row_tiles<T>(g, [&](int64_t m0, int64_t m1, T* cols) {
    im2col(g, x, m0, m1, cols);
    product(cols, K, m0, m1 - m0);
  });
}

// ---- conv2d_backprop_filter -----------------------------------------------------------

// Inputs x [N, H, W, C], dy [N, OH, OW, O]; out dw [KH, KW, Cg, O].
template <class T>
void backprop_filter_kernel(const KernelCall& c) {
  const ConvGeom g = conv_geom(c.in[0].shape, c.shape, c.in[1].shape, c.attrs->window);
  const T* x = static_cast<const T*>(c.in[0].data);
  const T* dy = static_cast<const T*>(c.in[1].data);
  T* dw = static_cast<T*>(c.out.data);
  const int64_t K = g.K(), Kg = g.Kg(), rows = g.rows();
  // into += cols[0, m)^T . dy[m0, m0 + m) (or = when !accumulate)
  auto product = [&](const T* cols, int64_t lda, int64_t m0, int64_t m, T* into, bool accumulate) {
    for (int64_t gi = 0; gi < g.G; ++gi)
      gemm<T>(true, false, Kg, g.Og, m, cols + gi * Kg, lda, dy + m0 * g.O + gi * g.Og, g.O, into + gi * g.Og, g.O,
              accumulate);
  };
  if (rows == 0) {  // an empty batch: no contribution
    std::fill_n(dw, c.numel, T(0));
    return;
  }
  if (depthwise(g)) {
    depthwise_backprop_filter(g, x, dy, dw, c.numel);
    return;
  }
  if (g.pointwise()) {
    product(x, g.C, 0, rows, dw, false);
    return;
  }
  const int64_t tile = tile_rows<T>(rows, K);
  const int64_t tiles = ceil_div(rows, tile);
  const int64_t work = rows * K * std::max<int64_t>(1, g.Og);
  const int64_t parts = in_parallel_region()
                            ? 1
                            : std::max<int64_t>(1, std::min({tiles, int64_t(num_threads()), work / kMinChunkWork}));
  const int64_t size = c.numel;  // Kg * O
  std::vector<T> partials(size_t((parts - 1) * size));
  parallel_chunks(parts, [&](int64_t p) {
    T* into = p == 0 ? dw : partials.data() + (p - 1) * size;
    std::unique_ptr<T[]> cols(new T[size_t(tile * K)]);
    const int64_t t0 = tiles * p / parts, t1 = tiles * (p + 1) / parts;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t m0 = t * tile, m1 = std::min(rows, m0 + tile);
      im2col(g, x, m0, m1, cols.get());
      product(cols.get(), K, m0, m1 - m0, into, t > t0);
    }
  });
  if (parts > 1)
    parallel_for(size, kParallelElems, [&](int64_t i0, int64_t i1) {
      for (int64_t p = 1; p < parts; ++p) {
        const T* src = partials.data() + (p - 1) * size;
        for (int64_t i = i0; i < i1; ++i) dw[i] += src[i];
      }
    });
}

// ---- conv2d_backprop_input ------------------------------------------------------------

// Inputs w [KH, KW, Cg, O], dy [N, OH, OW, O]; out dx [N, H, W, C].
template <class T>
void backprop_input_kernel(const KernelCall& c) {
  const ConvGeom g = conv_geom(c.shape, c.in[0].shape, c.in[1].shape, c.attrs->window);
  const T* w = static_cast<const T*>(c.in[0].data);
  const T* dy = static_cast<const T*>(c.in[1].data);
  T* dx = static_cast<T*>(c.out.data);
  const int64_t K = g.K(), Kg = g.Kg();
  // dcols rows [0, m) (row length ldc) = dy[m0, m0 + m) . W^T, per group
  auto product = [&](int64_t m0, int64_t m, T* dcols, int64_t ldc) {
    for (int64_t gi = 0; gi < g.G; ++gi)
      gemm<T>(false, true, m, Kg, g.Og, dy + m0 * g.O + gi * g.Og, g.O, w + gi * g.Og, g.O, dcols + gi * Kg, ldc);
  };
  if (g.Og == 0) {  // no output channels: nothing flows back
    std::fill_n(dx, c.numel, T(0));
    return;
  }
  if (depthwise(g)) {
    depthwise_backprop_input(g, w, dy, dx);
    return;
  }
  if (g.pointwise()) {
    product(0, g.rows(), dx, g.C);
    return;
  }
  // Tiles of whole images when an image's dcols fits the cache (several when
  // they are small: one GEMM for all), else bands of one image's output rows.
  const int64_t per_image = g.OH * g.OW, image = g.H * g.W * g.C;
  const int64_t row_bytes = K * int64_t(sizeof(T));
  int64_t images = 1, band = g.OH;
  if (per_image * row_bytes <= kTileBytes)
    images = std::max<int64_t>(1, std::min(kTileBytes / (per_image * row_bytes),
                                           ceil_div(g.N, kChunksPerThread * num_threads())));
  else
    band = std::max<int64_t>(1, kTileBytes / (g.OW * row_bytes));
  const int64_t tiles = ceil_div(g.N, images);
  const int64_t grain = std::max<int64_t>(1, ceil_div(kMinChunkWork, images * per_image * K * g.Og));
  // dx rows of output rows [m0, m1), which cover whole images or a band of one
  auto flow_back = [&](int64_t m0, int64_t m1, T* dcols) {
    product(m0, m1 - m0, dcols, K);
    col2im_add(g, dcols, m0, m1, dx);
  };
  parallel_for(tiles, grain, [&](int64_t t0, int64_t t1) {
    std::unique_ptr<T[]> dcols(new T[size_t(images * band * g.OW * K)]);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n0 = t * images, n1 = std::min(g.N, n0 + images);
      std::fill_n(dx + n0 * image, (n1 - n0) * image, T(0));
      if (band == g.OH) {
        flow_back(n0 * per_image, n1 * per_image, dcols.get());
        continue;
      }
      for (int64_t oh0 = 0; oh0 < g.OH; oh0 += band)  // one image per tile here
        flow_back((n0 * g.OH + oh0) * g.OW, (n0 * g.OH + std::min(g.OH, oh0 + band)) * g.OW, dcols.get());
    }
  });
}

}  // namespace

void register_conv() {
  using op::OpId;
  op::register_accepted(OpId::Conv2D, DeviceType::CPU, [](const KernelCall& c) {
    TG_DISPATCH_FLOAT(c.out.dtype, "conv2d", conv2d_kernel<T>(c));
  });
  op::register_accepted(OpId::Conv2DBackpropInput, DeviceType::CPU, [](const KernelCall& c) {
    TG_DISPATCH_FLOAT(c.out.dtype, "conv2d_backprop_input", backprop_input_kernel<T>(c));
  });
  op::register_accepted(OpId::Conv2DBackpropFilter, DeviceType::CPU, [](const KernelCall& c) {
    TG_DISPATCH_FLOAT(c.out.dtype, "conv2d_backprop_filter", backprop_filter_kernel<T>(c));
  });
}

}  // namespace tg::cpu
