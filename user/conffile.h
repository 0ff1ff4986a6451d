/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* conffile.h - the configuration file (libconfig syntax): each setting is a
 * key of options.h, applied through the same setter as its flag. */
#ifndef SG_CONFFILE_H
#define SG_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "options.h"

/* Applies the file at path onto o.  A missing file is an error only when
 * required.  On any error returns -1, with "FILE:LINE: reason" in err, and
 * o is left as it was.  *found says whether the file existed. */
int sg_conffile_apply(const char *path, bool required, struct sg_opts *o, bool *found,
		      char *err, size_t errlen);

#endif
