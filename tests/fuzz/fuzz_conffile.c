// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_conffile.c - libFuzzer target for the daemon's configuration file
 * (user/conffile.c over libconfig, then every key's setter in options.c and
 * cfgkeys.c).  The input is the file.  Besides the sanitizers it asserts
 * the contract a reload relies on: a rejected file says where and why and
 * leaves the settings exactly as they were; an accepted one gives the same
 * settings every time, and applying it again changes nothing (list keys
 * replace, never append).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "conffile.h"
#include "options.h"

#define REQUIRE(cond)								\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz_conffile: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();						\
		}								\
	} while (0)

static struct sg_opts base, o, again;

/* Equal as settings: lists compared up to their lengths, names as strings
 * (a list key's clear leaves stale bytes past the end, harmlessly). */
static bool opts_equal(const struct sg_opts *a, const struct sg_opts *b)
{
	if (memcmp(&a->cfg, &b->cfg, sizeof(a->cfg)) || a->nifs != b->nifs || a->xdp != b->xdp ||
	    a->nallow != b->nallow || a->nexpose != b->nexpose || a->ntraps != b->ntraps ||
	    a->events_syslog != b->events_syslog || a->ephemeral != b->ephemeral ||
	    strcmp(a->pin_path, b->pin_path) || strcmp(a->metrics, b->metrics) ||
	    strcmp(a->events_file, b->events_file))
		return false;
	for (int i = 0; i < a->nifs; i++)
		if (strcmp(a->ifnames[i], b->ifnames[i]) || a->inside[i] != b->inside[i])
			return false;
	return !memcmp(a->allow, b->allow, a->nallow * sizeof(a->allow[0])) &&
	       !memcmp(a->expose, b->expose, a->nexpose * sizeof(a->expose[0])) &&
	       !memcmp(a->traps, b->traps, a->ntraps * sizeof(a->traps[0]));
}
static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024] = "";
	bool found = false;
	int ret;

	/* The file lives in memory; libconfig opens it by path. */
	if (fd < 0) {
		fd = memfd_create("scanguard.conf", 0);
		if (fd < 0)
			return 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		sg_opts_defaults(&base);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;

	o = base;
	ret = sg_conffile_apply(path, true, &o, &found, err, sizeof(err));
	REQUIRE(found);
	if (ret) {
		REQUIRE(!strncmp(err, path, strlen(path)) && err[strlen(path)] == ':');
		REQUIRE(!memcmp(&o, &base, sizeof(o)));
		return 0;
	}
	again = base;
	REQUIRE(sg_conffile_apply(path, true, &again, &found, err, sizeof(err)) == 0);
	REQUIRE(!memcmp(&again, &o, sizeof(o)));
	REQUIRE(sg_conffile_apply(path, true, &again, &found, err, sizeof(err)) == 0);
	REQUIRE(opts_equal(&again, &o));
	return 0;
}
