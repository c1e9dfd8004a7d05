/*
 * BGP session states from FRR (frr_state.h).  `show bgp summary json`
 * lists the peers once per address family; a peer is reported once, from
 * the first family that names it.  vtysh is run without a shell.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "frr_state.h"
#include "log.h"
#include "proc.h"

static uint32_t
get_u32(json_object *o, const char *key)
{
	json_object	*v;
	int64_t		 n;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	n = json_object_get_int64(v);
	return n < 0 ? 0 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* "Idle (Admin)" is Idle; FRR's names are RFC 4271's. */
static uint8_t
peer_state(json_object *o)
{
	json_object	*v;
	char		 buf[32];
	const char	*s;

	if (!json_object_object_get_ex(o, "state", &v) ||
	    (s = json_object_get_string(v)) == NULL)
		return TMSG_BGP_UNKNOWN;
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(s, " "), s);
	return tmsg_bgp_state_from_str(buf);
}

static int
seen(const struct tmsg *m, const char *peer)
{
	uint16_t	 i;

	for (i = 0; i < m->nbgp; i++)
		if (strcmp(m->bgp[i].peer, peer) == 0)
			return 1;
	return 0;
}

static void
add_peers(json_object *peers, struct tmsg *m)
{
	struct tmsg_bgp	*p;

	json_object_object_foreach(peers, name, o) {
		if (m->nbgp >= TMSG_MAX_BGP || *name == '\0' ||
		    strlen(name) > TMSG_PEER_MAX || seen(m, name) ||
		    !json_object_is_type(o, json_type_object))
			continue;
		p = &m->bgp[m->nbgp++];
		*p = (struct tmsg_bgp){ .state = peer_state(o),
		    .remote_as = get_u32(o, "remoteAs"),
		    .pfx_rcvd = get_u32(o, "pfxRcd") };
		snprintf(p->peer, sizeof(p->peer), "%s", name);
		if (p->state == TMSG_BGP_ESTABLISHED)
			p->uptime_s = get_u32(o, "peerUptimeMsec") / 1000;
	}
}

/* Fills m->bgp from the JSON text; -1 if it is not what FRR writes. */
int
frr_bgp_parse(const char *text, struct tmsg *m)
{
	json_object	*root, *peers;

	m->nbgp = 0;
	if ((root = json_tokener_parse(text)) == NULL)
		return -1;
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -1;
	}
	json_object_object_foreach(root, af, v) {
		(void)af;
		if (json_object_is_type(v, json_type_object) &&
		    json_object_object_get_ex(v, "peers", &peers) &&
		    json_object_is_type(peers, json_type_object))
			add_peers(peers, m);
	}
	json_object_put(root);
	return 0;
}

/* Runs vtysh (-N ns when ns is not NULL) and parses what it says. */
int
frr_bgp_poll(const char *ns, char *buf, size_t len, struct tmsg *m)
{
	const char	*argv[] = { "vtysh", "-N", ns, "-c",
			    "show bgp summary json", NULL };
	const char	*const *av = argv;
	int		 rc;

	if (ns == NULL) {
		argv[2] = "vtysh";
		av = argv + 2;
	}
	if ((rc = proc_run(av, NULL, buf, len, 0)) != 0) {
		log_warnx("vtysh%s%s: show bgp summary json: exit %d",
		    ns ? " -N " : "", ns ? ns : "", rc);
		return -1;
	}
	if (frr_bgp_parse(buf, m) == -1) {
		log_warnx("vtysh: show bgp summary json: not JSON");
		return -1;
	}
	return 0;
}

/* ---- flowlet marking: routes with the controller's large community ---- */

/* GLOBAL:LOCAL1:LOCAL2, each 0..4294967295 (RFC 8092). */
int
frr_lcomm_valid(const char *s)
{
	const char		*p = s;
	char			*end;
	unsigned long long	 v;
	int			 i;

	for (i = 0; i < 3; i++) {
		if (*p < '0' || *p > '9')
			return 0;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || v > UINT32_MAX ||
		    *end != (i < 2 ? ':' : '\0'))
			return 0;
		p = end + 1;
	}
	return 1;
}

/*
 * The prefixes of `show bgp ... large-community LC json`: the keys of its
 * "routes" object.  Appends to out (n already there), returns the new n,
 * or -1 if the text is not that JSON.
 */
int
frr_lcomm_parse(const char *text, struct flowlet_prefix *out, int max)
{
	json_object	*root, *routes;
	int		 n = 0;

	if ((root = json_tokener_parse(text)) == NULL)
		return -1;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "routes", &routes) ||
	    !json_object_is_type(routes, json_type_object)) {
		json_object_put(root);
		return -1;
	}
	json_object_object_foreach(routes, pfx, v) {
		(void)v;
		if (n < max && flowlet_prefix_parse(pfx, &out[n]) == 0)
			n++;
	}
	json_object_put(root);
	return n;
}

/* IPv4 and IPv6 unicast routes carrying lc, into out; count or -1. */
int
frr_lcomm_poll(const char *ns, const char *lc, char *buf, size_t len,
    struct flowlet_prefix *out, int max)
{
	static const char *const afs[] = { "ipv4", "ipv6" };
	char		 cmd[96];
	const char	*argv[] = { "vtysh", "-N", ns, "-c", cmd, NULL };
	const char	*const *av = ns ? argv : argv + 2;
	size_t		 i;
	int		 n = 0, k, rc;

	if (ns == NULL)
		argv[2] = "vtysh";
	for (i = 0; i < sizeof(afs) / sizeof(afs[0]); i++) {
		snprintf(cmd, sizeof(cmd),
		    "show bgp %s unicast large-community %s json", afs[i], lc);
		if ((rc = proc_run(av, NULL, buf, len, 0)) != 0) {
			log_warnx("vtysh: %s: exit %d", cmd, rc);
			return -1;
		}
		if ((k = frr_lcomm_parse(buf, out + n, max - n)) == -1) {
			log_warnx("vtysh: %s: not the JSON expected", cmd);
			return -1;
		}
		n += k;
	}
	return n;
}
