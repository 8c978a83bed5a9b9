# mpgw — top-level build. Plain GNU make and pkg-config.
#
#   make             build mpgwd and the test tools (-O2 -g, warnings are errors)
#   make SANITIZE=1  the same with ASan+UBSan, in build-san/
#   make check       install what is missing, build, run every test suite
#   make demo        install what is missing, build, show the gateway on a testbed
#   make clean

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS :=
endif

CC ?= cc
PKGS := libdpdk libcrypto cmocka libcyaml yaml-0.1 jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lev -lhttp_parser -lm -lpthread

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-address-of-packed-member
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) $(SANFLAGS) -D_GNU_SOURCE -I. \
	$(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)

MODULES := tcpstack mptcp proxy mgmt
LIB_SRCS := $(filter-out proxy/main.c mgmt/mpgwctl.c,$(wildcard $(addsuffix /*.c,$(MODULES))))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libmpgw.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SIM_SRCS := $(wildcard tests/sim/test_*.c)
SIM_BINS := $(SIM_SRCS:tests/sim/test_%.c=$(BUILD)/tests/sim_%)

TOOLS := $(BUILD)/linkem
BENCH_BINS := $(BUILD)/bench/bench_tcp_mem

.SECONDARY:
.PHONY: all deps check check-unit check-net demo bench clean format cppcheck lint
all: $(BUILD)/mpgwd $(BUILD)/mpgwctl $(TOOLS) $(UNIT_BINS) $(SIM_BINS)

# V=1 shows whole command lines.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/mpgwd: $(BUILD)/proxy/main.o $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/mpgwctl: $(BUILD)/mgmt/mpgwctl.o $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The link emulator needs nothing but libc.
$(BUILD)/linkem: tests/tools/linkem.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(SANFLAGS) -D_GNU_SOURCE -o $@ $< $(LDFLAGS) -lm

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(BUILD)/tests/sim/sim.o $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/sim_%: $(BUILD)/tests/sim/test_%.o $(BUILD)/tests/sim/sim.o $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

deps:
	@./packaging/install-deps.sh

# Installs first, then re-reads this file so pkg-config sees what was installed.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@tests/run.sh $(BUILD) build-san

check-unit: all
	@tests/run.sh --unit-only $(BUILD)

check-net: all
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@tests/run.sh --net-only $(BUILD) build-san

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/net/demo.sh $(BUILD)

# Figures, each a ratio against a baseline measured in the same run.
bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@for b in tests/bench/bench_*.sh; do $$b $(BUILD) || exit 1; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -I. $(MODULES) tests/tools tests/unit tests/sim tests/fuzz

# The tree stays clean under clang-format and cppcheck (make check runs this).
lint: cppcheck
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h' 2>/dev/null || \
		find $(MODULES) tests -name '*.[ch]')

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ===========================================================================
# Fuzzing (tests/fuzz/, docs/fuzzing.md). Everything fuzz-related is in this
# block.
#
#   make [SANITIZE=1] fuzz-smoke    every harness with the standalone driver
#                                   ($(CC)): its corpus, then FUZZ_RUNS mutations
#   make fuzz [FUZZ_SECONDS=60]     every harness with libFuzzer (clang,
#                                   ASan+UBSan) for FUZZ_SECONDS each, in
#                                   build-fuzz/ (make -j2 fuzz: two at a time)
# ===========================================================================

FUZZERS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_RUNS ?= 20000
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build-fuzz
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
	-fsanitize=fuzzer-no-link,address,undefined
FUZZ_LDFLAGS := -fsanitize=address,undefined
# -dict=tests/fuzz/NAME.dict when there is one ($(1): NAME)
fuzz_dict = $(addprefix -dict=,$(wildcard tests/fuzz/$(1).dict))

.PHONY: fuzz fuzz-smoke fuzz-libfuzzer clean-fuzz $(FUZZERS:%=fuzz-run-%)

ifeq ($(FUZZ_ENGINE),libfuzzer)
# Only inside `make fuzz`: BUILD=build-fuzz, CC=clang, libFuzzer's main().
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)
else
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/driver.o $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
endif

fuzz-smoke: $(FUZZ_BINS)
	@for f in $(FUZZERS); do \
		d=tests/fuzz/$$f.dict; [ -f $$d ] && d=-dict=$$d || d=; \
		FUZZ_RUNS=$(FUZZ_RUNS) $(BUILD)/fuzz/fuzz_$$f $$d tests/fuzz/corpus/$$f || exit 1; \
	done

fuzz:
	@$(MAKE) --no-print-directory -k BUILD=$(FUZZ_BUILD) CC=clang SANITIZE=0 \
		FUZZ_ENGINE=libfuzzer CFLAGS='$(FUZZ_CFLAGS)' LDFLAGS='$(FUZZ_LDFLAGS)' \
		fuzz-libfuzzer

fuzz-libfuzzer: $(FUZZERS:%=fuzz-run-%)

# Each run works on a copy of the corpus in build-fuzz/run/NAME/, where
# libFuzzer also writes what it finds (crash-*, new corpus entries) and its log.
$(FUZZERS:%=fuzz-run-%): fuzz-run-%: $(BUILD)/fuzz/fuzz_%
	@r=$(BUILD)/run/$*; rm -rf $$r && mkdir -p $$r/corpus && \
	cp tests/fuzz/corpus/$*/* $$r/corpus/ && \
	echo "  FUZZ   fuzz_$* for $(FUZZ_SECONDS) s (log: $$r/log)" && \
	if UBSAN_OPTIONS=print_stacktrace=1 $< -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-print_final_stats=1 -artifact_prefix=$$r/ $(call fuzz_dict,$*) \
		$$r/corpus >$$r/log 2>&1; then \
		printf '  fuzz_%s: %s runs, corpus %s -> %s inputs, no crash\n' $* \
			"$$(sed -n 's/^stat::number_of_executed_units: *//p' $$r/log)" \
			"$$(ls tests/fuzz/corpus/$* | wc -l)" "$$(ls $$r/corpus | wc -l)"; \
	else \
		tail -n 60 $$r/log; echo "fuzz_$*: FAILED, see $$r/"; exit 1; \
	fi

clean-fuzz:
	rm -rf $(FUZZ_BUILD)
clean: clean-fuzz
