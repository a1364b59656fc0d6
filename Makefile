# Makefile: thin entry points over CMake and deploy/ (docs/design.md §11). The work is in the scripts.
#   make demo   install, build, start the dev stack, push a generated quarter, write out/
#   make test   install, build, run every test; then again under ASan+UBSan (build-asan/)
#   make up     install, build, start the dev stack (make down stops it)
#   make national-up    install, build, start the province stacks of NATIONAL_PROVINCES (default
#                       46 48) and the national stack (docs/design.md §15; make down stops them)
#   make national-demo  national-up, push a quarter into each province, write out/national/
#   make build  configure and build only, installing nothing (make deps installs)
#   make down | reset | status | clean
JOBS ?= 2
BUILD ?= build
# Configure flags for build/: optimised with debug info, as services run in production (the
# optimiser's extra warnings are errors too). build-asan/ is a Debug build with the sanitizers.
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build build-asan demo test test-normal test-asan test-fuzz up down reset status clean \
	national-up national-demo
NATIONAL_PROVINCES ?= 46 48

all: build

# demo, test and up are what a new machine starts with: they install the packages first
# (install-deps.sh is idempotent, and quiet and offline when everything is there), then build in a
# make of their own, so that under make -j CMake never runs before the packages are in. build
# alone installs nothing: it is the edit-compile step, run by people whose packages may come from
# elsewhere, and install-deps would also pull in what only the tests use (LibreOffice, clang).
deps:
	deploy/install-deps.sh

build:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) || { \
		echo "make build: CMake could not configure $(BUILD); if packages are missing: make deps" >&2; \
		exit 1; }
	cmake --build $(BUILD) -j $(JOBS)

build-asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCCHC_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)

demo: deps
	$(MAKE) build
	CCHC_BIN=$(BUILD)/bin deploy/demo.sh

test: deps
	$(MAKE) test-normal
	$(MAKE) test-asan
	$(MAKE) test-fuzz

test-normal: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# libFuzzer harnesses, about a minute each (CCHC_FUZZ_SECONDS); skipped without clang.
test-fuzz:
	tests/fuzz/run.sh

test-asan: build-asan
	cd build-asan && ctest --output-on-failure -j $(JOBS)

up: deps
	$(MAKE) build
	CCHC_BIN=$(BUILD)/bin deploy/stack.sh up

national-up: deps
	$(MAKE) build
	CCHC_BIN=$(BUILD)/bin NATIONAL_PROVINCES="$(NATIONAL_PROVINCES)" deploy/national.sh up

national-demo: deps
	$(MAKE) build
	CCHC_BIN=$(BUILD)/bin NATIONAL_PROVINCES="$(NATIONAL_PROVINCES)" deploy/national.sh demo

down:
	deploy/national.sh down
	deploy/stack.sh down

reset:
	deploy/national.sh reset
	deploy/stack.sh reset

status:
	deploy/stack.sh status

clean:
	deploy/national.sh down
	deploy/stack.sh down
	rm -rf $(BUILD) build-asan build-fuzz out
