/*
 * Path health from fabric-probe: signed TMSG_T_PATH reports (docs/PROBE.md)
 * name a source and destination host and the spine a path crosses (the
 * address its ICMP time-exceeded came from).  fabricd maps them onto the
 * fabric: the source host's leaf, the destination's leaf, and the leaf's
 * link whose next-hop is that spine address.  A path the probe declares
 * failed gets weight 0 towards that destination (the probe's own fail-
 * after / recover-after is the hysteresis); it comes back when a report
 * says ok, or when no report has refreshed the failure for a while (a
 * probe that died must not pin a path down forever).  If the probe says
 * every path of a switch towards a destination failed, fabricd keeps them
 * all (FD-LASTPATH): something else is wrong, and no routes is worse.
 *
 * Trials.  Once out of the FIB, a path carries nothing: no source port
 * reaches it, and the probe reports it UNSEEN (it cannot see it heal, and
 * must not take the answers its port now gets over another spine for the
 * path's).  So fabricd puts it back on trial policy/probe-retest-ms after
 * taking it out; the probe finds it again and either finds it healthy (ok:
 * it stays) or fails it again within its bound (out again, the next trial
 * twice as late, at most probe-retest-max-ms).  A trial the probe never
 * reports on within FD_TRIAL_MS counts as failed.  A path that has stayed
 * ok for probe-retest-max-ms starts again from probe-retest-ms.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <zmq.h>

#include "fabricd.h"
#include "log.h"
#include "util.h"

/* The leaf whose configured prefix holds address a (af AF_INET/6). */
static uint32_t
leaf_of(const struct fab_config *cfg, int af, const uint8_t *a)
{
	const struct fab_prefix	*p;
	size_t			 i;
	unsigned		 bits, k;

	for (i = 0; i < cfg->ndests; i++) {
		p = &cfg->dests[i].pfx;
		if (p->af != af)
			continue;
		for (k = 0, bits = p->len; bits >= 8; k++, bits -= 8)
			if (p->addr[k] != a[k])
				break;
		if (bits >= 8)
			continue;
		if (bits == 0 || ((p->addr[k] ^ a[k]) &
		    (uint8_t)(0xff00 >> bits)) == 0)
			return cfg->dests[i].node;
	}
	return FAB_NONE;
}

static int
addr_af(const struct tmsg_addr *a)
{
	return a->af == TMSG_AF_INET ? AF_INET : AF_INET6;
}

/* The link of `leaf' whose next-hop is one of the path's hops. */
static uint32_t
link_of(const struct fab_config *cfg, uint32_t leaf, const struct tmsg_path *p)
{
	const struct fab_node	*n = &cfg->fabric->nodes[leaf];
	char			 hop[INET6_ADDRSTRLEN];
	uint32_t		 i, h;

	for (h = 0; h < p->nhops; h++) {
		if (inet_ntop(addr_af(&p->hops[h]), p->hops[h].addr, hop,
		    sizeof(hop)) == NULL)
			continue;
		for (i = 0; i < n->nadj; i++)
			if (strcmp(fab_config_nexthop(cfg, n->adj[i], leaf),
			    hop) == 0)
				return n->adj[i];
	}
	return FAB_NONE;
}

static struct fd_pathstate *
state_find(struct fabricd *d, uint32_t node, uint32_t dst, uint32_t link,
    int add)
{
	struct fd_pathstate	*s;
	size_t			 i;

	for (i = 0; i < d->npaths; i++)
		if (d->paths[i].node == node && d->paths[i].dst == dst &&
		    d->paths[i].link == link)
			return &d->paths[i];
	if (!add || d->npaths >= FD_PATHS_MAX)
		return NULL;
	if (d->npaths == d->pathcap) {
		s = reallocarray(d->paths, d->pathcap ? d->pathcap * 2 : 16,
		    sizeof(*s));
		if (s == NULL)
			return NULL;
		d->paths = s;
		d->pathcap = d->pathcap ? d->pathcap * 2 : 16;
	}
	s = &d->paths[d->npaths++];
	memset(s, 0, sizeof(*s));
	s->node = node;
	s->dst = dst;
	s->link = link;
	return s;
}

static const char *
path_name(struct fabricd *d, const struct fd_pathstate *s, char *buf,
    size_t len)
{
	const struct fab_config	*cfg = d->cfg;

	snprintf(buf, len, "%s -> %s over %s", cfg->fabric->nodes[s->node].name,
	    cfg->fabric->nodes[s->dst].name, cfg->link_names[s->link]);
	return buf;
}

/* Take s, which is in (or on trial), out. */
static void
path_out(struct fabricd *d, struct fd_pathstate *s, uint64_t now,
    const char *why)
{
	const struct fab_policy	*pol = &d->cfg->policy;
	char			 name[256];

	/* a trial that passed and failed within FD_TRIAL_MS failed */
	if (!s->trial && s->trials > 0 && s->ok_ms != 0 &&
	    now - s->ok_ms < FD_TRIAL_MS)
		s->trial = 1;
	if (s->trial) {
		s->retest_ms = s->retest_ms * 2 > pol->probe_retest_max_ms ?
		    pol->probe_retest_max_ms : s->retest_ms * 2;
		log_info("probe: %s: %s on trial: weight 0, next trial in "
		    "%llu ms", path_name(d, s, name, sizeof(name)), why,
		    (unsigned long long)s->retest_ms);
	} else {
		if (s->retest_ms == 0 || (s->ok_ms != 0 && now - s->ok_ms >=
		    pol->probe_retest_max_ms))
			s->retest_ms = pol->probe_retest_ms;
		log_info("probe: %s: %s, weight 0; trial in %llu ms",
		    path_name(d, s, name, sizeof(name)), why,
		    (unsigned long long)s->retest_ms);
	}
	s->out_ms = now;
	s->out = 1;
	s->trial = 0;
}

/* One report; 1 if a path's weight must change. */
int
fd_probe_report(struct fabricd *d, const struct tmsg_path *p, uint64_t now)
{
	const struct fab_config	*cfg = d->cfg;
	struct fd_pathstate	*s;
	uint32_t		 src, dst, link;
	char			 name[256];
	int			 changed = 0;

	src = leaf_of(cfg, addr_af(&p->src), p->src.addr);
	dst = leaf_of(cfg, addr_af(&p->dst), p->dst.addr);
	if (src == FAB_NONE || dst == FAB_NONE || src == dst ||
	    (link = link_of(cfg, src, p)) == FAB_NONE) {
		d->probe_unmapped++;
		return 0;
	}
	if ((s = state_find(d, src, dst, link, 1)) == NULL)
		return 0;
	switch (p->state) {
	case TMSG_PATH_OK:
		if (s->out || s->trial) {
			log_info("probe: %s: healthy again%s", path_name(d, s,
			    name, sizeof(name)), s->trial ? " (trial passed)" :
			    "");
			changed = s->out;
			s->out = s->trial = 0;
		}
		if (s->probe != TMSG_PATH_OK || s->seen_ms == 0)
			s->ok_ms = now;
		break;
	case TMSG_PATH_FAILED:
		/* on trial: the probe found it and failed it again */
		if (!s->out) {
			path_out(d, s, now, "FAILED");
			changed = 1;
		}
		break;
	default:	/* TMSG_PATH_UNSEEN: failed, and not reachable now */
		if (s->trial)
			break;	/* the probe has not found it yet */
		if (!s->out) {	/* a failure we did not see (fabricd restarted) */
			path_out(d, s, now, "failed and unseen");
			changed = 1;
		}
		break;
	}
	s->probe = p->state;
	s->seen_ms = now;
	s->rtt_median_us = p->rtt_median_us;
	s->rtt_p99_us = p->rtt_p99_us;
	s->lost = p->lost;
	s->sent = p->sent;
	s->integrity = p->integrity;
	return changed;
}

/*
 * Is this path out because of the probe, and that report still current?
 * Also where trials start, and where a trial nobody reported on ends.
 */
int
fd_probe_failed(struct fabricd *d, uint32_t node, uint32_t dst,
    uint32_t link, uint64_t now)
{
	struct fd_pathstate	*s = state_find(d, node, dst, link, 0);
	uint64_t		 ttl = 3ULL * d->cfg->policy.telemetry_stale_ms;
	char			 name[256];

	if (s == NULL || (!s->out && !s->trial))
		return 0;
	if (now - s->seen_ms > ttl) {
		log_warnx("%s: probe: no report on %s for %llu ms: its failure "
		    "no longer counts", FD_E_STALE, path_name(d, s, name,
		    sizeof(name)), (unsigned long long)(now - s->seen_ms));
		s->out = s->trial = 0;
		return 0;
	}
	if (s->trial && s->probe != TMSG_PATH_OK &&
	    now - s->trial_ms >= FD_TRIAL_MS)
		path_out(d, s, now, "not found by the probe");
	else if (s->out && now - s->out_ms >= s->retest_ms) {
		s->out = 0;
		s->trial = 1;
		s->trial_ms = now;
		s->trials++;
		log_info("probe: %s: on trial (weight back) for the probe to "
		    "test it again", path_name(d, s, name, sizeof(name)));
	}
	return s->out;
}

/*
 * The keys of a set of endpoints (telemetry or probe).  Every endpoint
 * needs an hmac-key-file.  One file for all: one shared key.  Otherwise
 * each endpoint's key is the key of the agent whose id is the endpoint's
 * name (fabric-agent --id, fabric-probe --id), and a message is checked
 * under the key of the id it names: one agent cannot sign for another,
 * and a leaked key is revoked alone.  fd_key_first loads the first
 * endpoint's key: 1 when all share it, 0 when they do not, -1 (logged).
 */
static int
key_load(const struct fab_endpoint *e, const char *what, struct tmsg_key *key)
{
	if (e->hmac_key_file == NULL) {
		log_warnx("%s: %s endpoint %s: an hmac-key-file is required "
		    "(messages are always signed)", FD_E_CONFIG, what, e->name);
		return -1;
	}
	if (tmsg_key_load(key, e->hmac_key_file) == -1) {
		log_warnx("%s: %s endpoint %s: key %s: unreadable or not %d "
		    "to %d octets", FD_E_CONFIG, what, e->name,
		    e->hmac_key_file, TMSG_KEY_MIN, TMSG_KEY_MAX);
		return -1;
	}
	return 0;
}

int
fd_key_first(const struct fab_endpoint *e, size_t n, const char *what,
    struct tmsg_key *key)
{
	size_t	 i;
	int	 shared = 1;

	for (i = 0; i < n; i++) {
		if (e[i].hmac_key_file == NULL)
			return key_load(&e[i], what, key);
		if (strcmp(e[i].hmac_key_file, e[0].hmac_key_file) != 0)
			shared = 0;
	}
	if (key_load(&e[0], what, key) == -1)
		return -1;
	return shared;
}

int
fd_keys_by_agent(const struct fab_endpoint *e, size_t n, const char *what,
    struct tmsg_rx *rx)
{
	struct tmsg_key	 key;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (key_load(&e[i], what, &key) == -1)
			return -1;
		if (tmsg_rx_agent_key(rx, e[i].name, &key) == -1) {
			log_warnx("%s: %s endpoint %s: %s", FD_E_CONFIG, what,
			    e[i].name, errno == EEXIST ? "its name is another "
			    "endpoint's too (a key is per agent id)" :
			    "not an agent id (1 to 32 octets)");
			return -1;
		}
	}
	log_info("%s: a key per agent (%zu)", what, n);
	return 0;
}

int
fd_probe_open(struct fabricd *d)
{
	const struct fab_config	*cfg = d->cfg;
	struct tmsg_key		 key;
	size_t			 i;
	int			 shared;

	if (cfg->nprobe == 0)
		return 0;
	if ((shared = fd_key_first(cfg->probe, cfg->nprobe, "probe",
	    &key)) == -1)
		return -1;
	tmsg_rx_init(&d->probe_rx, &key);
	d->probe_rx_ok = 1;
	if (!shared && fd_keys_by_agent(cfg->probe, cfg->nprobe, "probe",
	    &d->probe_rx) == -1)
		return -1;
	if ((d->probe_sub = zmq_socket(d->zctx, ZMQ_SUB)) == NULL ||
	    zmq_setsockopt(d->probe_sub, ZMQ_SUBSCRIBE, "", 0) == -1)
		return -1;
	for (i = 0; i < cfg->nprobe; i++)
		if (zmq_connect(d->probe_sub, cfg->probe[i].address) == -1) {
			log_warnx("%s: probe endpoint %s: %s: %s", FD_E_CONFIG,
			    cfg->probe[i].name, cfg->probe[i].address,
			    zmq_strerror(errno));
			return -1;
		}
	return 0;
}

void
fd_probe_close(struct fabricd *d)
{
	if (d->probe_sub != NULL)
		zmq_close(d->probe_sub);
	d->probe_sub = NULL;
	if (d->probe_rx_ok)
		tmsg_rx_free(&d->probe_rx);
	d->probe_rx_ok = 0;
	free(d->paths);
	d->paths = NULL;
	d->npaths = d->pathcap = 0;
}

void
fd_probe_read(struct fabricd *d, struct tmsg *scratch)
{
	zmq_msg_t	m;
	enum tmsg_err	e;
	int		i;

	for (i = 0; i < 1024; i++) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, d->probe_sub, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		e = tmsg_rx_decode(&d->probe_rx, zmq_msg_data(&m),
		    zmq_msg_size(&m), scratch);
		zmq_msg_close(&m);
		if (e != TMSG_OK) {
			log_debug("probe: rejected: %s", tmsg_err_str(e));
			continue;
		}
		if (scratch->type == TMSG_T_PATH &&
		    fd_probe_report(d, &scratch->path, (uint64_t)mono_ms()))
			d->next_compute_ms = 0;
	}
}

/* The probe's view of one path, for show paths/weights; NULL if none. */
struct json_object *
fd_probe_json(struct fabricd *d, uint32_t node, uint32_t dst, uint32_t link)
{
	struct fd_pathstate	*s = state_find(d, node, dst, link, 0);
	json_object		*o;

	if (s == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(
	    s->probe == TMSG_PATH_OK ? "ok" : s->probe == TMSG_PATH_FAILED ?
	    "failed" : "unseen"));
	json_object_object_add(o, "fabricd", json_object_new_string(s->out ?
	    "out" : s->trial ? "trial" : "in"));
	if (s->out)
		json_object_object_add(o, "trial_in_ms", json_object_new_int64(
		    (int64_t)(s->out_ms + s->retest_ms > (uint64_t)mono_ms() ?
		    s->out_ms + s->retest_ms - (uint64_t)mono_ms() : 0)));
	json_object_object_add(o, "trials", json_object_new_int64(
	    (int64_t)s->trials));
	json_object_object_add(o, "rtt_median_us",
	    json_object_new_int64(s->rtt_median_us));
	json_object_object_add(o, "rtt_p99_us",
	    json_object_new_int64(s->rtt_p99_us));
	json_object_object_add(o, "sent", json_object_new_int64(
	    (int64_t)s->sent));
	json_object_object_add(o, "lost", json_object_new_int64(
	    (int64_t)s->lost));
	json_object_object_add(o, "integrity_failures",
	    json_object_new_int64((int64_t)s->integrity));
	json_object_object_add(o, "age_ms", json_object_new_int64(
	    (int64_t)((uint64_t)mono_ms() - s->seen_ms)));
	return o;
}
