// Basic indexing as views, and the ops made of it (getitem, slice, strided_slice).
#include "indexing.h"

#include <sstream>

#include "autograd.h"

namespace tg {

using autograd::Grads;

IndexItem IndexItem::slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  TG_CHECK(step != 0, ValueError, "slice step cannot be zero");
  IndexItem it;
  it.kind = Slice;
  it.start = start;
  it.stop = stop;
  it.step = step;
  return it;
}

std::string index_str(const IndexSpec& spec) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < spec.size(); ++i) {
    if (i) s << ", ";
    const IndexItem& it = spec[i];
    switch (it.kind) {
      case IndexItem::Int: s << it.index; break;
      case IndexItem::NewAxis: s << "None"; break;
      case IndexItem::Ellipsis: s << "..."; break;
      case IndexItem::Slice:
        if (it.start) s << *it.start;
        s << ':';
        if (it.stop) s << *it.stop;
        if (it.step != 1) s << ':' << it.step;
        break;
    }
  }
  s << ']';
  return s.str();
}

namespace {

// Python's slice.indices(): clamps start/stop into the dimension and counts the elements.
void adjust_slice(const IndexItem& it, int64_t len, int64_t* start, int64_t* count) {
  const int64_t step = it.step;
  int64_t b, e;
  if (it.start) {
    b = *it.start;
    if (b < 0) {
      b += len;
      if (b < 0) b = step < 0 ? -1 : 0;
    } else if (b >= len) {
      b = step < 0 ? len - 1 : len;
    }
  } else {
    b = step < 0 ? len - 1 : 0;
  }
  if (it.stop) {
    e = *it.stop;
    if (e < 0) {
      e += len;
      if (e < 0) e = step < 0 ? -1 : 0;
    } else if (e >= len) {
      e = step < 0 ? len - 1 : len;
    }
  } else {
    e = step < 0 ? -1 : len;
  }
  int64_t n = 0;
  if (step < 0) {
    if (e < b) n = (b - e - 1) / (-step) + 1;
  } else if (b < e) {
    n = (e - b - 1) / step + 1;
  }
  *start = b;
  *count = n;
}

}  // namespace

ViewLayout resolve_index(const Shape& shape, const Strides& strides, const IndexSpec& spec) {
  const int64_t ndim = int64_t(shape.size());
  int64_t consumed = 0, ellipses = 0;
  for (const IndexItem& it : spec) {
    if (it.kind == IndexItem::Int || it.kind == IndexItem::Slice) ++consumed;
    else if (it.kind == IndexItem::Ellipsis) ++ellipses;
  }
  TG_CHECK(ellipses <= 1, IndexError, "an index can only have a single ellipsis ('...'), got ", index_str(spec));
  TG_CHECK(consumed <= ndim, IndexError, "too many indices for tensor: tensor of shape ", shape, " is ", ndim,
           "-dimensional, but ", consumed, " were indexed (", index_str(spec), ")");
  ViewLayout v;
  v.shape.reserve(size_t(ndim) + spec.size());
  v.strides.reserve(size_t(ndim) + spec.size());
  int64_t d = 0;  // next input dimension
  auto keep = [&](int64_t dim) {
    v.shape.push_back(shape[size_t(dim)]);
    v.strides.push_back(strides[size_t(dim)]);
  };
  for (const IndexItem& it : spec) {
    switch (it.kind) {
      case IndexItem::Int: {
        const int64_t len = shape[size_t(d)];
        int64_t i = it.index;
        TG_CHECK(i >= -len && i < len, IndexError, "index ", i, " is out of bounds for axis ", d, " with size ", len,
                 " (tensor shape ", shape, ")");
        if (i < 0) i += len;
        v.offset += i * strides[size_t(d)];
        ++d;
        break;
      }
      case IndexItem::Slice: {
        int64_t start = 0, count = 0;
        adjust_slice(it, shape[size_t(d)], &start, &count);
        if (count > 0) v.offset += start * strides[size_t(d)];
        v.shape.push_back(count);
        // A huge step only matters when it selects more than one element.
        v.strides.push_back(count > 1 ? strides[size_t(d)] * it.step : strides[size_t(d)]);
        ++d;
        break;
      }
      case IndexItem::NewAxis:
        v.shape.push_back(1);
        v.strides.push_back(0);
        break;
      case IndexItem::Ellipsis:
        for (int64_t k = 0; k < ndim - consumed; ++k) keep(d++);
        break;
    }
  }
  while (d < ndim) keep(d++);
  return v;
}

Tensor view_index(const Tensor& t, const IndexSpec& spec) {
  ViewLayout v = resolve_index(t.shape(), t.strides(), spec);
  return Tensor::view_of(t, std::move(v.shape), std::move(v.strides), t.offset() + v.offset);
}

namespace ops {

Tensor getitem(const Tensor& t, const IndexSpec& spec) {
  Tensor out = view_index(t, spec);
  if (autograd::should_record({&t})) {
    autograd::record("getitem", {t}, {out}, [spec, in = t.shape()](const Grads& g, const std::vector<bool>&) {
      return Grads{getitem_backward(g[0], spec, in)};
    });
  }
  return out;
}

Tensor getitem_backward(const Tensor& g, const IndexSpec& spec, const Shape& shape) {
  Tensor out = zeros(shape, g.dtype());
  Tensor region = view_index(out, spec);
  TG_CHECK(region.shape() == g.shape(), ValueError, "getitem_backward: gradient of shape ", g.shape(),
           " does not match the shape ", region.shape(), " of ", index_str(spec), " on shape ", shape);
  // Basic indexing never selects an element twice, so a plain copy is the scatter.
  copy_into(g, region);
  if (autograd::should_record({&g})) {
    autograd::record("getitem_backward", {g}, {out}, [spec](const Grads& gg, const std::vector<bool>&) {
      return Grads{getitem(gg[0], spec)};
    });
  }
  return out;
}

Tensor slice(const Tensor& t, const std::vector<int64_t>& begin, const std::vector<int64_t>& size) {
  const int64_t nd = t.ndim();
  TG_CHECK(int64_t(begin.size()) == nd && int64_t(size.size()) == nd, ValueError, "slice: begin ", begin, " and size ",
           size, " must both have one entry per dimension of the input of shape ", t.shape());
  IndexSpec spec;
  spec.reserve(size_t(nd));
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t len = t.shape()[size_t(i)], b = begin[size_t(i)], s = size[size_t(i)];
    TG_CHECK(b >= 0 && b <= len, ValueError, "slice: begin[", i, "] = ", b, " is out of range for dimension ", i,
             " of size ", len, " (input shape ", t.shape(), ")");
    const int64_t n = s == -1 ? len - b : s;
    TG_CHECK(n >= 0 && b + n <= len, ValueError, "slice: size[", i, "] = ", s, " with begin ", b,
             " does not fit in dimension ", i, " of size ", len, " (input shape ", t.shape(), ")");
    spec.push_back(IndexItem::slice(b, b + n, 1));
  }
  return getitem(t, spec);
}

Tensor strided_slice(const Tensor& t, const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                     const std::vector<int64_t>& strides_in, int64_t begin_mask, int64_t end_mask,
                     int64_t ellipsis_mask, int64_t new_axis_mask, int64_t shrink_axis_mask) {
  const size_t n = begin.size();
  std::vector<int64_t> strides = strides_in.empty() ? std::vector<int64_t>(n, 1) : strides_in;
  TG_CHECK(end.size() == n && strides.size() == n, ValueError, "strided_slice: begin ", begin, ", end ", end,
           " and strides ", strides, " must have the same length");
  TG_CHECK(n <= 62, ValueError, "strided_slice: too many index entries (", n, ")");
  auto bit = [](int64_t mask, size_t i) { return ((mask >> i) & 1) != 0; };
  IndexSpec spec;
  spec.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (bit(ellipsis_mask, i)) {
      spec.push_back(IndexItem::ellipsis());
    } else if (bit(new_axis_mask, i)) {
      spec.push_back(IndexItem::newaxis());
    } else if (bit(shrink_axis_mask, i)) {
      spec.push_back(IndexItem::integer(begin[i]));
    } else {
      TG_CHECK(strides[i] != 0, ValueError, "strided_slice: strides[", i, "] is 0");
      std::optional<int64_t> b, e;
      if (!bit(begin_mask, i)) b = begin[i];
      if (!bit(end_mask, i)) e = end[i];
      spec.push_back(IndexItem::slice(b, e, strides[i]));
    }
  }
  return getitem(t, spec);
}

}  // namespace ops
}  // namespace tg
