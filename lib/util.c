/*
 * Small helpers many modules need (see util.h).
 */
#include "config.h"

#include <sys/signalfd.h>
#include <signal.h>

#include <stdlib.h>
#include <time.h>

#include "util.h"

/*
 * Makes *p hold at least `need' elements of `size' octets, doubling from
 * 64; *cap is its capacity in elements.  -1 (errno) if it cannot.
 */
int
array_grow(void **p, size_t *cap, size_t need, size_t size)
{
	void	*np;
	size_t	 nc = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	if ((np = reallocarray(*p, nc, size)) == NULL)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

/* Milliseconds on the monotonic clock: for timers and intervals. */
uint64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Nanoseconds since the epoch: for timestamps others compare. */
uint64_t
real_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * A daemon's SIGTERM, SIGINT and SIGHUP, blocked and read from one
 * non-blocking descriptor in its poll loop; SIGPIPE ignored (a peer that
 * goes away is an error on write, not a death).
 */
int
daemon_signal_fd(void)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}
