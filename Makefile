# The two commands of the README's quick start, and their parts.
#
#   make serve   install what is missing, build Release, run the server
#   make test    install what is missing, check the v1 API with buf and
#                the C++ formatting, build and run every test in a Release
#                build and an ASan+UBSan build, and the threading core's
#                tests under TSan, and each libFuzzer harness for a few
#                seconds
#   make fuzz    build the libFuzzer harnesses (clang, build/fuzz) and fuzz
#                each in turn: FUZZ_SECONDS in all (default 300), split
#                evenly; FUZZERS picks some; FUZZ_JOBS processes each

JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
SERVE_FLAGS ?= --listen=127.0.0.1:50051

RELEASE := build/release
ASAN := build/asan
TSAN := build/tsan
FUZZ := build/fuzz
FUZZ_SECONDS ?= 300
FUZZ_JOBS ?= 1
FUZZERS ?=

.PHONY: all deps build serve test test-release test-asan test-tsan test-fuzz fuzz fuzz-build check-proto check-format format docs conformance clean

all: build

deps:
	@bash scripts/install-deps.sh

$(RELEASE)/build.ninja:
	cmake -S . -B $(RELEASE) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

$(TSAN)/build.ninja:
	cmake -S . -B $(TSAN) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DGEOSRPC_SANITIZE=thread -DGEOSRPC_BUILD_BENCH=OFF $(CMAKE_FLAGS)

$(ASAN)/build.ninja:
	cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DGEOSRPC_SANITIZE=address,undefined -DGEOSRPC_BUILD_BENCH=OFF $(CMAKE_FLAGS)

# The libFuzzer build: clang, every library with coverage, ASan and UBSan
# (see GEOSRPC_FUZZ in CMakeLists.txt); only the harnesses are built.
$(FUZZ)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -DGEOSRPC_FUZZ=ON \
	  -DGEOSRPC_BUILD_TESTS=OFF -DGEOSRPC_BUILD_BENCH=OFF $(CMAKE_FLAGS)

build: deps $(RELEASE)/build.ninja
	cmake --build $(RELEASE) -j $(JOBS)

serve: build
	$(RELEASE)/server/geosrpc_server $(SERVE_FLAGS)

test-release: build
	cd $(RELEASE) && ctest -j $(JOBS) --output-on-failure

test-asan: deps $(ASAN)/build.ninja
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest -j $(JOBS) --output-on-failure

# The threading core under TSan: the tests labelled "tsan" in
# tests/CMakeLists.txt, which the target tsan_tests builds.
test-tsan: deps $(TSAN)/build.ninja
	cmake --build $(TSAN) -j $(JOBS) --target tsan_tests
	cd $(TSAN) && TSAN_OPTIONS="suppressions=$(CURDIR)/tsan.supp halt_on_error=1" \
	  ctest -j $(JOBS) --output-on-failure -L tsan

fuzz-build: deps $(FUZZ)/build.ninja
	cmake --build $(FUZZ) -j $(JOBS) --target fuzzers

# Each harness briefly (GEOSRPC_FUZZ_SECONDS, 4 s), as ctest entries:
# fails on any crash, leak, timeout or sanitizer report.
test-fuzz: fuzz-build
	cd $(FUZZ) && ctest -j $(JOBS) --output-on-failure -L fuzz

# Every harness (or FUZZERS) for FUZZ_SECONDS in all.
fuzz: fuzz-build
	FUZZ_JOBS=$(FUZZ_JOBS) bash scripts/fuzz.sh $(FUZZ)/fuzz $(FUZZ_SECONDS) $(FUZZERS)

# docs/operations.md, regenerated from the operation table.
docs: build
	GEOSRPC_UPDATE_DOCS=1 $(RELEASE)/tests/operations_doc_test \
	  --gtest_filter=OperationsDocTest.MatchesTheOperationTable

# GEOS's XML conformance cases through the service; XMLTESTS may name any
# GEOS tests/xmltester/tests folder.
XMLTESTS ?= ../shared/geos-xmltests
conformance: build
	PYTHONPATH=$(RELEASE)/python:tests/testing \
	GEOSRPC_SERVER=$(RELEASE)/server/geosrpc_server \
	  /usr/bin/python3 tests/conformance/geos_xmltests.py $(XMLTESTS)

# The v1 API: buf lint, and buf breaking against the previous commit.
check-proto: deps
	bash scripts/check-proto.sh

# C++ formatting: check-format fails on a file clang-format would change;
# format rewrites them.
check-format: deps
	bash scripts/check-format.sh

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

test: check-proto check-format test-tsan test-asan test-release test-fuzz

clean:
	rm -rf build
