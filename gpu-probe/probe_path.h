/*
 * One probed path's bookkeeping: the probes in flight, RTT samples, loss
 * and integrity counters, and the ok/failed state with hysteresis.  No I/O
 * and no clock of its own: the caller passes the time (monotonic, us), so
 * the unit tests drive it with a fake clock.
 *
 * RTT figures cover the probes answered since the last path_rtt_reset()
 * (the caller's report interval), at most the newest PATH_RTT_SAMPLES.
 *
 * Outcomes: a probe is answered (ok), answered with PROBE_F_CORRUPT (its
 * payload arrived damaged: an integrity failure, never a loss), or lost
 * (no answer within timeout_us).  Bad outcomes are losses, and integrity
 * failures when corrupt_fails is set.
 *
 *   ok -> failed   after fail_consecutive bad outcomes in a row, or when
 *                  the last `window' outcomes hold fail_ratio or more bad
 *   failed -> ok   after recover_consecutive good outcomes in a row (the
 *                  window then starts afresh)
 *
 * Detection bound for a black hole (every probe lost from time t): the
 * first probe sent after t leaves by t + interval, each later one an
 * interval apart, and the fail_consecutive-th is declared lost timeout
 * after it left:  t + fail_consecutive * interval + timeout.
 */
#ifndef FABRIC_PROBE_PATH_H
#define FABRIC_PROBE_PATH_H

#include <stddef.h>
#include <stdint.h>

#define PATH_RING		4096	/* probes in flight per path (2^n) */
#define PATH_RTT_SAMPLES	1024	/* newest RTTs kept for percentiles */
#define PATH_WINDOW_MAX		1024

struct path_conf {
	uint64_t	 interval_us;
	uint64_t	 timeout_us;
	uint32_t	 fail_consecutive;
	uint32_t	 window;
	double		 fail_ratio;
	uint32_t	 recover_consecutive;
	int		 corrupt_fails;
};

enum path_rx {
	PATH_RX_OK,
	PATH_RX_CORRUPT,	/* answered, the payload was damaged */
	PATH_RX_LATE,		/* answered after it was declared lost */
	PATH_RX_DUP,		/* answered twice */
	PATH_RX_UNSENT,		/* a sequence number never sent: spoofed */
};

#define PATH_SLOT_FREE		0
#define PATH_SLOT_PENDING	1
#define PATH_SLOT_ANSWERED	2
#define PATH_SLOT_LOST		3

struct path_slot {
	uint64_t	 seq;
	uint64_t	 sent_us;
	uint32_t	 bytes;
	uint8_t		 state;
};

struct path_counters {
	uint64_t	 sent, received, lost, integrity;
	uint64_t	 late, dup, spoofed;
	uint64_t	 bytes_acked;
	uint64_t	 state_changes;
};

struct path {
	const struct path_conf	*conf;
	uint64_t		 next_seq;	/* starts at 1 */
	uint64_t		 oldest;	/* no pending probe below it */
	struct path_slot	 slots[PATH_RING];
	uint32_t		 rtt[PATH_RTT_SAMPLES];	/* us */
	size_t			 nrtt, rtt_pos;
	uint8_t			 win[PATH_WINDOW_MAX];	/* 1: bad */
	uint32_t		 win_pos, win_n, win_bad;
	uint32_t		 consec_bad, consec_good;
	int			 failed;
	const char		*reason;	/* why it failed */
	uint64_t		 changed_us;	/* last state change */
	struct path_counters	 c;
};

/* probe_path.c */
void		 path_init(struct path *, const struct path_conf *);
int		 path_conf_check(const struct path_conf *, char *, size_t);
uint64_t	 path_bound_us(const struct path_conf *);
uint64_t	 path_send(struct path *, uint64_t, uint32_t);
void		 path_expire(struct path *, uint64_t);
int		 path_next_expiry(const struct path *, uint64_t *);
enum path_rx	 path_reply(struct path *, uint64_t, uint64_t, int,
		    uint32_t *);
const char	*path_rx_str(enum path_rx);
void		 path_revert(struct path *, int);
void		 path_forget_inflight(struct path *);
void		 path_rtt_reset(struct path *);
void		 path_rtt_summary(const struct path *, uint32_t *, uint32_t *,
		    uint32_t *);

#endif /* FABRIC_PROBE_PATH_H */
