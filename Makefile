# The two set-up commands (see README): `make run` and `make test`. Both install what is
# missing from Debian's archive, configure and build, then run.
PRESET ?= $(if $(CI),ci,release)
BUILD_DIR := build/$(PRESET)
CRONIUM := $(BUILD_DIR)/src/server/cronium
JOBS ?= $(shell nproc)

.PHONY: all deps build run test bench clean format

all: build

deps:
	@bash scripts/install-deps.sh $(DEPS_FLAGS)

$(BUILD_DIR)/build.ninja:
	cmake --preset $(PRESET)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target cronium
	$(CRONIUM) serve $(ARGS)

test: DEPS_FLAGS = --test
test: build
	bash scripts/run-tests.sh $(BUILD_DIR)

bench: DEPS_FLAGS = --bench
bench: build
	bash scripts/bench.sh $(BUILD_DIR)

format:
	find src tests bench -name '*.h' -o -name '*.cc' -o -name '*.inc' | xargs clang-format -i

clean:
	rm -rf build
