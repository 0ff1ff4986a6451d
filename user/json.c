// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* json.c - streaming JSON writer (RFC 8259 escaping, compact output). */
#include <inttypes.h>
#include <math.h>
#include "json.h"

void jw_init(struct jw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->need_comma[0] = false;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void begin_value(struct jw *w, const char *key)
{
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	w->need_comma[w->depth] = true;
	if (key) {
		put_string(w->f, key);
		fputc(':', w->f);
	}
}

static void open_container(struct jw *w, const char *key, char c)
{
	begin_value(w, key);
	fputc(c, w->f);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_container(struct jw *w, char c)
{
	fputc(c, w->f);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj_open(struct jw *w, const char *key) { open_container(w, key, '{'); }
void jw_obj_close(struct jw *w) { close_container(w, '}'); }
void jw_arr_open(struct jw *w, const char *key) { open_container(w, key, '['); }
void jw_arr_close(struct jw *w) { close_container(w, ']'); }

void jw_str(struct jw *w, const char *key, const char *val)
{
	begin_value(w, key);
	put_string(w->f, val);
}

void jw_u64(struct jw *w, const char *key, uint64_t val)
{
	begin_value(w, key);
	fprintf(w->f, "%" PRIu64, val);
}

void jw_i64(struct jw *w, const char *key, int64_t val)
{
	begin_value(w, key);
	fprintf(w->f, "%" PRId64, val);
}

void jw_f64(struct jw *w, const char *key, double val, int decimals)
{
	begin_value(w, key);
	/* JSON has no NaN or infinity. */
	if (isfinite(val))
		fprintf(w->f, "%.*f", decimals, val);
	else
		fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	begin_value(w, key);
	fputs(val ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	begin_value(w, key);
	fputs("null", w->f);
}

void jw_end(struct jw *w)
{
	fputc('\n', w->f);
	fflush(w->f);
	w->depth = 0;
	w->need_comma[0] = false;
}
