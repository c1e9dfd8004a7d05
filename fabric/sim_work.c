/*
 * The workload as the engine and the optimum see it: one job made of
 * phases that run one after another, each a set of transfers that start
 * together; a phase ends when its last transfer does (the barrier that
 * makes one slow flow stall a whole collective).  Several collectives run
 * in lock-step: phase k of the job is phase k of each of them.
 *
 * Also the generator: xoshiro256** seeded through splitmix64, so runs
 * are reproducible on every libc.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* ---- randomness ------------------------------------------------------ */

uint64_t
sim_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void
sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	int	i;

	for (i = 0; i < 4; i++) {
		seed = sim_mix64(seed);
		r->s[i] = seed;
	}
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
sim_rng_next(struct sim_rng *r)
{
	uint64_t	*s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double
sim_rng_double(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) without modulo bias. */
uint64_t
sim_rng_below(struct sim_rng *r, uint64_t n)
{
	uint64_t	x, lim;

	if (n == 0)
		return 0;
	lim = -n % n;
	do
		x = sim_rng_next(r);
	while (x < lim);
	return x % n;
}

/* ---- hosts ----------------------------------------------------------- */

uint32_t
sim_host_link(const struct fabric *f, uint32_t host)
{
	return f->nodes[host].nadj > 0 ? f->nodes[host].adj[0] : FAB_NONE;
}

uint32_t
sim_host_leaf(const struct fabric *f, uint32_t host)
{
	uint32_t	l = sim_host_link(f, host);

	return l == FAB_NONE ? FAB_NONE : fab_link_other(f, l, host);
}

struct order_ent {
	uint32_t	host, group_pos, leaf_rank, i;
};

static int
order_cmp(const void *a, const void *b)
{
	const struct order_ent	*x = a, *y = b;

	if (x->group_pos != y->group_pos)
		return x->group_pos < y->group_pos ? -1 : 1;
	if (x->leaf_rank != y->leaf_rank)
		return x->leaf_rank < y->leaf_rank ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The first host of each leaf (in order of appearance), then the 2nd... */
static int
interleave(const struct fabric *f, uint32_t *h, uint32_t n)
{
	struct order_ent	*e;
	uint32_t		*leaf_seen, *leaf_count, nleaves = 0, i, k,
				 leaf;

	e = calloc(n, sizeof(*e));
	leaf_seen = calloc(n, sizeof(*leaf_seen));
	leaf_count = calloc(n, sizeof(*leaf_count));
	if (e == NULL || leaf_seen == NULL || leaf_count == NULL) {
		free(e);
		free(leaf_seen);
		free(leaf_count);
		return -1;
	}
	for (i = 0; i < n; i++) {
		leaf = sim_host_leaf(f, h[i]);
		for (k = 0; k < nleaves && leaf_seen[k] != leaf; k++)
			;
		if (k == nleaves)
			leaf_seen[nleaves++] = leaf;
		e[i] = (struct order_ent){ h[i], leaf_count[k]++, k, i };
	}
	qsort(e, n, sizeof(*e), order_cmp);
	for (i = 0; i < n; i++)
		h[i] = e[i].host;
	free(e);
	free(leaf_seen);
	free(leaf_count);
	return 0;
}

/* The collective's hosts in the order its transfers follow. */
static uint32_t *
ordered_hosts(const struct sim_scenario *sc, const struct sim_coll *c,
    uint32_t ci, uint64_t seed)
{
	struct sim_rng	 rng;
	uint32_t	*h, i, j, t;

	if ((h = reallocarray(NULL, c->nhosts, sizeof(*h))) == NULL)
		return NULL;
	memcpy(h, c->hosts, c->nhosts * sizeof(*h));
	if (c->order == SIM_ORDER_INTERLEAVE &&
	    interleave(sc->fab, h, c->nhosts) == -1) {
		free(h);
		return NULL;
	}
	if (c->order == SIM_ORDER_RANDOM) {
		sim_rng_seed(&rng, seed ^ sim_mix64(0x5eed0000ULL + ci));
		for (i = c->nhosts - 1; i > 0; i--) {
			j = (uint32_t)sim_rng_below(&rng, i + 1);
			t = h[i];
			h[i] = h[j];
			h[j] = t;
		}
	}
	return h;
}

/* ---- phases ----------------------------------------------------------- */

static uint64_t
key4(uint32_t ci, uint32_t a, uint32_t b, uint32_t ch)
{
	return sim_mix64(sim_mix64(sim_mix64(sim_mix64(ci + 1ULL) ^ a) ^ b) ^
	    ch);
}

static int
xfer_add(struct sim_job *j, uint32_t src, uint32_t dst, double bits,
    uint64_t key)
{
	struct sim_xfer	*nx;
	size_t		 cap;

	if (j->nxfers == SIM_XFERS_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (j->nxfers == j->xfercap) {
		cap = j->xfercap ? j->xfercap * 2 : 1024;
		if ((nx = reallocarray(j->xfers, cap, sizeof(*nx))) == NULL)
			return -1;
		j->xfers = nx;
		j->xfercap = cap;
	}
	j->xfers[j->nxfers++] = (struct sim_xfer){ src, dst, bits, key };
	return 0;
}

static uint64_t
coll_phases(const struct sim_coll *c)
{
	uint64_t	m = c->nhosts / c->rails;

	switch (c->type) {
	case SIM_RING:
		return c->repeat * 2 * (m - 1);
	case SIM_ALLTOALL:
		return c->repeat;
	case SIM_PIPELINE:
		return (uint64_t)c->repeat * (c->microbatches + c->nhosts - 2);
	}
	return 0;
}

/* Ring all-reduce: every rail's ring moves S/M to the next member. */
static int
ring_phase(struct sim_job *j, const struct sim_coll *c, uint32_t ci,
    const uint32_t *h)
{
	uint32_t	m = c->nhosts / c->rails, r, k, ch;
	double		bits = c->size / m / c->channels;

	for (r = 0; r < c->rails; r++)
		for (k = 0; k < m; k++)
			for (ch = 0; ch < c->channels; ch++)
				if (xfer_add(j, h[r + k * c->rails],
				    h[r + ((k + 1) % m) * c->rails], bits,
				    key4(ci, h[r + k * c->rails],
				    h[r + ((k + 1) % m) * c->rails], ch)) == -1)
					return -1;
	return 0;
}

static int
a2a_phase(struct sim_job *j, const struct sim_coll *c, uint32_t ci,
    const uint32_t *h)
{
	uint32_t	a, b, ch;
	double		bits = c->size / c->nhosts / c->channels;

	for (a = 0; a < c->nhosts; a++)
		for (b = 0; b < c->nhosts; b++)
			for (ch = 0; a != b && ch < c->channels; ch++)
				if (xfer_add(j, h[a], h[b], bits,
				    key4(ci, h[a], h[b], ch)) == -1)
					return -1;
	return 0;
}

/* Wavefront k: microbatch k - i crosses from stage i to stage i + 1. */
static int
pipe_phase(struct sim_job *j, const struct sim_coll *c, uint32_t ci,
    const uint32_t *h, uint64_t k)
{
	uint32_t	i, ch;
	uint64_t	m;

	for (i = 0; i + 1 < c->nhosts; i++) {
		if (k < i || (m = k - i) >= c->microbatches)
			continue;
		for (ch = 0; ch < c->channels; ch++)
			if (xfer_add(j, h[i], h[i + 1], c->size / c->channels,
			    key4(ci, h[i], h[i + 1], ch)) == -1)
				return -1;
	}
	return 0;
}

static int
coll_phase(struct sim_job *j, const struct sim_coll *c, uint32_t ci,
    const uint32_t *h, uint64_t k)
{
	uint64_t	per = coll_phases(c) / c->repeat;

	switch (c->type) {
	case SIM_RING:
		return ring_phase(j, c, ci, h);
	case SIM_ALLTOALL:
		return a2a_phase(j, c, ci, h);
	case SIM_PIPELINE:
		return pipe_phase(j, c, ci, h, k % per);
	}
	return -1;
}

void
sim_job_free(struct sim_job *j)
{
	free(j->xfers);
	free(j->phase_off);
	memset(j, 0, sizeof(*j));
}

static int
job_phases(const struct sim_scenario *sc, struct sim_job *j,
    uint32_t **order, uint64_t nphases)
{
	uint64_t	k;
	uint32_t	ci;

	for (k = 0; k < nphases; k++) {
		j->phase_off[k] = j->nxfers;
		for (ci = 0; ci < sc->ncolls; ci++)
			if (k < coll_phases(&sc->colls[ci]) &&
			    coll_phase(j, &sc->colls[ci], ci, order[ci], k) ==
			    -1)
				return -1;
	}
	j->phase_off[nphases] = j->nxfers;
	j->nphases = nphases;
	return 0;
}

int
sim_job_build(const struct sim_scenario *sc, struct sim_job *j, char *err,
    size_t errlen)
{
	uint32_t	**order, ci;
	uint64_t	  nphases = 0;
	int		  r = -1;

	memset(j, 0, sizeof(*j));
	if (errlen > 0)
		err[0] = '\0';
	for (ci = 0; ci < sc->ncolls; ci++)
		if (coll_phases(&sc->colls[ci]) > nphases)
			nphases = coll_phases(&sc->colls[ci]);
	if (nphases == 0 || nphases > SIM_PHASES_MAX) {
		snprintf(err, errlen, "%s: the workload has %llu phases "
		    "(1 to %u)", sc->path, (unsigned long long)nphases,
		    SIM_PHASES_MAX);
		return -1;
	}
	if ((order = calloc(sc->ncolls, sizeof(*order))) == NULL ||
	    (j->phase_off = calloc(nphases + 1, sizeof(size_t))) == NULL)
		goto out;
	for (ci = 0; ci < sc->ncolls; ci++)
		if ((order[ci] = ordered_hosts(sc, &sc->colls[ci], ci,
		    sc->params.seed)) == NULL)
			goto out;
	if ((r = job_phases(sc, j, order, nphases)) == -1)
		snprintf(err, errlen, "%s: the workload has more than %u "
		    "transfers", sc->path, SIM_XFERS_MAX);
out:
	if (r == -1 && errlen > 0 && err[0] == '\0')
		snprintf(err, errlen, "%s: out of memory", sc->path);
	for (ci = 0; order != NULL && ci < sc->ncolls; ci++)
		free(order[ci]);
	free(order);
	if (r == -1)
		sim_job_free(j);
	return r;
}
