/*
 * Mode pinned: the jobs' flows (yang/fabric.yang, jobs) placed on paths by
 * assign_flows() (largest first, then local search on the most loaded
 * link: route.h), over the links that are usable now.  BGP steers by
 * destination, so a placement becomes a host route to the flow's
 * destination address, announced to the source's leaf with the uplinks
 * the placement chose: one uplink when one flow goes there, weights by
 * rate when several flows from that leaf share the destination.  With an
 * address per RDMA NIC, as GPU clusters have, that pins NIC-to-NIC flows.
 * Everything else the leaf sends follows its weighted ECMP routes.
 *
 * Placements are recomputed every step, so a failed or drained link moves
 * its flows at once; a host route no longer wanted is withdrawn and the
 * leaf's prefix route takes over.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bgp_lbw.h"
#include "fabricd.h"
#include "log.h"

static uint32_t
leaf_of_host(const struct fabric *f, uint32_t host)
{
	const struct fab_node	*n = &f->nodes[host];
	uint32_t		 i, o;

	for (i = 0; i < n->nadj; i++) {
		o = fab_link_other(f, n->adj[i], host);
		if (f->nodes[o].role == ROLE_LEAF)
			return o;
	}
	return FAB_NONE;
}

/* The position, among the leaf's links, of the path's uplink. */
static int
uplink_pos(const struct fabric *f, uint32_t leaf, const struct assign_flow *a)
{
	const struct fab_node	*n = &f->nodes[leaf];
	uint32_t		 i, k;

	for (k = 0; k < a->npath; k++)
		for (i = 0; i < n->nadj; i++)
			if (n->adj[i] == a->path[k] && f->nodes[fab_link_other(
			    f, n->adj[i], leaf)].role > ROLE_LEAF)
				return (int)i;
	return -1;
}

static struct fd_pin *
pin_get(struct fd_pin *pins, size_t *npins, uint32_t leaf,
    const struct fab_prefix *addr, uint32_t n)
{
	size_t	i;

	for (i = 0; i < *npins; i++)
		if (pins[i].leaf == leaf && fab_prefix_eq(&pins[i].addr, addr))
			return &pins[i];
	pins[*npins].leaf = leaf;
	pins[*npins].addr = *addr;
	pins[*npins].n = n;
	if ((pins[*npins].rate = calloc(n + 1, sizeof(double))) == NULL ||
	    (pins[*npins].mbps = calloc(n + 1, sizeof(uint32_t))) == NULL)
		return NULL;
	return &pins[(*npins)++];
}

static void
pins_free(struct fd_pin *pins, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(pins[i].rate);
		free(pins[i].mbps);
	}
	free(pins);
}

/* The rates per uplink into what FRR installs; -1 if nothing is left. */
static int
pin_plan(struct fd_pin *p)
{
	double		t[LBW_PATHS_MAX];
	uint32_t	map[LBW_PATHS_MAX], i, k = 0;
	struct lbw_plan	plan;

	for (i = 0; i < p->n && k < LBW_PATHS_MAX; i++)
		if (p->rate[i] > 0) {
			map[k] = i;
			t[k++] = p->rate[i];
		}
	if (k == 0 || lbw_plan(t, k, &plan) == -1)
		return -1;
	for (i = 0; i < k; i++)
		p->mbps[map[i]] = plan.mbps[i];
	return 0;
}

/* The placement of every flow, grouped by (leaf, destination address). */
static int
place(struct fabricd *d, struct fd_pin **out, size_t *nout)
{
	const struct fabric	*f = d->cfg->fabric;
	struct assign_flow	*fl;
	struct fd_pin		*pins, *p;
	size_t			 i, n = d->cfg->nflows;
	uint32_t		 leaf;
	int			 pos;

	*out = NULL;
	*nout = 0;
	if ((fl = calloc(n + 1, sizeof(*fl))) == NULL ||
	    (pins = calloc(n + 1, sizeof(*pins))) == NULL) {
		free(fl);
		return -1;
	}
	for (i = 0; i < n; i++) {
		d->cfg->flows[i].placed = FAB_NONE;
		fl[i].src = d->cfg->flows[i].src;
		fl[i].dst = d->cfg->flows[i].dst;
		fl[i].rate = d->cfg->flows[i].rate;
	}
	if (assign_flows(f, fl, n, &d->pin_max_util) == -1) {
		log_warn("pinned: assign_flows");
		free(fl);
		free(pins);
		return -1;
	}
	for (i = 0; i < n; i++) {
		leaf = leaf_of_host(f, fl[i].src);
		if (leaf == FAB_NONE || leaf == leaf_of_host(f, fl[i].dst) ||
		    (pos = uplink_pos(f, leaf, &fl[i])) < 0)
			continue;	/* local, or no path: ECMP's */
		if ((p = pin_get(pins, nout, leaf, &d->cfg->flows[i].addr,
		    f->nodes[leaf].nadj)) == NULL)
			break;
		p->rate[pos] += fl[i].rate > 0 ? fl[i].rate : 1;
		d->cfg->flows[i].placed = (uint32_t)pos;
	}
	free(fl);
	*out = pins;
	return 0;
}

static int
same_mbps(const struct fd_pin *a, const struct fd_pin *b)
{
	return a->n == b->n && memcmp(a->mbps, b->mbps, a->n *
	    sizeof(*a->mbps)) == 0;
}

/* One step; the number of host routes announced, changed or withdrawn. */
int
fd_pinned_step(struct fabricd *d)
{
	struct fd_pin	*now = NULL, *old;
	size_t		 nnow = 0, i, j;
	int		 changed = 0;

	if (d->cfg->policy.mode == FAB_MODE_PINNED && d->cfg->nflows > 0 &&
	    place(d, &now, &nnow) == -1)
		return 0;
	for (i = 0; i < nnow; i++) {
		if (pin_plan(&now[i]) == -1)
			continue;
		for (j = 0, old = NULL; j < d->npins && old == NULL; j++)
			if (d->pins[j].leaf == now[i].leaf &&
			    fab_prefix_eq(&d->pins[j].addr, &now[i].addr))
				old = &d->pins[j];
		if (old != NULL && same_mbps(old, &now[i]))
			continue;
		fd_announce_prefix(d, now[i].leaf, &now[i].addr, now[i].mbps,
		    now[i].n);
		changed++;
	}
	for (j = 0; j < d->npins; j++) {	/* gone: withdraw */
		for (i = 0; i < nnow; i++)
			if (d->pins[j].leaf == now[i].leaf &&
			    fab_prefix_eq(&d->pins[j].addr, &now[i].addr))
				break;
		if (i < nnow)
			continue;
		fd_announce_prefix(d, d->pins[j].leaf, &d->pins[j].addr, NULL,
		    d->pins[j].n);
		changed++;
	}
	pins_free(d->pins, d->npins);
	d->pins = now;
	d->npins = nnow;
	return changed;
}

/* After a reload: the host routes' leaves by name in the new fabric. */
void
fd_pinned_remap(struct fabricd *d, const struct fab_config *old)
{
	size_t		i, k = 0;
	uint32_t	leaf;

	for (i = 0; i < d->npins; i++) {
		leaf = fab_node_find(d->cfg->fabric,
		    old->fabric->nodes[d->pins[i].leaf].name);
		if (leaf == FAB_NONE || d->cfg->fabric->nodes[leaf].nadj !=
		    d->pins[i].n) {
			free(d->pins[i].rate);
			free(d->pins[i].mbps);
			continue;
		}
		d->pins[k] = d->pins[i];
		d->pins[k++].leaf = leaf;
	}
	d->npins = k;
}

void
fd_pinned_free(struct fabricd *d)
{
	pins_free(d->pins, d->npins);
	d->pins = NULL;
	d->npins = 0;
}

/* fabricctl show jobs */
struct json_object *
fd_show_jobs(struct fabricd *d)
{
	const struct fab_config	*cfg = d->cfg;
	const struct fabric	*f = cfg->fabric;
	json_object		*a = json_object_new_array(), *j, *fls, *o;
	char			 buf[FAB_ADDR_MAX + 8];
	size_t			 k, i;
	uint32_t		 leaf;

	for (k = 0; k < cfg->njobs; k++) {
		j = json_object_new_object();
		json_object_object_add(j, "name",
		    json_object_new_string(cfg->job_names[k]));
		json_object_object_add(j, "placed", json_object_new_boolean(
		    cfg->policy.mode == FAB_MODE_PINNED));
		fls = json_object_new_array();
		for (i = 0; i < cfg->nflows; i++) {
			if (cfg->flows[i].job != k)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "src", json_object_new_string(
			    f->nodes[cfg->flows[i].src].name));
			json_object_object_add(o, "dst", json_object_new_string(
			    f->nodes[cfg->flows[i].dst].name));
			fab_prefix_str(&cfg->flows[i].addr, buf, sizeof(buf));
			json_object_object_add(o, "address",
			    json_object_new_string(buf));
			json_object_object_add(o, "rate_bps",
			    json_object_new_double(cfg->flows[i].rate));
			leaf = leaf_of_host(f, cfg->flows[i].src);
			if (cfg->policy.mode == FAB_MODE_PINNED &&
			    leaf != FAB_NONE && cfg->flows[i].placed !=
			    FAB_NONE && cfg->flows[i].placed <
			    f->nodes[leaf].nadj)
				json_object_object_add(o, "uplink",
				    json_object_new_string(cfg->link_names[
				    f->nodes[leaf].adj[cfg->flows[i].placed]]));
			json_object_array_add(fls, o);
		}
		json_object_object_add(j, "flows", fls);
		json_object_array_add(a, j);
	}
	return a;
}
