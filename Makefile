# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# scanguard build: the XDP object (clang -target bpf), its bpftool skeleton,
# the daemon and the CLI.  Output goes to build/.  `make V=1` shows commands.

OUT       := build
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
UNITDIR   ?= $(PREFIX)/lib/systemd/system
COMPDIR   ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
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
	      -D_GNU_SOURCE -Iinclude -I$(OUT) -MD -MP $(SAN_CFLAGS)
LDLIBS     := -lbpf -lelf -lz
DAEMON_LIBS := -lmicrohttpd -lconfig

COMMON_SRCS := user/log.c user/addr.c user/json.c user/pin.c user/cfgkeys.c \
	       user/ops.c user/fmt.c user/links.c user/skel.c user/table.c
DAEMON_SRCS := user/scanguardd.c user/loader.c user/events.c user/hostaddr.c \
	       user/options.c user/conffile.c user/evlog.c user/metrics.c
CTL_SRCS    := user/scanguardctl.c user/ctl_replay.c user/replay.c user/replay_report.c \
	       user/replay_env.c user/replay_learn.c user/capture.c user/htab.c user/audit.c user/sockdiag.c \
	       user/top.c user/term.c
COMMON_OBJS := $(COMMON_SRCS:user/%.c=$(OUT)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:user/%.c=$(OUT)/%.o)
CTL_OBJS    := $(CTL_SRCS:user/%.c=$(OUT)/%.o)

UNIT_TESTS  := $(OUT)/tests/test_xdp $(OUT)/tests/test_detect $(OUT)/tests/test_addr \
	       $(OUT)/tests/test_budget $(OUT)/tests/test_conffile $(OUT)/tests/detect_report \
	       $(OUT)/tests/test_equiv $(OUT)/tests/test_random $(OUT)/tests/test_flood \
	       $(OUT)/tests/test_faults
TEST_TOOLS  := $(OUT)/tests/mkpcap

BENCH_SRCS  := bench/main.c bench/measure.c bench/subjects.c bench/state.c \
	       bench/scenarios.c bench/memory.c bench/report.c bench/structs.c
BENCH_OBJS  := $(BENCH_SRCS:bench/%.c=$(OUT)/bench/%.o)
BENCH_BINS  := $(OUT)/bench/scanguard-bench $(OUT)/bench/sg-flood $(OUT)/bench/sg-peer \
	       $(OUT)/bench/empty.bpf.o

.DELETE_ON_ERROR:
.PHONY: all binaries deps test demo install uninstall clean unit container-test detection-report \
	fuzz fuzz-corpus test-asan asan-build bench bench-build

all: deps binaries

# The programs alone, without installing packages (container builds).
binaries: $(OUT)/scanguardd $(OUT)/scanguardctl

deps:
	$(Q)./scripts/install-deps.sh

$(OUT) $(OUT)/tests $(OUT)/bench:
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
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) $(DAEMON_LIBS) -o $@

$(OUT)/scanguardctl: $(CTL_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lpcap -lm -o $@

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

$(OUT)/tests/test_budget: $(OUT)/tests/test_budget.o $(OUT)/tests/pkt.o $(OUT)/tests/fixture.o $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_conffile: $(OUT)/tests/test_conffile.o $(OUT)/tests/harness.o $(OUT)/options.o $(OUT)/conffile.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lconfig -o $@

# Test tools: mkpcap writes the captures e2e_replay replays.
$(OUT)/tests/mkpcap: $(OUT)/tests/mkpcap.o $(OUT)/tests/pkt.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@


# ---- fuzzing (libFuzzer; clang from Debian) --------------------------------------
# The parsers under AddressSanitizer and UndefinedBehaviorSanitizer, with the
# fuzzer's coverage instrumentation; libbpf stays uninstrumented.
FUZZ_CC     ?= clang
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -Wall -Wextra -Werror \
	       -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -MD -MP
FUZZ_LIB    := $(patsubst user/%.c,$(OUT)/fuzz/%.o,user/addr.c user/cfgkeys.c user/fmt.c \
		 user/json.c user/ops.c)
FUZZERS     := $(OUT)/fuzz/fuzz_parse $(OUT)/fuzz/fuzz_cli $(OUT)/fuzz/fuzz_conffile

$(OUT)/fuzz:
	$(Q)mkdir -p $@

$(OUT)/fuzz/%.o: user/%.c | $(OUT)/fuzz
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(OUT)/fuzz/fuzz_%.o: tests/fuzz/fuzz_%.c | $(OUT)/fuzz
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(OUT)/fuzz/fuzz_parse: $(OUT)/fuzz/fuzz_parse.o
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@

$(OUT)/fuzz/fuzz_cli: $(OUT)/fuzz/fuzz_cli.o $(FUZZ_LIB)
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

$(OUT)/fuzz/fuzz_conffile: $(OUT)/fuzz/fuzz_conffile.o $(OUT)/fuzz/conffile.o \
			   $(OUT)/fuzz/options.o $(FUZZ_LIB)
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -lconfig -o $@

fuzz: deps $(FUZZERS)

$(OUT)/tests/gen_corpus: $(OUT)/tests/gen_corpus.o $(OUT)/tests/pkt.o $(OUT)/cfgkeys.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@

$(OUT)/tests/gen_corpus.o: tests/fuzz/gen_corpus.c | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -Iuser -c $< -o $@

# Regenerates the committed seed corpus from the unit tests' frame builder.
fuzz-corpus: $(OUT)/tests/gen_corpus
	$(Q)rm -rf tests/fuzz/corpus/parse tests/fuzz/corpus/cli tests/fuzz/corpus/conffile
	$(Q)$(OUT)/tests/gen_corpus tests/fuzz/corpus
	$(Q)cp deploy/scanguard.conf tests/fuzz/corpus/conffile/example

$(OUT)/tests/test_equiv: $(OUT)/tests/test_equiv.o $(OUT)/tests/model.o $(OUT)/tests/gen.o \
			 $(OUT)/tests/pkt.o $(OUT)/tests/fixture.o $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_random: $(OUT)/tests/test_random.o $(OUT)/tests/model.o $(OUT)/tests/gen.o \
			  $(OUT)/tests/pkt.o $(OUT)/tests/fixture.o $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_flood: $(OUT)/tests/test_flood.o $(OUT)/tests/pkt.o $(OUT)/tests/fixture.o \
			 $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_faults: $(OUT)/tests/test_faults.o $(OUT)/tests/pkt.o $(OUT)/tests/fixture.o \
			  $(OUT)/tests/harness.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# ---- benchmark (bench/README.md) ------------------------------------------------
$(OUT)/bench/%.bpf.o: bench/%.bpf.c | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench -MF $(OUT)/bench/$*.bpf.d -MT $@ -c $< -o $(OUT)/bench/$*.tmp.bpf.o
	$(Q)$(BPFTOOL) gen object $@ $(OUT)/bench/$*.tmp.bpf.o
	$(Q)rm -f $(OUT)/bench/$*.tmp.bpf.o

$(OUT)/bench/%.skel.h: $(OUT)/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUT)/bench/%.o: bench/%.c $(OUT)/scanguard.skel.h $(OUT)/bench/empty.skel.h \
		   $(OUT)/bench/harness.skel.h $(OUT)/bench/structs.skel.h | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Ibench -Iuser -Itests/unit -I$(OUT)/bench -c $< -o $@

$(OUT)/bench/scanguard-bench: $(BENCH_OBJS) $(OUT)/tests/pkt.o $(OUT)/hostaddr.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/bench/sg-flood: bench/flood.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(OUT)/bench/sg-peer: bench/peer.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lpthread -o $@

bench-build: all $(BENCH_BINS)

# Minutes, not hours; timing never fails it.  BENCH_ARGS=--quick for a smoke run.
bench: bench-build
	$(Q)./bench/run.sh $(BENCH_ARGS)

unit: all $(UNIT_TESTS) $(TEST_TOOLS) $(FUZZERS) $(BENCH_BINS)

test: unit
	$(Q)./tests/run.sh

# Probes-to-detection and false blocks per scenario, defaults against the
# plain distinct-port threshold (README, "Detection").
detection-report: all $(OUT)/tests/detect_report
	$(Q)./scripts/detection-report.sh

# ---- sanitizers ----------------------------------------------------------------
# The daemon, the CLI and the unit tests built with AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer into build-asan/, then the unit
# and end-to-end suites run against that build.  Any report fails the suite:
# UBSan aborts, ASan exits non-zero, and a daemon that leaks does not exit 0.
ASAN_OUT    := build-asan
ASAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_ENV    := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
	       LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

asan-build: deps
	$(Q)$(MAKE) --no-print-directory OUT=$(ASAN_OUT) SAN_CFLAGS="-O1 $(ASAN_FLAGS)" \
		$(ASAN_OUT)/scanguardd $(ASAN_OUT)/scanguardctl \
		$(patsubst $(OUT)/%,$(ASAN_OUT)/%,$(UNIT_TESTS) $(TEST_TOOLS) $(BENCH_BINS))

# The fuzzers are sanitized builds already, the deploy and container
# suites test packaging, not code, and valgrind cannot run an ASan binary;
# 10^6 random frames (not 10^7) keep the run short.
test-asan: asan-build
	$(Q)$(ASAN_ENV) BUILD=$(ASAN_OUT) SG_BUILD=$(CURDIR)/$(ASAN_OUT) RANDOM_FRAMES=1000000 \
		SUITES_SKIP='^(fuzz_|deploy_|container|e2e_valgrind)' ./tests/run.sh

# The container image, built with podman and run against the namespace lab
# (also part of `make test`).
container-test: all
	$(Q)./tests/run.sh container

demo: all
	$(Q)./scripts/demo.sh

# Programs, systemd unit, man pages, bash completion, logrotate, and the
# example configuration (never over an existing one).
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(COMPDIR) $(DESTDIR)$(SYSCONFDIR)/scanguard $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -m 0755 $(OUT)/scanguardd $(OUT)/scanguardctl $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/scanguardd.8 man/scanguardctl.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@SBINDIR@|$(SBINDIR)|g' deploy/systemd/scanguard.service \
		>$(DESTDIR)$(UNITDIR)/scanguard.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/scanguard.service
	install -m 0644 deploy/bash-completion/scanguardctl $(DESTDIR)$(COMPDIR)/scanguardctl
	ln -sf scanguardctl $(DESTDIR)$(COMPDIR)/scanguardd
	install -m 0644 deploy/logrotate/scanguard $(DESTDIR)$(SYSCONFDIR)/logrotate.d/scanguard
	[ -e $(DESTDIR)$(SYSCONFDIR)/scanguard/scanguard.conf ] || \
		install -m 0644 deploy/scanguard.conf $(DESTDIR)$(SYSCONFDIR)/scanguard/scanguard.conf

# Leaves the configuration file, which may hold the operator's changes.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/scanguardd $(DESTDIR)$(SBINDIR)/scanguardctl \
		$(DESTDIR)$(MANDIR)/man8/scanguardd.8 $(DESTDIR)$(MANDIR)/man8/scanguardctl.8 \
		$(DESTDIR)$(UNITDIR)/scanguard.service $(DESTDIR)$(COMPDIR)/scanguardctl \
		$(DESTDIR)$(COMPDIR)/scanguardd $(DESTDIR)$(SYSCONFDIR)/logrotate.d/scanguard

clean:
	rm -rf $(OUT) $(ASAN_OUT)

-include $(wildcard $(OUT)/*.d $(OUT)/tests/*.d $(OUT)/fuzz/*.d $(OUT)/bench/*.d)
