// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* conffile.c - reads the configuration file with libconfig (Debian's
 * libconfig9: a typed, documented syntax whose parser reports the line of
 * every error and of every setting).  Settings are the keys of options.h;
 * scalars become the text their flag would take, arrays are list keys.
 * Unknown keys are errors, so a typo is never silently ignored; the format
 * leaves room for groups and lists of groups (e.g. exposed services) as new
 * keys, without changing what is read today. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libconfig.h>
#include "conffile.h"

/* The text a scalar setting stands for, as its flag would receive it. */
static int scalar_text(const config_setting_t *s, char *buf, size_t len)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		/* A negative number reaches the key's parser, which refuses
		 * it in its own words. */
		snprintf(buf, len, "%lld", config_setting_get_int64(s));
		return 0;
	case CONFIG_TYPE_STRING:
		if (strlen(config_setting_get_string(s)) >= len)
			return -1;
		snprintf(buf, len, "%s", config_setting_get_string(s));
		return 0;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, len, "%s", config_setting_get_bool(s) ? "true" : "false");
		return 0;
	default:
		return -1;
	}
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_FLOAT: return "a fractional number";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "this type";
	}
}

static int apply_setting(const char *path, config_setting_t *s, struct sg_opts *o, char *err,
			 size_t errlen)
{
	const char *name = config_setting_name(s);
	const struct sg_optkey *k = name ? sg_optkey_find(name) : NULL;
	int line = config_setting_source_line(s);
	char val[PATH_MAX], why[512];

	if (!k) {
		snprintf(err, errlen, "%s:%d: unknown setting '%s'", path, line, name ? name : "");
		return -1;
	}
	if (config_setting_is_aggregate(s)) {
		int n = config_setting_length(s);

		if (!k->list || config_setting_type(s) == CONFIG_TYPE_GROUP) {
			snprintf(err, errlen, "%s:%d: %s: expected a single value, not %s", path,
				 line, name, type_name(config_setting_type(s)));
			return -1;
		}
		sg_opts_clear(o, k);
		for (int i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, i);

			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				snprintf(err, errlen, "%s:%d: %s: element %d is not a string", path,
					 config_setting_source_line(e), name, i + 1);
				return -1;
			}
			if (sg_opts_set(o, k, config_setting_get_string(e), why, sizeof(why))) {
				snprintf(err, errlen, "%s:%d: %s", path, config_setting_source_line(e),
					 why);
				return -1;
			}
		}
		return 0;
	}
	if (scalar_text(s, val, sizeof(val))) {
		snprintf(err, errlen, "%s:%d: %s: %s is not allowed here", path, line, name,
			 type_name(config_setting_type(s)));
		return -1;
	}
	if (k->list)
		sg_opts_clear(o, k);
	if (sg_opts_set(o, k, val, why, sizeof(why))) {
		snprintf(err, errlen, "%s:%d: %s", path, line, why);
		return -1;
	}
	return 0;
}

int sg_conffile_apply(const char *path, bool required, struct sg_opts *o, bool *found,
		      char *err, size_t errlen)
{
	struct sg_opts *next;
	config_setting_t *root;
	FILE *f;
	config_t c;
	int ret = 0;

	*found = false;
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	*found = true;
	next = malloc(sizeof(*next));
	if (!next) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*next = *o;
	config_init(&c);
	if (config_read(&c, f) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&c),
			 config_error_text(&c));
		ret = -1;
		goto out;
	}
	root = config_root_setting(&c);
	for (int i = 0; i < config_setting_length(root) && !ret; i++)
		ret = apply_setting(path, config_setting_get_elem(root, i), next, err, errlen);
	if (!ret)
		*o = *next;
out:
	config_destroy(&c);
	fclose(f);
	free(next);
	return ret;
}
