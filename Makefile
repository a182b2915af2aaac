# The two commands of the README: `make run` (install, build, open the demo) and `make test` (every test).
SHELL := /bin/bash
SWIFT ?= swift
# OpenBLAS picks its kernels at load time; on AVX-512 CPUs the SkylakeX ones are almost twice as fast.
export OPENBLAS_CORETYPE := $(shell grep -q avx512f /proc/cpuinfo 2>/dev/null && echo SkylakeX)
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test deps venv demo build release conformance bench proto clean

# Opens the TUI on the demo; without a terminal it prints the same analysis instead.
run: deps venv demo release
	@if [ -t 0 ] && [ -t 1 ]; then \
	  .build/release/qscope open .cache/demo/model.onnx --config examples/pplcnet-orientation.yaml; \
	else \
	  .build/release/qscope analyze .cache/demo/model.onnx --config examples/pplcnet-orientation.yaml; \
	fi

test: deps venv demo
	$(SWIFT) test
	$(SWIFT) build --product qscope-conformance
	.build/debug/qscope-conformance "$$(.venv/bin/python scripts/fetch_onnx_tests.py | tail -1)" --exclusions Tests/conformance-exclusions.txt

deps:
	@scripts/install_deps.sh

venv:
	@scripts/venv.sh >/dev/null

demo: venv
	@.venv/bin/python scripts/fetch_demo.py

build:
	$(SWIFT) build

# The Swift runtime and Foundation linked in statically: about 6 MB less resident memory per process, and a
# binary that runs on a machine without the Swift toolchain.
release:
	$(SWIFT) build -c release --static-swift-stdlib

bench: deps venv demo release
	.venv/bin/python scripts/bench.py
	.build/release/qscope bench-render

proto:
	scripts/gen_proto.sh

clean:
	rm -rf .build .cache
