// How image_transform (ops_image.cpp) samples its input: shared by the CPU
// kernels (backend/cpu/image.cpp) and the CUDA kernels
// (cutensor_cuda/image.cu), so both devices compute the same taps.
//
// Output pixel (x, y) of image n reads the input at (TensorFlow's
// ImageProjectiveTransformV3, transform [a0, a1, a2, b0, b1, b2, c0, c1]):
//   k = c0 x + c1 y + 1,  in_x = (a0 x + a1 y + a2) / k,  in_y = (b0 x + b1 y + b2) / k.
// A coordinate outside [0, len - 1] is first mapped by the fill mode
// (reflect, wrap, nearest; constant leaves it), then interpolated: nearest
// reads the pixel at the rounded coordinates, bilinear the four around it.
// A tap outside the image reads the fill value (only constant mode makes
// one with a nonzero weight). So the output is A x + b, with A the taps'
// weights and b the fill value's share: image_transform_grad applies A^T.
//
// resize (tf.image.resize, half-pixel centres) reads the input at
// in = (out + 0.5) * in_len / out_len - 0.5 with fill mode nearest: its
// clamped coordinates give TensorFlow's bilinear weights; its nearest pixel
// is floor((out + 0.5) * in_len / out_len), in integers.
#pragma once
#include <cmath>
#include <cstdint>

#include "backend/kernel.h"
#include "hd.h"

namespace tg {

// A coordinate mapped into the image by the fill mode (TensorFlow's
// map_coordinate: reflect is (d c b a | a b c d | d c b a), wrap is
// (a b c d | a b c d | a b c d)).
TG_HD inline double map_coordinate(ImageFill fill, double in, int64_t len) {
  const double n = double(len);
  if (fill == ImageFill::Reflect) {
    if (in < 0) {
      if (len <= 1) {
        in = 0;
      } else {
        const double sz2 = 2 * n;
        if (in < -sz2) in = in + sz2 * double(int64_t(-in / sz2));
        in = in < -n ? in + sz2 : -in - 1;
      }
    } else if (in > n - 1) {
      if (len <= 1) {
        in = 0;
      } else {
        const double sz2 = 2 * n;
        in -= sz2 * double(int64_t(in / sz2));
        if (in >= n) in = sz2 - in - 1;
      }
    }
  } else if (fill == ImageFill::Wrap) {
    if (in < 0) {
      if (len <= 1) {
        in = 0;
      } else {
        const double sz = n - 1;
        in += n * (double(int64_t(-in / sz)) + 1);
      }
    } else if (in > n - 1) {
      if (len <= 1) {
        in = 0;
      } else {
        const double sz = n - 1;
        in -= n * double(int64_t(in / sz));
      }
    }
  } else if (fill == ImageFill::Constant) {
    return in;
  }
  // nearest, and the clamp the other modes need at the edges (reflect of
  // -0.5 is -0.5; wrap can land half a pixel outside).
  return in < 0 ? 0 : (in > n - 1 ? n - 1 : in);
}

// Up to four taps of one output pixel: the flat pixel index y * W + x in its
// image, or -1 for a tap outside it (it reads the fill value), and weights.
struct Taps {
  int64_t at[4];
  double w[4];
  int n;
};

// The input coordinate of output coordinate o of a resize from len to
// out_len, from integers: ((2 o + 1) len - out_len) / (2 out_len), one
// rounding, so that the nearest pixel is exactly TensorFlow's
// floor((o + 0.5) * len / out_len) (computed below without rounding at all).
TG_HD inline double resize_coordinate(int64_t o, int64_t len, int64_t out_len) {
  return double((2 * o + 1) * len - out_len) / double(2 * out_len);
}

// The taps of output (ox, oy) of an OH x OW output from an H x W image,
// under transform t (8 numbers; unused by resize).
TG_HD inline Taps sample_taps(const ImageSampling& s, const double* t, int64_t ox, int64_t oy, int64_t H, int64_t W,
                              int64_t OH, int64_t OW) {
  Taps r{};
  if (s.resize && s.interpolation == ImageInterpolation::Nearest) {
    const int64_t iy = (2 * oy + 1) * H / (2 * OH), ix = (2 * ox + 1) * W / (2 * OW);
    r.n = 1;
    r.at[0] = (iy < H ? iy : H - 1) * W + (ix < W ? ix : W - 1);
    r.w[0] = 1.0;
    return r;
  }
  double in_x, in_y;
  if (s.resize) {
    in_x = resize_coordinate(ox, W, OW);
    in_y = resize_coordinate(oy, H, OH);
  } else {
    const double x = double(ox), y = double(oy);
    const double k = t[6] * x + t[7] * y + 1.0;
    if (k == 0) {  // the point at infinity: the fill value (TensorFlow)
      r.n = 1;
      r.at[0] = -1;
      r.w[0] = 1.0;
      return r;
    }
    in_x = (t[0] * x + t[1] * y + t[2]) / k;
    in_y = (t[3] * x + t[4] * y + t[5]) / k;
  }
  in_x = map_coordinate(s.fill, in_x, W);
  in_y = map_coordinate(s.fill, in_y, H);
  auto tap = [&](double fy, double fx) -> int64_t {
    if (!(fy >= 0 && fy <= double(H - 1) && fx >= 0 && fx <= double(W - 1))) return -1;  // NaN too
    return int64_t(fy) * W + int64_t(fx);
  };
  if (s.interpolation == ImageInterpolation::Nearest) {
    r.n = 1;
    r.at[0] = tap(round(in_y), round(in_x));
    r.w[0] = 1.0;
    return r;
  }
  const double y0 = floor(in_y), x0 = floor(in_x);
  const double y1 = y0 + 1, x1 = x0 + 1;
  const double wy1 = in_y - y0, wy0 = y1 - in_y, wx1 = in_x - x0, wx0 = x1 - in_x;
  r.n = 4;
  r.at[0] = tap(y0, x0), r.w[0] = wy0 * wx0;
  r.at[1] = tap(y0, x1), r.w[1] = wy0 * wx1;
  r.at[2] = tap(y1, x0), r.w[2] = wy1 * wx0;
  r.at[3] = tap(y1, x1), r.w[3] = wy1 * wx1;
  return r;
}

}  // namespace tg
