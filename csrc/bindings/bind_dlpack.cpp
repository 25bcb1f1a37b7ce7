// DLPack both ways: Tensor.__dlpack__ / __dlpack_device__ and tg.from_dlpack.
//
// Export hands out the tensor's own memory (the capsule keeps the tensor
// alive), flagged read-only in versioned capsules because tensors are
// immutable. Import wraps the producer's memory without copying; the producer
// stays alive until the last tensor viewing it dies. A producer that can still
// write its memory (a NumPy array) will be seen changing by the tensors that
// alias it: as in every DLPack consumer, that aliasing is the caller's
// business (pass copy=True to get private memory).
#include <cstring>

#include "bindings/common.h"
#ifdef TG_WITH_CUDA
#include "tg_cuda.h"
#endif
#include "dlpack.h"
#include "op/registry.h"

namespace tg::py_bind {

namespace {

using namespace tg::dlpack;

constexpr const char* kLegacyName = "dltensor";
constexpr const char* kLegacyUsed = "used_dltensor";
constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kVersionedUsed = "used_dltensor_versioned";

DLDataType to_dl_dtype(DType d) {
  switch (d) {
    case DType::Bool: return {kDLBool, 8, 1};
    case DType::UInt8: return {kDLUInt, 8, 1};
    case DType::Int32: return {kDLInt, 32, 1};
    case DType::Int64: return {kDLInt, 64, 1};
    case DType::Float32: return {kDLFloat, 32, 1};
    case DType::Float64: return {kDLFloat, 64, 1};
  }
  return {kDLFloat, 32, 1};
}

DType from_dl_dtype(DLDataType t) {
  if (t.lanes == 1) {
    if (t.code == kDLBool && t.bits == 8) return DType::Bool;
    if (t.code == kDLUInt && t.bits == 8) return DType::UInt8;
    if (t.code == kDLInt && t.bits == 32) return DType::Int32;
    if (t.code == kDLInt && t.bits == 64) return DType::Int64;
    if (t.code == kDLFloat && t.bits == 32) return DType::Float32;
    if (t.code == kDLFloat && t.bits == 64) return DType::Float64;
  }
  throw TypeError(str("from_dlpack: unsupported DLPack dtype (code ", int(t.code), ", bits ", int(t.bits), ", lanes ",
                      t.lanes, "); tensorgear supports bool, uint8, int32, int64, float32, float64"));
}

DLDevice to_dl_device(Device d) {
  return {d.type == DeviceType::CPU ? kDLCPU : kDLCUDA, int32_t(d.index)};
}

// What an exported capsule owns: the tensor (so its memory lives) and the
// shape/strides arrays the DLTensor points into.
struct ExportCtx {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
};

void fill_dltensor(DLTensor& dl, ExportCtx* ctx) {
  const Tensor& t = ctx->tensor;
  ctx->shape = t.shape();
  ctx->strides = t.strides();
  dl.data = t.raw();
  dl.device = to_dl_device(t.device());
  dl.ndim = int32_t(t.ndim());
  dl.dtype = to_dl_dtype(t.dtype());
  dl.shape = ctx->shape.data();
  dl.strides = ctx->strides.data();
  dl.byte_offset = 0;
}

void delete_legacy(DLManagedTensor* m) {
  delete static_cast<ExportCtx*>(m->manager_ctx);
  delete m;
}

void delete_versioned(DLManagedTensorVersioned* m) {
  delete static_cast<ExportCtx*>(m->manager_ctx);
  delete m;
}

// Capsule destructors: a capsule never consumed still owns its tensor.
void legacy_capsule_destructor(PyObject* cap) {
  if (PyCapsule_IsValid(cap, kLegacyUsed)) return;
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, kLegacyName));
  if (m && m->deleter) m->deleter(m);
  else PyErr_WriteUnraisable(cap);
  PyErr_Restore(type, value, tb);
}

void versioned_capsule_destructor(PyObject* cap) {
  if (PyCapsule_IsValid(cap, kVersionedUsed)) return;
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(cap, kVersionedName));
  if (m && m->deleter) m->deleter(m);
  else PyErr_WriteUnraisable(cap);
  PyErr_Restore(type, value, tb);
}

py::object export_capsule(const Tensor& src, bool versioned, bool copied) {
  auto ctx = std::make_unique<ExportCtx>();
  ctx->tensor = src;
  if (versioned) {
    auto m = std::make_unique<DLManagedTensorVersioned>();
    std::memset(m.get(), 0, sizeof(DLManagedTensorVersioned));
    m->version = {kMajorVersion, kMinorVersion};
    m->flags = kFlagReadOnly | (copied ? kFlagIsCopied : 0);
    fill_dltensor(m->dl_tensor, ctx.get());
    m->manager_ctx = ctx.get();
    m->deleter = &delete_versioned;
    PyObject* cap = PyCapsule_New(m.get(), kVersionedName, &versioned_capsule_destructor);
    if (!cap) throw py::error_already_set();
    ctx.release();
    m.release();
    return py::reinterpret_steal<py::object>(cap);
  }
  auto m = std::make_unique<DLManagedTensor>();
  std::memset(m.get(), 0, sizeof(DLManagedTensor));
  fill_dltensor(m->dl_tensor, ctx.get());
  m->manager_ctx = ctx.get();
  m->deleter = &delete_legacy;
  PyObject* cap = PyCapsule_New(m.get(), kLegacyName, &legacy_capsule_destructor);
  if (!cap) throw py::error_already_set();
  ctx.release();
  m.release();
  return py::reinterpret_steal<py::object>(cap);
}

[[noreturn]] void buffer_error(const std::string& msg) {
  PyErr_SetString(PyExc_BufferError, msg.c_str());
  throw py::error_already_set();
}

// Calls the producer's deleter when the last tensor over its memory dies. Our
// tensors can die on threads without the GIL; producers' deleters need it.
template <class M>
std::shared_ptr<void> producer_keepalive(M* m) {
  return std::shared_ptr<void>(m, [](void* p) {
    auto* mt = static_cast<M*>(p);
    if (!mt->deleter) return;
    if (!Py_IsInitialized()) return;  // interpreter gone: leak rather than crash
    PyGILState_STATE st = PyGILState_Ensure();
    mt->deleter(mt);
    PyGILState_Release(st);
  });
}

Tensor import_capsule(py::handle cap) {
  const char* name = PyCapsule_GetName(cap.ptr());
  if (!name) throw py::error_already_set();
  const bool versioned = std::strcmp(name, kVersionedName) == 0;
  if (!versioned && std::strcmp(name, kLegacyName) != 0) {
    if (std::strcmp(name, kLegacyUsed) == 0 || std::strcmp(name, kVersionedUsed) == 0)
      throw ValueError("from_dlpack: this DLPack capsule has already been consumed");
    throw TypeError(str("from_dlpack: expected a DLPack capsule ('dltensor' or 'dltensor_versioned'), got a capsule named '",
                        name, "'"));
  }
  DLTensor* dl;
  void* managed = PyCapsule_GetPointer(cap.ptr(), name);
  if (!managed) throw py::error_already_set();
  if (versioned) {
    auto* m = static_cast<DLManagedTensorVersioned*>(managed);
    if (m->version.major > kMajorVersion)
      buffer_error(str("from_dlpack: DLPack version ", m->version.major, ".", m->version.minor,
                       " is newer than the supported ", kMajorVersion, ".", kMinorVersion));
    dl = &m->dl_tensor;
  } else {
    dl = &static_cast<DLManagedTensor*>(managed)->dl_tensor;
  }
  // Checks first: until the capsule is renamed, its destructor owns the producer's memory.
  Device where{};
  if (dl->device.device_type == kDLCUDA && has_allocator(DeviceType::CUDA)) {
    where = Device{DeviceType::CUDA, int16_t(dl->device.device_id)};
  } else if (dl->device.device_type != kDLCPU && dl->device.device_type != kDLCUDAHost) {
    buffer_error(str("from_dlpack: tensors on DLPack device type ", int(dl->device.device_type),
                     " are not supported; CPU memory and, with a GPU present, CUDA memory can be imported"));
  }
  const DType dt = from_dl_dtype(dl->dtype);
  TG_CHECK(dl->ndim >= 0 && dl->ndim <= 64, ValueError, "from_dlpack: invalid ndim ", dl->ndim);
  Shape shape(dl->shape, dl->shape + dl->ndim);
  for (int64_t d : shape) TG_CHECK(d >= 0, ValueError, "from_dlpack: negative dimension in shape ", shape);
  Strides strides = dl->strides ? Strides(dl->strides, dl->strides + dl->ndim) : contiguous_strides(shape);
  const int64_t n = shape_numel(shape);
  const int64_t isz = int64_t(itemsize(dt));
  // The storage starts at the lowest address any element has (strides may be negative).
  int64_t lo = 0, hi = 0;
  if (n > 0)
    for (size_t i = 0; i < shape.size(); ++i) {
      const int64_t span = strides[i] * (shape[i] - 1);
      (span < 0 ? lo : hi) += span;
    }
  char* origin = static_cast<char*>(dl->data) + dl->byte_offset;
  char* base = origin + lo * isz;
  const size_t nbytes = n > 0 ? size_t(hi - lo + 1) * size_t(isz) : 0;

  std::shared_ptr<void> keep;
  if (versioned) {
    keep = producer_keepalive(static_cast<DLManagedTensorVersioned*>(managed));
    PyCapsule_SetName(cap.ptr(), kVersionedUsed);
  } else {
    keep = producer_keepalive(static_cast<DLManagedTensor*>(managed));
    PyCapsule_SetName(cap.ptr(), kLegacyUsed);
  }
  auto storage = Storage::wrap(base, nbytes, std::move(keep), where);
  return Tensor::from_storage(std::move(storage), std::move(shape), std::move(strides), -lo, dt);
}

}  // namespace

void bind_dlpack(py::module_& m) {
  using TensorClass = py::class_<TensorImpl, std::shared_ptr<TensorImpl>>;
  auto cls = py::reinterpret_borrow<TensorClass>(m.attr("Tensor"));

  cls.def("__dlpack__", [](const std::shared_ptr<TensorImpl>& self, py::object stream, py::object max_version,
                           py::object dl_device, py::object copy) {
    Tensor t(self);
    const bool on_cpu = t.device().type == DeviceType::CPU;
    const bool no_sync = !stream.is_none() && PyLong_Check(stream.ptr()) && stream.cast<int64_t>() == -1;
    if (on_cpu && !stream.is_none() && !no_sync)
      throw ValueError(str("__dlpack__: stream must be None for CPU tensors, got ", std::string(py::repr(stream))));
    if (!dl_device.is_none()) {
      auto dev = dl_device.cast<std::pair<int64_t, int64_t>>();
      const DLDevice own = to_dl_device(t.device());
      if (dev.first != int64_t(own.device_type) || dev.second != int64_t(own.device_id))
        buffer_error(str("__dlpack__: cannot export a tensor on ", t.device().name(), " to DLPack device (", dev.first,
                         ", ", dev.second, ")"));
    }
    // The consumer reads on its own stream: everything queued on ours that
    // writes this tensor finishes first (stream -1: the consumer orders it).
    if (!on_cpu && !no_sync)
      if (const SynchronizeFn sync = op::synchronize_for(t.device().type)) sync(t.device().index);
    bool versioned = false;
    if (!max_version.is_none()) versioned = max_version.cast<std::pair<int64_t, int64_t>>().first >= 1;
    const bool want_copy = !copy.is_none() && copy.cast<bool>();
    if (want_copy) {
      Tensor c = Tensor::empty(t.shape(), t.dtype(), t.device());
      copy_into(t, c);
      t = c;
    }
    return export_capsule(t, versioned, want_copy);
  }, py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
     py::arg("dl_device") = py::none(), py::arg("copy") = py::none(),
     "DLPack capsule viewing this tensor's memory (no copy unless copy=True). With max_version >= (1, 0) the\n"
     "capsule is versioned and flagged read-only: tensors are immutable.");

  cls.def("__dlpack_device__", [](const std::shared_ptr<TensorImpl>& self) {
    DLDevice d = to_dl_device(self->storage->device());
    return py::make_tuple(int(d.device_type), int(d.device_id));
  });

  m.def("from_dlpack", [](py::handle obj, py::object device, py::object copy) {
    if (!device.is_none()) {
      std::string dev = py::str(device);
      TG_CHECK(parse_device(dev).type == DeviceType::CPU, ValueError, "from_dlpack: only device='CPU' is supported, got ",
               dev);
    }
    py::object cap;
    bool producer_copied = false;
    if (PyCapsule_CheckExact(obj.ptr())) {
      cap = py::reinterpret_borrow<py::object>(obj);
    } else if (py::hasattr(obj, "__dlpack__")) {
      py::object consumer_stream = py::none();
      if (py::hasattr(obj, "__dlpack_device__")) {
        auto dev = obj.attr("__dlpack_device__")().cast<std::pair<int64_t, int64_t>>();
        const bool gpu = dev.first == kDLCUDA && has_allocator(DeviceType::CUDA);
        if (dev.first != kDLCPU && dev.first != kDLCUDAHost && !gpu)
          buffer_error(str("from_dlpack: the object lives on DLPack device (", dev.first, ", ", dev.second,
                           "); CPU memory and, with a GPU present, CUDA memory can be imported"));
#ifdef TG_WITH_CUDA
        // The producer orders its pending writes before our stream's work.
        if (gpu) consumer_stream = py::int_(reinterpret_cast<intptr_t>(cuda::stream_handle(int(dev.second))));
#endif
      }
      try {
        py::dict kw;
        if (!consumer_stream.is_none()) kw["stream"] = consumer_stream;
        kw["max_version"] = py::make_tuple(kMajorVersion, kMinorVersion);
        if (!copy.is_none()) kw["copy"] = copy;
        cap = obj.attr("__dlpack__")(**kw);
        producer_copied = !copy.is_none();
      } catch (py::error_already_set& e) {
        if (!e.matches(PyExc_TypeError)) throw;
        cap = obj.attr("__dlpack__")();  // a producer older than DLPack 1.0 (no keywords)
      }
    } else {
      throw TypeError(str("from_dlpack: expected an object with __dlpack__ (or a DLPack capsule), got ",
                          std::string(py::str(py::type::of(obj).attr("__name__")))));
    }
    Tensor t = import_capsule(cap);
    if (!producer_copied && !copy.is_none() && copy.cast<bool>()) {
      Tensor c = Tensor::empty(t.shape(), t.dtype(), t.device());
      copy_into(t, c);
      t = c;
    }
    return t;
  }, py::arg("x"), py::kw_only(), py::arg("device") = py::none(), py::arg("copy") = py::none(),
     "Tensor viewing the memory of any DLPack producer (NumPy array, torch tensor, capsule) without copying;\n"
     "the producer is kept alive while any tensor views it. Tensors are immutable, but a writable producer\n"
     "(a NumPy array) can still change that memory and the tensor will show it: as with every DLPack\n"
     "consumer, that aliasing is the caller's business. Pass copy=True for private memory.");
}

}  // namespace tg::py_bind
