/*
 * fabric-telemetry-dump: subscribes to one or more fabric-agents, runs
 * what arrives through the controller's ingest (verify, decode, per-link
 * state) and prints it, one line per message (-j: one JSON object per
 * line).  At the end, the ingest's counters.  For people and lab tests.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <zmq.h>

#include "ingest.h"
#include "log.h"
#include "tmsg.h"
#include "util.h"

#define DUMP_MAX_SUBS	64

static volatile sig_atomic_t	 quit;

struct dump {
	struct ingest	 in;
	struct tmsg	*msg;
	int		 json;
	uint64_t	 start_ms;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fabric-telemetry-dump --subscribe ENDPOINT ... --key FILE\n"
	    "           [-j] [--time SECONDS] [--stale MS] [--alpha A]\n");
}

static void
on_signal(int sig)
{
	quit = sig;
}

static void
emit(struct dump *d, json_object *o)
{
	if (d->json)
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	fflush(stdout);
}

static json_object *
link_json(struct dump *d, const struct ingest_link *l, uint64_t now)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "oper", json_object_new_string(
	    l->oper == TMSG_OPER_UP ? "up" : "down"));
	json_object_object_add(o, "capacity_bps",
	    json_object_new_uint64(l->capacity_bps));
	json_object_object_add(o, "capsrc", json_object_new_int(l->capsrc));
	json_object_object_add(o, "rx_bps", json_object_new_double(l->rx_bps));
	json_object_object_add(o, "tx_bps", json_object_new_double(l->tx_bps));
	json_object_object_add(o, "ewma_tx_bps",
	    json_object_new_double(l->ewma_tx_bps));
	json_object_object_add(o, "util", json_object_new_double(l->util));
	json_object_object_add(o, "backlog",
	    json_object_new_uint64(l->last.q_backlog));
	json_object_object_add(o, "qdrops",
	    json_object_new_uint64(l->last.q_drops));
	json_object_object_add(o, "overlimits",
	    json_object_new_uint64(l->last.q_overlimits));
	json_object_object_add(o, "congested",
	    json_object_new_boolean(l->congested));
	json_object_object_add(o, "stale",
	    json_object_new_boolean(ingest_is_stale(&d->in, l, now)));
	return o;
}

static void
print_sample(struct dump *d, const struct tmsg *m, uint64_t now,
    json_object *o)
{
	struct ingest_link	*l;
	json_object		*arr;
	uint16_t		 i;

	arr = json_object_new_array();
	for (i = 0; i < m->nlinks; i++) {
		if ((l = ingest_find(&d->in, m->agent, m->links[i].name)) ==
		    NULL)
			continue;
		json_object_array_add(arr, link_json(d, l, now));
		if (!d->json)
			printf("%s %s %s tx %.0f bit/s util %.3f backlog %llu "
			    "qdrops %llu%s\n", m->agent, l->name,
			    l->oper ? "up" : "down", l->tx_bps, l->util,
			    (unsigned long long)l->last.q_backlog,
			    (unsigned long long)l->last.q_drops,
			    l->congested ? " congested" : "");
	}
	json_object_object_add(o, "links", arr);
	emit(d, o);
}

static void
print_bgp(struct dump *d, const struct tmsg *m, json_object *o)
{
	const struct tmsg_bgp	*p;
	json_object		*arr = json_object_new_array(), *j;
	uint16_t		 i;

	for (i = 0; i < m->nbgp; i++) {
		p = &m->bgp[i];
		j = json_object_new_object();
		json_object_object_add(j, "peer",
		    json_object_new_string(p->peer));
		json_object_object_add(j, "state",
		    json_object_new_string(tmsg_bgp_state_str(p->state)));
		json_object_object_add(j, "remote_as",
		    json_object_new_int64(p->remote_as));
		json_object_object_add(j, "uptime_s",
		    json_object_new_int64(p->uptime_s));
		json_object_object_add(j, "pfx_rcvd",
		    json_object_new_int64(p->pfx_rcvd));
		json_object_array_add(arr, j);
		if (!d->json)
			printf("%s bgp %s AS%u %s %us pfx %u\n", m->agent,
			    p->peer, p->remote_as,
			    tmsg_bgp_state_str(p->state), p->uptime_s,
			    p->pfx_rcvd);
	}
	json_object_object_add(o, "peers", arr);
	emit(d, o);
}

static const char *
addr_str(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (family == 0)
		return "";
	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf,
	    len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static json_object *
route_json(const struct tmsg_route *r, char *text, size_t textlen)
{
	json_object	*o = json_object_new_object(), *arr, *j;
	char		 a[INET6_ADDRSTRLEN], pfx[INET6_ADDRSTRLEN + 5];
	size_t		 off;
	uint8_t		 i;

	snprintf(pfx, sizeof(pfx), "%s/%u", addr_str(r->family, r->addr, a,
	    sizeof(a)), r->len);
	json_object_object_add(o, "prefix", json_object_new_string(pfx));
	json_object_object_add(o, "mirrored", json_object_new_boolean(
	    (r->flags & TMSG_ROUTE_MIRRORED) != 0));
	off = (size_t)snprintf(text, textlen, "%s%s", pfx,
	    r->flags & TMSG_ROUTE_MIRRORED ? " (mirrored)" : "");
	arr = json_object_new_array();
	for (i = 0; i < r->nnh; i++) {
		j = json_object_new_object();
		addr_str(r->nh[i].family, r->nh[i].gw, a, sizeof(a));
		json_object_object_add(j, "gateway",
		    json_object_new_string(a));
		json_object_object_add(j, "ifindex",
		    json_object_new_int64(r->nh[i].ifindex));
		json_object_object_add(j, "weight",
		    json_object_new_int(r->nh[i].weight));
		json_object_array_add(arr, j);
		if (off < textlen)
			off += (size_t)snprintf(text + off, textlen - off,
			    " via %s if %u weight %u", a, r->nh[i].ifindex,
			    r->nh[i].weight);
	}
	json_object_object_add(o, "nexthops", arr);
	return o;
}

static void
print_routes(struct dump *d, const struct tmsg *m, json_object *o)
{
	json_object	*arr = json_object_new_array();
	char		 text[4096];
	uint16_t	 i;

	for (i = 0; i < m->nroutes; i++) {
		json_object_array_add(arr, route_json(&m->routes[i], text,
		    sizeof(text)));
		if (!d->json)
			printf("%s fib %s%s\n", m->agent, text,
			    m->routes[i].nnh == 0 ? " gone" : "");
	}
	json_object_object_add(o, "routes", arr);
	emit(d, o);
}

static void
handle(struct dump *d, const uint8_t *data, size_t len)
{
	uint64_t	 now = mono_ms(), rx_ns = real_ns(), state_ns;
	enum tmsg_err	 e;
	json_object	*o;

	e = ingest_feed(&d->in, data, len, now, d->msg);
	state_ns = real_ns();	/* in the ingest's state from here on */
	o = json_object_new_object();
	json_object_object_add(o, "recv_ns", json_object_new_uint64(rx_ns));
	json_object_object_add(o, "state_ns",
	    json_object_new_uint64(state_ns));
	if (e != TMSG_OK) {
		json_object_object_add(o, "type",
		    json_object_new_string("rejected"));
		json_object_object_add(o, "reason",
		    json_object_new_string(tmsg_err_str(e)));
		if (!d->json)
			printf("rejected: %s (%zu octets)\n", tmsg_err_str(e),
			    len);
		emit(d, o);
		return;
	}
	json_object_object_add(o, "type",
	    json_object_new_string(tmsg_type_str(d->msg->type)));
	json_object_object_add(o, "agent",
	    json_object_new_string(d->msg->agent));
	json_object_object_add(o, "seq", json_object_new_uint64(d->msg->seq));
	json_object_object_add(o, "time_ns",
	    json_object_new_uint64(d->msg->time_ns));
	if (d->msg->type == TMSG_T_LINK_EVENT) {
		json_object_object_add(o, "name",
		    json_object_new_string(d->msg->event.name));
		json_object_object_add(o, "oper", json_object_new_string(
		    d->msg->event.oper == TMSG_OPER_UP ? "up" : "down"));
		if (!d->json)
			printf("%s %s link %s\n", d->msg->agent,
			    d->msg->event.name,
			    d->msg->event.oper ? "up" : "down");
		emit(d, o);
	} else if (d->msg->type == TMSG_T_LINK_SAMPLE)
		print_sample(d, d->msg, now, o);
	else if (d->msg->type == TMSG_T_BGP_STATE)
		print_bgp(d, d->msg, o);
	else if (d->msg->type == TMSG_T_FIB_ROUTES)
		print_routes(d, d->msg, o);
	else
		emit(d, o);
}

static void
print_counters(struct dump *d)
{
	json_object	*o = json_object_new_object();
	uint64_t	 missing = 0, restarts = 0;
	size_t		 i;
	int		 e;

	for (i = 0; i < d->in.rx.nagents; i++) {
		missing += d->in.rx.agents[i].missing;
		restarts += d->in.rx.agents[i].restarts;
	}
	json_object_object_add(o, "type", json_object_new_string("counters"));
	json_object_object_add(o, "missing", json_object_new_uint64(missing));
	json_object_object_add(o, "restarts",
	    json_object_new_uint64(restarts));
	json_object_object_add(o, "accepted",
	    json_object_new_uint64(d->in.rx.accepted));
	json_object_object_add(o, "bgp_states",
	    json_object_new_uint64(d->in.bgp_states));
	json_object_object_add(o, "fib_routes",
	    json_object_new_uint64(d->in.fib_routes));
	for (e = 1; e < TMSG_E_MAX; e++) {
		json_object_object_add(o, tmsg_err_str(e),
		    json_object_new_uint64(d->in.rx.errors[e]));
		if (!d->json)
			printf("%s: %llu\n", tmsg_err_str(e),
			    (unsigned long long)d->in.rx.errors[e]);
	}
	if (!d->json)
		printf("accepted: %llu\nmissing: %llu\nrestarts: %llu\n",
		    (unsigned long long)d->in.rx.accepted,
		    (unsigned long long)missing,
		    (unsigned long long)restarts);
	emit(d, o);
}

static int
loop(struct dump *d, void *sub, long seconds)
{
	zmq_pollitem_t	 item = { .socket = sub, .events = ZMQ_POLLIN };
	zmq_msg_t	 msg;
	uint64_t	 end = seconds > 0 ? mono_ms() + seconds * 1000 : 0;

	while (!quit && (end == 0 || mono_ms() < end)) {
		if (zmq_poll(&item, 1, 100) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!(item.revents & ZMQ_POLLIN))
			continue;
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, sub, ZMQ_DONTWAIT) >= 0)
			handle(d, zmq_msg_data(&msg), zmq_msg_size(&msg));
		zmq_msg_close(&msg);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "subscribe", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "time", required_argument, NULL, 't' },
		{ "stale", required_argument, NULL, 'S' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*subs[DUMP_MAX_SUBS], *keyfile = NULL;
	struct ingest_conf	 ic;
	struct tmsg_key		 key;
	struct dump		 d = { 0 };
	struct sigaction	 sa = { .sa_handler = on_signal };
	void			*ctx, *sub;
	int64_t			 maxsize = 4 * TMSG_MAX_SIZE;
	long			 seconds = 0;
	int			 nsubs = 0, ch, i, rc = 0;

	ingest_conf_default(&ic);
	while ((ch = getopt_long(argc, argv, "jht:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (nsubs < DUMP_MAX_SUBS)
				subs[nsubs++] = optarg;
			break;
		case 'k': keyfile = optarg; break;
		case 't': seconds = strtol(optarg, NULL, 10); break;
		case 'S': ic.stale_ms = strtoull(optarg, NULL, 10); break;
		case 'a': ic.alpha = strtod(optarg, NULL); break;
		case 'j': d.json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc || nsubs == 0 || keyfile == NULL) {
		usage(stderr);
		return 1;
	}
	log_init(LOG_TO_STDERR, LOG_DAEMON);
	if (tmsg_key_load(&key, keyfile) == -1)
		fatal("key %s", keyfile);
	if (ingest_init(&d.in, &ic, &key) == -1)
		fatalx("bad --alpha or --stale");
	if ((d.msg = calloc(1, sizeof(*d.msg))) == NULL)
		fatal("calloc");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((ctx = zmq_ctx_new()) == NULL ||
	    (sub = zmq_socket(ctx, ZMQ_SUB)) == NULL)
		fatalx("zmq: %s", zmq_strerror(errno));
	/* Past this ZeroMQ drops the peer; below it ingest counts oversize. */
	zmq_setsockopt(sub, ZMQ_MAXMSGSIZE, &maxsize, sizeof(maxsize));
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	for (i = 0; i < nsubs; i++)
		if (zmq_connect(sub, subs[i]) == -1)
			fatalx("zmq_connect %s: %s", subs[i],
			    zmq_strerror(errno));
	if (loop(&d, sub, seconds) == -1)
		rc = 1;
	print_counters(&d);
	i = 0;
	zmq_setsockopt(sub, ZMQ_LINGER, &i, sizeof(i));
	zmq_close(sub);
	zmq_ctx_term(ctx);
	ingest_free(&d.in);
	free(d.msg);
	return rc;
}
