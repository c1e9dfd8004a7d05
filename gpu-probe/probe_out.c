/*
 * fabric-probe's output: JSON lines (-j) or short text lines on stdout
 * or --output FILE, and signed TMSG_T_PATH reports on a ZeroMQ PUB
 * socket (--publish, --key), one per path per report and one at every
 * state change.  docs/PROBE.md lists the objects and fields.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zmq.h>

#include "fabric_probe.h"
#include "log.h"
#include "probe_net.h"
#include "probe_verbs.h"
#include "util.h"

#define OUT_SNDHWM	256

static int
pub_open(struct fp *fp)
{
	const struct fp_conf	*c = &fp->conf;
	char			 host[HOST_NAME_MAX + 1];
	int			 hwm = OUT_SNDHWM, linger = 0;
	const char		*id = c->id;

	if (tmsg_key_load(&fp->key, c->keyfile) == -1) {
		log_warn("--key %s", c->keyfile);
		return -1;
	}
	if (id == NULL && gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		id = host;
	}
	if (id == NULL || *id == '\0' || strlen(id) > TMSG_AGENT_MAX) {
		log_warnx("--id: 1 to %d characters", TMSG_AGENT_MAX);
		return -1;
	}
	snprintf(fp->id, sizeof(fp->id), "%s", id);
	if ((fp->msg = calloc(1, sizeof(*fp->msg))) == NULL ||
	    (fp->tbuf = ibuf_dynamic(512, TMSG_MAX_SIZE)) == NULL ||
	    (fp->zctx = zmq_ctx_new()) == NULL ||
	    (fp->pub = zmq_socket(fp->zctx, ZMQ_PUB)) == NULL) {
		log_warnx("telemetry setup: %s", strerror(errno));
		return -1;
	}
	zmq_setsockopt(fp->pub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(fp->pub, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(fp->pub, c->publish) == -1) {
		log_warnx("--publish %s: %s", c->publish, zmq_strerror(errno));
		return -1;
	}
	/* as fabric-agent: above what a predecessor's window has seen */
	fp->tseq = real_ns();
	return 0;
}

int
out_open(struct fp *fp)
{
	fp->out = stdout;
	if (fp->conf.outfile != NULL &&
	    (fp->out = fopen(fp->conf.outfile, "w")) == NULL) {
		log_warn("--output %s", fp->conf.outfile);
		return -1;
	}
	setvbuf(fp->out, NULL, _IOLBF, 0);
	if (fp->conf.publish != NULL && pub_open(fp) == -1)
		return -1;
	return 0;
}

void
out_close(struct fp *fp)
{
	if (fp->out != NULL && fp->out != stdout)
		fclose(fp->out);
	if (fp->pub != NULL)
		zmq_close(fp->pub);
	if (fp->zctx != NULL)
		zmq_ctx_term(fp->zctx);
	ibuf_free(fp->tbuf);
	free(fp->msg);
	explicit_bzero(&fp->key, sizeof(fp->key));
}

static json_object *
addr_json(uint32_t a)
{
	char	 buf[INET_ADDRSTRLEN];

	return json_object_new_string(net_ntoa(a, buf, sizeof(buf)));
}

static json_object *
hops_json(const uint32_t *h, size_t n)
{
	json_object	*arr = json_object_new_array();
	size_t		 i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, addr_json(h[i]));
	return arr;
}

static void
add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* What we said of p (rt_gate), as JSON does or for people. */
static const char *
state_str(const struct fp_path *p, int text)
{
	switch (p->state) {
	case TMSG_PATH_OK:
		return "ok";
	case TMSG_PATH_FAILED:
		return text ? "FAILED" : "failed";
	default:
		return text ? "FAILED (unseen: no port reaches it)" : "unseen";
	}
}

static json_object *
path_json(const struct fp_path *p)
{
	json_object		*o = json_object_new_object();
	const struct path_counters *c = &p->st.c;
	const uint32_t		*via;
	size_t			 nvia = disc_via(&p->dp, &via);
	uint32_t		 mn, md, p99;

	add_str(o, "target", p->t->name);
	add_u64(o, "path_id", p->id);
	add_u64(o, "sport", p->dp.sport);
	json_object_object_add(o, "hops", hops_json(p->dp.hops,
	    p->dp.nhops));
	json_object_object_add(o, "via", hops_json(via, nvia));
	add_str(o, "state", state_str(p, 0));
	if (p->state == TMSG_PATH_FAILED && p->st.reason != NULL)
		add_str(o, "reason", p->st.reason);
	add_u64(o, "moves", p->moves);
	path_rtt_summary(&p->st, &mn, &md, &p99);
	add_u64(o, "rtt_min_us", mn);
	add_u64(o, "rtt_median_us", md);
	add_u64(o, "rtt_p99_us", p99);
	add_u64(o, "sent", c->sent);
	add_u64(o, "received", c->received);
	add_u64(o, "lost", c->lost);
	add_u64(o, "integrity", c->integrity);
	add_u64(o, "late", c->late);
	add_u64(o, "duplicate", c->dup);
	add_u64(o, "spoofed", c->spoofed);
	add_u64(o, "throughput_bps", p->tput_bps);
	add_u64(o, "state_changes", c->state_changes);
	if (p->v.ctx.kind == FP_VCTX_PATH) {	/* --backend verbs */
		add_u64(o, "flow_label", ctl_sport_to_fl(p->dp.sport));
		add_str(o, "qp", p->v.state == FP_V_UP ? "up" : "down");
		add_u64(o, "qp_connects", p->v.connects);
		add_u64(o, "qp_errors", p->v.qp_errors);
	}
	return o;
}

/* --backend verbs: the transport's and the control protocol's counters. */
static json_object *
verbs_json(const struct fp *fp)
{
	const struct verbs_rc_stats	*st = verbs_rc_stats(fp->rc);
	const struct fp_vstats		*v = &fp->vst;
	json_object			*o = json_object_new_object(), *m;
	uint64_t			 malformed = 0;
	int				 e;

	add_str(o, "device", verbs_rc_device(fp->rc));
	add_u64(o, "gid_index", (uint64_t)verbs_rc_gid_index(fp->rc));
	add_u64(o, "qps", verbs_rc_nqps(fp->rc));
	add_u64(o, "sent", st->sent);
	add_u64(o, "received", st->received);
	add_u64(o, "send_full", st->send_full);
	add_u64(o, "qp_errors", st->qp_errors);
	add_u64(o, "unknown_qp", st->unknown_qp);
	add_u64(o, "unsent", v->unsent);
	add_u64(o, "connects", v->connects);
	add_u64(o, "connect_failures", v->connect_failures);
	add_u64(o, "refused", v->refused);
	add_u64(o, "ctl_accepted", v->ctl_accepted);
	add_u64(o, "ctl_ok", v->ctl_ok);
	add_u64(o, "ctl_busy", v->ctl_busy);
	add_u64(o, "ctl_timeouts", v->ctl_timeouts);
	add_u64(o, "ctl_not_allowed", v->ctl_not_allowed);
	add_u64(o, "ctl_errors", v->ctl_errors);
	m = json_object_new_object();
	for (e = CTL_OK + 1; e < CTL_E_MAX; e++) {
		add_u64(m, ctl_strerror(e), v->ctl_malformed[e]);
		malformed += v->ctl_malformed[e];
	}
	add_u64(o, "ctl_malformed", malformed);
	json_object_object_add(o, "ctl_malformed_by_reason", m);
	add_u64(o, "peers_replaced", v->peers_replaced);
	add_u64(o, "peers_reaped", v->peers_reaped);
	return o;
}

static json_object *
event(const char *name)
{
	json_object	*o = json_object_new_object();

	add_str(o, "event", name);
	add_u64(o, "time_ns", real_ns());
	return o;
}

static void
emit(struct fp *fp, json_object *o, const char *text)
{
	if (fp->conf.json)
		fprintf(fp->out, "%s\n",
		    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	else if (text != NULL)
		fprintf(fp->out, "%s\n", text);
	json_object_put(o);
}

static const char *
path_text(const struct fp_path *p, char *buf, size_t len)
{
	char		 via[INET_ADDRSTRLEN];
	const uint32_t	*v;

	if (disc_via(&p->dp, &v) > 0)
		net_ntoa(v[0], via, sizeof(via));
	else
		snprintf(via, sizeof(via), "direct");
	snprintf(buf, len, "%s path %u (sport %u via %s)", p->t->name, p->id,
	    p->dp.sport, via);
	return buf;
}

void
out_discovered(struct fp *fp, const struct fp_target *t, size_t complete,
    size_t added)
{
	json_object	*o = event("discovered"), *arr;
	char		 text[128];
	size_t		 i;

	add_str(o, "target", t->name);
	add_u64(o, "generation", t->generation);
	add_u64(o, "candidates", fp->conf.candidates);
	add_u64(o, "complete", complete);
	add_u64(o, "added", added);
	arr = json_object_new_array();
	for (i = 0; i < t->npaths; i++)
		json_object_array_add(arr, path_json(t->paths[i]));
	json_object_object_add(o, "paths", arr);
	snprintf(text, sizeof(text), "%s: %zu path(s) from %zu of %u "
	    "candidates, %zu new", t->name, t->npaths, complete,
	    fp->conf.candidates, added);
	emit(fp, o, text);
}

void
out_path_gone(struct fp *fp, const struct fp_path *p)
{
	json_object	*o = event("path-gone");
	char		 text[128], buf[96];

	json_object_object_add(o, "path", path_json(p));
	snprintf(text, sizeof(text), "%s: gone", path_text(p, buf,
	    sizeof(buf)));
	emit(fp, o, text);
}

void
out_state(struct fp *fp, struct fp_path *p)
{
	json_object	*o = event("path-state");
	char		 text[160], buf[96];

	json_object_object_add(o, "path", path_json(p));
	snprintf(text, sizeof(text), "%s: %s%s%s", path_text(p, buf,
	    sizeof(buf)), state_str(p, 1), p->state == TMSG_PATH_FAILED &&
	    p->st.reason != NULL ? ", " : "", p->state == TMSG_PATH_FAILED &&
	    p->st.reason != NULL ? p->st.reason : "");
	emit(fp, o, text);
}

static json_object *
rx_json(const struct fp_rx_counters *c, int responder)
{
	json_object	*o = json_object_new_object(), *m;
	uint64_t	 malformed = 0;
	int		 e;

	m = json_object_new_object();
	for (e = PROBE_OK + 1; e < PROBE_E_MAX; e++) {
		if (!probe_err_malformed(e))
			continue;
		add_u64(m, probe_err_key(e), c->parse.count[e]);
		malformed += c->parse.count[e];
	}
	add_u64(o, "accepted", c->parse.count[PROBE_OK]);
	add_u64(o, "integrity", c->parse.count[PROBE_E_INTEGRITY]);
	add_u64(o, "malformed", malformed);
	json_object_object_add(o, "malformed_by_reason", m);
	add_u64(o, "spoofed", c->spoofed);
	add_u64(o, responder ? "not_a_probe" : "not_a_reply", c->not_reply);
	if (responder)
		add_u64(o, "replies", c->replies);
	else
		add_u64(o, "icmp_errors", c->icmp);
	add_u64(o, "send_errors", c->send_errors);
	return o;
}

static void
report_text(struct fp *fp, int final)
{
	const struct fp_path	*p;
	char			 buf[96];
	uint32_t		 mn, md, p99;
	size_t			 i, j;

	fprintf(fp->out, "%s\n", final ? "final:" : "report:");
	for (i = 0; i < fp->ntargets; i++)
		for (j = 0; j < fp->targets[i].npaths; j++) {
			p = fp->targets[i].paths[j];
			path_rtt_summary(&p->st, &mn, &md, &p99);
			fprintf(fp->out, "  %s: %s rtt %u/%u/%u us sent %llu "
			    "lost %llu integrity %llu\n",
			    path_text(p, buf, sizeof(buf)),
			    state_str(p, 1), mn, md, p99,
			    (unsigned long long)p->st.c.sent,
			    (unsigned long long)p->st.c.lost,
			    (unsigned long long)p->st.c.integrity);
		}
	if (fp->conf.respond)
		fprintf(fp->out, "  responder: %llu replies, %llu integrity, "
		    "%llu spoofed\n", (unsigned long long)fp->resp.replies,
		    (unsigned long long)fp->resp.parse.count[PROBE_E_INTEGRITY],
		    (unsigned long long)fp->resp.spoofed);
	if (fp->rc != NULL)
		fprintf(fp->out, "  verbs: %s, %zu QPs, %llu QP errors, %llu "
		    "connects (%llu failed, %llu refused), %llu probes unsent\n",
		    verbs_rc_device(fp->rc), verbs_rc_nqps(fp->rc),
		    (unsigned long long)verbs_rc_stats(fp->rc)->qp_errors,
		    (unsigned long long)fp->vst.connects,
		    (unsigned long long)fp->vst.connect_failures,
		    (unsigned long long)fp->vst.refused,
		    (unsigned long long)fp->vst.unsent);
}

static void
report_json(struct fp *fp, int final)
{
	json_object	*o = event(final ? "final" : "report"), *arr, *tel;
	size_t		 i, j;

	arr = json_object_new_array();
	for (i = 0; i < fp->ntargets; i++)
		for (j = 0; j < fp->targets[i].npaths; j++)
			json_object_array_add(arr,
			    path_json(fp->targets[i].paths[j]));
	json_object_object_add(o, "paths", arr);
	if (fp->conf.respond)
		json_object_object_add(o, "responder", rx_json(&fp->resp, 1));
	if (fp->ntargets > 0)
		json_object_object_add(o, "sender", rx_json(&fp->send, 0));
	if (fp->rc != NULL)
		json_object_object_add(o, "verbs", verbs_json(fp));
	if (fp->pub != NULL) {
		tel = json_object_new_object();
		add_u64(tel, "published", fp->published);
		add_u64(tel, "errors", fp->publish_errors);
		json_object_object_add(o, "telemetry", tel);
	}
	emit(fp, o, NULL);
}

/* Throughput over the report interval, then a fresh RTT window. */
static void
roll(struct fp_path *p, uint64_t now)
{
	uint64_t	 dt = now - p->last_us;

	if (dt > 0)
		p->tput_bps = (p->st.c.bytes_acked - p->last_bytes) * 8 *
		    1000000 / dt;
	p->last_bytes = p->st.c.bytes_acked;
	p->last_us = now;
}

void
out_report(struct fp *fp, uint64_t now, int final)
{
	struct fp_path	*p;
	size_t		 i, j;

	for (i = 0; i < fp->ntargets; i++)
		for (j = 0; j < fp->targets[i].npaths; j++)
			roll(fp->targets[i].paths[j], now);
	if (fp->conf.json)
		report_json(fp, final);
	else
		report_text(fp, final);
	for (i = 0; i < fp->ntargets; i++)
		for (j = 0; j < fp->targets[i].npaths; j++) {
			p = fp->targets[i].paths[j];
			out_publish_path(fp, p);
			path_rtt_reset(&p->st);
		}
}

static void
fill_path(struct fp *fp, const struct fp_path *p, struct tmsg_path *tp)
{
	const struct path_counters *c = &p->st.c;
	uint8_t			 i;

	*tp = (struct tmsg_path){ .src.af = TMSG_AF_INET,
	    .dst.af = TMSG_AF_INET, .src_port = p->dp.sport,
	    .dst_port = fp->conf.port, .path_id = p->id,
	    .state = p->state,
	    .nhops = p->dp.nhops, .window_ms = (uint32_t)(fp->conf.report_us /
	    1000), .sent = c->sent, .received = c->received, .lost = c->lost,
	    .integrity = c->integrity, .throughput_bps = p->tput_bps,
	    .state_changes = c->state_changes };
	memcpy(tp->src.addr, &p->t->src_addr, 4);
	memcpy(tp->dst.addr, &p->t->addr.sin_addr.s_addr, 4);
	for (i = 0; i < p->dp.nhops && i < TMSG_PATH_MAX_HOPS; i++) {
		tp->hops[i].af = TMSG_AF_INET;
		memcpy(tp->hops[i].addr, &p->dp.hops[i], 4);
	}
	path_rtt_summary(&p->st, &tp->rtt_min_us, &tp->rtt_median_us,
	    &tp->rtt_p99_us);
}

/* Signs and sends p's report; a failed send is counted, never fatal. */
void
out_publish_path(struct fp *fp, struct fp_path *p)
{
	if (fp->pub == NULL)
		return;
	fp->msg->type = TMSG_T_PATH;
	fp->msg->seq = ++fp->tseq;
	fp->msg->time_ns = real_ns();
	snprintf(fp->msg->agent, sizeof(fp->msg->agent), "%s", fp->id);
	fill_path(fp, p, &fp->msg->path);
	ibuf_truncate(fp->tbuf, 0);
	if (tmsg_write(fp->tbuf, fp->msg, &fp->key) == -1 ||
	    zmq_send(fp->pub, ibuf_data(fp->tbuf), ibuf_size(fp->tbuf),
	    ZMQ_DONTWAIT) == -1) {
		fp->publish_errors++;
		return;
	}
	fp->published++;
}
