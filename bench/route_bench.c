/*
 * route_bench: full weighted-ECMP computation and single-link updates on
 * three-tier fabrics of 1,000 to 100,000 GPUs; prints time and memory.
 *
 * usage: bench/route_bench [GPUS ...]     (default 1024 10240 102400)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabric.h"
#include "route.h"

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
rss_kb(const char *field)
{
	FILE	*fp = fopen("/proc/self/status", "r");
	char	 line[256];
	long	 v = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field), NULL, 10);
	fclose(fp);
	return v;
}

/* 8 GPUs a host, 4 hosts a leaf, 32 leaves and 16 spines a pod. */
static void
bench(uint32_t gpus)
{
	struct fab_clos_spec	 s = { 0 };
	struct route_params	 p = { 0, 0, 0, 0.05 };
	struct fabric		*f;
	struct fab_routes	*r = route_new();
	double			 t0, t1, tu = 0, G = 1e9;
	uint32_t		 l, i, switches = 0;
	size_t			 whole;

	s.gpus_per_host = 8;
	s.hosts_per_leaf = 4;
	s.leaves_per_pod = 32;
	s.spines_per_pod = 16;
	s.pods = (gpus + 1023) / 1024;
	s.superspines = 64;
	s.host_link = 3200 * G;
	s.leaf_link = 800 * G;
	s.spine_link = 800 * G;
	if ((f = fab_clos(&s)) == NULL) {
		fprintf(stderr, "fab_clos failed\n");
		exit(1);
	}
	for (i = 0; i < f->nnodes; i++)
		switches += f->nodes[i].role != ROLE_HOST;
	t0 = now_s();
	if (route_compute(r, f, &p) == -1) {
		perror("route_compute");
		exit(1);
	}
	t1 = now_s();
	srandom(1);
	for (i = 0; i < 20; i++) {	/* single-link changes */
		do
			l = random() % f->nlinks;
		while (f->nodes[f->links[l].a].role == ROLE_HOST);
		fab_link_set_state(f, l, FAB_DOWN);
		tu -= now_s();
		route_update(r, f, &p, &l, 1, &whole);
		tu += now_s();
	}
	printf("%7u GPUs %6u switches %7u links: full %8.3f s, "
	    "link change %8.2f ms (mean of 20), routes %6zu MiB, "
	    "RSS %6ld MiB\n", s.pods * 1024, switches, f->nlinks, t1 - t0,
	    tu / 20 * 1000, route_memory(r) >> 20, rss_kb("VmHWM:") >> 10);
	fflush(stdout);
	route_free(r);
	fab_free(f);
}

int
main(int argc, char **argv)
{
	int	i;

	if (argc == 1) {
		bench(1024);
		bench(10240);
		bench(102400);
	}
	for (i = 1; i < argc; i++)
		bench((uint32_t)strtoul(argv[i], NULL, 10));
	return 0;
}
