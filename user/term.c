// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* term.c - a full-screen view's terminal: keys unbuffered and unechoed, the
 * alternate screen, its size, and the signals that end, resize, suspend
 * and resume the view; whatever happens, the terminal is given back as it
 * was found. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "term.h"

volatile sig_atomic_t sg_term_stop, sg_term_resized;

static void on_stop(int sig) { (void)sig; sg_term_stop = 1; }
static void on_winch(int sig) { (void)sig; sg_term_resized = 1; }

static struct termios saved_tio;
static bool tio_saved;

void sg_term_size(int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

void sg_term_enter(void)
{
	struct termios tio;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		tio_saved = true;
		tio = saved_tio;
		/* Keys arrive one at a time, unechoed; Ctrl-C still raises SIGINT. */
		tio.c_lflag &= ~(ICANON | ECHO);
		tio.c_cc[VMIN] = 0;
		tio.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &tio);
	}
	/* Alternate screen, cursor hidden, screen cleared. */
	if (write(STDOUT_FILENO, "\033[?1049h\033[?25l\033[H\033[2J", 22) < 0)
		return;
}

void sg_term_leave(void)
{
	if (write(STDOUT_FILENO, "\033[?25h\033[?1049l", 14) < 0)
		return;
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

/* Ctrl-Z: give the shell its terminal back before stopping, take it again
 * on fg (only async-signal-safe calls: write, tcsetattr, signal, raise). */
static void on_tstp(int sig)
{
	sg_term_leave();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_cont(int sig)
{
	(void)sig;
	sg_term_enter();
	signal(SIGTSTP, on_tstp);
	sg_term_resized = 1;	/* redraw */
}

/* Waits up to ms for a key; returns true when the user asked to quit. */
bool sg_term_wait_key(int ms, bool interactive)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char buf[32];
	ssize_t n;

	if (!interactive || !tio_saved) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);	/* a signal cuts it short */
		return false;
	}
	if (poll(&pfd, 1, ms) <= 0)
		return false;
	n = read(STDIN_FILENO, buf, sizeof(buf));
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 'q' || buf[i] == 'Q' || buf[i] == 3)
			return true;
	return false;
}

void sg_term_signals(bool interactive)
{
	struct sigaction stop = { .sa_handler = on_stop }, winch = { .sa_handler = on_winch };
	struct sigaction tstp = { .sa_handler = on_tstp }, cont = { .sa_handler = on_cont };

	/* No SA_RESTART: a signal must cut the wait short. */
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &stop, NULL);
	sigaction(SIGWINCH, &winch, NULL);
	if (interactive) {
		sigaction(SIGTSTP, &tstp, NULL);
		sigaction(SIGCONT, &cont, NULL);
	}
}
