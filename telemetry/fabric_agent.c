/*
 * fabric-agent: samples the fabric links through netlink and publishes
 * signed telemetry (tmsg.h) on a ZeroMQ PUB socket.  One thread, one
 * zmq_poll() loop over the netlink event socket and the sample timer.
 *
 * Why PUB/SUB: telemetry is a stream of newest values whose counters are
 * cumulative, so a lost message costs resolution and never correctness;
 * PUB fans out to any number of controllers, and a slow or absent one
 * never blocks the agent (PUB drops at the high-water mark instead of
 * queueing without bound).  Reconnection is ZeroMQ's.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "agent_conf.h"
#include "flowlet.h"
#include "frr_state.h"
#include "ibuf.h"
#include "log.h"
#include "sample.h"
#include "tmsg.h"
#include "util.h"

#define AGENT_SNDHWM		64	/* messages queued per subscriber */

struct agent {
	void		*zctx;
	void		*pub;
	struct sampler	*sampler;
	struct flowlet	*flowlet;	/* NULL: no --flowlet-prefix */
	struct tmsg_key	 key;
	struct tmsg	*msg;		/* large: one full sample */
	struct tmsg	*evmsg;		/* events, also sent mid-sample */
	struct tmsg	*frrmsg;	/* bgp state, fib routes */
	char		*frrout;	/* vtysh's output */
	int		 bgp_state;	/* --bgp-state or --frr-namespace */
	const char	*frr_ns;
	const char	*lcomm;		/* --flowlet-community */
	uint64_t	 mark_due;	/* mono ms; 0: none */
	uint64_t	 last_mark;
	uint64_t	 frr_interval_ms;
	struct ibuf	*out;
	char		 id[TMSG_AGENT_MAX + 1];
	uint64_t	 seq;
	uint64_t	 sent, send_errors, samples;
	uint64_t	 next_frr;	/* mono ms */
};

static volatile sig_atomic_t	 quit, hup;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fabric-agent [-f FILE] --publish ENDPOINT --key FILE\n"
	    "           [--id NAME] [--interval MS] [--interfaces IF,IF,...]\n"
	    "           [--capacity IF=BPS ...] [--mgmt IF] [-v]\n"
	    "           [--flowlet-prefix PREFIX ...] [--flowlet-OPTION ...]\n"
	    "           [--bgp-state] [--frr-namespace NS] [--frr-interval S]\n"
	    "       fabric-agent -f FILE [OPTION ...] --check\n"
	    "       fabric-agent --flowlet-cleanup [--flowlet-table N]\n"
	    "           [--flowlet-nhid-base N]\n"
	    "  -f, --config FILE    JSON or XML configuration\n"
	    "                       (fabric-agent.yang); the command line\n"
	    "                       overrides it\n"
	    "  --check              print the configuration in effect (as\n"
	    "                       JSON for -f) and exit\n"
	    "  --publish ENDPOINT   ZeroMQ PUB endpoint to bind, e.g.\n"
	    "                       tcp://127.0.0.1:7500 or ipc:///run/x\n"
	    "  --key FILE           HMAC-SHA256 key (16 to 256 octets)\n"
	    "  --id NAME            agent id (default: the host name)\n"
	    "  --interval MS        sample interval, %d to %d (default %d)\n"
	    "  --interfaces LIST    sample these (default: all but lo and\n"
	    "                       the management interface)\n"
	    "  --capacity IF=BPS    capacity where the kernel knows none\n"
	    "  --mgmt IF            management interface (default eth0)\n"
	    "  -v                   more logging (twice: per sample)\n"
	    "flowlet data plane (see fabric-agent(8)):\n"
	    "  --flowlet-prefix P   mirror FRR's route for P into a resilient\n"
	    "                       nexthop group (repeatable, up to %d)\n"
	    "  --flowlet-table N    our routing table (default %d)\n"
	    "  --flowlet-pref N     preference of our ip rule (default %d)\n"
	    "  --flowlet-nhid-base N  first nexthop id of ours (default %u)\n"
	    "  --flowlet-buckets N  buckets per group (default %d)\n"
	    "  --flowlet-idle MS    idle timer, 10 ms steps (default %d)\n"
	    "  --flowlet-unbalanced MS  unbalanced timer, 0: never (default %d)\n"
	    "  --flowlet-community LC  also mirror FRR's routes that carry\n"
	    "                       this large community (GA:L1:L2)\n"
	    "  --flowlet-cleanup    remove what an earlier run left, and exit\n"
	    "FRR state (TMSG types 3 and 4):\n"
	    "  --bgp-state          report FRR's BGP sessions (vtysh)\n"
	    "  --frr-namespace NS   FRR's -N name (implies --bgp-state)\n"
	    "  --frr-interval S     sessions and steered routes every S s\n"
	    "                       (default %d)\n",
	    AGENT_MIN_INTERVAL, AGENT_MAX_INTERVAL, AGENT_DEF_INTERVAL,
	    FLOWLET_MAX_PREFIXES, FLOWLET_DEF_TABLE, FLOWLET_DEF_PREF,
	    FLOWLET_DEF_NHID_BASE, FLOWLET_DEF_BUCKETS, FLOWLET_DEF_IDLE_MS,
	    FLOWLET_DEF_UNBAL_MS, AGENT_DEF_FRR_INTERVAL);
}

static void
on_signal(int sig)
{
	quit = sig;
}

static void
on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

/* Signs and sends m; a failed send is counted, never fatal. */
static void
publish(struct agent *a, struct tmsg *m)
{
	m->seq = ++a->seq;
	snprintf(m->agent, sizeof(m->agent), "%s", a->id);
	ibuf_truncate(a->out, 0);
	if (tmsg_write(a->out, m, &a->key) == -1) {
		log_warn("cannot encode %s", tmsg_type_str(m->type));
		a->send_errors++;
		return;
	}
	if (zmq_send(a->pub, ibuf_data(a->out), ibuf_size(a->out),
	    ZMQ_DONTWAIT) == -1) {
		if (errno != EAGAIN)
			log_warnx("zmq_send: %s", zmq_strerror(errno));
		a->send_errors++;
		return;
	}
	a->sent++;
}

static void
on_link_event(const struct tmsg_event *e, void *arg)
{
	struct agent	*a = arg;

	a->evmsg->type = TMSG_T_LINK_EVENT;
	a->evmsg->time_ns = real_ns();
	a->evmsg->event = *e;
	log_info("link %s %s", e->name,
	    e->oper == TMSG_OPER_UP ? "up" : "down");
	publish(a, a->evmsg);
}

static uint8_t
wire_family(uint8_t af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 6 : 0;
}

/* A steered prefix as the kernel has it from FRR: TMSG type 4. */
static void
on_flowlet_change(const struct flowlet_route *r, int mirrored, void *arg)
{
	struct agent		*a = arg;
	struct tmsg_route	*t = &a->frrmsg->routes[0];
	int			 i;

	a->frrmsg->type = TMSG_T_FIB_ROUTES;
	a->frrmsg->time_ns = real_ns();
	a->frrmsg->nroutes = 1;
	t->family = wire_family(r->dst.family);
	t->len = r->dst.len;
	memcpy(t->addr, r->dst.addr, sizeof(t->addr));
	t->flags = mirrored ? TMSG_ROUTE_MIRRORED : 0;
	t->nnh = 0;
	for (i = 0; i < r->n && i < TMSG_MAX_NH; i++)
		t->nh[t->nnh++] = (struct tmsg_nh){
		    .family = wire_family(r->nh[i].family),
		    .ifindex = r->nh[i].oif, .weight = r->nh[i].weight };
	for (i = 0; i < t->nnh; i++)
		memcpy(t->nh[i].gw, r->nh[i].gw, sizeof(t->nh[i].gw));
	publish(a, a->frrmsg);
}

/*
 * Which prefixes the controller marks: FRR's routes carrying its large
 * community.  Asked at start, after BGP routes in main change (at most
 * once a second: vtysh takes tens of ms) and every --frr-interval.
 */
static void
mark_from_frr(struct agent *a)
{
	struct flowlet_prefix	 set[FLOWLET_MAX_PREFIXES];
	int			 n;

	a->mark_due = 0;
	a->last_mark = mono_ms();
	n = frr_lcomm_poll(a->frr_ns, a->lcomm, a->frrout, FRR_OUT_MAX, set,
	    FLOWLET_MAX_PREFIXES);
	if (n >= 0)
		flowlet_mark(a->flowlet, set, n);
}

static void
mark_schedule(struct agent *a)
{
	uint64_t	 at = a->last_mark + 1000, now = mono_ms();

	if (a->lcomm == NULL)
		return;
	if (at < now)
		at = now;
	if (a->mark_due == 0 || at < a->mark_due)
		a->mark_due = at;
}

/* Every few seconds: FRR's sessions, and all steered routes again. */
static void
frr_report(struct agent *a)
{
	if (a->lcomm != NULL)
		mark_from_frr(a);
	if (a->bgp_state) {
		a->frrmsg->type = TMSG_T_BGP_STATE;
		a->frrmsg->time_ns = real_ns();
		if (frr_bgp_poll(a->frr_ns, a->frrout, FRR_OUT_MAX,
		    a->frrmsg) == 0)
			publish(a, a->frrmsg);
	}
	if (a->flowlet != NULL)
		flowlet_report_all(a->flowlet);
}

static void
log_sample(struct agent *a, const struct tmsg *m)
{
	const struct sample_if	*ifs;
	int			 n, i, j;

	if (log_getverbose() < 2)
		return;
	ifs = sampler_ifs(a->sampler, &n);
	for (i = 0; i < m->nlinks; i++)
		for (j = 0; j < n; j++)
			if (ifs[j].ifindex == m->links[i].ifindex)
				log_debug("%s: tx %.0f bit/s of %llu (%.1f%%)"
				    " backlog %llu drops %llu",
				    m->links[i].name, ifs[j].tx_bps,
				    (unsigned long long)m->links[i].capacity_bps,
				    m->links[i].capacity_bps ? 100 *
				    ifs[j].tx_bps /
				    (double)m->links[i].capacity_bps : 0,
				    (unsigned long long)m->links[i].q_backlog,
				    (unsigned long long)m->links[i].q_drops);
}

static void
sample_once(struct agent *a)
{
	a->msg->type = TMSG_T_LINK_SAMPLE;
	if (sampler_collect(a->sampler, a->msg) == -1)
		return;
	a->samples++;
	log_sample(a, a->msg);
	publish(a, a->msg);
}

/* The poll timeout: the next sample, or a flowlet retry if sooner. */
static long
next_timeout(struct agent *a, uint64_t next)
{
	uint64_t	 now = mono_ms();
	long		 timeout, ft;

	if (next > a->next_frr)
		next = a->next_frr;
	if (a->mark_due != 0 && next > a->mark_due)
		next = a->mark_due;
	timeout = next > now ? (long)(next - now) : 0;
	if (a->flowlet != NULL && (ft = flowlet_timeout(a->flowlet)) >= 0 &&
	    ft < timeout)
		timeout = ft;
	return timeout;
}

static int
run(struct agent *a, uint64_t interval)
{
	zmq_pollitem_t	 items[2];
	uint64_t	 next = mono_ms(), now;
	int		 nitems = 1;

	items[0] = (zmq_pollitem_t){ .fd = sampler_event_fd(a->sampler),
	    .events = ZMQ_POLLIN };
	if (a->flowlet != NULL)
		items[nitems++] = (zmq_pollitem_t){ .fd =
		    flowlet_event_fd(a->flowlet), .events = ZMQ_POLLIN };
	while (!quit) {
		now = mono_ms();
		if (now >= next) {
			sample_once(a);
			/* Late ticks are skipped, not bunched. */
			next += interval;
			if (next <= now)
				next = now + interval;
		}
		if (hup) {	/* ask FRR now: marks, sessions, routes */
			hup = 0;
			a->next_frr = now;
		}
		if (now >= a->next_frr) {
			frr_report(a);
			a->next_frr = mono_ms() + a->frr_interval_ms;
		}
		if (zmq_poll(items, nitems, next_timeout(a, next)) == -1) {
			if (errno == EINTR)
				continue;
			log_warnx("zmq_poll: %s", zmq_strerror(errno));
			return -1;
		}
		if ((items[0].revents & ZMQ_POLLIN) &&
		    sampler_events(a->sampler) == -1)
			return -1;
		if (a->flowlet != NULL) {
			if (items[1].revents & ZMQ_POLLIN)
				flowlet_events(a->flowlet);
			flowlet_tick(a->flowlet);
			if (flowlet_bgp_changed(a->flowlet))
				mark_schedule(a);
			if (a->mark_due != 0 && mono_ms() >= a->mark_due)
				mark_from_frr(a);
		}
	}
	return 0;
}

static int
parse_capacity(struct sample_conf *c, const char *arg)
{
	const char		*eq = strchr(arg, '=');
	char			*end;
	unsigned long long	 bps;

	if (eq == NULL || eq == arg || eq - arg > TMSG_IFNAME_MAX ||
	    c->ncaps >= SAMPLE_MAX_CONF)
		return -1;
	errno = 0;
	bps = strtoull(eq + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == eq + 1 || bps == 0)
		return -1;
	snprintf(c->caps[c->ncaps].name, sizeof(c->caps[0].name), "%.*s",
	    (int)(eq - arg), arg);
	c->caps[c->ncaps++].bps = bps;
	return 0;
}

static int
parse_interfaces(struct sample_conf *c, const char *arg)
{
	char	*copy, *p, *tok;
	int	 rc = 0;

	if ((copy = strdup(arg)) == NULL)
		return -1;
	p = copy;
	while ((tok = strsep(&p, ",")) != NULL) {
		if (*tok == '\0' || strlen(tok) > TMSG_IFNAME_MAX ||
		    c->nifnames >= SAMPLE_MAX_CONF) {
			rc = -1;
			break;
		}
		snprintf(c->ifnames[c->nifnames++], sizeof(c->ifnames[0]),
		    "%s", tok);
	}
	free(copy);
	return rc;
}

/* An unsigned option in [min, max]; the message names the option. */
static int
parse_uint(const char *opt, const char *arg, unsigned long long min,
    unsigned long long max, uint32_t *out)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno != 0 || *end != '\0' || end == arg || arg[0] == '-' ||
	    v < min || v > max) {
		fprintf(stderr, "fabric-agent: --%s %s: want an integer from "
		    "%llu to %llu\n", opt, arg, min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
parse_flowlet_prefix(struct flowlet_conf *fc, const char *arg)
{
	struct flowlet_prefix	*p;
	int			 i;

	if (fc->nprefixes >= FLOWLET_MAX_PREFIXES) {
		fprintf(stderr, "fabric-agent: --flowlet-prefix %s: more than "
		    "%d prefixes\n", arg, FLOWLET_MAX_PREFIXES);
		return -1;
	}
	p = &fc->prefixes[fc->nprefixes];
	if (flowlet_prefix_parse(arg, p) == -1) {
		fprintf(stderr, "fabric-agent: --flowlet-prefix %s: want "
		    "ADDRESS/LENGTH, IPv4 or IPv6, no host bits set\n", arg);
		return -1;
	}
	for (i = 0; i < fc->nprefixes; i++)
		if (flowlet_prefix_eq(&fc->prefixes[i], p)) {
			fprintf(stderr, "fabric-agent: --flowlet-prefix %s: "
			    "given twice\n", arg);
			return -1;
		}
	fc->nprefixes++;
	return 0;
}

/* The options that only the flowlet data plane takes (long only). */
static int
parse_flowlet_opt(struct agent_conf *o, int ch, const char *arg)
{
	struct flowlet_conf	*fc = &o->fc;
	uint32_t		 v;

	switch (ch) {
	case 'P':
		if (!o->cli_prefixes)
			fc->nprefixes = 0;
		o->cli_prefixes = 1;
		return parse_flowlet_prefix(fc, arg);
	case 'T':
		if (parse_uint("flowlet-table", arg, 1, UINT32_MAX,
		    &fc->table) == -1)
			return -1;
		if (fc->table >= 253 && fc->table <= 255) {
			fprintf(stderr, "fabric-agent: --flowlet-table %s: the "
			    "kernel's default, main or local table\n", arg);
			return -1;
		}
		return 0;
	case 'R':
		return parse_uint("flowlet-pref", arg, 1, 32765, &fc->pref);
	case 'B':
		return parse_uint("flowlet-nhid-base", arg, 1,
		    UINT32_MAX - FLOWLET_NHID_SPAN, &fc->nhid_base);
	case 'N':
		if (parse_uint("flowlet-buckets", arg, 2, 32768, &v) == -1)
			return -1;
		fc->buckets = (uint16_t)v;
		return 0;
	case 'L':
		return parse_uint("flowlet-idle", arg, 10, FLOWLET_MAX_TIMER_MS,
		    &fc->idle_ms);
	case 'U':
		return parse_uint("flowlet-unbalanced", arg, 0,
		    FLOWLET_MAX_TIMER_MS, &fc->unbalanced_ms);
	case 'C':
		o->cleanup = 1;
		return 0;
	}
	return -1;
}

static const struct option longopts[] = {
	{ "publish", required_argument, NULL, 'p' },
	{ "key", required_argument, NULL, 'k' },
	{ "id", required_argument, NULL, 'i' },
	{ "interval", required_argument, NULL, 'I' },
	{ "config", required_argument, NULL, 'f' },
	{ "check", no_argument, NULL, 'K' },
	{ "interfaces", required_argument, NULL, 'n' },
	{ "capacity", required_argument, NULL, 'c' },
	{ "mgmt", required_argument, NULL, 'm' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "flowlet-prefix", required_argument, NULL, 'P' },
	{ "flowlet-table", required_argument, NULL, 'T' },
	{ "flowlet-pref", required_argument, NULL, 'R' },
	{ "flowlet-nhid-base", required_argument, NULL, 'B' },
	{ "flowlet-buckets", required_argument, NULL, 'N' },
	{ "flowlet-idle", required_argument, NULL, 'L' },
	{ "flowlet-unbalanced", required_argument, NULL, 'U' },
	{ "flowlet-cleanup", no_argument, NULL, 'C' },
	{ "flowlet-community", required_argument, NULL, 'O' },
	{ "bgp-state", no_argument, NULL, 'S' },
	{ "frr-namespace", required_argument, NULL, 'F' },
	{ "frr-interval", required_argument, NULL, 'J' },
	{ NULL, 0, NULL, 0 }
};

/* The sampler's and the transport's options. */
static int
parse_link_opt(struct agent_conf *o, int ch, const char *arg)
{
	char	*end;

	switch (ch) {
	case 'p': o->publish = arg; return 0;
	case 'k': o->keyfile = arg; return 0;
	case 'i': o->id = arg; return 0;
	case 'm': o->sc.mgmt = arg; return 0;
	case 'I':
		errno = 0;
		o->interval = strtol(arg, &end, 10);
		if (errno || *end || o->interval < AGENT_MIN_INTERVAL ||
		    o->interval > AGENT_MAX_INTERVAL) {
			fprintf(stderr, "fabric-agent: --interval: want %d to "
			    "%d ms\n", AGENT_MIN_INTERVAL, AGENT_MAX_INTERVAL);
			return -1;
		}
		return 0;
	case 'n':
		if (!o->cli_ifnames)	/* the command line's list wins */
			o->sc.nifnames = 0;
		o->cli_ifnames = 1;
		if (parse_interfaces(&o->sc, arg) == 0)
			return 0;
		fprintf(stderr, "fabric-agent: --interfaces %s: bad list\n", arg);
		return -1;
	case 'c':
		if (!o->cli_caps)
			o->sc.ncaps = 0;
		o->cli_caps = 1;
		if (parse_capacity(&o->sc, arg) == 0)
			return 0;
		fprintf(stderr, "fabric-agent: --capacity %s: want "
		    "IF=BITS_PER_SECOND\n", arg);
		return -1;
	}
	return -1;
}

/* What the agent asks FRR: sessions, marks, how often. */
static int
parse_frr_opt(struct agent_conf *o, int ch, const char *arg)
{
	switch (ch) {
	case 'S':
		o->bgp_state = 1;
		return 0;
	case 'F':
		o->frr_ns = arg;
		o->bgp_state = 1;
		return 0;
	case 'J':
		return parse_uint("frr-interval", arg, 1,
		    AGENT_MAX_FRR_INTERVAL, &o->frr_interval);
	case 'O':
		if (!frr_lcomm_valid(arg)) {
			fprintf(stderr, "fabric-agent: --flowlet-community %s: "
			    "want GLOBAL:LOCAL1:LOCAL2, each 0 to 4294967295\n",
			    arg);
			return -1;
		}
		o->lcomm = arg;
		o->fc.learn = 1;
		return 0;
	}
	return -1;
}

/* -f FILE: read first, so that the command line overrides it. */
static int
parse_file(int argc, char *argv[], struct agent_conf *o)
{
	const char	*file = NULL;
	char		 err[1024];
	int		 ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "f:vh", longopts, NULL)) != -1)
		if (ch == 'f')
			file = optarg;
	opterr = 1;
	optind = 0;	/* glibc: start again, from scratch */
	if (file == NULL)
		return 0;
	if (agent_conf_load(o, file, err, sizeof(err)) == -1) {
		fprintf(stderr, "fabric-agent: %s\n", err);
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char *argv[], struct agent_conf *o)
{
	int	 ch, rc;

	agent_conf_default(o);
	if (parse_file(argc, argv, o) == -1)
		return -1;
	while ((ch = getopt_long(argc, argv, "f:vh", longopts, NULL)) != -1) {
		if (ch == 'v') {
			o->verbose++;
			continue;
		}
		if (ch == 'h') {
			usage(stdout);
			exit(0);
		}
		if (ch == 'f')
			continue;	/* read by parse_file() */
		if (ch == 'K') {
			o->check = 1;
			continue;
		}
		if (strchr("pkimInc", ch) != NULL)
			rc = parse_link_opt(o, ch, optarg);
		else if (strchr("SFJO", ch) != NULL)
			rc = parse_frr_opt(o, ch, optarg);
		else if (strchr("PTRBNLUC", ch) != NULL)
			rc = parse_flowlet_opt(o, ch, optarg);
		else {
			usage(stderr);
			return -1;
		}
		if (rc == -1)
			return -1;
	}
	if ((o->cleanup || o->check) && optind == argc)
		return 0;
	if (optind == argc && (o->publish == NULL || o->keyfile == NULL)) {
		fprintf(stderr, "fabric-agent: no %s: give %s%s\n",
		    o->publish == NULL ? "publish endpoint" : "key file",
		    o->publish == NULL ? "--publish" : "--key",
		    o->file != NULL ? ", or set it in the file" : "");
		usage(stderr);
		return -1;
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int
agent_id(struct agent *a, const char *id)
{
	char	 host[HOST_NAME_MAX + 1];

	if (id == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			return -1;
		host[sizeof(host) - 1] = '\0';
		id = host;
	}
	if (*id == '\0' || strlen(id) > TMSG_AGENT_MAX) {
		log_warnx("--id: 1 to %d characters", TMSG_AGENT_MAX);
		return -1;
	}
	snprintf(a->id, sizeof(a->id), "%s", id);
	return 0;
}

static int
agent_zmq(struct agent *a, const char *endpoint)
{
	int	 hwm = AGENT_SNDHWM, linger = 0;

	if ((a->zctx = zmq_ctx_new()) == NULL ||
	    (a->pub = zmq_socket(a->zctx, ZMQ_PUB)) == NULL) {
		log_warnx("zmq: %s", zmq_strerror(errno));
		return -1;
	}
	zmq_setsockopt(a->pub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(a->pub, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(a->pub, endpoint) == -1) {
		log_warnx("zmq_bind %s: %s", endpoint, zmq_strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The first sequence number is the start time in ns, so that a restarted
 * agent continues above what the controller's replay window has seen
 * (it sends far fewer than 10^9 messages a second).
 */
static int
agent_init(struct agent *a, struct agent_conf *o)
{
	if (tmsg_key_load(&a->key, o->keyfile) == -1) {
		log_warn("key %s", o->keyfile);
		return -1;
	}
	if (agent_id(a, o->id) == -1)
		return -1;
	if ((a->msg = calloc(1, sizeof(*a->msg))) == NULL ||
	    (a->evmsg = calloc(1, sizeof(*a->evmsg))) == NULL ||
	    (a->out = ibuf_dynamic(4096, TMSG_MAX_SIZE)) == NULL) {
		log_warn("calloc");
		return -1;
	}
	a->bgp_state = o->bgp_state;
	a->frr_ns = o->frr_ns;
	a->lcomm = o->lcomm;
	a->frr_interval_ms = (uint64_t)o->frr_interval * 1000;
	if ((a->frrmsg = calloc(1, sizeof(*a->frrmsg))) == NULL ||
	    ((a->bgp_state || a->lcomm) &&
	    (a->frrout = malloc(FRR_OUT_MAX)) == NULL)) {
		log_warn("calloc");
		return -1;
	}
	a->seq = real_ns();
	if (agent_zmq(a, o->publish) == -1)
		return -1;
	if ((a->sampler = sampler_open(&o->sc, on_link_event, a)) == NULL)
		return -1;
	if ((o->fc.nprefixes > 0 || o->lcomm != NULL) &&
	    (a->flowlet = flowlet_open(&o->fc, on_flowlet_change, a)) == NULL)
		return -1;
	mark_schedule(a);
	return 0;
}

static void
agent_free(struct agent *a)
{
	flowlet_close(a->flowlet);
	sampler_close(a->sampler);
	if (a->pub != NULL)
		zmq_close(a->pub);
	if (a->zctx != NULL)
		zmq_ctx_term(a->zctx);
	ibuf_free(a->out);
	free(a->msg);
	free(a->evmsg);
	free(a->frrmsg);
	free(a->frrout);
	explicit_bzero(&a->key, sizeof(a->key));
}

int
main(int argc, char *argv[])
{
	struct agent_conf		 o = { 0 };
	struct agent		 a = { 0 };
	struct sigaction	 sa = { .sa_handler = on_signal };
	int			 rc = 1;

	if (parse_args(argc, argv, &o) == -1)
		return 1;
	if (o.check) {	/* the configuration in effect; no daemon */
		rc = agent_conf_print(&o, stdout) == -1 ? 1 : 0;
		agent_conf_free(&o);
		return rc;
	}
	log_init(LOG_TO_STDERR, LOG_DAEMON);
	log_setverbose(o.verbose);
	log_procinit("fabric-agent");
	if (o.cleanup) {
		if ((rc = flowlet_cleanup(&o.fc)) < 0) {
			log_warnx("flowlet clean-up failed");
			return 1;
		}
		log_info("flowlet: removed %d objects", rc);
		return 0;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (agent_init(&a, &o) == 0) {
		log_info("%s publishing on %s every %ld ms", a.id, o.publish,
		    o.interval);
		if (run(&a, (uint64_t)o.interval) == 0)
			rc = 0;
		log_info("exiting on signal %d: %llu samples, %llu sent, "
		    "%llu not sent", (int)quit,
		    (unsigned long long)a.samples, (unsigned long long)a.sent,
		    (unsigned long long)a.send_errors);
	}
	agent_free(&a);
	agent_conf_free(&o);
	return rc;
}
