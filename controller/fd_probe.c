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

/* One report; 1 if a path's state changed. */
int
fd_probe_report(struct fabricd *d, const struct tmsg_path *p, uint64_t now)
{
	const struct fab_config	*cfg = d->cfg;
	struct fd_pathstate	*s;
	uint32_t		 src, dst, link;
	int			 failed = p->state != TMSG_PATH_OK, changed;

	src = leaf_of(cfg, addr_af(&p->src), p->src.addr);
	dst = leaf_of(cfg, addr_af(&p->dst), p->dst.addr);
	if (src == FAB_NONE || dst == FAB_NONE || src == dst ||
	    (link = link_of(cfg, src, p)) == FAB_NONE) {
		d->probe_unmapped++;
		return 0;
	}
	if ((s = state_find(d, src, dst, link, 1)) == NULL)
		return 0;
	changed = s->seen_ms == 0 ? failed : s->failed != failed;
	s->failed = failed;
	s->seen_ms = now;
	s->rtt_median_us = p->rtt_median_us;
	s->rtt_p99_us = p->rtt_p99_us;
	s->lost = p->lost;
	s->sent = p->sent;
	s->integrity = p->integrity;
	if (changed)
		log_info("probe: %s -> %s over %s: %s", cfg->fabric->nodes[
		    src].name, cfg->fabric->nodes[dst].name,
		    cfg->link_names[link], failed ? "FAILED, weight 0" :
		    "healthy again");
	return changed;
}

/* Is this path failed by a probe, and that report still current? */
int
fd_probe_failed(struct fabricd *d, uint32_t node, uint32_t dst,
    uint32_t link, uint64_t now)
{
	struct fd_pathstate	*s = state_find(d, node, dst, link, 0);
	uint64_t		 ttl = 3ULL * d->cfg->policy.telemetry_stale_ms;

	if (s == NULL || !s->failed)
		return 0;
	if (now - s->seen_ms > ttl) {
		log_warnx("%s: probe: no report on %s -> %s over %s for %llu "
		    "ms: its failure no longer counts", FD_E_STALE,
		    d->cfg->fabric->nodes[node].name,
		    d->cfg->fabric->nodes[dst].name, d->cfg->link_names[link],
		    (unsigned long long)(now - s->seen_ms));
		s->failed = 0;
		return 0;
	}
	return 1;
}

int
fd_probe_open(struct fabricd *d)
{
	const struct fab_config	*cfg = d->cfg;
	struct tmsg_key		 key;
	size_t			 i;

	if (cfg->nprobe == 0)
		return 0;
	for (i = 0; i < cfg->nprobe; i++)
		if (cfg->probe[i].hmac_key_file == NULL ||
		    strcmp(cfg->probe[i].hmac_key_file,
		    cfg->probe[0].hmac_key_file) != 0) {
			log_warnx("%s: probe endpoint %s: every probe endpoint "
			    "needs the same hmac-key-file", FD_E_CONFIG,
			    cfg->probe[i].name);
			return -1;
		}
	if (tmsg_key_load(&key, cfg->probe[0].hmac_key_file) == -1) {
		log_warnx("%s: probe key %s: unreadable or not %d to %d octets",
		    FD_E_CONFIG, cfg->probe[0].hmac_key_file, TMSG_KEY_MIN,
		    TMSG_KEY_MAX);
		return -1;
	}
	tmsg_rx_init(&d->probe_rx, &key);
	d->probe_rx_ok = 1;
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
	json_object_object_add(o, "state", json_object_new_string(s->failed ?
	    "failed" : "ok"));
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
