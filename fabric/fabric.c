/*
 * The fabric model (see fabric.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fabric.h"

static const char *role_names[] = { "host", "leaf", "spine", "super-spine" };
static const char *state_names[] = { "up", "down", "drained" };

const char *
fab_role_str(enum fab_role r)
{
	return (unsigned)r < 4 ? role_names[r] : "?";
}

const char *
fab_state_str(enum fab_state s)
{
	return (unsigned)s < 3 ? state_names[s] : "?";
}

int
fab_role_parse(const char *s, enum fab_role *r)
{
	int	i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*r = i;
			return 0;
		}
	if (strcmp(s, "superspine") == 0) {
		*r = ROLE_SUPERSPINE;
		return 0;
	}
	return -1;
}

struct fabric *
fab_new(void)
{
	return calloc(1, sizeof(struct fabric));
}

void
fab_free(struct fabric *f)
{
	uint32_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nnodes; i++)
		free(f->nodes[i].adj);
	free(f->nodes);
	free(f->links);
	free(f->name_tab);
	free(f);
}

static uint32_t
name_hash(const char *s)
{
	uint32_t	h = 2166136261U;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619U;
	return h;
}

static int
names_grow(struct fabric *f)
{
	uint32_t	*nt, cap, i, h;

	if (f->nnodes * 2 < f->name_cap)
		return 0;
	cap = f->name_cap ? f->name_cap * 2 : 256;
	if ((nt = calloc(cap, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < f->nnodes; i++) {
		for (h = name_hash(f->nodes[i].name) & (cap - 1); nt[h] != 0;
		    h = (h + 1) & (cap - 1))
			;
		nt[h] = i + 1;
	}
	free(f->name_tab);
	f->name_tab = nt;
	f->name_cap = cap;
	return 0;
}

uint32_t
fab_node_find(const struct fabric *f, const char *name)
{
	uint32_t	h, e;

	if (f->name_cap == 0)
		return FAB_NONE;
	for (h = name_hash(name) & (f->name_cap - 1);
	    (e = f->name_tab[h]) != 0; h = (h + 1) & (f->name_cap - 1))
		if (strcmp(f->nodes[e - 1].name, name) == 0)
			return e - 1;
	return FAB_NONE;
}

/* Adds a node; FAB_NONE (errno) on a duplicate name or a full fabric. */
uint32_t
fab_node_add(struct fabric *f, const char *name, enum fab_role role,
    int32_t pod)
{
	struct fab_node	*nn, *n;
	uint32_t	 h;

	if (strlen(name) >= FAB_NAME_MAX || fab_node_find(f, name) !=
	    FAB_NONE || f->nnodes >= FAB_NODES_MAX) {
		errno = f->nnodes >= FAB_NODES_MAX ? ENOSPC :
		    strlen(name) >= FAB_NAME_MAX ? ENAMETOOLONG : EEXIST;
		return FAB_NONE;
	}
	if (f->nnodes == f->nodecap) {
		nn = reallocarray(f->nodes, f->nodecap ? f->nodecap * 2 : 64,
		    sizeof(*nn));
		if (nn == NULL)
			return FAB_NONE;
		f->nodes = nn;
		f->nodecap = f->nodecap ? f->nodecap * 2 : 64;
	}
	n = &f->nodes[f->nnodes];
	memset(n, 0, sizeof(*n));
	strlcpy(n->name, name, sizeof(n->name));
	n->role = role;
	n->pod = pod;
	f->nnodes++;
	if (names_grow(f) == -1) {
		f->nnodes--;
		return FAB_NONE;
	}
	for (h = name_hash(name) & (f->name_cap - 1); f->name_tab[h] != 0;
	    h = (h + 1) & (f->name_cap - 1))
		;
	f->name_tab[h] = f->nnodes;
	f->version++;
	return f->nnodes - 1;
}

static int
adj_add(struct fab_node *n, uint32_t link)
{
	uint32_t	*na;

	if (n->nadj == n->adjcap) {
		na = reallocarray(n->adj, n->adjcap ? n->adjcap * 2 : 4,
		    sizeof(*na));
		if (na == NULL)
			return -1;
		n->adj = na;
		n->adjcap = n->adjcap ? n->adjcap * 2 : 4;
	}
	n->adj[n->nadj++] = link;
	return 0;
}

/*
 * Adds a link; its `a' end becomes the node in the lower tier.  Parallel
 * links are allowed (they are ECMP members of their own).
 */
uint32_t
fab_link_add(struct fabric *f, uint32_t a, uint32_t b, double capacity,
    uint16_t members)
{
	struct fab_link	*nl, *l;
	uint32_t	 t;

	if (a >= f->nnodes || b >= f->nnodes || a == b || capacity <= 0 ||
	    members == 0 || f->nlinks >= FAB_LINKS_MAX) {
		errno = EINVAL;
		return FAB_NONE;
	}
	if (f->nodes[a].role > f->nodes[b].role) {
		t = a;
		a = b;
		b = t;
	}
	if (f->nlinks == f->linkcap) {
		nl = reallocarray(f->links, f->linkcap ? f->linkcap * 2 : 64,
		    sizeof(*nl));
		if (nl == NULL)
			return FAB_NONE;
		f->links = nl;
		f->linkcap = f->linkcap ? f->linkcap * 2 : 64;
	}
	l = &f->links[f->nlinks];
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->b = b;
	l->capacity = capacity;
	l->members = l->members_up = members;
	if (adj_add(&f->nodes[a], f->nlinks) == -1 ||
	    adj_add(&f->nodes[b], f->nlinks) == -1)
		return FAB_NONE;
	f->version++;
	return f->nlinks++;
}

uint32_t
fab_link_between(const struct fabric *f, uint32_t a, uint32_t b)
{
	const struct fab_node	*n = &f->nodes[a];
	uint32_t		 i;

	for (i = 0; i < n->nadj; i++)
		if (fab_link_other(f, n->adj[i], a) == b)
			return n->adj[i];
	return FAB_NONE;
}

uint32_t
fab_link_other(const struct fabric *f, uint32_t link, uint32_t node)
{
	const struct fab_link	*l = &f->links[link];

	return l->a == node ? l->b : l->a;
}

int
fab_node_usable(const struct fabric *f, uint32_t node)
{
	return f->nodes[node].state == FAB_UP;
}

/* What the link can carry now: 0 if it or an end is down or drained. */
double
fab_link_usable(const struct fabric *f, uint32_t link)
{
	const struct fab_link	*l = &f->links[link];

	if (l->state != FAB_UP || !fab_node_usable(f, l->a) ||
	    !fab_node_usable(f, l->b))
		return 0;
	return l->capacity * l->members_up / l->members;
}

int
fab_link_set_state(struct fabric *f, uint32_t link, enum fab_state s)
{
	if (link >= f->nlinks) {
		errno = EINVAL;
		return -1;
	}
	if (f->links[link].state != s) {
		f->links[link].state = s;
		f->version++;
	}
	return 0;
}

int
fab_link_set_members_up(struct fabric *f, uint32_t link, uint16_t up)
{
	if (link >= f->nlinks || up > f->links[link].members) {
		errno = EINVAL;
		return -1;
	}
	if (f->links[link].members_up != up) {
		f->links[link].members_up = up;
		f->version++;
	}
	return 0;
}

int
fab_node_set_state(struct fabric *f, uint32_t node, enum fab_state s)
{
	if (node >= f->nnodes) {
		errno = EINVAL;
		return -1;
	}
	if (f->nodes[node].state != s) {
		f->nodes[node].state = s;
		f->version++;
	}
	return 0;
}

/*
 * The shape a Clos fabric must have: links only between adjacent tiers
 * (host-leaf, leaf-spine, spine-super-spine), leaves and spines of one pod
 * together, every host on exactly one leaf.
 */
int
fab_check(const struct fabric *f, char *err, size_t errlen)
{
	const struct fab_link	*l;
	const struct fab_node	*a, *b;
	uint32_t		 i;

	for (i = 0; i < f->nlinks; i++) {
		l = &f->links[i];
		a = &f->nodes[l->a];
		b = &f->nodes[l->b];
		if (b->role != a->role + 1) {
			snprintf(err, errlen, "link %s-%s joins a %s to a %s: "
			    "links must join adjacent tiers", a->name, b->name,
			    fab_role_str(a->role), fab_role_str(b->role));
			return -1;
		}
		if (a->role == ROLE_LEAF && a->pod != b->pod) {
			snprintf(err, errlen, "link %s-%s joins pod %d to pod "
			    "%d: a leaf's spines are in its pod", a->name,
			    b->name, a->pod, b->pod);
			return -1;
		}
	}
	for (i = 0; i < f->nnodes; i++) {
		uint32_t up = 0, k;

		if (f->nodes[i].role != ROLE_HOST)
			continue;
		for (k = 0; k < f->nodes[i].nadj; k++)
			up++;
		if (up != 1) {
			snprintf(err, errlen, "host %s has %u links: a host "
			    "hangs off exactly one leaf", f->nodes[i].name, up);
			return -1;
		}
	}
	return 0;
}
