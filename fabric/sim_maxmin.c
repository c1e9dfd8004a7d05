/*
 * Max-min fair rates by progressive filling: every flow's rate rises
 * together until a link direction fills (its flows freeze at the fair
 * share) or a flow reaches its own cap (it freezes there); repeat with
 * what is left.  A heap of link directions keyed by their fair share,
 * remaining capacity / unfrozen flows, finds the next bottleneck.  Keys
 * are lower bounds: freezing a flow at the current level never lowers
 * another link's share, so a link is re-keyed only when it reaches the
 * top (lazily), not at every flow frozen on it.  The cost is about
 * O(sum of path lengths + links x log links) per call.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

struct sim_heap_ent {
	double		key;
	uint32_t	ld;
};

static int
ent_less(const struct sim_heap_ent *a, const struct sim_heap_ent *b)
{
	return a->key < b->key || (a->key == b->key && a->ld < b->ld);
}

static void
heap_push(struct sim_mm *m, double key, uint32_t ld)
{
	struct sim_heap_ent	*h = m->heap, e = { key, ld };
	size_t			 i = m->nheap++, up;

	while (i > 0) {
		up = (i - 1) / 2;
		if (!ent_less(&e, &h[up]))
			break;
		h[i] = h[up];
		i = up;
	}
	h[i] = e;
}

static void
heap_pop(struct sim_mm *m)
{
	struct sim_heap_ent	*h = m->heap, last = h[--m->nheap];
	size_t			 i = 0, c;

	while ((c = 2 * i + 1) < m->nheap) {
		if (c + 1 < m->nheap && ent_less(&h[c + 1], &h[c]))
			c++;
		if (!ent_less(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = last;
}

static int
scratch(struct sim_mm *m, uint32_t nld, uint32_t nflows, size_t nhops)
{
	size_t	ldcap = m->ldcap, flowcap = m->flowcap, lfcap = m->lfcap;
	size_t	c;

	if (nld + 1 > ldcap) {
		c = ldcap;
		if (array_grow((void **)&m->rem, &c, nld + 1, sizeof(*m->rem)) ||
		    (c = ldcap, array_grow((void **)&m->cnt, &c, nld + 1,
		    sizeof(*m->cnt))) ||
		    (c = ldcap, array_grow((void **)&m->lf_off, &c, nld + 2,
		    sizeof(*m->lf_off))))
			return -1;
		m->ldcap = c;
	}
	if (nflows + 1 > flowcap) {
		c = flowcap;
		if (array_grow((void **)&m->frozen, &c, nflows + 1,
		    sizeof(*m->frozen)) || (c = flowcap,
		    array_grow((void **)&m->capped, &c, nflows + 1,
		    sizeof(*m->capped))))
			return -1;
		m->flowcap = c;
	}
	if (nhops + 1 > lfcap) {
		c = lfcap;
		if (array_grow((void **)&m->lf, &c, nhops + 1, sizeof(*m->lf)))
			return -1;
		m->lfcap = c;
	}
	return array_grow((void **)&m->heap, &m->heapcap, nld + 1,
	    sizeof(*m->heap));
}

void
sim_mm_free(struct sim_mm *m)
{
	free(m->rem);
	free(m->cnt);
	free(m->lf_off);
	free(m->lf);
	free(m->frozen);
	free(m->capped);
	free(m->heap);
	memset(m, 0, sizeof(*m));
}

static const double *cap_sort_fcap;

static int
cap_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (cap_sort_fcap[x] != cap_sort_fcap[y])
		return cap_sort_fcap[x] < cap_sort_fcap[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The link directions each flow crosses, as lists per link direction. */
static void
index_links(struct sim_mm *m, uint32_t nld, uint32_t nflows,
    const uint32_t *hop_off, const uint32_t *hops)
{
	uint32_t	f, l;
	size_t		h;

	memset(m->cnt, 0, nld * sizeof(*m->cnt));
	for (h = 0; h < hop_off[nflows]; h++)
		m->cnt[hops[h]]++;
	m->lf_off[0] = 0;
	for (l = 0; l < nld; l++)
		m->lf_off[l + 1] = m->lf_off[l] + m->cnt[l];
	for (f = 0; f < nflows; f++)
		for (h = hop_off[f]; h < hop_off[f + 1]; h++)
			m->lf[m->lf_off[hops[h]] + --m->cnt[hops[h]]] = f;
	for (h = 0; h < hop_off[nflows]; h++)
		m->cnt[hops[h]]++;
}

static void
freeze(struct sim_mm *m, uint32_t f, double r, const uint32_t *hop_off,
    const uint32_t *hops, double *rate)
{
	size_t		h;
	uint32_t	l;

	m->frozen[f] = 1;
	rate[f] = r;
	for (h = hop_off[f]; h < hop_off[f + 1]; h++) {
		l = hops[h];
		m->rem[l] -= r;
		m->cnt[l]--;
	}
}

static double
share_of(const struct sim_mm *m, uint32_t l)
{
	return m->rem[l] > 0 ? m->rem[l] / m->cnt[l] : 0;
}

/* The bottleneck with the lowest fair share, or UINT32_MAX. */
static uint32_t
heap_top(struct sim_mm *m, double *share)
{
	struct sim_heap_ent	e;
	double			s;

	while (m->nheap > 0) {
		e = m->heap[0];
		if (m->cnt[e.ld] == 0) {
			heap_pop(m);
			continue;
		}
		s = share_of(m, e.ld);
		if (s <= e.key * (1 + 1e-12)) {
			*share = s;
			return e.ld;
		}
		heap_pop(m);		/* its share rose: re-key it */
		heap_push(m, s, e.ld);
	}
	*share = INFINITY;
	return UINT32_MAX;
}

/*
 * Flow f crosses link directions hops[hop_off[f] .. hop_off[f + 1]);
 * fcap[f] is its own limit (INFINITY for none; NULL: no flow has one).
 * Fills rate[]; 0, or -1 on ENOMEM.
 */
int
sim_maxmin(struct sim_mm *m, uint32_t nld, const double *cap,
    uint32_t nflows, const uint32_t *hop_off, const uint32_t *hops,
    const double *fcap, double *rate)
{
	uint32_t	f, l, ncapped = 0, ci = 0, left = 0, k;
	double		share;

	if (scratch(m, nld, nflows, hop_off[nflows]) == -1) {
		errno = ENOMEM;
		return -1;
	}
	index_links(m, nld, nflows, hop_off, hops);
	m->nheap = 0;
	for (l = 0; l < nld; l++) {
		m->rem[l] = cap[l] > 0 ? cap[l] : 0;
		if (m->cnt[l] > 0)
			heap_push(m, m->rem[l] / m->cnt[l], l);
	}
	for (f = 0; f < nflows; f++) {
		m->frozen[f] = 0;
		rate[f] = 0;
		if (fcap != NULL && isfinite(fcap[f]))
			m->capped[ncapped++] = f;
		if (hop_off[f] == hop_off[f + 1]) {	/* crosses nothing */
			m->frozen[f] = 1;
			rate[f] = fcap != NULL && isfinite(fcap[f]) ?
			    fcap[f] : 0;
		} else
			left++;
	}
	cap_sort_fcap = fcap;
	if (ncapped > 1)
		qsort(m->capped, ncapped, sizeof(*m->capped), cap_cmp);
	while (left > 0) {
		while (ci < ncapped && m->frozen[m->capped[ci]])
			ci++;
		l = heap_top(m, &share);
		if (ci < ncapped && fcap[m->capped[ci]] <= share) {
			freeze(m, m->capped[ci], fcap[m->capped[ci]] > 0 ?
			    fcap[m->capped[ci]] : 0, hop_off, hops, rate);
			left--;
			continue;
		}
		if (l == UINT32_MAX)
			break;
		heap_pop(m);
		for (k = m->lf_off[l]; k < m->lf_off[l + 1]; k++) {
			f = m->lf[k];
			if (m->frozen[f])
				continue;
			freeze(m, f, share, hop_off, hops, rate);
			left--;
		}
	}
	return 0;
}
