/*
 * What fabricctl show prints: the daemon's state as JSON objects, built
 * once here for the control socket and for fabricd --check.
 */
#include "config.h"

#include <sys/socket.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "fabricd.h"
#include "log.h"
#include "util.h"

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
add_num(json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_double(
	    isfinite(v) ? round(v * 1e6) / 1e6 : 0));
}

static const char *
node_name(struct fabricd *d, uint32_t i)
{
	return d->cfg->fabric->nodes[i].name;
}

static json_object *
dest_prefixes(struct fabricd *d, uint32_t dst)
{
	json_object	*a = json_object_new_array();
	char		 buf[FAB_ADDR_MAX + 4];
	size_t		 i;

	for (i = 0; i < d->cfg->ndests; i++)
		if (d->cfg->dests[i].node == dst &&
		    fab_prefix_str(&d->cfg->dests[i].pfx, buf, sizeof(buf)) == 0)
			json_object_array_add(a, json_object_new_string(buf));
	return a;
}

/* One path of a weight set: the link at adjacency position pos. */
static json_object *
path_json(struct fabricd *d, const struct fd_block *b, uint32_t pos)
{
	const struct fabric	*f = d->cfg->fabric;
	uint32_t		 li = f->nodes[b->node].adj[pos];
	json_object		*p = json_object_new_object(), *pr;
	int			 on = b->mbps[pos] != 0;

	add_str(p, "link", d->cfg->link_names[li]);
	add_str(p, "neighbor", node_name(d, fab_link_other(f, li, b->node)));
	add_str(p, "nexthop", fab_config_nexthop(d->cfg, li, b->node));
	add_num(p, "share", on ? b->applied[pos] : 0);
	add_int(p, "frr_weight", on ? b->frr[pos] : 0);
	add_int(p, "lbw_mbps", b->mbps[pos]);
	if ((pr = fd_probe_json(d, b->node, b->dst, li)) != NULL)
		json_object_object_add(p, "probe", pr);
	return p;
}

static json_object *
block_json(struct fabricd *d, struct fd_block *b)
{
	const struct fabric	*f = d->cfg->fabric;
	json_object		*o = json_object_new_object();
	json_object		*paths = json_object_new_array();
	uint64_t		 now = (uint64_t)mono_ms();
	uint32_t		 pos;

	add_str(o, "switch", node_name(d, b->node));
	add_str(o, "destination", node_name(d, b->dst));
	json_object_object_add(o, "prefixes", dest_prefixes(d, b->dst));
	json_object_object_add(o, "announced",
	    json_object_new_boolean(b->announced));
	for (pos = 0; pos < b->n; pos++)
		if (b->mbps[pos] != 0)
			json_object_array_add(paths, path_json(d, b, pos));
	/* paths the probe took out are shown too, with weight 0 */
	for (pos = 0; pos < b->n; pos++)
		if (b->mbps[pos] == 0 && fd_probe_failed(d, b->node, b->dst,
		    f->nodes[b->node].adj[pos], now))
			json_object_array_add(paths, path_json(d, b, pos));
	json_object_object_add(o, "paths", paths);
	add_num(o, "quantisation_error", b->err);
	add_int(o, "moves", (int64_t)b->moves);
	return o;
}

/* NODE NULL: every switch. */
json_object *
fd_show_weights(struct fabricd *d, const char *node)
{
	json_object	*a = json_object_new_array();
	size_t		 i;

	for (i = 0; i < d->nblocks; i++)
		if (node == NULL || strcmp(node,
		    node_name(d, d->blocks[i].node)) == 0)
			json_object_array_add(a, block_json(d, &d->blocks[i]));
	return a;
}

static const char *
end_freshness(struct fabricd *d, uint32_t node, const char *ifname)
{
	struct ingest_link	*il;

	if (!d->ing_ok || ifname[0] == '\0')
		return "none";
	if ((il = ingest_find(&d->ing, node_name(d, node), ifname)) == NULL)
		return "none";
	return ingest_is_stale(&d->ing, il, (uint64_t)mono_ms()) ? "stale" :
	    "fresh";
}

json_object *
fd_show_links(struct fabricd *d)
{
	const struct fabric	*f = d->cfg->fabric;
	json_object		*a = json_object_new_array(), *o;
	const struct fab_link	*l;
	double			 u;
	uint32_t		 i;

	for (i = 0; i < f->nlinks; i++) {
		l = &f->links[i];
		o = json_object_new_object();
		u = fab_link_usable(f, i);
		add_str(o, "name", d->cfg->link_names[i]);
		add_str(o, "a", node_name(d, l->a));
		add_str(o, "a_interface", l->a_if);
		add_str(o, "b", node_name(d, l->b));
		add_str(o, "b_interface", l->b_if);
		add_str(o, "state", fab_state_str(l->state));
		add_str(o, "admin", fab_state_str(d->admin[i]));
		add_num(o, "capacity_bps", d->nominal[i]);
		add_num(o, "usable_bps", u);
		add_num(o, "load_up_bps", l->load[0]);
		add_num(o, "load_down_bps", l->load[1]);
		add_num(o, "util_up", u > 0 ? l->load[0] / u : 0);
		add_num(o, "util_down", u > 0 ? l->load[1] / u : 0);
		add_num(o, "drops_up_ps", l->drops[0]);
		add_num(o, "drops_down_ps", l->drops[1]);
		add_num(o, "backlog_up_bytes", l->backlog[0]);
		add_num(o, "backlog_down_bytes", l->backlog[1]);
		add_str(o, "telemetry_a", end_freshness(d, l->a, l->a_if));
		add_str(o, "telemetry_b", end_freshness(d, l->b, l->b_if));
		json_object_array_add(a, o);
	}
	return a;
}

json_object *
fd_show_peers(struct fabricd *d)
{
	json_object		*a = json_object_new_array(), *o;
	struct bgp_peer_stats	 st;
	struct rib_stats	 rs;
	const struct fab_node	*n;
	size_t			 i;

	for (i = 0; i < d->npeers; i++) {
		n = &d->cfg->fabric->nodes[d->peers[i].node];
		o = json_object_new_object();
		add_str(o, "name", n->name);
		add_str(o, "address", n->bgp_addr);
		add_int(o, "asn", n->asn);
		bgp_rib_stats(d->peers[i].rib, &rs);
		add_int(o, "prefixes_out", (int64_t)rs.prefixes);
		add_int(o, "paths_out", (int64_t)rs.paths);
		if (d->peers[i].peer != NULL) {
			bgp_peer_stats(d->peers[i].peer, &st);
			add_str(o, "state", bgp_state_str(st.state));
			add_num(o, "since_s", (double)(mono_ms() -
			    st.since_ms) / 1000);
			add_int(o, "updates_out", (int64_t)st.updates_out);
			add_int(o, "updates_in", (int64_t)st.updates_in);
			add_int(o, "established", (int64_t)st.established);
			json_object_object_add(o, "synced",
			    json_object_new_boolean(st.synced));
		} else
			add_str(o, "state", "none");
		json_object_array_add(a, o);
	}
	return a;
}

json_object *
fd_show_topology(struct fabricd *d)
{
	const struct fabric	*f = d->cfg->fabric;
	json_object		*o = json_object_new_object();
	json_object		*nodes = json_object_new_array(), *n;
	uint32_t		 i;

	for (i = 0; i < f->nnodes; i++) {
		n = json_object_new_object();
		add_str(n, "name", f->nodes[i].name);
		add_str(n, "role", fab_role_str(f->nodes[i].role));
		add_int(n, "pod", f->nodes[i].pod);
		if (f->nodes[i].asn != 0)
			add_int(n, "asn", f->nodes[i].asn);
		add_str(n, "state", fab_state_str(f->nodes[i].state));
		add_int(n, "links", f->nodes[i].nadj);
		if (f->nodes[i].role == ROLE_LEAF)
			json_object_object_add(n, "prefixes",
			    dest_prefixes(d, i));
		json_object_array_add(nodes, n);
	}
	json_object_object_add(o, "nodes", nodes);
	json_object_object_add(o, "links", fd_show_links(d));
	return o;
}

json_object *
fd_show_telemetry(struct fabricd *d)
{
	json_object		*o = json_object_new_object();
	json_object		*links = json_object_new_array(), *l, *errs;
	json_object		*srcs = json_object_new_array(), *s;
	uint64_t		 now = (uint64_t)mono_ms();
	struct ingest_link	*il;
	size_t			 i;

	add_int(o, "accepted", d->ing_ok ? (int64_t)d->ing.rx.accepted : 0);
	errs = json_object_new_object();
	for (i = 1; d->ing_ok && i < TMSG_E_MAX; i++)
		add_int(errs, tmsg_err_str((enum tmsg_err)i),
		    (int64_t)d->ing.rx.errors[i]);
	json_object_object_add(o, "rejected", errs);
	json_object_object_add(o, "frozen", json_object_new_boolean(d->frozen));
	for (i = 0; i < d->cfg->ntelemetry; i++) {
		s = json_object_new_object();
		add_str(s, "name", d->cfg->telemetry[i].name);
		add_str(s, "address", d->cfg->telemetry[i].address);
		add_str(s, "state", fd_source_fresh(d,
		    d->cfg->telemetry[i].name, now) ? "fresh" : "stale");
		json_object_array_add(srcs, s);
	}
	json_object_object_add(o, "sources", srcs);
	for (i = 0; d->ing_ok && i < d->ing.nlinks; i++) {
		il = &d->ing.links[i];
		l = json_object_new_object();
		add_str(l, "agent", il->agent);
		add_str(l, "interface", il->name);
		add_str(l, "oper", il->oper == TMSG_OPER_UP ? "up" : "down");
		add_num(l, "capacity_bps", (double)il->capacity_bps);
		add_num(l, "tx_bps", il->ewma_tx_bps);
		add_num(l, "rx_bps", il->ewma_rx_bps);
		add_num(l, "util", il->util);
		add_num(l, "drops_ps", il->q_drops_ps);
		add_int(l, "backlog_bytes", (int64_t)il->last.q_backlog);
		add_int(l, "age_ms", (int64_t)(now - il->seen_ms));
		json_object_object_add(l, "stale", json_object_new_boolean(
		    ingest_is_stale(&d->ing, il, now)));
		json_object_array_add(links, l);
	}
	json_object_object_add(o, "links", links);
	return o;
}

/* The weights every switch uses towards the leaf that owns PREFIX. */
json_object *
fd_show_paths(struct fabricd *d, const char *prefix, char *err,
    size_t errlen)
{
	struct fab_prefix	 p;
	json_object		*o, *a;
	size_t			 i;
	uint32_t		 dst = FAB_NONE;

	if (fab_prefix_parse(prefix, &p) == -1) {
		snprintf(err, errlen, "%s: '%s' is not a prefix (A.B.C.D/N "
		    "or X:X::X/N)", FD_E_REQUEST, prefix);
		return NULL;
	}
	for (i = 0; i < d->cfg->ndests && dst == FAB_NONE; i++)
		if (fab_prefix_eq(&d->cfg->dests[i].pfx, &p))
			dst = d->cfg->dests[i].node;
	if (dst == FAB_NONE) {
		snprintf(err, errlen, "%s: no leaf has the prefix %s in the "
		    "configuration", FD_E_REQUEST, prefix);
		return NULL;
	}
	o = json_object_new_object();
	add_str(o, "prefix", prefix);
	add_str(o, "leaf", node_name(d, dst));
	a = json_object_new_array();
	for (i = 0; i < d->nblocks; i++)
		if (d->blocks[i].dst == dst)
			json_object_array_add(a, block_json(d, &d->blocks[i]));
	json_object_object_add(o, "switches", a);
	return o;
}

json_object *
fd_show_status(struct fabricd *d)
{
	json_object	*o = json_object_new_object();
	char		 who[FAB_NAME_MAX];
	int		 stale;

	add_str(o, "config", d->cfg_path != NULL ? d->cfg_path : "");
	add_str(o, "mode", fab_mode_str(d->cfg->policy.mode));
	add_int(o, "interval_ms", d->cfg->policy.interval_ms);
	add_num(o, "uptime_s", (double)((uint64_t)mono_ms() -
	    d->started_ms) / 1000);
	add_int(o, "switches", (int64_t)d->npeers);
	add_int(o, "weight_sets", (int64_t)d->nblocks);
	add_int(o, "computes", (int64_t)d->computes);
	add_int(o, "pushes", (int64_t)d->pushes);
	add_int(o, "moves", (int64_t)d->moves);
	add_num(o, "last_compute_ms", d->last_compute_ms);
	add_num(o, "last_push_ms", d->last_push_ms);
	add_num(o, "max_quantisation_error", d->max_err);
	add_int(o, "reloads", (int64_t)d->reloads);
	add_int(o, "reload_failures", (int64_t)d->reload_failures);
	json_object_object_add(o, "frozen", json_object_new_boolean(d->frozen));
	stale = fd_telemetry_stale(d, (uint64_t)mono_ms(), who, sizeof(who));
	add_int(o, "stale_sources", stale);
	return o;
}

/* fabricd --check: the weights the configuration gives. */
void
fd_print_weights(struct fabricd *d, FILE *fp, int json)
{
	json_object	*a = fd_show_weights(d, NULL), *b, *paths, *p;
	size_t		 i, j;

	if (json) {
		fprintf(fp, "%s\n", json_object_to_json_string_ext(a,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(a);
		return;
	}
	fprintf(fp, "%-12s %-12s %-16s %-12s %8s %6s\n", "SWITCH",
	    "DESTINATION", "LINK", "NEXTHOP", "SHARE", "FRR");
	for (i = 0; i < json_object_array_length(a); i++) {
		b = json_object_array_get_idx(a, i);
		paths = json_object_object_get(b, "paths");
		for (j = 0; j < json_object_array_length(paths); j++) {
			p = json_object_array_get_idx(paths, j);
			fprintf(fp, "%-12s %-12s %-16s %-12s %7.1f%% %6d\n",
			    json_object_get_string(json_object_object_get(b,
			    "switch")),
			    json_object_get_string(json_object_object_get(b,
			    "destination")),
			    json_object_get_string(json_object_object_get(p,
			    "link")),
			    json_object_get_string(json_object_object_get(p,
			    "nexthop")),
			    100 * json_object_get_double(json_object_object_get(
			    p, "share")),
			    json_object_get_int(json_object_object_get(p,
			    "frr_weight")));
		}
	}
	fprintf(fp, "largest quantisation error: %.2f %%\n", d->max_err * 100);
	json_object_put(a);
}
