/*
 * fabricctl's commands that talk to a running fabricd: show, drain,
 * undrain, reload.  One JSON request over ZeroMQ REQ to fabricd's control
 * socket (fd_control.c), one JSON reply, printed as JSON (-j) or as text
 * through a small table of renderers, one per kind of answer.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <zmq.h>

#include "fabricctl.h"

#define CTL_DEFAULT	"ipc:///run/fabricd/control"
#define CTL_TIMEOUT_MS	5000
#define CTL_REPLY_MAX	(64 * 1024 * 1024)

struct ctl_opts {
	const char	*endpoint;
	int		 json;
};

static const char *
jstr(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v))
		return "-";
	return json_object_get_string(v);
}

static double
jnum(json_object *o, const char *k)
{
	json_object	*v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v)
	    : 0;
}

/* ---- renderers ------------------------------------------------------ */

static void
print_status(json_object *r)
{
	json_object_object_foreach(r, k, v)
		printf("%-24s %s\n", k, json_object_get_string(v));
}

static void
print_weight_rows(json_object *blocks)
{
	json_object	*b, *paths, *p, *pr;
	size_t		 i, j;

	printf("%-12s %-12s %-18s %-10s %-16s %8s %5s  %s\n", "SWITCH",
	    "DESTINATION", "LINK", "NEIGHBOR", "NEXTHOP", "SHARE", "FRR",
	    "PROBE");
	for (i = 0; i < json_object_array_length(blocks); i++) {
		b = json_object_array_get_idx(blocks, i);
		paths = json_object_object_get(b, "paths");
		for (j = 0; j < json_object_array_length(paths); j++) {
			p = json_object_array_get_idx(paths, j);
			printf("%-12s %-12s %-18s %-10s %-16s %7.1f%% %5.0f  ",
			    jstr(b, "switch"), jstr(b, "destination"),
			    jstr(p, "link"), jstr(p, "neighbor"),
			    jstr(p, "nexthop"), 100 * jnum(p, "share"),
			    jnum(p, "frr_weight"));
			if ((pr = json_object_object_get(p, "probe")) != NULL)
				printf("%s%s%s rtt %.0f/%.0f us lost %.0f/%.0f "
				    "corrupt %.0f\n", jstr(pr, "state"),
				    strcmp(jstr(pr, "fabricd"), "in") != 0 ?
				    "," : "", strcmp(jstr(pr, "fabricd"), "in") ?
				    jstr(pr, "fabricd") : "",
				    jnum(pr, "rtt_median_us"),
				    jnum(pr, "rtt_p99_us"), jnum(pr, "lost"),
				    jnum(pr, "sent"),
				    jnum(pr, "integrity_failures"));
			else
				printf("-\n");
		}
		if (json_object_array_length(paths) == 0)
			printf("%-12s %-12s (withdrawn: FRR's own routes)\n",
			    jstr(b, "switch"), jstr(b, "destination"));
	}
}

static void
print_weights(json_object *r)
{
	print_weight_rows(r);
}

static void
print_paths(json_object *r)
{
	printf("prefix %s behind %s\n", jstr(r, "prefix"), jstr(r, "leaf"));
	print_weight_rows(json_object_object_get(r, "switches"));
}

static void
print_links(json_object *r)
{
	json_object	*l;
	size_t		 i;

	printf("%-18s %-8s %-8s %10s %10s %7s %7s %9s %s\n", "LINK", "STATE",
	    "ADMIN", "NOMINAL", "USABLE", "UTIL_UP", "UTIL_DN", "DROPS/S",
	    "TELEMETRY");
	for (i = 0; i < json_object_array_length(r); i++) {
		l = json_object_array_get_idx(r, i);
		printf("%-18s %-8s %-8s %9.3gG %9.3gG %6.1f%% %6.1f%% %9.1f "
		    "%s/%s\n", jstr(l, "name"), jstr(l, "state"),
		    jstr(l, "admin"), jnum(l, "capacity_bps") / 1e9,
		    jnum(l, "usable_bps") / 1e9, 100 * jnum(l, "util_up"),
		    100 * jnum(l, "util_down"), jnum(l, "drops_up_ps") +
		    jnum(l, "drops_down_ps"), jstr(l, "telemetry_a"),
		    jstr(l, "telemetry_b"));
	}
}

static void
print_peers(json_object *r)
{
	json_object	*p;
	size_t		 i;

	printf("%-12s %-16s %8s %-12s %9s %9s %8s\n", "SWITCH", "ADDRESS",
	    "AS", "STATE", "SINCE_S", "PREFIXES", "UPDATES");
	for (i = 0; i < json_object_array_length(r); i++) {
		p = json_object_array_get_idx(r, i);
		printf("%-12s %-16s %8.0f %-12s %9.1f %9.0f %8.0f\n",
		    jstr(p, "name"), jstr(p, "address"), jnum(p, "asn"),
		    jstr(p, "state"), jnum(p, "since_s"),
		    jnum(p, "prefixes_out"), jnum(p, "updates_out"));
	}
}

static void
print_telemetry(json_object *r)
{
	json_object	*a, *l;
	size_t		 i;

	printf("accepted %s, frozen %s, rejected %s\n", jstr(r, "accepted"),
	    jstr(r, "frozen"), jstr(r, "rejected"));
	a = json_object_object_get(r, "sources");
	for (i = 0; i < json_object_array_length(a); i++) {
		l = json_object_array_get_idx(a, i);
		printf("source %-12s %-28s %s\n", jstr(l, "name"),
		    jstr(l, "address"), jstr(l, "state"));
	}
	a = json_object_object_get(r, "links");
	printf("%-12s %-10s %-5s %10s %10s %7s %8s %8s\n", "AGENT", "IFACE",
	    "OPER", "CAPACITY", "TX_BPS", "UTIL", "BACKLOG", "AGE_MS");
	for (i = 0; i < json_object_array_length(a); i++) {
		l = json_object_array_get_idx(a, i);
		printf("%-12s %-10s %-5s %10.3g %10.3g %6.1f%% %8.0f %8.0f%s\n",
		    jstr(l, "agent"), jstr(l, "interface"), jstr(l, "oper"),
		    jnum(l, "capacity_bps"), jnum(l, "tx_bps"),
		    100 * jnum(l, "util"), jnum(l, "backlog_bytes"),
		    jnum(l, "age_ms"), json_object_get_boolean(
		    json_object_object_get(l, "stale")) ? " stale" : "");
	}
}

static void
print_topology(json_object *r)
{
	json_object	*a = json_object_object_get(r, "nodes"), *n;
	size_t		 i;

	printf("%-12s %-12s %4s %8s %-8s %5s\n", "NODE", "ROLE", "POD", "AS",
	    "STATE", "LINKS");
	for (i = 0; i < json_object_array_length(a); i++) {
		n = json_object_array_get_idx(a, i);
		printf("%-12s %-12s %4.0f %8s %-8s %5.0f\n", jstr(n, "name"),
		    jstr(n, "role"), jnum(n, "pod"), jstr(n, "asn"),
		    jstr(n, "state"), jnum(n, "links"));
	}
	print_links(json_object_object_get(r, "links"));
}

static void
print_jobs(json_object *r)
{
	json_object	*j, *fls, *f;
	size_t		 i, k;

	if (json_object_array_length(r) == 0)
		printf("no jobs declared\n");
	for (i = 0; i < json_object_array_length(r); i++) {
		j = json_object_array_get_idx(r, i);
		printf("job %s%s\n", jstr(j, "name"), json_object_get_boolean(
		    json_object_object_get(j, "placed")) ? "" :
		    " (not placed: mode is not pinned)");
		printf("  %-10s %-10s %-20s %10s  %s\n", "SRC", "DST", "ADDRESS",
		    "RATE", "UPLINK");
		fls = json_object_object_get(j, "flows");
		for (k = 0; k < json_object_array_length(fls); k++) {
			f = json_object_array_get_idx(fls, k);
			printf("  %-10s %-10s %-20s %9.3gG  %s\n", jstr(f, "src"),
			    jstr(f, "dst"), jstr(f, "address"),
			    jnum(f, "rate_bps") / 1e9, jstr(f, "uplink"));
		}
	}
}

/* ---- the exchange --------------------------------------------------- */

static json_object *
request(const struct ctl_opts *o, json_object *req)
{
	void		*ctx = zmq_ctx_new(), *s;
	const char	*q = json_object_to_json_string(req);
	int		 t = CTL_TIMEOUT_MS, linger = 0;
	json_object	*rep = NULL;
	char		*txt = NULL;
	zmq_msg_t	 m;

	if (ctx == NULL || (s = zmq_socket(ctx, ZMQ_REQ)) == NULL)
		return NULL;
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &t, sizeof(t));
	zmq_setsockopt(s, ZMQ_SNDTIMEO, &t, sizeof(t));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_msg_init(&m);
	if (zmq_connect(s, o->endpoint) == -1)
		fprintf(stderr, "fabricctl: %s: %s\n", o->endpoint,
		    zmq_strerror(errno));
	else if (zmq_send(s, q, strlen(q), 0) == -1 ||
	    zmq_msg_recv(&m, s, 0) == -1)
		fprintf(stderr, "fabricctl: fabricd does not answer on %s "
		    "(is it running? see -s and FABRICD_CONTROL)\n",
		    o->endpoint);
	else if (zmq_msg_size(&m) > CTL_REPLY_MAX ||
	    (txt = strndup(zmq_msg_data(&m), zmq_msg_size(&m))) == NULL ||
	    (rep = json_tokener_parse(txt)) == NULL)
		fprintf(stderr, "fabricctl: fabricd's reply is not JSON\n");
	free(txt);
	zmq_msg_close(&m);
	zmq_close(s);
	zmq_ctx_term(ctx);
	return rep;
}

/* Sends, prints; 0, 1 when fabricd says no, 2 when it did not answer. */
static int
exchange(const struct ctl_opts *o, json_object *req,
    void (*render)(json_object *))
{
	json_object	*rep = request(o, req), *ok, *res;
	int		 rc;

	json_object_put(req);
	if (rep == NULL)
		return 2;
	json_object_object_get_ex(rep, "ok", &ok);
	if (!json_object_get_boolean(ok)) {
		fprintf(stderr, "fabricctl: %s\n", jstr(rep, "error"));
		rc = 1;
	} else {
		res = json_object_object_get(rep, "result");
		if (o->json || render == NULL)
			printf("%s\n", json_object_to_json_string_ext(res,
			    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
		else
			render(res);
		rc = 0;
	}
	json_object_put(rep);
	return rc;
}

/* -j and -s ENDPOINT; leaves the operands in argv[optind..]. */
static int
ctl_opts(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	o->endpoint = getenv("FABRICD_CONTROL");
	if (o->endpoint == NULL || *o->endpoint == '\0')
		o->endpoint = CTL_DEFAULT;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "js:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': o->json = 1; break;
		case 's': o->endpoint = optarg; break;
		default: return -1;
		}
	}
	return 0;
}

static const struct {
	const char	*what;
	void		(*render)(json_object *);
	const char	*operand;	/* NULL: none; else its key */
} shows[] = {
	{ "status", print_status, NULL },
	{ "topology", print_topology, NULL },
	{ "links", print_links, NULL },
	{ "weights", print_weights, "node" },
	{ "paths", print_paths, "prefix" },
	{ "peers", print_peers, NULL },
	{ "telemetry", print_telemetry, NULL },
	{ "jobs", print_jobs, NULL },
};

int
ctl_show(const char *what, int argc, char **argv)
{
	struct ctl_opts	 o = {};
	json_object	*req;
	size_t		 i;

	for (i = 0; i < sizeof(shows) / sizeof(shows[0]); i++)
		if (strcmp(shows[i].what, what) == 0)
			break;
	if (i == sizeof(shows) / sizeof(shows[0]) ||
	    ctl_opts(argc, argv, &o) == -1)
		return 2;
	if (argc - optind > (shows[i].operand != NULL) ||
	    (strcmp(what, "paths") == 0 && argc - optind != 1)) {
		fprintf(stderr, "fabricctl: show %s: %s\n", what,
		    shows[i].operand == NULL ? "takes no operand" :
		    strcmp(what, "paths") == 0 ? "one PREFIX is needed" :
		    "at most one NODE");
		return 2;
	}
	req = json_object_new_object();
	json_object_object_add(req, "command", json_object_new_string("show"));
	json_object_object_add(req, "what", json_object_new_string(what));
	if (optind < argc)
		json_object_object_add(req, shows[i].operand,
		    json_object_new_string(argv[optind]));
	return exchange(&o, req, shows[i].render);
}

/* drain|undrain link NAME | node NAME */
int
ctl_drain(int drain, int argc, char **argv)
{
	struct ctl_opts	 o = {};
	json_object	*req;

	if (ctl_opts(argc, argv, &o) == -1)
		return 2;
	if (argc - optind != 2 || (strcmp(argv[optind], "link") != 0 &&
	    strcmp(argv[optind], "node") != 0)) {
		fprintf(stderr, "fabricctl: %s: want 'link NAME' or 'node "
		    "NAME'\n", drain ? "drain" : "undrain");
		return 2;
	}
	req = json_object_new_object();
	json_object_object_add(req, "command",
	    json_object_new_string(drain ? "drain" : "undrain"));
	json_object_object_add(req, argv[optind],
	    json_object_new_string(argv[optind + 1]));
	return exchange(&o, req, print_status);
}

int
ctl_reload(int argc, char **argv)
{
	struct ctl_opts	 o = {};
	json_object	*req;

	if (ctl_opts(argc, argv, &o) == -1)
		return 2;
	if (argc != optind) {
		fprintf(stderr, "fabricctl: reload takes no operand\n");
		return 2;
	}
	req = json_object_new_object();
	json_object_object_add(req, "command", json_object_new_string(
	    "reload"));
	return exchange(&o, req, print_status);
}
