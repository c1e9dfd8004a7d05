/*
 * fabric-agent's configuration file (agent_conf.h): lib/yconf.c has
 * libyang validate it against yang/fabric-agent.yang; this file copies
 * what validation let through into struct agent_conf, and checks the two
 * rules that YANG cannot say (a prefix's host bits, a large community's
 * ranges), naming the file and the data path as libyang does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libyang/libyang.h>

#include "agent_conf.h"
#include "compat.h"
#include "frr_state.h"
#include "yconf.h"

/* Set by telemetry/subdir.am: $(pkgdatadir)/yang and the source tree's. */
#ifndef AGENT_YANG_INSTDIR
#define AGENT_YANG_INSTDIR	"/usr/local/share/fabric/yang"
#endif
#ifndef AGENT_YANG_SRCDIR
#define AGENT_YANG_SRCDIR	AGENT_YANG_INSTDIR
#endif

void
agent_conf_default(struct agent_conf *o)
{
	*o = (struct agent_conf){ 0 };
	o->interval = AGENT_DEF_INTERVAL;
	o->frr_interval = AGENT_DEF_FRR_INTERVAL;
	flowlet_conf_default(&o->fc);
	o->sc.mgmt = "eth0";
}

void
agent_conf_free(struct agent_conf *o)
{
	int	 i;

	for (i = 0; i < o->nstrs; i++)
		free(o->strs[i]);
	o->nstrs = 0;
}

/* A string of the file's that outlives its tree; NULL stays NULL. */
static int
keep(struct yconf *y, struct agent_conf *o, const char *s, const char **out)
{
	if (s == NULL)
		return 0;
	if (o->nstrs >= AGENT_CONF_STRS ||
	    (o->strs[o->nstrs] = strdup(s)) == NULL)
		return yconf_error(y, "out of memory");
	*out = o->strs[o->nstrs++];
	return 0;
}

static int
load_links(struct yconf *y, const struct lyd_node *top, struct agent_conf *o)
{
	struct sample_conf	*sc = &o->sc;
	const struct lyd_node	*c;
	double			 bps;

	LY_LIST_FOR(lyd_child(top), c) {
		if (strcmp(LYD_NAME(c), "interface") == 0)
			strlcpy(sc->ifnames[sc->nifnames++], lyd_get_value(c),
			    sizeof(sc->ifnames[0]));
		if (strcmp(LYD_NAME(c), "capacity") != 0)
			continue;
		if (ybandwidth_parse(ystr(c, "bandwidth"), &bps) == -1 ||
		    bps < 1 || bps > (double)UINT64_MAX)
			return yconf_node_error(y, ychild(c, "bandwidth"),
			    "a capacity is 1 bit/s or more");
		strlcpy(sc->caps[sc->ncaps].name, ystr(c, "interface"),
		    sizeof(sc->caps[0].name));
		sc->caps[sc->ncaps++].bps = (uint64_t)bps;
	}
	return 0;
}

static int
load_flowlet(struct yconf *y, const struct lyd_node *fl, struct agent_conf *o)
{
	struct flowlet_conf	*fc = &o->fc;
	const struct lyd_node	*c;
	const char		*lc = ystr(fl, "community");

	LY_LIST_FOR(lyd_child(fl), c) {
		if (strcmp(LYD_NAME(c), "prefix") != 0)
			continue;
		if (flowlet_prefix_parse(lyd_get_value(c),
		    &fc->prefixes[fc->nprefixes]) == -1)
			return yconf_node_error(y, c, "not an IPv4 or IPv6 "
			    "prefix, or host bits set past its length");
		fc->nprefixes++;
	}
	if (lc != NULL && !frr_lcomm_valid(lc))
		return yconf_node_error(y, ychild(fl, "community"), "each "
		    "part of a large community is 0 to 4294967295");
	if (keep(y, o, lc, &o->lcomm) == -1)
		return -1;
	fc->learn = lc != NULL;
	fc->table = yu32(fl, "table", fc->table);
	fc->pref = yu32(fl, "pref", fc->pref);
	fc->nhid_base = yu32(fl, "nhid-base", fc->nhid_base);
	fc->buckets = (uint16_t)yu32(fl, "buckets", fc->buckets);
	fc->idle_ms = yu32(fl, "idle-ms", fc->idle_ms);
	fc->unbalanced_ms = yu32(fl, "unbalanced-ms", fc->unbalanced_ms);
	return 0;
}

static int
load_frr(struct yconf *y, const struct lyd_node *frr, struct agent_conf *o)
{
	const char	*bgp = ystr(frr, "bgp-state");

	if (keep(y, o, ystr(frr, "namespace"), &o->frr_ns) == -1)
		return -1;
	o->bgp_state = (bgp != NULL && strcmp(bgp, "true") == 0) ||
	    o->frr_ns != NULL;
	o->frr_interval = yu32(frr, "interval-s", o->frr_interval);
	return 0;
}

static int
load(struct yconf *y, struct agent_conf *o)
{
	const struct lyd_node	*top = ytop(y->tree, "agent");
	char			*key = NULL;
	int			 rc;

	if (top == NULL)
		return 0;	/* an empty configuration: defaults */
	if (keep(y, o, ystr(top, "id"), &o->id) == -1 ||
	    keep(y, o, ystr(top, "publish"), &o->publish) == -1 ||
	    keep(y, o, ystr(top, "mgmt-interface"), &o->sc.mgmt) == -1 ||
	    yfile(y, top, "key-file", &key) == -1)
		return -1;
	rc = keep(y, o, key, &o->keyfile);
	free(key);
	if (rc == -1)
		return -1;
	o->interval = yu32(top, "interval-ms", (uint32_t)o->interval);
	if (load_links(y, top, o) == -1 ||
	    load_flowlet(y, ychild(top, "flowlet"), o) == -1 ||
	    load_frr(y, ychild(top, "frr"), o) == -1)
		return -1;
	return 0;
}

/*
 * Loads PATH over o (agent_conf_default() first).  On error, ERR says
 * what is wrong, where and why, beginning with PATH; o may hold part of
 * the file and is to be thrown away (agent_conf_free()).
 */
int
agent_conf_load(struct agent_conf *o, const char *path, char *err,
    size_t errlen)
{
	struct yconf	 y = { .path = path, .err = err, .errlen = errlen,
			    .module = AGENT_YANG_MODULE,
			    .instdir = AGENT_YANG_INSTDIR,
			    .srcdir = AGENT_YANG_SRCDIR };
	int		 rc;

	o->file = path;
	rc = yconf_parse(&y) == -1 || load(&y, o) == -1 ? -1 : 0;
	yconf_free(&y);
	return rc;
}

/* ---- the configuration in effect, as an instance of the module ---- */

static void
json_add_str(json_object *o, const char *name, const char *s)
{
	if (s != NULL)
		json_object_object_add(o, name, json_object_new_string(s));
}

static void
json_add_u32(json_object *o, const char *name, uint32_t v)
{
	json_object_object_add(o, name, json_object_new_int64(v));
}

static json_object *
links_json(const struct agent_conf *o, json_object *top)
{
	json_object	*ifs = json_object_new_array(), *caps, *c;
	char		 bps[32];
	int		 i;

	for (i = 0; i < o->sc.nifnames; i++)
		json_object_array_add(ifs,
		    json_object_new_string(o->sc.ifnames[i]));
	json_object_object_add(top, "interface", ifs);
	caps = json_object_new_array();
	for (i = 0; i < o->sc.ncaps; i++) {
		c = json_object_new_object();
		json_add_str(c, "interface", o->sc.caps[i].name);
		snprintf(bps, sizeof(bps), "%llu",
		    (unsigned long long)o->sc.caps[i].bps);
		json_add_str(c, "bandwidth", bps);
		json_object_array_add(caps, c);
	}
	json_object_object_add(top, "capacity", caps);
	return top;
}

static json_object *
flowlet_json(const struct agent_conf *o)
{
	const struct flowlet_conf	*fc = &o->fc;
	json_object			*fl = json_object_new_object();
	json_object			*pfx = json_object_new_array();
	char				 buf[64];
	int				 i;

	for (i = 0; i < fc->nprefixes; i++)
		json_object_array_add(pfx, json_object_new_string(
		    flowlet_prefix_str(&fc->prefixes[i], buf, sizeof(buf))));
	json_object_object_add(fl, "prefix", pfx);
	json_add_str(fl, "community", o->lcomm);
	json_add_u32(fl, "table", fc->table);
	json_add_u32(fl, "pref", fc->pref);
	json_add_u32(fl, "nhid-base", fc->nhid_base);
	json_add_u32(fl, "buckets", fc->buckets);
	json_add_u32(fl, "idle-ms", fc->idle_ms);
	json_add_u32(fl, "unbalanced-ms", fc->unbalanced_ms);
	return fl;
}

/*
 * What `fabric-agent --check' prints: the file and the command line
 * merged, as a file that -f would load to the same configuration.
 */
int
agent_conf_print(const struct agent_conf *o, FILE *fp)
{
	json_object	*root = json_object_new_object();
	json_object	*top = json_object_new_object();
	json_object	*frr = json_object_new_object();
	int		 rc;

	json_add_str(top, "id", o->id);
	json_add_str(top, "publish", o->publish);
	json_add_str(top, "key-file", o->keyfile);
	json_add_u32(top, "interval-ms", (uint32_t)o->interval);
	json_add_str(top, "mgmt-interface", o->sc.mgmt);
	links_json(o, top);
	json_object_object_add(top, "flowlet", flowlet_json(o));
	json_object_object_add(frr, "bgp-state",
	    json_object_new_boolean(o->bgp_state));
	json_add_str(frr, "namespace", o->frr_ns);
	json_add_u32(frr, "interval-s", o->frr_interval);
	json_object_object_add(top, "frr", frr);
	json_object_object_add(root, "fabric-agent:agent", top);
	rc = fprintf(fp, "%s\n", json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ? -1 : 0;
	json_object_put(root);
	return rc;
}
