/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* term.h - the terminal of a full-screen view (scanguardctl top). */
#ifndef SG_TERM_H
#define SG_TERM_H

#include <signal.h>
#include <stdbool.h>

/* Set by signals: end the view; redraw at a new size (or after fg). */
extern volatile sig_atomic_t sg_term_stop, sg_term_resized;

/* SIGINT, SIGTERM, SIGHUP end the view, SIGWINCH resizes; interactive views
 * also give the terminal back on Ctrl-Z and take it again on fg. */
void sg_term_signals(bool interactive);
void sg_term_size(int *rows, int *cols);
/* Alternate screen, hidden cursor, keys unbuffered and unechoed. */
void sg_term_enter(void);
void sg_term_leave(void);
/* Waits up to ms for a key (interactive) or just sleeps; true when the user
 * asked to quit (q, Q). */
bool sg_term_wait_key(int ms, bool interactive);

#endif
