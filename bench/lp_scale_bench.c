/*
 * lp_scale_bench: the simulator's optimal-routing LP (fabric/sim_lp.c,
 * GLPK simplex) for one phase of a collective on three-tier fabrics of
 * 1,000 to 100,000 GPUs, beside route_compute() on the same fabric.
 * Same shape as route_bench: 8 GPUs a host, 4 hosts a leaf, 32 leaves and
 * 16 spines a pod, 64 super-spines (every spine to every super-spine).
 *
 * usage: bench/lp_scale_bench GPUS WORKLOAD [auto|colgen|paths]
 *   ring: one ring step, host i to host i + 4 (the next leaf; the last
 *         leaf of a pod sends to the first of the next pod), 1 Gbit each
 *   a2a:  one all-to-all phase, every host 1 Gbit to every other
 *   ring-deg, a2a-deg: the same with, in every pod, the first leaf's
 *         link to the pod's first spine at half capacity and the second
 *         spine's link to one super-spine down, from the start: the
 *         hosts' links no longer bound the phase, so an LP must run
 *   ring-mid: the ring step with the first leaf's link to the first
 *         spine down halfway through it: two intervals in one LP
 *   auto (sim_optimal), colgen (no fluid shortcut), paths (the full LP)
 * Prints one line; bench/lp_scale_bench.sh caps each run at 10 minutes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabric.h"
#include "route.h"
#include "sim.h"

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
rss_mib(void)
{
	FILE	*fp = fopen("/proc/self/status", "r");
	char	 line[256];
	long	 v = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			v = strtol(line + 6, NULL, 10) >> 10;
	fclose(fp);
	return v;
}

int
main(int argc, char **argv)
{
	struct sim_scenario	*sc;
	struct sim_job		 job = { 0 };
	struct sim_result	 res;
	static const char	*methods[] = { "auto", "colgen", "paths" };
	struct sim_opt_stats	 st;
	enum sim_opt_method	 m = SIM_OPT_AUTO;
	struct route_params	 p = { 0, 0, 0, 0.05 };
	struct fab_routes	*r;
	char			*yaml, err[512];
	uint32_t		*hosts, nh = 0, pods, i, j, a2a, deg;
	size_t			 n, k = 0, len, cap;
	double			 t0, t_route, t_lp;

	for (i = 0; argc == 4 && i < 3; i++)
		if (strcmp(argv[3], methods[i]) == 0)
			break;
	if (argc == 4 && i == 3)
		argc = 0;
	else if (argc == 4)
		m = (enum sim_opt_method)i;
	if ((argc != 3 && argc != 4) || (strcmp(argv[2], "ring") != 0 &&
	    strcmp(argv[2], "a2a") != 0 && strcmp(argv[2], "ring-deg") != 0 &&
	    strcmp(argv[2], "a2a-deg") != 0 &&
	    strcmp(argv[2], "ring-mid") != 0)) {
		fprintf(stderr, "usage: lp_scale_bench GPUS "
		    "ring|a2a|ring-deg|a2a-deg|ring-mid [auto|colgen|paths]\n");
		return 2;
	}
	pods = ((uint32_t)strtoul(argv[1], NULL, 10) + 1023) / 1024;
	a2a = strncmp(argv[2], "a2a", 3) == 0;
	deg = strstr(argv[2], "-deg") != NULL;
	cap = 1024 + (size_t)pods * 256;
	if ((yaml = malloc(cap)) == NULL)
		return 1;
	len = (size_t)snprintf(yaml, cap,
	    "fabric:\n  clos:\n    pods: %u\n    leaves: 32\n    spines: 16\n"
	    "    superspines: 64\n    hosts_per_leaf: 4\n    gpus_per_host: 8\n"
	    "    host_link: 3200G\n    leaf_link: 800G\n    spine_link: 800G\n"
	    "workload:\n  - {type: all-to-all, hosts: all,"
	    " size: 1MB}\n%s", pods, deg ? "events:\n" :
	    strcmp(argv[2], "ring-mid") == 0 ? "events:\n  - {at: 150us,"
	    " link: [pod0-leaf1, pod0-spine1], action: down}\n" : "");
	for (i = 0; deg && i < pods; i++)
		len += (size_t)snprintf(yaml + len, cap - len,
		    "  - {at: 0, link: [pod%u-leaf%u, pod%u-spine%u],"
		    " action: degrade, fraction: 0.5}\n"
		    "  - {at: 0, link: [pod%u-spine%u, ss%u], action: down}\n",
		    i, i * 32 + 1, i, i * 16 + 1, i, i * 16 + 2, 1 + i % 64);
	if ((sc = sim_scen_parse("lp-scale", yaml, len, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if ((hosts = calloc(sc->fab->nnodes, sizeof(*hosts))) == NULL)
		return 1;
	for (i = 0; i < sc->fab->nnodes; i++)
		if (sc->fab->nodes[i].role == ROLE_HOST)
			hosts[nh++] = i;
	n = a2a ? (size_t)nh * (nh - 1) : nh;
	if (n > SIM_XFERS_MAX) {
		printf("%7u GPUs %s: %zu transfers, over SIM_XFERS_MAX\n",
		    pods * 1024, argv[2], n);
		return 0;
	}
	if ((job.xfers = calloc(n, sizeof(*job.xfers))) == NULL ||
	    (job.phase_off = calloc(2, sizeof(*job.phase_off))) == NULL)
		return 1;
	for (i = 0; i < nh; i++)
		for (j = 0; j < nh; j++) {
			if (a2a ? i == j : j != (i + 4) % nh)
				continue;
			job.xfers[k].src = hosts[i];
			job.xfers[k].dst = hosts[j];
			job.xfers[k].bits = 1e9;
			job.xfers[k].key = k;
			k++;
		}
	job.nxfers = job.xfercap = k;
	job.phase_off[1] = k;
	job.nphases = 1;

	t0 = now_s();
	if ((r = route_new()) == NULL || route_compute(r, sc->fab, &p) == -1) {
		perror("route_compute");
		return 1;
	}
	t_route = now_s() - t0;
	route_free(r);
	/* first, so that a run cut off in the LP still reports it */
	printf("%7u GPUs %s: %zu transfers, %u links: route_compute %.3f s, ",
	    pods * 1024, argv[2], k, sc->fab->nlinks, t_route);
	fflush(stdout);

	t0 = now_s();
	if (sim_optimal_with(sc, &job, m, &res, &st) == -1) {
		perror("sim_optimal");
		return 1;
	}
	t_lp = now_s() - t0;
	printf("optimum %.3f s (%s: %s, %llu simplex calls, %llu rounds, "
	    "%llu columns, gap %.1e), phase %.9g s, RSS %ld MiB\n", t_lp,
	    methods[m], st.fluid > 0 ? "fluid split" : "LP",
	    (unsigned long long)res.lp_solves,
	    (unsigned long long)st.rounds, (unsigned long long)st.columns,
	    st.gap, res.jct, rss_mib());
	sim_job_free(&job);
	free(hosts);
	sim_scen_free(sc);
	free(yaml);
	return 0;
}
