# dialup — quick start targets. Each target installs what it needs (as root) and builds.
#   make demo   build everything and dial a call on the built-in simulator
#   make test   build and run the whole test suite
#   make asan   the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make tsan   the test suite under ThreadSanitizer
#   make fuzz   every fuzz target for FUZZ_SECONDS (default 60) from the seed corpus
.PHONY: deps interop-deps fuzz-deps build demo test asan tsan fuzz clean

JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60

# What the build and the demo need; the interop tests' programs come with the test targets.
deps:
	@./scripts/install-deps.sh build

interop-deps: deps
	@./scripts/install-deps.sh interop

fuzz-deps: deps
	@./scripts/install-deps.sh fuzz

build/build.ninja: CMakeLists.txt | deps
	cmake -S . -B build -G Ninja $(CMAKE_FLAGS)

build: deps build/build.ninja
	cmake --build build -j $(JOBS)

demo: build
	./build/tools/dialup/dialup dial --sim

test: build interop-deps
	cd build && ctest --output-on-failure -j $(JOBS)

asan: interop-deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDIALUP_SANITIZE_ADDRESS=ON -DDIALUP_WERROR=ON $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

tsan: interop-deps
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDIALUP_SANITIZE_THREAD=ON $(CMAKE_FLAGS)
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# Every fuzz target for FUZZ_SECONDS, coverage-guided from the seed corpus kept in the
# repository (tests/fuzz/corpus/<target>, written by tests/fuzz/make_corpus.py). What the
# fuzzer adds goes to build-fuzz/corpus, a crash to build-fuzz/artifacts (and fails the run):
# a crash found becomes a vector in the target's replay test.
FUZZERS = at_parser_fuzz hwsim_modem_fuzz phonebook_fuzz chat_script_fuzz telnet_fuzz inf_fuzz profile_fuzz
fuzz: fuzz-deps
	CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DDIALUP_BUILD_FUZZERS=ON $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZERS)
	mkdir -p build-fuzz/artifacts
	set -e; for f in $(FUZZERS); do \
	  echo "== $$f for $(FUZZ_SECONDS) s"; mkdir -p build-fuzz/corpus/$$f; \
	  ./build-fuzz/tests/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/$$f- \
	    build-fuzz/corpus/$$f tests/fuzz/corpus/$$f; \
	done

clean:
	rm -rf build build-asan build-tsan build-fuzz
