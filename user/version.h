/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* version.h - the release both programs, the metrics and the man pages name. */
#ifndef SG_VERSION_H
#define SG_VERSION_H

#define SG_VERSION "0.1.0"

#endif
