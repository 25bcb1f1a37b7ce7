// The tensorgear._C extension module: exception mapping and the bind_* calls
// of every op family.
#include <cblas.h>

#include "backend/cpu/blas_names.h"

#include <thread>

#include "bindings/common.h"
#include "backend/host_gpu.h"
#include "backend/reduce_plan.h"
#include "backend/strided_index.h"
#include "op/registry.h"
#include "parallel.h"
#include "simd/dispatch.h"
#include "storage.h"
#ifdef TG_WITH_CUDA
#include "tg_cuda.h"
#endif

namespace tg::py_bind {

void bind_system(py::module_& m) {
  m.def("simd_level", &simd::simd_level, "Instruction-set level of the element-wise kernels in use");
  m.def("num_threads", &num_threads);
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.def("pool_info", []() {
    const PoolStats s = pool_stats();
    py::dict d;
    d["threads"] = num_threads();
    d["default_threads"] = default_num_threads();
    d["affinity_cpus"] = affinity_cpus();
    d["cgroup_cpu_quota"] = cgroup_cpu_quota();
    d["workers_started"] = s.workers;
    d["jobs"] = s.jobs;
    d["chunks"] = s.chunks;
    d["caller_chunks"] = s.caller_chunks;
    d["spin_us"] = pool_spin_us();
    return d;
  }, "The kernel thread pool: thread counts, where the default came from, and job statistics");
  m.def("_set_pool_spin_us", &set_pool_spin_us, py::arg("us"));
  m.def("_pool_hold_workers", &pool_hold_workers, py::arg("hold"),
        "Test hook: held workers claim nothing, as if the scheduler had parked them");
  m.def("_kernel_table", []() {
    // The op table as Python sees it: per op, its arity, the compute dtypes
    // it accepts, whether it has a gradient rule, and the dtypes each device
    // type has a kernel for (the coverage tests read this).
    py::dict table;
    for (int i = 0; i < tg::op::kNumOps; ++i) {
      const tg::op::OpDef& d = tg::op::table()[i];
      py::dict e;
      e["arity"] = d.arity;
      e["differentiable"] = d.grad != nullptr;
      e["view"] = d.view != nullptr;  // no kernel on any device: a new layout of the input's memory
      py::list accepts;
      for (int t = 0; t < tg::kNumDTypes; ++t)
        if (d.dtypes & (1u << t)) accepts.append(tg::dtype_name(tg::DType(t)));
      e["dtypes"] = accepts;
      for (int dev = 0; dev < tg::op::kNumDeviceTypes; ++dev) {
        py::list have;
        for (int t = 0; t < tg::kNumDTypes; ++t)
          if (d.kernels[dev][t]) have.append(tg::dtype_name(tg::DType(t)));
        e[dev == int(tg::DeviceType::CPU) ? "cpu" : "cuda"] = have;
      }
      table[tg::op::name(tg::op::OpId(i))] = e;
    }
    return table;
  });
  m.def("_install_host_gpu_for_tests", []() {
    // Test hook: a stand-in GPU:0 backed by host memory (backend/host_gpu.cpp),
    // refused where a CUDA backend already owns the device type.
    TG_CHECK(!tg::has_allocator(tg::DeviceType::CUDA), ValueError,
             "_install_host_gpu_for_tests: a CUDA backend is loaded; test on the real GPU");
    tg::host_gpu::install();
  });
  m.def("_kernel_for_probe", [](const std::string& op_name, const std::string& device, py::handle dtype) {
    // Test hook: looks up the kernel slot of (op, device, dtype) as the
    // execution path does, raising its NotImplementedError when it is empty.
    const tg::DType dt = parse_dtype(dtype);
    for (int i = 0; i < tg::op::kNumOps; ++i) {
      if (op_name == tg::op::name(tg::op::OpId(i))) {
        tg::op::kernel_for(tg::op::OpId(i), tg::parse_device(device), dt);
        return true;
      }
    }
    throw tg::ValueError("no op named '" + op_name + "' in the op table");
  });
  m.def("_offset_calc_probe", [](const std::vector<int64_t>& shape, const std::vector<std::vector<int64_t>>& strides) {
    // Test hook: the offsets the GPU kernels compute (backend/strided_index.h)
    // for two operands over `shape`, every linear index in order, and the
    // number of dimensions left after merging.
    TG_CHECK(strides.size() == 2, ValueError, "_offset_calc_probe: expected two stride lists");
    for (const auto& s : strides)
      TG_CHECK(s.size() == shape.size(), ValueError, "_offset_calc_probe: strides ", s, " for shape ", shape);
    const int64_t* rows[2] = {strides[0].data(), strides[1].data()};
    OffsetCalc<2> calc;
    if (!make_offset_calc<2>(shape.data(), int(shape.size()), rows, calc)) throw NotImplementedError("too many dimensions");
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<int64_t> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      int64_t off[2];
      calc.offsets(i, off);
      a[size_t(i)] = off[0];
      b[size_t(i)] = off[1];
    }
    return py::make_tuple(a, b, calc.ndim);
  }, py::arg("shape"), py::arg("strides"));
  m.def("_reduce_plan_probe", [](const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                                 const std::vector<int64_t>& axes) {
    // Test hook: the GPU reductions' plan (backend/reduce_plan.h) as the
    // input offsets folded into each output, in output order, and its kind.
    TG_CHECK(strides.size() == shape.size(), ValueError, "_reduce_plan_probe: strides ", strides, " for shape ", shape);
    ReducePlan plan;
    if (!make_reduce_plan(shape.data(), strides.data(), int(shape.size()), axes.data(), int(axes.size()), plan))
      throw NotImplementedError("too many dimensions");
    std::vector<std::vector<int64_t>> folds(size_t(plan.kept));
    for (int64_t j = 0; j < plan.kept; ++j)
      for (int64_t k = 0; k < plan.count; ++k) folds[size_t(j)].push_back(plan.out.offset(j) + plan.red.offset(k));
    return py::make_tuple(folds, plan.kind == ReduceKind::Rows ? "rows" : "cols");
  }, py::arg("shape"), py::arg("strides"), py::arg("axes"));
  m.def("_parallel_probe", [](int64_t chunks, int64_t throw_at, int64_t nested) {
    // Test hook: runs `chunks` chunks on the pool and reports, per chunk, how
    // many times it ran and whether it ran on the calling thread; a chunk
    // equal to throw_at throws; nested > 0 runs a nested parallel_for of that
    // size inside each chunk (it must run inline).
    std::vector<int64_t> runs(size_t(std::max<int64_t>(chunks, 0)), 0), on_caller(runs.size(), 0), inner(runs.size(), 0);
    const auto caller = std::this_thread::get_id();
    {
      py::gil_scoped_release release;
      parallel_chunks(chunks, [&](int64_t c) {
        if (c == throw_at) throw ValueError(str("chunk ", c, " failed"));
        runs[size_t(c)] += 1;
        on_caller[size_t(c)] = std::this_thread::get_id() == caller;
        if (nested > 0) parallel_for(nested, 1, [&](int64_t b, int64_t e) { inner[size_t(c)] += e - b; });
      });
    }
    return py::make_tuple(runs, on_caller, inner);
  }, py::arg("chunks"), py::arg("throw_at") = -1, py::arg("nested") = 0);
  m.def("blas_info", []() {
    py::dict d;
#ifdef OPENBLAS_VERSION
    d["vendor"] = "OpenBLAS";
    d["version"] = py::str(std::string(OPENBLAS_VERSION)).attr("strip")();
    d["config"] = std::string(TG_BLAS(openblas_get_config)());
    d["threads"] = TG_BLAS(openblas_get_num_threads)();
#else
    d["vendor"] = "CBLAS";
    d["version"] = "unknown";
    d["threads"] = -1;
#endif
    return d;
  });
  m.def("cuda_built", []() {
#ifdef TG_WITH_CUDA
    return true;
#else
    return false;
#endif
  }, "Whether this build contains the CUDA kernels");
  m.def("cuda_device_count", []() {
#ifdef TG_WITH_CUDA
    return cuda::device_count();
#else
    return 0;
#endif
  }, "Number of usable CUDA devices (0 without a driver or GPU)");
  m.def("cuda_device_name", [](int index) {
#ifdef TG_WITH_CUDA
    return cuda::device_name(index);
#else
    return std::string();
#endif
  }, py::arg("index") = 0, "The GPU's name as the driver reports it ('' when there is none)");
  m.def("cuda_synchronize", [](int index) {
#ifdef TG_WITH_CUDA
    py::gil_scoped_release release;
    cuda::synchronize(index);
#else
    throw ValueError(str("cuda_synchronize: no CUDA backend in this build (GPU:", index, ")"));
#endif
  }, py::arg("index") = 0, "Waits for every kernel queued on a GPU (for timing; reads of values sync by themselves)");
  m.def("_add_cublas_search_path", [](const std::string& dir) {
#ifdef TG_WITH_CUDA
    cuda::add_cublas_search_path(dir);
#endif
  }, py::arg("dir"), "A folder where cuBLAS may be found (the Python package passes NVIDIA's pip wheels' lib folders)");
  m.def("allocator_stats", [](const std::string& device) {
    const Device dev = parse_device(device);
    const AllocatorStats s = allocator_for(dev).stats(dev.index);
    py::dict d;
    d["bytes_in_use"] = s.bytes_in_use;
    d["bytes_cached"] = s.bytes_cached;
    d["peak_bytes_in_use"] = s.peak_bytes_in_use;
    d["hits"] = s.hits;
    d["misses"] = s.misses;
    return d;
  }, py::arg("device") = "CPU:0", "The memory allocator of a device: bytes in use, cached and at peak; cache hits and misses");
  m.def("reset_peak_memory", [](const std::string& device) {
    const Device dev = parse_device(device);
    allocator_for(dev).reset_peak(dev.index);
  }, py::arg("device") = "CPU:0");
  m.def("empty_cache", [](const std::string& device) { allocator_for(parse_device(device)).empty_cache(); },
        py::arg("device") = "CPU:0");
}

}  // namespace tg::py_bind

PYBIND11_MODULE(_C, m) {
  using namespace tg::py_bind;
  m.doc() = "tensorgear compiled core";
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tg::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const tg::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const tg::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const tg::OutOfMemory& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const tg::RuntimeError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const tg::NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const std::bad_alloc& e) {
      PyErr_SetString(PyExc_MemoryError, "out of memory");
    }
  });
  tg::op::init();  // the op table: definitions, then each backend's kernels
  bind_system(m);
  bind_dtypes(m);
  bind_tensor(m);
  bind_autograd(m);
  bind_creation(m);
  bind_elementwise(m);
  bind_reduce(m);
  bind_shape(m);
  bind_indexing(m);
  bind_dlpack(m);
  bind_dense(m);
  bind_linalg(m);
  bind_nn(m);
  bind_conv(m);
  bind_random(m);
  bind_optim(m);
  bind_text(m);
  bind_sort(m);
  bind_distribute(m);
}
