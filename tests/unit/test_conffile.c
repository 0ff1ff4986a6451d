// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_conffile.c - the configuration file: every key type read from it
 * (numbers or strings, durations, lists, booleans), lists replacing what
 * was there, and every kind of error reported with the file, its line and
 * the reason while the settings stay exactly as they were.  Also the
 * metrics address parser and default-route resolution's refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "cfgkeys.h"
#include "conffile.h"
#include "harness.h"
#include "options.h"

static char path[] = "/tmp/scanguard-conf-test.XXXXXX";

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

/* Applies text onto o; returns the result and leaves the error in err. */
static int apply(struct sg_opts *o, const char *text, char *err, size_t len)
{
	bool found;

	write_file(text);
	err[0] = 0;
	return sg_conffile_apply(path, true, o, &found, err, len);
}

static void test_good(void)
{
	static struct sg_opts o;
	char err[512];

	h_begin("conffile: every key type is read");
	sg_opts_defaults(&o);
	CHECK(apply(&o,
		    "# comment\n"
		    "interface = [ \"eth0\", \"eth1\" ];\n"
		    "threshold = 20;            // a number\n"
		    "window = \"2m\";            /* a duration string */\n"
		    "block-ttl = 900;\n"
		    "mode = \"monitor\";\n"
		    "allow = [ \"192.0.2.0/24\", \"2001:db8::/32\" ];\n"
		    "trap = \"tcp/23,tcp/2323\";\n"
		    "metrics = \"[::1]:9101\";\n"
		    "events-file = \"/var/log/scanguard/events.jsonl\";\n"
		    "events-syslog = true;\n"
		    "ephemeral = false;\n"
		    "pin-path = \"/run/sg/bpf/x\";\n",
		    err, sizeof(err)) == 0, "rejected: %s", err);
	CHECK_EQ(o.nifs, 2, "interfaces");
	CHECK(!strcmp(o.ifnames[1], "eth1") && !o.inside[1], "second interface");
	CHECK_EQ(o.cfg.threshold, 20, "threshold");
	CHECK_EQ(o.cfg.window_ns, 120 * SG_NSEC_PER_SEC, "window");
	CHECK_EQ(o.cfg.block_ttl_ns, 900 * SG_NSEC_PER_SEC, "block-ttl");
	CHECK_EQ(o.cfg.mode, SG_MODE_MONITOR, "mode");
	CHECK_EQ(o.nallow, 2, "allow entries");
	CHECK_EQ(o.ntraps, 2, "trap ports from one comma-separated string");
	CHECK(!strcmp(o.metrics, "[::1]:9101"), "metrics: %s", o.metrics);
	CHECK(!strcmp(o.events_file, "/var/log/scanguard/events.jsonl"), "events-file");
	CHECK(o.events_syslog, "events-syslog");
	CHECK(!o.ephemeral, "ephemeral");
	CHECK(!strcmp(o.pin_path, "/run/sg/bpf/x"), "pin-path");
	h_end();

	h_begin("conffile: a list in the file replaces the list so far");
	sg_opts_defaults(&o);
	apply(&o, "allow = [ \"10.0.0.0/8\" ];\n", err, sizeof(err));
	CHECK(apply(&o, "allow = [ \"192.0.2.1\", \"192.0.2.2\" ];\n", err, sizeof(err)) == 0,
	      "%s", err);
	CHECK_EQ(o.nallow, 2, "allow entries");
	h_end();

	h_begin("conffile: a missing optional file changes nothing");
	{
		bool found = true;

		sg_opts_defaults(&o);
		o.cfg.threshold = 7;
		CHECK(sg_conffile_apply("/nonexistent/scanguard.conf", false, &o, &found, err,
					sizeof(err)) == 0, "error: %s", err);
		CHECK(!found, "reported as found");
		CHECK_EQ(o.cfg.threshold, 7, "threshold");
		CHECK(sg_conffile_apply("/nonexistent/scanguard.conf", true, &o, &found, err,
					sizeof(err)) == -1, "a required missing file was accepted");
	}
	h_end();
}

struct bad_case {
	const char *name;
	const char *text;
	const char *want;	/* the error, after "PATH:" */
};

static const struct bad_case bad_cases[] = {
	{ "syntax error", "threshold = 20;\nwindow = = 5;\n", "2: syntax error" },
	{ "unknown key", "threshold = 20;\n\ntreshold = 5;\n", "3: unknown setting 'treshold'" },
	{ "value out of range", "threshold = 20;\nblock-ttl = \"45d\";\n",
	  "2: block-ttl: '45d' is out of range" },
	{ "negative number", "threshold = -3;\n", "1: threshold: '-3' is not a whole number" },
	{ "wrong enum", "mode = \"drop\";\n", "1: mode: 'drop'" },
	{ "bad address in a list", "allow = [ \"192.0.2.1\",\n  \"300.1.2.3\" ];\n",
	  "2: allow: '300.1.2.3'" },
	{ "list for a single key", "threshold = [ \"1\" ];\n",
	  "1: threshold: expected a single value, not an array" },
	{ "group", "metrics = { port = 1; };\n", "1: metrics: expected a single value, not a group" },
	{ "fraction", "threshold = 1.5;\n", "1: threshold: a fractional number is not allowed here" },
	{ "non-string list element", "interface = [ 1, 2 ];\n", "1: interface: element 1 is not a string" },
	{ "duplicate key", "threshold = 1;\nthreshold = 2;\n", "2: duplicate setting name" },
	{ "bad metrics address", "metrics = \"localhost\";\n", "1: metrics: 'localhost' is not ADDR:PORT" },
	{ "relative events file", "events-file = \"events.jsonl\";\n",
	  "1: events-file: 'events.jsonl' is not an absolute path" },
	{ "bad boolean", "events-syslog = \"sometimes\";\n",
	  "1: events-syslog: 'sometimes' is not true or false" },
	{ "trap on icmp", "trap = [ \"icmp\" ];\n", "1: trap:" },
};

static void test_bad(void)
{
	static struct sg_opts o, before;
	char err[512], want[600];

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		h_begin("conffile: %s is rejected with its line", c->name);
		sg_opts_defaults(&o);
		o.cfg.threshold = 42;
		o.nallow = 0;
		before = o;
		snprintf(want, sizeof(want), "%s:%s", path, c->want);
		CHECK(apply(&o, c->text, err, sizeof(err)) == -1, "accepted");
		CHECK(!strncmp(err, want, strlen(want)), "error '%s', want '%s...'", err, want);
		CHECK(!memcmp(&o, &before, sizeof(o)), "the settings changed");
		h_end();
	}
}

static void test_listen(void)
{
	static const char *const good[] = { "127.0.0.1:9101", "0.0.0.0:1", "[::1]:9101",
					    "[2001:db8::1]:65535" };
	static const char *const bad[] = { "127.0.0.1", ":9101", "127.0.0.1:0", "127.0.0.1:65536",
					   "::1:9101", "[::1]9101", "host:80", "1.2.3.4:+80",
					   "1.2.3.4:80x" };
	struct sockaddr_storage ss;
	char err[256];

	h_begin("metrics address: ADDR:PORT and [V6ADDR]:PORT only");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(sg_listen_parse(good[i], &ss, err, sizeof(err)) == 0, "%s rejected", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(sg_listen_parse(bad[i], &ss, err, sizeof(err)) == -1, "%s accepted", bad[i]);
	h_end();
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	test_good();
	test_bad();
	test_listen();
	remove(path);
	return h_finish();
}
