/*
 * Per-agent FRR state in the ingest (ingest.h): the latest BGP session
 * snapshot (type 3 replaces it whole) and the steered routes (type 4
 * updates the prefixes it names; a route with no next-hop is gone from
 * the FIB and is forgotten).  No I/O; the caller's clock.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "util.h"

static size_t
fam_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

static struct ingest_frr *
frr_get(struct ingest *in, const char *agent)
{
	struct ingest_frr	*f;
	size_t			 i;

	for (i = 0; i < in->nfrr; i++)
		if (strcmp(in->frr[i].agent, agent) == 0)
			return &in->frr[i];
	if (in->nfrr >= TMSG_MAX_AGENTS ||
	    array_grow((void **)&in->frr, &in->frrcap, in->nfrr + 1,
	    sizeof(*in->frr)) == -1)
		return NULL;
	f = &in->frr[in->nfrr++];
	*f = (struct ingest_frr){ 0 };
	memcpy(f->agent, agent, sizeof(f->agent));
	return f;
}

const struct ingest_frr *
ingest_frr_find(const struct ingest *in, const char *agent)
{
	size_t	 i;

	for (i = 0; i < in->nfrr; i++)
		if (strcmp(in->frr[i].agent, agent) == 0)
			return &in->frr[i];
	return NULL;
}

static size_t
route_index(const struct ingest_frr *f, uint8_t family, uint8_t len,
    const uint8_t *addr)
{
	size_t	 i;

	for (i = 0; i < f->nroutes; i++)
		if (f->routes[i].family == family && f->routes[i].len == len &&
		    memcmp(f->routes[i].addr, addr, fam_len(family)) == 0)
			return i;
	return f->nroutes;
}

const struct tmsg_route *
ingest_frr_route(const struct ingest_frr *f, uint8_t family, uint8_t len,
    const uint8_t *addr)
{
	size_t	 i = route_index(f, family, len, addr);

	return i < f->nroutes ? &f->routes[i] : NULL;
}

static void
route_update(struct ingest_frr *f, const struct tmsg_route *r)
{
	size_t	 i = route_index(f, r->family, r->len, r->addr);

	if (r->nnh == 0) {
		if (i < f->nroutes)
			f->routes[i] = f->routes[--f->nroutes];
		return;
	}
	if (i == f->nroutes) {
		if (f->nroutes >= INGEST_MAX_ROUTES ||
		    array_grow((void **)&f->routes, &f->cap, f->nroutes + 1,
		    sizeof(*f->routes)) == -1) {
			f->dropped_routes++;
			return;
		}
		f->nroutes++;
	}
	f->routes[i] = *r;
}

void
ingest_frr_apply(struct ingest *in, const struct tmsg *m, uint64_t now_ms)
{
	struct ingest_frr	*f;
	uint16_t		 i;

	if ((f = frr_get(in, m->agent)) == NULL)
		return;
	if (m->type == TMSG_T_BGP_STATE) {
		in->bgp_states++;
		memcpy(f->bgp, m->bgp, m->nbgp * sizeof(m->bgp[0]));
		f->nbgp = m->nbgp;
		f->bgp_ms = now_ms;
		return;
	}
	in->fib_routes++;
	for (i = 0; i < m->nroutes; i++)
		route_update(f, &m->routes[i]);
	f->routes_ms = now_ms;
}

void
ingest_frr_free(struct ingest *in)
{
	size_t	 i;

	for (i = 0; i < in->nfrr; i++)
		free(in->frr[i].routes);
	free(in->frr);
	in->frr = NULL;
	in->nfrr = in->frrcap = 0;
}
