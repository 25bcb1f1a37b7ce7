// tensorgear._C.text: the string hashes of TensorFlow's hashing ops
// (string_hash.h) over a batch of strings, for keras.layers.Hashing and the
// lookup layers' out-of-vocabulary buckets.
//
// The strings come as a list (or tuple) of bytes or str (a str is hashed as
// its UTF-8 bytes, as tf.string holds it). Their bytes are located while the
// GIL is held (the sequence keeps them alive); the hashing itself runs
// without the GIL, split over the thread pool for large batches.
#include <limits>
#include <string_view>
#include <vector>

#include "bindings/common.h"
#include "errors.h"
#include "parallel.h"
#include "string_hash.h"

namespace tg::py_bind {

namespace {

struct StringBatch {
  py::object keepalive;  // the sequence: its items own the bytes the views point into
  std::vector<std::string_view> views;
  int64_t total_bytes = 0;
};

StringBatch string_batch(py::handle strings, const char* fn) {
  if (!py::isinstance<py::list>(strings) && !py::isinstance<py::tuple>(strings))
    throw TypeError(str(fn, ": expected a list or tuple of bytes or str, got ",
                        std::string(py::str(py::type::of(strings).attr("__name__")))));
  StringBatch batch;
  batch.keepalive = py::reinterpret_borrow<py::object>(strings);
  py::sequence seq = py::reinterpret_borrow<py::sequence>(strings);
  const size_t n = seq.size();
  batch.views.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq.ptr(), Py_ssize_t(i));
    char* data = nullptr;
    Py_ssize_t len = 0;
    if (PyBytes_Check(item)) {
      PyBytes_AsStringAndSize(item, &data, &len);
    } else if (PyUnicode_Check(item)) {
      // cached inside the str object, so it lives as long as the item does
      const char* utf8 = PyUnicode_AsUTF8AndSize(item, &len);
      if (utf8 == nullptr) throw py::error_already_set();
      data = const_cast<char*>(utf8);
    } else {
      throw TypeError(str(fn, ": item ", i, " is a ",
                          std::string(py::str(py::type::of(py::handle(item)).attr("__name__"))),
                          ", not bytes or str"));
    }
    batch.views.emplace_back(data, size_t(len));
    batch.total_bytes += len;
  }
  return batch;
}

uint64_t key_word(py::handle v, const char* fn) {
  // TensorFlow takes the key as a list of int64 attributes and reads them as uint64
  const py::int_ i = py::reinterpret_borrow<py::int_>(v);
  const long long x = PyLong_AsLongLong(i.ptr());
  if (x == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    throw ValueError(str(fn, ": each salt value must fit in int64, got ", std::string(py::str(v))));
  }
  return static_cast<uint64_t>(x);
}

// Hashes every string: FarmHash Fingerprint64, or SipHash-2-4 when a key is given.
template <typename Out, typename Map>
py::array_t<Out> hash_batch(py::handle strings, py::handle key, const char* fn, Map map) {
  StringBatch batch = string_batch(strings, fn);
  bool keyed = !key.is_none();
  uint64_t k0 = 0, k1 = 0;
  if (keyed) {
    if (!py::isinstance<py::list>(key) && !py::isinstance<py::tuple>(key))
      throw TypeError(str(fn, ": the key (salt) must be a list of 2 ints"));
    py::sequence k = py::reinterpret_borrow<py::sequence>(key);
    if (k.size() != 2 || !py::isinstance<py::int_>(k[0]) || !py::isinstance<py::int_>(k[1]))
      throw ValueError(str(fn, ": the key (salt) must be a list of 2 ints, got ", std::string(py::str(key))));
    k0 = key_word(k[0], fn);
    k1 = key_word(k[1], fn);
  }
  const int64_t n = int64_t(batch.views.size());
  py::array_t<Out> out(n);
  Out* dst = out.mutable_data();
  const std::string_view* src = batch.views.data();
  {
    MaybeReleaseGil release(batch.total_bytes + n * 16);
    parallel_for(n, 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const std::string_view s = src[i];
        const uint64_t h = keyed ? text::siphash24(s.data(), s.size(), k0, k1)
                                 : text::fingerprint64(s.data(), s.size());
        dst[i] = map(h);
      }
    });
  }
  return out;
}

}  // namespace

void bind_text(py::module_& m) {
  py::module_ t = m.def_submodule("text", "String hashes of TensorFlow's hashing ops, over batches of strings");
  t.def("fingerprint64", [](py::handle strings, py::handle key) {
    return hash_batch<uint64_t>(strings, key, "fingerprint64", [](uint64_t h) { return h; });
  }, py::arg("strings"), py::arg("key") = py::none(),
     "Each string's 64-bit hash (uint64): FarmHash Fingerprint64, or SipHash-2-4 keyed by `key` ([k0, k1])");
  t.def("hash_buckets", [](py::handle strings, int64_t num_buckets, py::handle key) {
    if (num_buckets < 1) throw ValueError(str("hash_buckets: num_buckets must be >= 1, got ", num_buckets));
    const uint64_t nb = uint64_t(num_buckets);
    return hash_batch<int64_t>(strings, key, "hash_buckets", [nb](uint64_t h) { return int64_t(h % nb); });
  }, py::arg("strings"), py::arg("num_buckets"), py::arg("key") = py::none(),
     "tf.strings.to_hash_bucket_fast (no key) or to_hash_bucket_strong (key=[k0, k1]): hash % num_buckets, int64");
}

}  // namespace tg::py_bind
