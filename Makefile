# dialup — quick start targets. Each target installs what it needs (as root) and builds.
#   make demo   build everything and dial a call on the built-in simulator
#   make test   build and run the whole test suite
#   make asan   the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make tsan   the test suite under ThreadSanitizer
.PHONY: deps build demo test asan tsan fuzz clean

JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60

deps:
	@./scripts/install-deps.sh

build/build.ninja: CMakeLists.txt | deps
	cmake -S . -B build -G Ninja $(CMAKE_FLAGS)

build: deps build/build.ninja
	cmake --build build -j $(JOBS)

demo: build
	./build/tools/dialup/dialup dial --sim

test: build
	cd build && ctest --output-on-failure -j $(JOBS)

asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDIALUP_SANITIZE_ADDRESS=ON -DDIALUP_WERROR=ON $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

tsan: deps
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDIALUP_SANITIZE_THREAD=ON $(CMAKE_FLAGS)
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS)

fuzz: deps
	CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DDIALUP_BUILD_FUZZERS=ON $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS) --target at_parser_fuzz hwsim_modem_fuzz phonebook_fuzz chat_script_fuzz
	./build-fuzz/tests/fuzz/at_parser_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1
	./build-fuzz/tests/fuzz/hwsim_modem_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1
	./build-fuzz/tests/fuzz/phonebook_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1
	./build-fuzz/tests/fuzz/chat_script_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1

clean:
	rm -rf build build-asan build-tsan build-fuzz
