/*
 * fabric-probe: validates every ECMP path to each target with RoCEv2
 * framed probes (probe_pkt.h) and reports per-path RTT, loss, throughput
 * and payload integrity, with an ok/failed state per path.  docs/PROBE.md
 * and fabric-probe(8) describe it; fabric_probe.h lists the files.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fabric_probe.h"
#include "log.h"
#include "payload.h"
#include "probe_net.h"
#include "probe_verbs.h"
#include "util.h"

#define FP_BURST	256	/* datagrams read per socket per wake-up */

static volatile sig_atomic_t	 quit, remap;

uint64_t
mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		remap = 1;
	else
		quit = sig;
}

/* ---- the sender ---- */

/* A change of state is said once the path's port is re-traced (retrace.c). */
static void
check_state(struct fp *fp, struct fp_path *p)
{
	rt_gate(fp, p, mono_us());
}

/* --payload gpu: path states are checked once the batch is sent. */
static void
send_due(struct fp *fp, struct fp_path *p, struct ibuf *b, uint64_t now)
{
	if (p->state == TMSG_PATH_UNSEEN && !p->probation)
		return;		/* its port leads elsewhere */
	if (fp->conf.payload_gpu) {
		tx_gpu_queue(fp, p, b, now);
		return;
	}
	tx_due(fp, p, b, now);
	check_state(fp, p);
}

static void
send_batch(struct fp *fp, struct ibuf *b)
{
	size_t	 i, j;

	if (!fp->conf.payload_gpu)
		return;
	tx_gpu_flush(fp, b);
	for (i = 0; i < fp->ntargets; i++)
		for (j = 0; j < fp->targets[i].npaths; j++)
			check_state(fp, fp->targets[i].paths[j]);
}

/* A reply on path p's socket: checked, then matched to its probe. */
static void
path_rx(struct fp *fp, struct fp_path *p, const uint8_t *buf, size_t len,
    const struct sockaddr_in *from, uint64_t now)
{
	struct probe_pkt	 pk;
	struct ibuf		 in;
	enum probe_err		 e;
	uint32_t		 rtt;

	ibuf_from_buffer(&in, buf, len);
	e = probe_parse(&in, &pk, NULL);
	if (from->sin_addr.s_addr != p->t->addr.sin_addr.s_addr ||
	    from->sin_port != p->t->addr.sin_port) {
		p->st.c.spoofed++;
		return;
	}
	if (probe_err_malformed(e)) {
		fp->send.parse.count[e]++;
		return;
	}
	if (!(pk.flags & PROBE_F_REPLY)) {
		fp->send.not_reply++;
		return;
	}
	if (pk.seed != fp->seed || pk.src_port != p->dp.sport ||
	    pk.path_id != p->id) {
		p->st.c.spoofed++;
		return;
	}
	fp->send.parse.count[e]++;
	if (pk.flags & PROBE_F_DISCOVER) {	/* a re-trace reached it */
		rt_reply(p, &pk);
		return;
	}
	(void)path_reply(&p->st, pk.seq, now,
	    (pk.flags & PROBE_F_CORRUPT) || e == PROBE_E_INTEGRITY, &rtt);
}

static void
path_read(struct fp *fp, struct fp_path *p, uint64_t now)
{
	uint8_t			 buf[PROBE_PKT_MAX + 1];
	struct sockaddr_in	 from;
	struct net_icmp		 ic;
	ssize_t			 n;
	int			 i;

	while (net_recv_err(p->fd, buf, sizeof(buf), &ic) == 1)
		if (!rt_icmp(fp, p, buf, &ic))
			fp->send.icmp++;
	buf[sizeof(buf) - 1] = 0;
	for (i = 0; i < FP_BURST; i++) {
		if ((n = net_recv(p->fd, buf, sizeof(buf) - 1, &from)) <= 0)
			break;
		path_rx(fp, p, buf, (size_t)n, &from, now);
	}
	check_state(fp, p);
}

/* ---- the loop ---- */

struct pollset {
	struct pollfd	*pfd;
	void		**what;		/* fp_path, fp_target (discovery) */
	size_t		*cand;
	size_t		 n, cap;
};

/* cand: a discovery candidate, or what the fd is (--backend verbs). */
#define PS_PATH		SIZE_MAX	/* a path's UDP socket */
#define PS_VERBS	(SIZE_MAX - 1)	/* the completion channel */
#define PS_LISTEN	(SIZE_MAX - 2)	/* the control port */
#define PS_CONN		(SIZE_MAX - 3)	/* a control connection (fp_vconn) */
#define PS_PATHCTL	(SIZE_MAX - 4)	/* a path's control connection */

static void
ps_add_ev(struct pollset *ps, int fd, void *what, size_t cand, short ev)
{
	if (fd == -1 || ps->n == ps->cap)
		return;
	ps->pfd[ps->n] = (struct pollfd){ .fd = fd, .events = ev };
	ps->what[ps->n] = what;
	ps->cand[ps->n] = cand;
	ps->n++;
}

static void
ps_add(struct pollset *ps, int fd, void *what, size_t cand)
{
	ps_add_ev(ps, fd, what, cand, POLLIN);
}

static void
ps_fill_verbs(struct fp *fp, struct pollset *ps)
{
	struct fp_path	*p;
	size_t		 i, j;

	if (fp->rc == NULL)
		return;
	ps_add(ps, verbs_rc_fd(fp->rc), fp, PS_VERBS);
	ps_add(ps, fp->ctl_fd, fp, PS_LISTEN);
	for (i = 0; i < FP_CTL_CONNS; i++)
		ps_add(ps, fp->vconns[i].fd, &fp->vconns[i], PS_CONN);
	for (i = 0; i < fp->ntargets; i++)
		for (j = 0; j < fp->targets[i].npaths; j++) {
			p = fp->targets[i].paths[j];
			ps_add_ev(ps, p->v.fd, p, PS_PATHCTL,
			    p->v.state == FP_V_CONNECTING ? POLLOUT : POLLIN);
		}
}

static void
ps_fill(struct fp *fp, struct pollset *ps)
{
	struct fp_target	*t;
	size_t			 i, j;

	ps->n = 0;
	if (fp->resp_fd != -1)
		ps_add(ps, fp->resp_fd, NULL, 0);
	for (i = 0; i < fp->ntargets; i++) {
		t = &fp->targets[i];
		for (j = 0; j < t->npaths; j++)
			ps_add(ps, t->paths[j]->fd, t->paths[j], PS_PATH);
		if (t->disc.active)
			for (j = 0; j < t->disc.ncands; j++)
				ps_add(ps, t->disc.fds[j], t, j);
	}
	ps_fill_verbs(fp, ps);
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int
disc_running(const struct fp *fp)
{
	size_t	 i;

	for (i = 0; i < fp->ntargets; i++)
		if (fp->targets[i].disc.active)
			return 1;
	return 0;
}

/* The next thing due, as a time. */
static uint64_t
next_wake(struct fp *fp)
{
	struct fp_target	*t;
	struct fp_path		*p;
	uint64_t		 w = fp->next_report_us, e;
	size_t			 i, j;

	if (fp->conf.duration_us > 0)
		w = min_u64(w, fp->start_us + fp->conf.duration_us);
	w = min_u64(w, vb_next_wake(fp));
	for (i = 0; i < fp->ntargets; i++) {
		t = &fp->targets[i];
		w = min_u64(w, t->disc.active ? t->disc.round_end_us :
		    disc_running(fp) ? UINT64_MAX : t->next_disc_us);
		for (j = 0; j < t->npaths; j++) {
			p = t->paths[j];
			if (fp_can_send(fp, p))
				w = min_u64(w, p->next_send_us);
			if (path_next_expiry(&p->st, &e))
				w = min_u64(w, e);
			if (p->rt_active)
				w = min_u64(w, p->rt_end_us);
			else if (fp->conf.retrace_us > 0)
				w = min_u64(w, p->rt_started_us +
				    fp->conf.retrace_us);
		}
	}
	return w;
}

/* All targets mapped, every probe sent and answered or lost. */
static int
count_done(const struct fp *fp)
{
	const struct fp_target	*t;
	uint64_t		 e;
	size_t			 i, j;

	if (fp->conf.count == 0)
		return 0;
	for (i = 0; i < fp->ntargets; i++) {
		t = &fp->targets[i];
		if (t->npaths == 0)
			return 0;
		for (j = 0; j < t->npaths; j++)
			if (!fp_send_done(fp, t->paths[j]) ||
			    path_next_expiry(&t->paths[j]->st, &e))
				return 0;
	}
	return fp->ntargets > 0;
}

static void
timers(struct fp *fp, struct ibuf *b, uint64_t now)
{
	struct fp_target	*t;
	size_t			 i, j;

	vb_tick(fp, now);
	if (remap) {
		remap = 0;
		log_info("SIGHUP: re-mapping the paths");
		for (i = 0; i < fp->ntargets; i++)
			fp->targets[i].next_disc_us = now;
	}
	for (i = 0; i < fp->ntargets; i++) {
		t = &fp->targets[i];
		if (!disc_running(fp) && t->next_disc_us <= now)
			disc_start(fp, t, now);
		disc_tick(fp, t, now);
		for (j = 0; j < t->npaths; j++) {
			path_expire(&t->paths[j]->st, now);
			rt_due(fp, t->paths[j], now);
			rt_tick(fp, t->paths[j], now);
			send_due(fp, t->paths[j], b, now);
		}
	}
	send_batch(fp, b);
	if (now >= fp->next_report_us) {
		out_report(fp, now, 0);
		fp->next_report_us = now + fp->conf.report_us;
	}
}

static void
dispatch(struct fp *fp, struct pollset *ps, uint64_t now)
{
	size_t	 i;

	for (i = 0; i < ps->n; i++) {
		if (ps->pfd[i].revents == 0)
			continue;
		if (ps->what[i] == NULL)
			resp_read(fp);
		else if (ps->cand[i] == PS_PATH)
			path_read(fp, ps->what[i], now);
		else if (ps->cand[i] == PS_VERBS)
			vb_read(fp, now);
		else if (ps->cand[i] == PS_LISTEN)
			vb_accept(fp, now);
		else if (ps->cand[i] == PS_CONN)
			vb_conn_read(fp, ps->what[i], now);
		else if (ps->cand[i] == PS_PATHCTL)
			vb_path_io(fp, ps->what[i], now);
		else
			disc_read(fp, ps->what[i], ps->cand[i]);
	}
}

static int
loop(struct fp *fp, struct pollset *ps)
{
	struct ibuf	*b;
	uint64_t	 now, wake;
	int		 timeout;

	if ((b = ibuf_open(PROBE_PKT_MAX)) == NULL)
		return -1;
	while (!quit) {
		now = mono_us();
		/* before timers(): the final report then covers the rest */
		if (count_done(fp) || (fp->conf.duration_us > 0 &&
		    now >= fp->start_us + fp->conf.duration_us))
			break;
		timers(fp, b, now);
		ps_fill(fp, ps);
		wake = next_wake(fp);
		now = mono_us();
		timeout = wake <= now ? 0 : (int)min_u64((wake - now + 999) /
		    1000, 1000);
		if (poll(ps->pfd, ps->n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			ibuf_free(b);
			return -1;
		}
		dispatch(fp, ps, mono_us());
	}
	ibuf_free(b);
	return 0;
}

/* ---- options ---- */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fabric-probe [--respond] [--target ADDR ...] [options]\n"
	    "  --respond            echo probes on --port (the responder)\n"
	    "  --target ADDR        discover and probe every path to ADDR\n"
	    "  --port N             probe UDP port (default 4791, RoCEv2)\n"
	    "  --bind ADDR          local address for all sockets\n"
	    "  --allow PREFIX       responder: answer only these sources\n"
	    "  --interval MS        per path, decimals allowed (default 10)\n"
	    "  --timeout MS         a probe unanswered this long is lost (50)\n"
	    "  --fail-after N       failed after N bad outcomes in a row (5)\n"
	    "  --recover-after N    ok again after N good ones in a row (10)\n"
	    "  --window N           loss-rate window, probes (100)\n"
	    "  --loss-ratio R       failed at this loss rate in the window "
	    "(0.2)\n"
	    "  --no-corrupt-fails   integrity failures alone never fail a path\n"
	    "  --size OCTETS        probe payload, 0 to %d (default 256)\n"
	    "  --candidates N       source ports tried per target (32)\n"
	    "  --max-ttl N          discovery TTL limit, 1 to %d (8)\n"
	    "  --disc-rounds N      discovery rounds (3)\n"
	    "  --disc-wait MS       wait per round (200)\n"
	    "  --remap SECONDS      re-discover this often (default: on "
	    "SIGHUP)\n"
	    "  --retrace MS         re-trace each path's port this often; 0: "
	    "only\n"
	    "                       before a change of state (1000)\n"
	    "  --report MS          snapshot and telemetry interval (1000)\n"
	    "  --count N            send N probes per path, then exit\n"
	    "  --duration SECONDS   exit after this long\n"
	    "  --max-inflight N     unanswered probes per path (1024)\n"
	    "  -j, --json           JSON lines\n"
	    "  -o, --output FILE    write to FILE instead of stdout\n"
	    "  --publish ENDPOINT   ZeroMQ PUB: signed TMSG_T_PATH reports\n"
	    "  --key FILE           HMAC-SHA256 key (as fabric-agent's)\n"
	    "  --id NAME            reporter id (default: the host name)\n"
	    "  --backend udp|verbs  UDP sockets (default) or RDMA RC queue "
	    "pairs\n"
	    "  --device NAME        verbs: RDMA device (default: the first "
	    "active)\n"
	    "  --gid-index N        verbs: GID index (default: the RoCEv2 GID "
	    "of\n"
	    "                       the source address)\n"
	    "  --control-port N     verbs: QP set-up over TCP (default 4792)\n"
	    "  --payload cpu|gpu    fill and verify payloads on the CPU "
	    "(default)\n"
	    "                       or in batches on the GPU (CUDA builds)\n"
	    "  --test-corrupt N     testing: damage every Nth probe's "
	    "payload\n"
	    "  --test-paths N       testing: no discovery, N source ports "
	    "as paths\n"
	    "  -v                   more logging\n"
	    "  -h, --help           this text\n",
	    PROBE_PAYLOAD_MAX, DISC_MAX_TTL);
}

/* A number in [lo, hi] with an optional fraction; scale: unit to us. */
static int
num_arg(const char *opt, const char *s, double lo, double hi, double scale,
    uint64_t *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "fabric-probe: --%s '%s': want a number from "
		    "%g to %g\n", opt, s, lo, hi);
		return -1;
	}
	*out = (uint64_t)(v * scale + 0.5);
	return 0;
}

static int
add_target(struct fp *fp, const char *s)
{
	struct fp_target	*t;

	if (fp->ntargets == FP_MAX_TARGETS) {
		fprintf(stderr, "fabric-probe: more than %d targets\n",
		    FP_MAX_TARGETS);
		return -1;
	}
	t = &fp->targets[fp->ntargets];
	if (net_parse_addr(s, &t->addr, fp->conf.port) == -1) {
		fprintf(stderr, "fabric-probe: --target '%s': not an IPv4 "
		    "address\n", s);
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", s);
	t->index = (unsigned int)fp->ntargets++;
	return 0;
}

static int
add_allow(struct fp_conf *c, const char *s)
{
	if (c->nallow == FP_MAX_ALLOW ||
	    net_parse_prefix(s, &c->allow_addr[c->nallow],
	    &c->allow_mask[c->nallow]) == -1) {
		fprintf(stderr, "fabric-probe: --allow '%s': want A.B.C.D/LEN "
		    "(at most %d)\n", s, FP_MAX_ALLOW);
		return -1;
	}
	c->nallow++;
	return 0;
}

static const struct option longopts[] = {
	{ "respond", no_argument, NULL, 'R' },
	{ "target", required_argument, NULL, 't' },
	{ "port", required_argument, NULL, 'P' },
	{ "bind", required_argument, NULL, 'b' },
	{ "allow", required_argument, NULL, 'A' },
	{ "interval", required_argument, NULL, 'i' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "fail-after", required_argument, NULL, 'F' },
	{ "recover-after", required_argument, NULL, 'r' },
	{ "window", required_argument, NULL, 'W' },
	{ "loss-ratio", required_argument, NULL, 'L' },
	{ "no-corrupt-fails", no_argument, NULL, 'C' },
	{ "size", required_argument, NULL, 's' },
	{ "candidates", required_argument, NULL, 'c' },
	{ "max-ttl", required_argument, NULL, 'm' },
	{ "disc-rounds", required_argument, NULL, 'n' },
	{ "disc-wait", required_argument, NULL, 'w' },
	{ "remap", required_argument, NULL, 'M' },
	{ "retrace", required_argument, NULL, 'Y' },
	{ "report", required_argument, NULL, 'e' },
	{ "count", required_argument, NULL, 'N' },
	{ "duration", required_argument, NULL, 'D' },
	{ "max-inflight", required_argument, NULL, 'I' },
	{ "json", no_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ "publish", required_argument, NULL, 'p' },
	{ "key", required_argument, NULL, 'k' },
	{ "id", required_argument, NULL, 'x' },
	{ "backend", required_argument, NULL, 'B' },
	{ "payload", required_argument, NULL, 'G' },
	{ "test-corrupt", required_argument, NULL, 'X' },
	{ "device", required_argument, NULL, 'E' },
	{ "gid-index", required_argument, NULL, 'g' },
	{ "control-port", required_argument, NULL, 'K' },
	{ "test-paths", required_argument, NULL, 'Z' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
conf_default(struct fp_conf *c)
{
	c->path = (struct path_conf){ .interval_us = 10000,
	    .timeout_us = 50000, .fail_consecutive = 5, .window = 100,
	    .fail_ratio = 0.2, .recover_consecutive = 10,
	    .corrupt_fails = 1 };
	c->port = 4791;
	c->bind = (struct sockaddr_in){ .sin_family = AF_INET };
	c->size = 256;
	c->candidates = 32;
	c->max_ttl = 8;
	c->disc_rounds = 3;
	c->disc_wait_us = 200000;
	c->retrace_us = 1000000;
	c->report_us = 1000000;
	c->max_inflight = 1024;
	c->backend = "udp";
	c->gid_index = -1;
	c->control_port = CTL_PORT;
}

/* The numeric options: name, bounds, scale to internal units. */
static int
num_opt(struct fp_conf *c, int ch, const char *a)
{
	uint64_t	 v;
	const char	*name = NULL;

	switch (ch) {
	case 'P': name = "port"; break;
	case 'i': name = "interval"; break;
	case 'T': name = "timeout"; break;
	case 'F': name = "fail-after"; break;
	case 'r': name = "recover-after"; break;
	case 'W': name = "window"; break;
	case 's': name = "size"; break;
	case 'c': name = "candidates"; break;
	case 'm': name = "max-ttl"; break;
	case 'n': name = "disc-rounds"; break;
	case 'w': name = "disc-wait"; break;
	case 'M': name = "remap"; break;
	case 'Y': name = "retrace"; break;
	case 'e': name = "report"; break;
	case 'N': name = "count"; break;
	case 'D': name = "duration"; break;
	case 'I': name = "max-inflight"; break;
	case 'X': name = "test-corrupt"; break;
	case 'g': name = "gid-index"; break;
	case 'K': name = "control-port"; break;
	case 'Z': name = "test-paths"; break;
	default: return 1;
	}
#define NUM(lo, hi, sc, dst) do {					\
	if (num_arg(name, a, lo, hi, sc, &v) == -1)			\
		return -1;						\
	dst = v;							\
} while (0)
	switch (ch) {
	case 'P': NUM(1, 65535, 1, c->port); break;
	case 'i': NUM(0, 60000, 1000, c->path.interval_us); break;
	case 'T': NUM(0.001, 60000, 1000, c->path.timeout_us); break;
	case 'F': NUM(1, 1000000, 1, c->path.fail_consecutive); break;
	case 'r': NUM(1, 1000000, 1, c->path.recover_consecutive); break;
	case 'W': NUM(1, PATH_WINDOW_MAX, 1, c->path.window); break;
	case 's': NUM(0, PROBE_PAYLOAD_MAX, 1, c->size); break;
	case 'c': NUM(1, DISC_MAX_CANDIDATES, 1, c->candidates); break;
	case 'm': NUM(1, DISC_MAX_TTL, 1, c->max_ttl); break;
	case 'n': NUM(1, 100, 1, c->disc_rounds); break;
	case 'w': NUM(1, 60000, 1000, c->disc_wait_us); break;
	case 'M': NUM(0, 86400, 1000000, c->remap_us); break;
	case 'Y': NUM(0, 3600000, 1000, c->retrace_us); break;
	case 'e': NUM(10, 3600000, 1000, c->report_us); break;
	case 'N': NUM(0, 1e12, 1, c->count); break;
	case 'D': NUM(0, 86400 * 365, 1000000, c->duration_us); break;
	case 'I': NUM(1, PATH_RING / 2, 1, c->max_inflight); break;
	case 'X': NUM(0, 1e12, 1, c->test_corrupt); break;
	case 'g': NUM(0, 255, 1, c->gid_index); break;
	case 'K': NUM(1, 65535, 1, c->control_port); break;
	case 'Z': NUM(1, FP_MAX_PATHS, 1, c->test_paths); break;
	}
#undef NUM
	return 0;
}

static int
str_opt(struct fp *fp, int ch, const char *a)
{
	struct fp_conf	*c = &fp->conf;
	char		*end;

	switch (ch) {
	case 'R': c->respond = 1; return 0;
	case 't': return add_target(fp, a);
	case 'A': return add_allow(c, a);
	case 'C': c->path.corrupt_fails = 0; return 0;
	case 'j': c->json = 1; return 0;
	case 'o': c->outfile = a; return 0;
	case 'p': c->publish = a; return 0;
	case 'k': c->keyfile = a; return 0;
	case 'x': c->id = a; return 0;
	case 'B': c->backend = a; return 0;
	case 'E': c->device = a; return 0;
	case 'G':
		if (strcmp(a, "cpu") != 0 && strcmp(a, "gpu") != 0) {
			fprintf(stderr, "fabric-probe: --payload '%s': want "
			    "cpu or gpu\n", a);
			return -1;
		}
		c->payload_gpu = a[0] == 'g';
		return 0;
	case 'v': c->verbose++; return 0;
	case 'b':
		if (net_parse_addr(a, &c->bind, 0) == -1) {
			fprintf(stderr, "fabric-probe: --bind '%s': not an "
			    "IPv4 address\n", a);
			return -1;
		}
		return 0;
	case 'L':
		errno = 0;
		c->path.fail_ratio = strtod(a, &end);
		if (errno || end == a || *end != '\0' ||
		    !(c->path.fail_ratio > 0 && c->path.fail_ratio <= 1)) {
			fprintf(stderr, "fabric-probe: --loss-ratio '%s': want "
			    "a number above 0, at most 1\n", a);
			return -1;
		}
		return 0;
	}
	return 1;
}

static int
check_conf(struct fp *fp)
{
	struct fp_conf	*c = &fp->conf;
	char		 err[128];
	size_t		 i;

#ifndef HAVE_CUDA
	if (c->payload_gpu) {
		fprintf(stderr, "fabric-probe: --payload gpu: built without "
		    "CUDA: configure --with-cuda\n");
		return -1;
	}
#endif
	if (strcmp(c->backend, "verbs") == 0) {
		if (verbs_check(err, sizeof(err)) == -1) {
			fprintf(stderr, "fabric-probe: --backend verbs: %s\n",
			    err);
			return -1;
		}
		/* GPUDirect: every probe's payload fills a GPU slot */
		if (c->payload_gpu && c->size == 0) {
			fprintf(stderr, "fabric-probe: --payload gpu with "
			    "--backend verbs: --size 0: want 1 to %d\n",
			    PROBE_PAYLOAD_MAX);
			return -1;
		}
		c->verbs = 1;
	} else if (c->device != NULL || c->gid_index != -1) {
		fprintf(stderr, "fabric-probe: --%s: only with --backend "
		    "verbs\n", c->device != NULL ? "device" : "gid-index");
		return -1;
	}
	if (strcmp(c->backend, "udp") != 0 && !c->verbs) {
		fprintf(stderr, "fabric-probe: --backend '%s': want udp or "
		    "verbs\n", c->backend);
		return -1;
	}
	if (!c->respond && fp->ntargets == 0) {
		fprintf(stderr, "fabric-probe: nothing to do: give --respond "
		    "and/or --target\n");
		return -1;
	}
	if ((c->publish == NULL) != (c->keyfile == NULL)) {
		fprintf(stderr, "fabric-probe: --publish and --key go "
		    "together\n");
		return -1;
	}
	if (path_conf_check(&c->path, err, sizeof(err)) == -1) {
		fprintf(stderr, "fabric-probe: %s\n", err);
		return -1;
	}
	/* --port came after some --target: give them all the final port */
	for (i = 0; i < fp->ntargets; i++)
		fp->targets[i].addr.sin_port = htons(c->port);
	return 0;
}

static int
parse_args(int argc, char *argv[], struct fp *fp)
{
	int	 ch, rc;

	conf_default(&fp->conf);
	while ((ch = getopt_long(argc, argv, "jo:vh", longopts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			exit(0);
		}
		if ((rc = num_opt(&fp->conf, ch, optarg)) == 1)
			rc = str_opt(fp, ch, optarg);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fabric-probe: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	return check_conf(fp);
}

/* ---- setup ---- */

/* Our address towards t, as the kernel's route lookup picks it. */
static void
target_src(struct fp_target *t)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (connect(fd, (struct sockaddr *)&t->addr, sizeof(t->addr)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		t->src_addr = sin.sin_addr.s_addr;
	close(fd);
}

static int
fp_init(struct fp *fp, struct pollset *ps)
{
	size_t	 i;

	fp->resp_fd = -1;
	fp->ctl_fd = -1;
	if (getrandom(&fp->seed, sizeof(fp->seed), 0) != sizeof(fp->seed)) {
		log_warn("getrandom");
		return -1;
	}
	if (out_open(fp) == -1 || tx_gpu_open(fp) == -1)
		return -1;
	if (fp->conf.respond && resp_open(fp) == -1)
		return -1;
	fp->start_us = mono_us();
	fp->next_report_us = fp->start_us + fp->conf.report_us;
	for (i = 0; i < fp->ntargets; i++) {
		target_src(&fp->targets[i]);
		fp->targets[i].next_disc_us = fp->start_us;
	}
	if (fp->conf.verbs && vb_open(fp) == -1)
		return -1;
	ps->cap = 3 + FP_CTL_CONNS + fp->ntargets * (2 * FP_MAX_PATHS +
	    DISC_MAX_CANDIDATES);
	if ((ps->pfd = calloc(ps->cap, sizeof(*ps->pfd))) == NULL ||
	    (ps->what = calloc(ps->cap, sizeof(*ps->what))) == NULL ||
	    (ps->cand = calloc(ps->cap, sizeof(*ps->cand))) == NULL) {
		log_warn("calloc");
		return -1;
	}
	return 0;
}

static void
fp_free(struct fp *fp, struct pollset *ps)
{
	struct fp_target	*t;
	size_t			 i, j;

	for (i = 0; i < fp->ntargets; i++) {
		t = &fp->targets[i];
		disc_close(t);
		for (j = 0; j < t->npaths; j++) {
			vb_path_free(fp, t->paths[j]);
			if (t->paths[j]->fd != -1)
				close(t->paths[j]->fd);
			free(t->paths[j]);
		}
	}
	vb_close(fp);
	resp_close(fp);
	payload_gpu_close(fp->gpu);
	out_close(fp);
	free(ps->pfd);
	free(ps->what);
	free(ps->cand);
}

int
main(int argc, char *argv[])
{
	static struct fp	 fp;
	struct pollset		 ps = { 0 };
	struct sigaction	 sa = { .sa_handler = on_signal };
	int			 rc = 1;

	if (parse_args(argc, argv, &fp) == -1)
		return 1;
	log_init(LOG_TO_STDERR, LOG_DAEMON);
	log_setverbose(fp.conf.verbose);
	log_procinit("fabric-probe");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (fp_init(&fp, &ps) == 0) {
		log_info("responder %s, %zu target(s), detection bound "
		    "%.1f ms", fp.conf.respond ? "on" : "off", fp.ntargets,
		    path_bound_us(&fp.conf.path) / 1000.0);
		if (loop(&fp, &ps) == 0) {
			out_report(&fp, mono_us(), 1);
			rc = 0;
		}
	}
	fp_free(&fp, &ps);
	return rc;
}
