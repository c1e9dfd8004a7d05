/*
 * Link impairments, as `containerlab tools netem': a rate limit through a
 * TBF root qdisc (present on every kernel we run on), and delay, jitter,
 * loss and corruption through netem where the kernel has it.  This one does
 * not (no sch_netem), so those answer with an error that says so.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "compat.h"
#include "lab.h"
#include "log.h"
#include "proc.h"

#define TC_OUT_MAX	65536
#define TBF_MIN_BURST	(2 * (LAB_VETH_MTU + 14))

static int
node_iface_known(struct lab *lab, int idx, const char *ifname)
{
	struct clab_topo	*t = lab->topo;
	int			 i, j;

	if (strcmp(ifname, "eth0") == 0)
		return 1;
	for (i = 0; i < t->nlinks; i++)
		for (j = 0; j < 2; j++)
			if (t->links[i].ep[j].node_idx == idx &&
			    strcmp(t->links[i].ep[j].ifname, ifname) == 0)
				return 1;
	return 0;
}

static int
netem_target(struct lab *lab, const char *node, const char *ifname)
{
	int	idx;

	if ((idx = clab_node_find(lab->topo, node)) == -1) {
		log_warnx("%s: no node '%s'", lab->topo->path, node);
		return -1;
	}
	if (ifname != NULL && !node_iface_known(lab, idx, ifname)) {
		log_warnx("%s: node '%s' has no interface '%s'",
		    lab->topo->path, node, ifname);
		return -1;
	}
	if (!lab_ns_exists(lab->ns[idx])) {
		log_warnx("node '%s' is not deployed (no namespace %s)", node,
		    lab->ns[idx]);
		return -1;
	}
	return idx;
}

static int
tc_run(const char **argv, char *out, size_t outlen)
{
	char	cmd[512];
	int	r;

	r = proc_run(argv, NULL, out, outlen, PROC_MERGE_ERR);
	if (r != 0)
		log_debug("%s: exit %d: %s", proc_argv_str(argv, cmd,
		    sizeof(cmd)), r, out);
	return r;
}

/* A TBF bucket must hold at least a full frame, and ~10 ms at rate. */
static long
tbf_burst(long rate_kbit)
{
	long	burst = rate_kbit * 1000 / 8 / 100;

	return burst < TBF_MIN_BURST ? TBF_MIN_BURST : burst;
}

static int
netem_set_tbf(struct lab *lab, int idx, const struct lab_netem *ne)
{
	char	 rate[32], burst[32], out[TC_OUT_MAX];
	const char	*argv[] = { "tc", "-n", lab->ns[idx], "qdisc", "replace",
		    "dev", ne->ifname, "root", "tbf", "rate", rate,
		    "burst", burst, "latency", "50ms", NULL };

	snprintf(rate, sizeof(rate), "%ldkbit", ne->rate_kbit);
	snprintf(burst, sizeof(burst), "%ld", tbf_burst(ne->rate_kbit));
	if (tc_run(argv, out, sizeof(out)) != 0) {
		log_warnx("node '%s' %s: setting rate %ld kbit/s failed: %s",
		    ne->node, ne->ifname, ne->rate_kbit, out);
		return -1;
	}
	log_info("node '%s' %s: rate limited to %ld kbit/s (tbf, burst %s "
	    "bytes)", ne->node, ne->ifname, ne->rate_kbit, burst);
	return 0;
}

static int
netem_set_netem(struct lab *lab, int idx, const struct lab_netem *ne)
{
	char	 out[TC_OUT_MAX], rate[32], loss[32], corrupt[32];
	const char	*argv[32];
	int	 a = 0;

	argv[a++] = "tc"; argv[a++] = "-n"; argv[a++] = lab->ns[idx];
	argv[a++] = "qdisc"; argv[a++] = "replace"; argv[a++] = "dev";
	argv[a++] = ne->ifname; argv[a++] = "root";
	argv[a++] = "netem";
	if (ne->delay != NULL || ne->jitter != NULL) {
		argv[a++] = "delay";
		argv[a++] = (ne->delay ? ne->delay : "0ms");
		if (ne->jitter != NULL)
			argv[a++] = ne->jitter;
	}
	if (ne->loss != NULL) {
		snprintf(loss, sizeof(loss), "%s%%", ne->loss);
		argv[a++] = "loss"; argv[a++] = loss;
	}
	if (ne->corruption != NULL) {
		snprintf(corrupt, sizeof(corrupt), "%s%%", ne->corruption);
		argv[a++] = "corrupt"; argv[a++] = corrupt;
	}
	if (ne->rate_kbit >= 0) {
		snprintf(rate, sizeof(rate), "%ldkbit", ne->rate_kbit);
		argv[a++] = "rate"; argv[a++] = rate;
	}
	argv[a] = NULL;
	if (tc_run(argv, out, sizeof(out)) == 0)
		return 0;
	if (strstr(out, "qdisc kind is unknown") != NULL ||
	    strstr(out, "No such file") != NULL) {
		log_warnx("node '%s' %s: delay, jitter, loss and corruption "
		    "need the kernel's netem qdisc (sch_netem), which this "
		    "kernel does not have; --rate works without it (tbf)",
		    ne->node, ne->ifname);
		return -1;
	}
	log_warnx("node '%s' %s: netem failed: %s", ne->node, ne->ifname,
	    out);
	return -1;
}

int
lab_netem_set(struct lab *lab, const struct lab_netem *ne)
{
	int	idx;

	if ((idx = netem_target(lab, ne->node, ne->ifname)) == -1)
		return -1;
	if (ne->delay == NULL && ne->jitter == NULL && ne->loss == NULL &&
	    ne->corruption == NULL) {
		if (ne->rate_kbit < 0)
			return lab_netem_reset(lab, ne->node, ne->ifname);
		return netem_set_tbf(lab, idx, ne);
	}
	return netem_set_netem(lab, idx, ne);
}

int
lab_netem_reset(struct lab *lab, const char *node, const char *ifname)
{
	char	 out[TC_OUT_MAX];
	const char	*argv[] = { "tc", "-n", NULL, "qdisc", "del", "dev",
		    ifname, "root", NULL };
	int	 idx;

	if ((idx = netem_target(lab, node, ifname)) == -1)
		return -1;
	argv[2] = lab->ns[idx];
	/* No root qdisc to delete is not an error: the link is clean. */
	if (tc_run(argv, out, sizeof(out)) != 0 &&
	    strstr(out, "handle of zero") == NULL &&
	    strstr(out, "No such file") == NULL) {
		log_warnx("node '%s' %s: removing impairments failed: %s",
		    node, ifname, out);
		return -1;
	}
	log_info("node '%s' %s: impairments removed", node, ifname);
	return 0;
}

int
lab_netem_show(struct lab *lab, const char *node, int json)
{
	struct json_object	*root, *q;
	char			 out[TC_OUT_MAX];
	const char			*argv[] = { "tc", "-j", "-n", NULL, "qdisc",
				    "show", NULL };
	int			 idx;

	if ((idx = netem_target(lab, node, NULL)) == -1)
		return -1;
	argv[3] = lab->ns[idx];
	if (tc_run(argv, out, sizeof(out)) != 0 ||
	    (q = json_tokener_parse(out)) == NULL) {
		log_warnx("node '%s': tc qdisc show failed: %s", node, out);
		return -1;
	}
	if (json) {
		root = json_object_new_object();
		json_object_object_add(root, "node",
		    json_object_new_string(node));
		json_object_object_add(root, "qdiscs", q);
		puts(json_object_to_json_string_ext(root,
		    JSON_C_TO_STRING_PRETTY));
		json_object_put(root);
		return 0;
	}
	printf("%-12s %-8s %s\n", "Interface", "Qdisc", "Parameters");
	for (size_t i = 0; i < json_object_array_length(q); i++) {
		struct json_object *e = json_object_array_get_idx(q, i), *v;
		const char *dev = "", *kind = "", *opts = "";

		if (json_object_object_get_ex(e, "dev", &v))
			dev = json_object_get_string(v);
		if (json_object_object_get_ex(e, "kind", &v))
			kind = json_object_get_string(v);
		if (json_object_object_get_ex(e, "options", &v))
			opts = json_object_to_json_string_ext(v,
			    JSON_C_TO_STRING_PLAIN);
		if (!json_object_object_get_ex(e, "root", &v))
			continue;
		printf("%-12s %-8s %s\n", dev, kind, opts);
	}
	json_object_put(q);
	return 0;
}
