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
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lev -lm -lpthread

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-address-of-packed-member
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) $(SANFLAGS) -D_GNU_SOURCE -I. \
	$(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)

MODULES := tcpstack proxy mgmt
LIB_SRCS := $(filter-out proxy/main.c,$(wildcard $(addsuffix /*.c,$(MODULES))))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libmpgw.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

TOOLS := $(BUILD)/linkem

.SECONDARY:
.PHONY: all deps check check-unit check-net demo bench clean format cppcheck
all: $(BUILD)/mpgwd $(TOOLS) $(UNIT_BINS)

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

# The link emulator needs nothing but libc.
$(BUILD)/linkem: tests/tools/linkem.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(SANFLAGS) -D_GNU_SOURCE -o $@ $< $(LDFLAGS) -lm

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
	@$(MAKE) --no-print-directory all
	@for b in tests/bench/bench_*.sh; do $$b $(BUILD) || exit 1; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -I. $(MODULES) tests/tools tests/unit

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
