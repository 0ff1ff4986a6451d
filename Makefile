# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# scanguard build: the XDP object (clang -target bpf), its bpftool skeleton,
# the daemon and the CLI.  Output goes to build/.  `make V=1` shows commands.

OUT       := build
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
CLANG     ?= clang
CC        ?= gcc
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	      -Wall -Wextra -Werror -Wno-unused-parameter \
	      -Iinclude -I/usr/include/$(MULTIARCH) -MD -MP
CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 \
	      -D_GNU_SOURCE -Iinclude -I$(OUT) -MD -MP
LDLIBS     := -lbpf -lelf -lz

COMMON_SRCS := user/log.c user/addr.c user/json.c user/pin.c user/cfgkeys.c \
	       user/ops.c user/fmt.c
DAEMON_SRCS := user/scanguardd.c user/loader.c user/events.c user/hostaddr.c
CTL_SRCS    := user/scanguardctl.c
COMMON_OBJS := $(COMMON_SRCS:user/%.c=$(OUT)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:user/%.c=$(OUT)/%.o)
CTL_OBJS    := $(CTL_SRCS:user/%.c=$(OUT)/%.o)

UNIT_TESTS  := $(OUT)/tests/test_xdp $(OUT)/tests/test_detect $(OUT)/tests/test_addr \
	       $(OUT)/tests/detect_report

.DELETE_ON_ERROR:
.PHONY: all deps test demo install uninstall clean unit detection-report

all: deps $(OUT)/scanguardd $(OUT)/scanguardctl

deps:
	$(Q)./scripts/install-deps.sh

$(OUT) $(OUT)/tests:
	$(Q)mkdir -p $@

# ---- BPF object and skeleton ------------------------------------------------
$(OUT)/scanguard.bpf.o: bpf/scanguard.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(OUT)/scanguard.bpf.d -MT $@ -c $< -o $(OUT)/scanguard.tmp.bpf.o
	$(Q)$(BPFTOOL) gen object $@ $(OUT)/scanguard.tmp.bpf.o
	$(Q)rm -f $(OUT)/scanguard.tmp.bpf.o

$(OUT)/scanguard.skel.h: $(OUT)/scanguard.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name scanguard_bpf > $@

# ---- userspace ----------------------------------------------------------------
$(OUT)/%.o: user/%.c $(OUT)/scanguard.skel.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/scanguardd: $(DAEMON_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/scanguardctl: $(CTL_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# ---- tests --------------------------------------------------------------------
$(OUT)/tests/%.o: tests/unit/%.c $(OUT)/scanguard.skel.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -Iuser -c $< -o $@

$(OUT)/tests/test_xdp: $(OUT)/tests/test_xdp.o $(OUT)/tests/pkt.o $(OUT)/tests/fixture.o $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lpthread -o $@

$(OUT)/tests/test_detect: $(OUT)/tests/test_detect.o $(OUT)/tests/pkt.o $(OUT)/tests/fixture.o $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/detect_report: $(OUT)/tests/detect_report.o $(OUT)/tests/pkt.o $(OUT)/tests/fixture.o $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_addr: $(OUT)/tests/test_addr.o $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

unit: all $(UNIT_TESTS)

test: unit
	$(Q)./tests/run.sh

# Probes-to-detection and false blocks per scenario, defaults against the
# plain distinct-port threshold (README, "Detection").
detection-report: all $(OUT)/tests/detect_report
	$(Q)./scripts/detection-report.sh

demo: all
	$(Q)./scripts/demo.sh

install: all
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(OUT)/scanguardd $(OUT)/scanguardctl $(DESTDIR)$(SBINDIR)/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/scanguardd $(DESTDIR)$(SBINDIR)/scanguardctl

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/*.d $(OUT)/tests/*.d)
