/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ctl.h - what scanguardctl's main shares with the operator tools
 * (replay, audit, top): exit statuses and the options it collected for
 * them.  main checks that each option belongs to the command given; the
 * tools validate the values. */
#ifndef SG_CTL_H
#define SG_CTL_H

#include <stdbool.h>
#include <stddef.h>

enum {
	EX_OK = 0,
	EX_FAIL = 1,		/* the operation failed or was refused */
	EX_USAGE = 2,		/* invalid usage or input */
	EX_NOINSTANCE = 3,	/* no scanguard instance at the pin path */
	EX_FINDINGS = 4,	/* audit: an unexpected listener is exposed */
};

#define SG_TOOL_MAX_ARGS 64

struct sg_tool_args {
	const char *pin_path;
	bool json;
	/* replay: configuration keys in the order given (cfgkeys.c names them) */
	const char *cfg_key[SG_TOOL_MAX_ARGS], *cfg_val[SG_TOOL_MAX_ARGS];
	int ncfg;
	const char *local[SG_TOOL_MAX_ARGS], *allow[SG_TOOL_MAX_ARGS], *open[SG_TOOL_MAX_ARGS];
	const char *trap[SG_TOOL_MAX_ARGS], *expose[SG_TOOL_MAX_ARGS];
	int nlocal, nallow, nopen, ntrap, nexpose;
	const char *top;
	int progress;		/* -1 --no-progress, 0 auto, 1 --progress */
	/* audit */
	const char *expect[SG_TOOL_MAX_ARGS];
	int nexpect;
	const char *expect_file[SG_TOOL_MAX_ARGS];
	int nexpect_file;
	/* top */
	const char *interval, *count;
};

/* Each returns an exit status; on failure err holds the reason (empty when
 * the command already reported). */
int sg_cmd_replay(const struct sg_tool_args *a, int argc, char **argv, char *err, size_t errlen);
int sg_cmd_audit(const struct sg_tool_args *a, int argc, char **argv, char *err, size_t errlen);
int sg_cmd_top(const struct sg_tool_args *a, int argc, char **argv, char *err, size_t errlen);

#endif
