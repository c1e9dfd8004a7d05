/*
 * fabricd: reads the fabric, computes weights, pushes them through FRR.
 * See fabricd.h for the parts and docs/man/fabricd.8 for the options.
 */
#include "config.h"

#include <sys/signalfd.h>
#include <sys/stat.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zmq.h>

#include "fabricd.h"
#include "log.h"
#include "util.h"

#define POLL_MAX	(BGP_PEERS_MAX * 2 + FD_METRICS_CONNS + 8)

struct options {
	const char	*config;
	const char	*control;
	const char	*metrics;
	const char	*sim;
	int		 check;
	int		 json;
	int		 verbose;
	int		 syslog;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fabricd -f CONFIG [-v] [--syslog] [--control ENDPOINT]\n"
	    "               [--metrics ADDR:PORT]\n"
	    "       fabricd -f CONFIG --check [-j]\n"
	    "       fabricd --sim [SCENARIO] [--seed N] [-j] [-q]\n"
	    "\n"
	    "  -f, --config FILE      the configuration (yang/fabric.yang, JSON or XML)\n"
	    "  -n, --check            validate it, print the weights it gives, exit\n"
	    "  -j, --json             with --check or --sim: JSON output\n"
	    "  -s, --control ENDPOINT fabricctl's socket (default %s)\n"
	    "  -m, --metrics ADDR:PORT serve OpenMetrics at http://ADDR:PORT/metrics\n"
	    "      --sim SCENARIO     run the controller on the built-in simulated\n"
	    "                         fabric (no root, no FRR): see fabricd(8)\n"
	    "  -v, --verbose          more logging (twice: debug)\n"
	    "      --syslog           log to syslog instead of stderr\n"
	    "  -h, --help             this help\n",
	    FD_CONTROL_DEFAULT);
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "control", required_argument, NULL, 's' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "sim", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "syslog", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	o->control = FD_CONTROL_DEFAULT;
	while ((ch = getopt_long(argc, argv, "f:njs:m:vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f': o->config = optarg; break;
		case 'n': o->check = 1; break;
		case 'j': o->json = 1; break;
		case 's': o->control = optarg; break;
		case 'm': o->metrics = optarg; break;
		case 'v': o->verbose++; break;
		case 'L': o->syslog = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fabricd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return -1;
	}
	if (o->config == NULL) {
		fprintf(stderr, "fabricd: -f CONFIG is required (or --sim "
		    "SCENARIO)\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ---- telemetry ------------------------------------------------------ */

static int
telemetry_open(struct fabricd *d)
{
	struct ingest_conf	ic;
	struct tmsg_key		key;
	size_t			i;
	int			shared;

	if (d->cfg->ntelemetry == 0)
		return 0;
	if ((shared = fd_key_first(d->cfg->telemetry, d->cfg->ntelemetry,
	    "telemetry", &key)) == -1)
		return -1;
	ingest_conf_default(&ic);
	ic.stale_ms = d->cfg->policy.telemetry_stale_ms;
	if (ingest_init(&d->ing, &ic, &key) == -1)
		return -1;
	d->ing_ok = 1;
	if (!shared && fd_keys_by_agent(d->cfg->telemetry, d->cfg->ntelemetry,
	    "telemetry", &d->ing.rx) == -1)
		return -1;
	if ((d->sub = zmq_socket(d->zctx, ZMQ_SUB)) == NULL ||
	    zmq_setsockopt(d->sub, ZMQ_SUBSCRIBE, "", 0) == -1)
		return -1;
	for (i = 0; i < d->cfg->ntelemetry; i++)
		if (zmq_connect(d->sub, d->cfg->telemetry[i].address) == -1) {
			log_warnx("%s: telemetry endpoint %s: %s: %s",
			    FD_E_CONFIG, d->cfg->telemetry[i].name,
			    d->cfg->telemetry[i].address, zmq_strerror(errno));
			return -1;
		}
	return 0;
}

static void
telemetry_close(struct fabricd *d)
{
	if (d->sub != NULL)
		zmq_close(d->sub);
	d->sub = NULL;
	if (d->ing_ok)
		ingest_free(&d->ing);
	d->ing_ok = 0;
}

static void
telemetry_read(struct fabricd *d, struct tmsg *scratch)
{
	zmq_msg_t	m;
	enum tmsg_err	e;
	int		i;

	for (i = 0; i < 1024; i++) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, d->sub, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		e = ingest_feed(&d->ing, zmq_msg_data(&m), zmq_msg_size(&m),
		    (uint64_t)mono_ms(), scratch);
		if (e != TMSG_OK)
			log_debug("telemetry: rejected: %s", tmsg_err_str(e));
		else if (scratch->type == TMSG_T_LINK_EVENT ||
		    (scratch->type == TMSG_T_LINK_SAMPLE &&
		    fd_sample_news(d, scratch)))
			d->next_compute_ms = 0;	/* react at once */
		zmq_msg_close(&m);
	}
}

/* ---- the speaker -------------------------------------------------- */

static void
on_state(struct bgp_peer *p, enum bgp_state old, enum bgp_state new,
    void *arg)
{
	(void)arg;
	if (new == BGP_ESTABLISHED)
		log_info("%s: session up", bgp_peer_name(p));
	else if (old == BGP_ESTABLISHED)
		log_warnx("%s: %s: session down (%s)", FD_E_BGP,
		    bgp_peer_name(p), bgp_state_str(new));
}

static int
speaker_open(struct fabricd *d)
{
	struct bgp_speaker_config	sc = {};
	const struct fab_bgp_config	*b = &d->cfg->bgp;

	sc.local_as = b->local_as;
	sc.router_id = b->router_id_h;
	sc.gr_time = b->graceful_restart_time;
	if (b->listen_address[0] != '\0' &&
	    bgp_sockaddr_parse(b->listen_address, b->listen_port ?
	    b->listen_port : BGP_PORT, &sc.listen) == -1) {
		log_warnx("%s: bgp listen-address %s", FD_E_CONFIG,
		    b->listen_address);
		return -1;
	}
	if ((d->sp = bgp_speaker_new(&sc)) == NULL)
		return -1;
	bgp_speaker_set_state_cb(d->sp, on_state, d);
	if (fd_peers_init(d) == -1)
		return -1;
	return bgp_speaker_start(d->sp);
}

/* ---- the loop ---------------------------------------------------- */

static void
handle_signal(struct fabricd *d, int sfd)
{
	struct signalfd_siginfo	si;
	char			err[1024];

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			log_info("%s: stopping", strsignal(si.ssi_signo));
			d->stopping = 1;
			continue;
		}
		log_info("SIGHUP: reloading %s", d->cfg_path);
		if (fd_reload(d, err, sizeof(err)) == -1)
			log_warnx("%s: reload refused, nothing changed: %s",
			    FD_E_CONFIG, err);
	}
}

static int
loop_timeout(struct fabricd *d, uint64_t now)
{
	int	t = bgp_speaker_timeout(d->sp);
	int64_t	c = (int64_t)d->next_compute_ms - (int64_t)now;

	if (c < 0)
		c = 0;
	if (t < 0 || c < t)
		t = (int)c;
	return t;
}

/* A push is done when every session has written all it owes. */
static void
push_check(struct fabricd *d, uint64_t now)
{
	size_t	i;

	if (d->push_start_ms == 0)
		return;
	for (i = 0; i < d->npeers; i++)
		if (d->peers[i].peer != NULL &&
		    bgp_peer_pending(d->peers[i].peer))
			return;
	d->last_push_ms = (double)(now - d->push_start_ms);
	d->push_sum_ms += d->last_push_ms;
	d->push_count++;
	d->push_start_ms = 0;
}

static void
loop_once(struct fabricd *d, int sfd, struct tmsg *scratch)
{
	zmq_pollitem_t	items[POLL_MAX];
	struct pollfd	pfd[POLL_MAX];
	size_t		nb, nm, n = 0, i;
	uint64_t	now = (uint64_t)mono_ms();

	nb = bgp_speaker_pollfds(d->sp, pfd, BGP_PEERS_MAX * 2);
	nm = fd_metrics_pollfds(d, pfd + nb, FD_METRICS_CONNS + 1);
	for (i = 0; i < nb + nm; i++)	/* ZMQ_POLL* are not POLL* */
		items[n++] = (zmq_pollitem_t){ NULL, pfd[i].fd,
		    (short)((pfd[i].events & POLLIN ? ZMQ_POLLIN : 0) |
		    (pfd[i].events & POLLOUT ? ZMQ_POLLOUT : 0)), 0 };
	items[n++] = (zmq_pollitem_t){ NULL, sfd, ZMQ_POLLIN, 0 };
	items[n++] = (zmq_pollitem_t){ d->ctl, 0, ZMQ_POLLIN, 0 };
	if (d->sub != NULL)
		items[n++] = (zmq_pollitem_t){ d->sub, 0, ZMQ_POLLIN, 0 };
	if (d->probe_sub != NULL)
		items[n++] = (zmq_pollitem_t){ d->probe_sub, 0, ZMQ_POLLIN,
		    0 };
	if (zmq_poll(items, (int)n, loop_timeout(d, now)) == -1 &&
	    errno != EINTR)
		fatal("zmq_poll");
	for (i = 0; i < nb + nm; i++)
		pfd[i].revents = (short)(
		    (items[i].revents & ZMQ_POLLIN ? POLLIN : 0) |
		    (items[i].revents & ZMQ_POLLOUT ? POLLOUT : 0) |
		    (items[i].revents & ZMQ_POLLERR ? POLLERR : 0));
	bgp_speaker_dispatch(d->sp, pfd, nb);
	fd_metrics_dispatch(d, pfd + nb, nm);
	if (items[nb + nm].revents)
		handle_signal(d, sfd);
	if (items[nb + nm + 1].revents)
		fd_control_dispatch(d);
	if (d->sub != NULL && items[nb + nm + 2].revents)
		telemetry_read(d, scratch);
	if (d->probe_sub != NULL && items[n - 1].revents)
		fd_probe_read(d, scratch);
	now = (uint64_t)mono_ms();
	push_check(d, now);
	if (now >= d->next_compute_ms) {
		fd_compute(d, now);
		d->next_compute_ms = now + d->cfg->policy.interval_ms;
	}
}

static int
run(struct fabricd *d)
{
	struct tmsg	*scratch = calloc(1, sizeof(*scratch));
	int		 sfd = daemon_signal_fd();

	if (scratch == NULL || sfd == -1)
		fatal("startup");
	d->started_ms = (uint64_t)mono_ms();
	log_info("running: %zu switches, %zu weight sets, mode %s, every %u "
	    "ms; control %s", d->npeers, d->nblocks,
	    fab_mode_str(d->cfg->policy.mode), d->cfg->policy.interval_ms,
	    d->ctl_addr);
	while (!d->stopping)
		loop_once(d, sfd, scratch);
	bgp_speaker_shutdown(d->sp, CEASE_ADMIN_DOWN, "fabricd stopped");
	close(sfd);
	free(scratch);
	return 0;
}

/* ---- start, reload, stop ------------------------------------------- */

static int
load(const char *path, struct fab_config **cfg)
{
	char	err[2048];

	if (fab_config_load(path, cfg, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", FD_E_CONFIG, err);
		return -1;
	}
	return 0;
}

static void
teardown(struct fabricd *d)
{
	fd_metrics_close(d);
	if (d->ctl != NULL)
		zmq_close(d->ctl);
	telemetry_close(d);
	fd_probe_close(d);
	if (d->zctx != NULL)
		zmq_ctx_term(d->zctx);
	bgp_speaker_free(d->sp);
	fd_pinned_free(d);
	fd_peers_free(d);
	fd_weights_free(d);
	fab_config_free(d->cfg);
	free(d->cfg_path);
}

static int
check(struct fabricd *d, int json)
{
	fd_compute(d, (uint64_t)mono_ms());
	fd_print_weights(d, stdout, json);
	return 0;
}

int
main(int argc, char **argv)
{
	struct fabricd	d = {};
	struct options	o = {};
	int		rc = 1;
	size_t		i;

	for (i = 1; i < (size_t)argc; i++)
		if (strcmp(argv[i], "--sim") == 0 ||
		    strncmp(argv[i], "--sim=", 6) == 0)
			return fd_sim_main(argc, argv);
	if (parse_args(argc, argv, &o) == -1)
		return 2;
	log_init(!o.syslog, LOG_DAEMON);
	log_procinit("fabricd");
	log_setverbose(o.verbose);
	if (load(o.config, &d.cfg) == -1 ||
	    (d.cfg_path = strdup(o.config)) == NULL)
		goto out;
	if (fd_weights_init(&d) == -1)
		fatal("fd_weights_init");
	if (o.check) {
		d.check_only = 1;
		json_c_set_serialization_double_format("%.6g",
		    JSON_C_OPTION_GLOBAL);
		if (fd_peers_init(&d) == 0)
			rc = check(&d, o.json);
		goto out;
	}
	if ((d.zctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	if (telemetry_open(&d) == -1 || fd_probe_open(&d) == -1 ||
	    speaker_open(&d) == -1 ||
	    fd_control_open(&d, o.control) == -1 ||
	    (o.metrics != NULL && fd_metrics_open(&d, o.metrics) == -1))
		goto out;
	rc = run(&d);
out:
	teardown(&d);
	return rc;
}
