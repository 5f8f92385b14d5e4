# joule front door. Every target first installs missing Debian packages
# (scripts/bootstrap), then drives the CMake presets of CMakePresets.json.
#
#   make demo       the main job on real data (writes out/)
#   make test       everything CI checks
#   make bench      benchmarks and peer comparisons (docs/performance.md)
#   make fuzz       each fuzzer for FUZZ_SECONDS (default 60)
#   make firmware   Cortex-M4 build: size report, no-heap check, tests on QEMU
#   make install PREFIX=DIR
#   make clean
SHELL := /bin/bash
PY := /usr/bin/python3
PREFIX ?= $(CURDIR)/out/install
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)

.PHONY: bootstrap demo test test-dev test-fuzz test-package bench fuzz firmware install clean

bootstrap:
	@scripts/bootstrap core

build/dev/build.ninja: CMakePresets.json CMakeLists.txt | bootstrap
	cmake --preset dev >/dev/null

test: bootstrap
	@scripts/run-tests

test-dev: bootstrap
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev

test-fuzz: bootstrap
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	ctest --preset fuzz

firmware: bootstrap
	cmake --preset firmware
	cmake --build --preset firmware -j $(JOBS)
	ctest --preset firmware

release: bootstrap
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

demo: release
	@scripts/demo

bench: bootstrap
	@scripts/bootstrap bench
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	@scripts/bench

fuzz: bootstrap
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	@scripts/fuzz $(FUZZ_SECONDS)

install: release
	cmake --install build/release --prefix "$(PREFIX)"
	@scripts/install-python "$(PREFIX)"

clean:
	rm -rf build out
