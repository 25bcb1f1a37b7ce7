#include "index_spec.h"

#include <sstream>

#include "errors.h"

namespace tg {

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

}  // namespace tg
