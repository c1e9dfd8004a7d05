/*
 * Synthetic Clos fabrics: the two- and three-tier shapes of AI pods, for
 * the simulator, tests and benchmarks.  Names: leafN/spineN/hN for two
 * tiers; podP-leafN, podP-spineN, ssN, podP-hN for three.
 */
#include "config.h"

#include <stdio.h>

#include "fabric.h"

static uint32_t
add(struct fabric *f, enum fab_role role, int32_t pod, const char *fmt,
    uint32_t i, int three_tier)
{
	char	name[FAB_NAME_MAX];

	if (three_tier && pod >= 0)
		snprintf(name, sizeof(name), "pod%d-%s%u", pod, fmt, i);
	else
		snprintf(name, sizeof(name), "%s%u", fmt, i);
	return fab_node_add(f, name, role, pod);
}

static int
build_pod(struct fabric *f, const struct fab_clos_spec *s, int32_t pod,
    int three, uint32_t *spines)
{
	uint32_t	leaf, h, i, j, k, first_leaf = (pod < 0 ? 0 : pod) *
			    s->leaves_per_pod;

	for (j = 0; j < s->spines_per_pod; j++)
		if ((spines[j] = add(f, ROLE_SPINE, pod < 0 ? 0 : pod,
		    "spine", (pod < 0 ? 0 : pod) * s->spines_per_pod + j + 1,
		    three)) == FAB_NONE)
			return -1;
	for (i = 0; i < s->leaves_per_pod; i++) {
		if ((leaf = add(f, ROLE_LEAF, pod < 0 ? 0 : pod, "leaf",
		    first_leaf + i + 1, three)) == FAB_NONE)
			return -1;
		for (j = 0; j < s->spines_per_pod; j++)
			if (fab_link_add(f, leaf, spines[j], s->leaf_link, 1) ==
			    FAB_NONE)
				return -1;
		for (k = 0; k < s->hosts_per_leaf; k++) {
			if ((h = add(f, ROLE_HOST, pod < 0 ? 0 : pod, "h",
			    (first_leaf + i) * s->hosts_per_leaf + k + 1,
			    three)) == FAB_NONE ||
			    fab_link_add(f, h, leaf, s->host_link, 1) ==
			    FAB_NONE)
				return -1;
			f->nodes[h].gpus = s->gpus_per_host;
		}
	}
	return 0;
}

struct fabric *
fab_clos(const struct fab_clos_spec *s)
{
	struct fabric	*f;
	uint32_t	 spines[1024], ss0 = 0, p, j, k;
	int		 three = s->pods > 0;

	if (s->spines_per_pod == 0 || s->spines_per_pod > 1024 ||
	    s->leaves_per_pod == 0 || (f = fab_new()) == NULL)
		return NULL;
	for (k = 0; three && k < s->superspines; k++) {
		uint32_t ss = add(f, ROLE_SUPERSPINE, -1, "ss", k + 1, 1);

		if (ss == FAB_NONE)
			goto fail;
		if (k == 0)
			ss0 = ss;
	}
	for (p = 0; p < (three ? s->pods : 1); p++) {
		if (build_pod(f, s, three ? (int32_t)p : -1, three, spines) ==
		    -1)
			goto fail;
		for (j = 0; three && j < s->spines_per_pod; j++)
			for (k = 0; k < s->superspines; k++)
				if (fab_link_add(f, spines[j], ss0 + k,
				    s->spine_link, 1) == FAB_NONE)
					goto fail;
	}
	return f;
fail:
	fab_free(f);
	return NULL;
}
