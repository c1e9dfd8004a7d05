/*
 * Containerlab topology files, read with libyaml's document loader so that
 * every node keeps its line for error messages.
 *
 * Inheritance follows containerlab: a node's property comes from the node,
 * else from topology.kinds.KIND, else from topology.defaults.  binds are
 * joined across the three levels; a later level replaces an earlier bind
 * with the same destination.  Everything is checked before anything is
 * created, and every problem found is reported, not only the first.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "clab.h"
#include "compat.h"
#include "log.h"

#define CLAB_FILE_MAX	(4 * 1024 * 1024)
#define CLAB_BINDS_MAX	64
#define CLAB_MERGE_DEPTH	8	/* "<<" inside "<<" inside ... */
#define CLAB_MERGE_VISITS	1024	/* mappings merged in for one lookup */

struct clab_ctx {
	const char		*path;
	yaml_document_t		 doc;
	struct clab_topo	*topo;
	yaml_node_t		*defaults;
	yaml_node_t		*kinds;
	int			 nerrors;
	int			 merge_bad;	/* reported once */
};

struct clab_bind {
	char		*src;		/* resolved */
	const char	*dst;		/* "/etc/frr/:ro" */
	size_t		 dstlen;	/* without options and trailing '/' */
	int		 line;
};

static void	 cerr(struct clab_ctx *, const yaml_node_t *, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	 cerr_line(struct clab_ctx *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	 cwarn(struct clab_ctx *, const yaml_node_t *, const char *,
		    ...) __attribute__((__format__ (printf, 3, 4)));
static void	 cwarn_line(struct clab_ctx *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

static int
line_of(const yaml_node_t *n)
{
	return n != NULL ? (int)n->start_mark.line + 1 : 0;
}

/* "FILE:LINE: error: ...", or "FILE: error: ..." where no line is known. */
static void
vreport(struct clab_ctx *ctx, int line, const char *level, const char *fmt,
    va_list ap)
{
	char	msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		log_warnx("%s:%d: %s: %s", ctx->path, line, level, msg);
	else
		log_warnx("%s: %s: %s", ctx->path, level, msg);
}

static void
cerr(struct clab_ctx *ctx, const yaml_node_t *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(ctx, line_of(n), "error", fmt, ap);
	va_end(ap);
	ctx->nerrors++;
}

static void
cerr_line(struct clab_ctx *ctx, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(ctx, line, "error", fmt, ap);
	va_end(ap);
	ctx->nerrors++;
}

static void
cwarn(struct clab_ctx *ctx, const yaml_node_t *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(ctx, line_of(n), "warning", fmt, ap);
	va_end(ap);
	ctx->topo->nwarnings++;
}

static void
cwarn_line(struct clab_ctx *ctx, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(ctx, line, "warning", fmt, ap);
	va_end(ap);
	ctx->topo->nwarnings++;
}

static yaml_node_t *
ynode(struct clab_ctx *ctx, int idx)
{
	return yaml_document_get_node(&ctx->doc, idx);
}

static const char *
yscalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/*
 * Looks KEY up in MAP, following YAML merge keys ("<<: *anchor"), which
 * libyaml leaves to the application.  An anchor can be merged into itself
 * ("r1: &r1 {<<: *r1}"), and merges can fan out: both are bounded.
 */
static yaml_node_t *
map_get_r(struct clab_ctx *ctx, yaml_node_t *map, const char *key,
    int depth, int *visits)
{
	yaml_node_pair_t	*p;
	yaml_node_item_t	*it;
	yaml_node_t		*k, *v, *found = NULL, *merge = NULL;
	yaml_node_t		*mergekey = NULL;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = ynode(ctx, p->key);
		v = ynode(ctx, p->value);
		if (yscalar(k) == NULL)
			continue;
		if (strcmp(yscalar(k), key) == 0)
			found = v;
		else if (strcmp(yscalar(k), "<<") == 0) {
			merge = v;
			mergekey = k;
		}
	}
	if (found != NULL || merge == NULL)
		return found;
	if (depth == CLAB_MERGE_DEPTH || ++*visits > CLAB_MERGE_VISITS) {
		if (!ctx->merge_bad)
			cerr(ctx, mergekey, "merge keys ('<<') nest too deeply "
			    "or merge a mapping into itself");
		ctx->merge_bad = 1;
		return NULL;
	}
	if (merge->type == YAML_MAPPING_NODE)
		return map_get_r(ctx, merge, key, depth + 1, visits);
	if (merge->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (it = merge->data.sequence.items.start;
	    it < merge->data.sequence.items.top; it++)
		if ((found = map_get_r(ctx, ynode(ctx, *it), key, depth + 1,
		    visits)) != NULL)
			return found;
	return NULL;
}

static yaml_node_t *
map_get(struct clab_ctx *ctx, yaml_node_t *map, const char *key)
{
	int	visits = 0;

	return map_get_r(ctx, map, key, 0, &visits);
}

/* A scalar property, or NULL with an error if it is there but not one. */
static const char *
get_str(struct clab_ctx *ctx, yaml_node_t *map, const char *key,
    yaml_node_t **where)
{
	yaml_node_t	*v = map_get(ctx, map, key);

	if (where != NULL)
		*where = v;
	if (v == NULL)
		return NULL;
	if (v->type != YAML_SCALAR_NODE) {
		cerr(ctx, v, "'%s' must be a string", key);
		return NULL;
	}
	return yscalar(v);
}

static int
copy_str(struct clab_ctx *ctx, yaml_node_t *n, const char *what,
    const char *val, char *dst, size_t len)
{
	if (strlen(val) >= len) {
		cerr(ctx, n, "%s '%s' is too long (at most %zu characters)",
		    what, val, len - 1);
		return -1;
	}
	strlcpy(dst, val, len);
	return 0;
}

/* Names become parts of namespace and file names: keep them tame. */
static int
valid_name(const char *s)
{
	const char	*c;

	if (*s == '\0' || *s == '-' || *s == '.')
		return 0;
	for (c = s; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
		    *c == '.'))
			return 0;
	return 1;
}

static int
valid_ifname(const char *s)
{
	const char	*c;

	if (*s == '\0' || strlen(s) >= CLAB_IFNAME_MAX ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (c = s; *c != '\0'; c++)
		if (*c == '/' || *c == ':' || *c <= ' ' || *c == 0x7f)
			return 0;
	return 1;
}

/* Three levels of a property: node, kinds.KIND, defaults. */
static yaml_node_t *
inherit(struct clab_ctx *ctx, yaml_node_t *node, const char *kind,
    const char *key)
{
	yaml_node_t	*v;

	if ((v = map_get(ctx, node, key)) != NULL)
		return v;
	if (kind != NULL &&
	    (v = map_get(ctx, map_get(ctx, ctx->kinds, kind), key)) != NULL)
		return v;
	return map_get(ctx, ctx->defaults, key);
}

static char *
resolve_path(struct clab_ctx *ctx, const char *p)
{
	char	*out;
	int	 r;

	if (p[0] == '/')
		return strdup(p);
	if (p[0] == '~' && p[1] == '/' && getenv("HOME") != NULL)
		r = asprintf(&out, "%s/%s", getenv("HOME"), p + 2);
	else
		r = asprintf(&out, "%s/%s", ctx->topo->dir,
		    strncmp(p, "./", 2) == 0 ? p + 2 : p);
	return r == -1 ? NULL : out;
}

static int
is_dir(const char *p)
{
	struct stat	st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_file(const char *p)
{
	struct stat	st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The destination of "src:/dst/:ro" without options and trailing '/'. */
static size_t
bind_dstlen(const char *dst)
{
	size_t	len = strcspn(dst, ":");

	while (len > 1 && dst[len - 1] == '/')
		len--;
	return len;
}

static int
bind_dst_is(const struct clab_bind *b, const char *target)
{
	return b->dstlen == strlen(target) &&
	    strncmp(b->dst, target, b->dstlen) == 0;
}

/* Adds the binds of one level, a later one replacing the same target. */
static void
binds_add_level(struct clab_ctx *ctx, yaml_node_t *seq,
    struct clab_bind *b, int *nb)
{
	yaml_node_item_t	*it;
	yaml_node_t		*e;
	const char		*s, *colon;
	char			 src[PATH_MAX];
	size_t			 dstlen;
	int			 i;

	if (seq == NULL)
		return;
	if (seq->type != YAML_SEQUENCE_NODE) {
		cerr(ctx, seq, "'binds' must be a list of \"src:dst\" strings");
		return;
	}
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		e = ynode(ctx, *it);
		if ((s = yscalar(e)) == NULL || (colon = strchr(s, ':')) ==
		    NULL || colon == s || colon[1] != '/') {
			cerr(ctx, e, "bind must be \"src:/dst[:options]\"");
			continue;
		}
		if ((size_t)(colon - s) >= sizeof(src)) {
			cerr(ctx, e, "bind source is too long");
			continue;
		}
		memcpy(src, s, colon - s);
		src[colon - s] = '\0';
		dstlen = bind_dstlen(colon + 1);
		for (i = 0; i < *nb; i++)
			if (b[i].dstlen == dstlen &&
			    strncmp(b[i].dst, colon + 1, dstlen) == 0)
				break;
		if (i == *nb) {
			if (*nb == CLAB_BINDS_MAX) {
				cerr(ctx, e, "too many binds (at most %d)",
				    CLAB_BINDS_MAX);
				return;
			}
			(*nb)++;
		} else
			free(b[i].src);
		if ((b[i].src = resolve_path(ctx, src)) == NULL)
			fatal("resolve_path");
		b[i].dst = colon + 1;
		b[i].dstlen = dstlen;
		b[i].line = line_of(e);
	}
}

static void
set_frr_file(struct clab_ctx *ctx, struct clab_node *cn, int line,
    char **slot, const char *path, const char *what)
{
	if (!is_file(path)) {
		cerr_line(ctx, line, "node '%s': %s '%s' does not exist or is "
		    "not a file", cn->name, what, path);
		return;
	}
	free(*slot);
	if ((*slot = strdup(path)) == NULL)
		fatal("strdup");
}

/* A directory bound onto /etc/frr gives frr.conf and daemons if it has them. */
static void
bind_frr_dir(struct clab_ctx *ctx, struct clab_node *cn,
    const struct clab_bind *b)
{
	char	path[PATH_MAX];
	int	r;

	if (!is_dir(b->src)) {
		cerr_line(ctx, b->line, "node '%s': bind source directory '%s' "
		    "does not exist", cn->name, b->src);
		return;
	}
	r = snprintf(path, sizeof(path), "%s/frr.conf", b->src);
	if (r >= 0 && (size_t)r < sizeof(path) && is_file(path))
		set_frr_file(ctx, cn, b->line, &cn->frr_conf, path, "frr.conf");
	r = snprintf(path, sizeof(path), "%s/daemons", b->src);
	if (r >= 0 && (size_t)r < sizeof(path) && is_file(path))
		set_frr_file(ctx, cn, b->line, &cn->frr_daemons, path,
		    "daemons file");
}

/*
 * Finds the FRR configuration of a node among its binds: a directory bound
 * onto /etc/frr, or single files onto /etc/frr/frr.conf and
 * /etc/frr/daemons.  As in a container, a file bound inside the directory
 * shows through it whatever the order, so files are applied last.  Other
 * binds cannot apply to a namespace: warn.
 */
static int
node_binds(struct clab_ctx *ctx, struct clab_node *cn, struct clab_bind *b,
    int nb)
{
	int	 i, frr = 0;

	for (i = 0; i < nb; i++) {
		if (bind_dst_is(&b[i], "/etc/frr")) {
			frr = 1;
			bind_frr_dir(ctx, cn, &b[i]);
		} else if (!bind_dst_is(&b[i], "/etc/frr/frr.conf") &&
		    !bind_dst_is(&b[i], "/etc/frr/daemons"))
			cwarn_line(ctx, b[i].line, "node '%s': bind onto "
			    "'%.*s' is ignored: namespace nodes share the "
			    "host's file system", cn->name, (int)b[i].dstlen,
			    b[i].dst);
	}
	for (i = 0; i < nb; i++) {
		if (bind_dst_is(&b[i], "/etc/frr/frr.conf")) {
			frr = 1;
			set_frr_file(ctx, cn, b[i].line, &cn->frr_conf,
			    b[i].src, "bind source");
		} else if (bind_dst_is(&b[i], "/etc/frr/daemons")) {
			frr = 1;
			set_frr_file(ctx, cn, b[i].line, &cn->frr_daemons,
			    b[i].src, "bind source");
		}
	}
	return frr;
}

static void
node_exec(struct clab_ctx *ctx, struct clab_node *cn, yaml_node_t *seq)
{
	yaml_node_item_t	*it;
	yaml_node_t		*e;

	if (seq == NULL)
		return;
	if (seq->type != YAML_SEQUENCE_NODE) {
		cerr(ctx, seq, "node '%s': 'exec' must be a list of commands",
		    cn->name);
		return;
	}
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		e = ynode(ctx, *it);
		if (yscalar(e) == NULL) {
			cerr(ctx, e, "node '%s': exec entry must be a string",
			    cn->name);
			continue;
		}
		if (cn->nexec == CLAB_EXEC_MAX) {
			cerr(ctx, e, "node '%s': too many exec lines (at most "
			    "%d)", cn->name, CLAB_EXEC_MAX);
			return;
		}
		if ((cn->exec[cn->nexec++] = strdup(yscalar(e))) == NULL)
			fatal("strdup");
	}
}

/* Keys a node may have, and what the namespace runner does with them. */
static const struct {
	const char	*key;
	int		 supported;	/* 0: warn that it is ignored */
} node_keys[] = {
	{ "kind", 1 }, { "image", 1 }, { "binds", 1 }, { "exec", 1 },
	{ "startup-config", 1 }, { "mgmt-ipv4", 1 }, { "labels", 1 },
	{ "group", 1 }, { "type", 1 }, { "<<", 1 },
	{ "mgmt-ipv6", 0 }, { "env", 0 }, { "env-files", 0 }, { "cmd", 0 },
	{ "entrypoint", 0 }, { "user", 0 }, { "ports", 0 }, { "publish", 0 },
	{ "network-mode", 0 }, { "sysctls", 0 }, { "cpu", 0 },
	{ "cpu-set", 0 }, { "memory", 0 }, { "license", 0 },
	{ "startup-delay", 0 }, { "enforce-startup-config", 0 },
	{ "suppress-startup-config", 0 }, { "auto-remove", 0 },
	{ "restart-policy", 0 }, { "dns", 0 }, { "extras", 0 },
	{ "wait-for", 0 }, { "healthcheck", 0 }, { "certificate", 0 },
	{ "devices", 0 }, { "cap-add", 0 }, { "shm-size", 0 },
	{ "image-pull-policy", 0 }, { "runtime", 0 }, { "components", 0 },
	{ "stages", 0 }, { "config", 0 }, { "aliases", 0 },
};

static void
check_node_keys(struct clab_ctx *ctx, const char *name, yaml_node_t *map)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k;
	size_t			 i;

	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = ynode(ctx, p->key);
		if (yscalar(k) == NULL)
			continue;
		for (i = 0; i < sizeof(node_keys) / sizeof(node_keys[0]); i++)
			if (strcmp(node_keys[i].key, yscalar(k)) == 0)
				break;
		if (i == sizeof(node_keys) / sizeof(node_keys[0]))
			cerr(ctx, k, "'%s': unknown property '%s'", name,
			    yscalar(k));
		else if (!node_keys[i].supported)
			cwarn(ctx, k, "'%s': '%s' is not supported by the "
			    "namespace runner and is ignored", name,
			    yscalar(k));
	}
}

static int
image_is_frr(const char *image)
{
	return image != NULL && strstr(image, "frr") != NULL;
}

static void
node_kind(struct clab_ctx *ctx, struct clab_node *cn, yaml_node_t *key,
    yaml_node_t *node)
{
	yaml_node_t	*v = map_get(ctx, node, "kind");
	const char	*kind;

	if (v == NULL)
		v = map_get(ctx, ctx->defaults, "kind");
	if (v == NULL) {
		cerr(ctx, key, "node '%s' has no kind (set 'kind' on the "
		    "node or in topology.defaults)", cn->name);
		return;
	}
	if ((kind = yscalar(v)) == NULL) {
		cerr(ctx, v, "node '%s': 'kind' must be a string", cn->name);
		return;
	}
	copy_str(ctx, v, "kind", kind, cn->kind_name, sizeof(cn->kind_name));
	if (strcmp(kind, "linux") == 0)
		cn->kind = CLAB_KIND_LINUX;
	else if (strcmp(kind, "frr") == 0)
		cn->kind = CLAB_KIND_FRR;
	else
		cerr(ctx, v, "node '%s': kind '%s' is not supported by the "
		    "namespace runner (supported: linux, frr; FRR containers "
		    "are kind linux with an FRR image)", cn->name, kind);
}

static void
node_mgmt(struct clab_ctx *ctx, struct clab_node *cn, yaml_node_t *node)
{
	yaml_node_t	*v;
	const char	*s = get_str(ctx, node, "mgmt-ipv4", &v);
	struct in_addr	 a;

	if (s == NULL)
		return;
	if (inet_pton(AF_INET, s, &a) != 1) {
		cerr(ctx, v, "node '%s': mgmt-ipv4 '%s' is not an IPv4 "
		    "address", cn->name, s);
		return;
	}
	strlcpy(cn->mgmt_ipv4, s, sizeof(cn->mgmt_ipv4));
}

static void
node_startup_config(struct clab_ctx *ctx, struct clab_node *cn,
    yaml_node_t *node)
{
	yaml_node_t	*v = inherit(ctx, node, cn->kind_name,
			    "startup-config");
	char		*p;

	if (v == NULL)
		return;
	if (yscalar(v) == NULL) {
		cerr(ctx, v, "node '%s': 'startup-config' must be a path",
		    cn->name);
		return;
	}
	if (cn->kind != CLAB_KIND_FRR) {
		cwarn(ctx, v, "node '%s': startup-config is ignored on a "
		    "linux node without FRR", cn->name);
		return;
	}
	if (strchr(yscalar(v), '\n') != NULL) {
		cerr(ctx, v, "node '%s': inline startup-config is not "
		    "supported; give a file", cn->name);
		return;
	}
	if ((p = resolve_path(ctx, yscalar(v))) == NULL)
		fatal("resolve_path");
	set_frr_file(ctx, cn, line_of(v), &cn->frr_conf, p, "startup-config");
	free(p);
}

static void
parse_node(struct clab_ctx *ctx, struct clab_node *cn, yaml_node_t *key,
    yaml_node_t *node)
{
	struct clab_bind	 b[CLAB_BINDS_MAX] = {};
	yaml_node_t		*bn;
	const char		*image;
	int			 nb = 0, i, frr;

	cn->line = line_of(key);
	if (node->type == YAML_SCALAR_NODE && yscalar(node)[0] == '\0')
		node = NULL;	/* "h1:" with nothing: all from defaults */
	else if (node->type != YAML_MAPPING_NODE) {
		cerr(ctx, node, "node '%s' must be a mapping", cn->name);
		return;
	} else
		check_node_keys(ctx, cn->name, node);
	node_kind(ctx, cn, key, node);
	bn = inherit(ctx, node, cn->kind_name, "image");
	if (bn != NULL && (image = yscalar(bn)) == NULL)
		cerr(ctx, bn, "node '%s': 'image' must be a string", cn->name);
	else if (bn != NULL && (cn->image = strdup(image)) == NULL)
		fatal("strdup");
	binds_add_level(ctx, map_get(ctx, ctx->defaults, "binds"), b, &nb);
	binds_add_level(ctx, map_get(ctx, map_get(ctx, ctx->kinds,
	    cn->kind_name), "binds"), b, &nb);
	binds_add_level(ctx, map_get(ctx, node, "binds"), b, &nb);
	frr = node_binds(ctx, cn, b, nb);
	for (i = 0; i < nb; i++)
		free(b[i].src);
	if (frr || image_is_frr(cn->image))
		cn->kind = CLAB_KIND_FRR;
	node_startup_config(ctx, cn, node);
	node_exec(ctx, cn, inherit(ctx, node, cn->kind_name, "exec"));
	node_mgmt(ctx, cn, node);
}

static void
parse_nodes(struct clab_ctx *ctx, yaml_node_t *topo, yaml_node_t *nodes)
{
	struct clab_topo	*t = ctx->topo;
	yaml_node_pair_t	*p;
	yaml_node_t		*k;
	const char		*name;
	int			 n, dup;

	if (nodes == NULL || nodes->type != YAML_MAPPING_NODE) {
		cerr(ctx, nodes != NULL ? nodes : topo, "topology.nodes must "
		    "be a mapping of node names to nodes");
		return;
	}
	n = nodes->data.mapping.pairs.top - nodes->data.mapping.pairs.start;
	if (n > CLAB_NODES_MAX) {
		cerr(ctx, nodes, "too many nodes: %d (at most %d)", n,
		    CLAB_NODES_MAX);
		return;
	}
	if ((t->nodes = calloc(n ? n : 1, sizeof(*t->nodes))) == NULL)
		fatal("calloc");
	for (p = nodes->data.mapping.pairs.start;
	    p < nodes->data.mapping.pairs.top; p++) {
		k = ynode(ctx, p->key);
		if ((name = yscalar(k)) == NULL || !valid_name(name)) {
			cerr(ctx, k, "invalid node name '%s' (letters, "
			    "digits, '-', '_', '.')", name ? name : "?");
			continue;
		}
		if ((dup = clab_node_find(t, name)) != -1) {
			cerr(ctx, k, "node '%s' is defined twice (first at "
			    "line %d)", name, t->nodes[dup].line);
			continue;
		}
		if (copy_str(ctx, k, "node name", name,
		    t->nodes[t->nnodes].name, CLAB_NAME_MAX) == -1)
			continue;
		parse_node(ctx, &t->nodes[t->nnodes++], k,
		    ynode(ctx, p->value));
	}
}

static int
parse_endpoint_str(struct clab_ctx *ctx, yaml_node_t *e,
    struct clab_endpoint *ep)
{
	const char	*s = yscalar(e), *colon;

	if (s == NULL || (colon = strchr(s, ':')) == NULL || colon == s) {
		cerr(ctx, e, "endpoint must be \"node:interface\"");
		return -1;
	}
	if ((size_t)(colon - s) >= sizeof(ep->node)) {
		cerr(ctx, e, "endpoint node name is too long");
		return -1;
	}
	memcpy(ep->node, s, colon - s);
	ep->node[colon - s] = '\0';
	if (!valid_ifname(colon + 1)) {
		cerr(ctx, e, "endpoint '%s': invalid interface name '%s' "
		    "(1 to 15 characters, no '/', ':' or spaces)", s,
		    colon + 1);
		return -1;
	}
	strlcpy(ep->ifname, colon + 1, sizeof(ep->ifname));
	return 0;
}

/* The extended form: {node: leaf1, interface: eth1}. */
static int
parse_endpoint_map(struct clab_ctx *ctx, yaml_node_t *e,
    struct clab_endpoint *ep)
{
	const char	*node = get_str(ctx, e, "node", NULL);
	const char	*ifn = get_str(ctx, e, "interface", NULL);

	if (node == NULL || ifn == NULL) {
		cerr(ctx, e, "endpoint needs 'node' and 'interface'");
		return -1;
	}
	if (copy_str(ctx, e, "node name", node, ep->node,
	    sizeof(ep->node)) == -1)
		return -1;
	if (!valid_ifname(ifn)) {
		cerr(ctx, e, "invalid interface name '%s'", ifn);
		return -1;
	}
	strlcpy(ep->ifname, ifn, sizeof(ep->ifname));
	return 0;
}

static const char *special_nodes[] = { "host", "mgmt-net", "macvlan",
    "ovs-bridge", "bridge", "vxlan" };

static int
resolve_endpoint(struct clab_ctx *ctx, yaml_node_t *e,
    struct clab_endpoint *ep)
{
	size_t	i;

	for (i = 0; i < sizeof(special_nodes) / sizeof(special_nodes[0]); i++)
		if (strcmp(ep->node, special_nodes[i]) == 0) {
			cerr(ctx, e, "endpoint '%s:%s': links to '%s' are not "
			    "supported by the namespace runner", ep->node,
			    ep->ifname, ep->node);
			return -1;
		}
	if ((ep->node_idx = clab_node_find(ctx->topo, ep->node)) == -1) {
		cerr(ctx, e, "link endpoint '%s:%s' names unknown node '%s'",
		    ep->node, ep->ifname, ep->node);
		return -1;
	}
	if (strcmp(ep->ifname, "eth0") == 0) {
		cerr(ctx, e, "endpoint '%s:eth0': eth0 is the management "
		    "interface; use eth1 and up", ep->node);
		return -1;
	}
	return 0;
}

static int
endpoints_node(struct clab_ctx *ctx, yaml_node_t *link, yaml_node_t **eps)
{
	const char	*type;

	if (link->type != YAML_MAPPING_NODE) {
		cerr(ctx, link, "link must be a mapping with 'endpoints'");
		return -1;
	}
	if ((type = get_str(ctx, link, "type", NULL)) != NULL &&
	    strcmp(type, "veth") != 0) {
		cerr(ctx, link, "link type '%s' is not supported by the "
		    "namespace runner (only veth)", type);
		return -1;
	}
	*eps = map_get(ctx, link, "endpoints");
	if (*eps == NULL || (*eps)->type != YAML_SEQUENCE_NODE ||
	    (*eps)->data.sequence.items.top -
	    (*eps)->data.sequence.items.start != 2) {
		cerr(ctx, *eps ? *eps : link,
		    "link must have exactly two endpoints");
		return -1;
	}
	return 0;
}

/* An interface may appear once per node, across all links. */
static int
check_iface_unique(struct clab_ctx *ctx, yaml_node_t *e,
    const struct clab_endpoint *ep)
{
	struct clab_topo	*t = ctx->topo;
	int			 i, j;

	for (i = 0; i < t->nlinks; i++)
		for (j = 0; j < 2; j++)
			if (strcmp(t->links[i].ep[j].node, ep->node) == 0 &&
			    strcmp(t->links[i].ep[j].ifname, ep->ifname) ==
			    0) {
				cerr(ctx, e, "interface '%s:%s' is used twice "
				    "(also by the link at line %d)", ep->node,
				    ep->ifname, t->links[i].line);
				return -1;
			}
	return 0;
}

static void
parse_link(struct clab_ctx *ctx, yaml_node_t *link)
{
	struct clab_topo	*t = ctx->topo;
	struct clab_link	*l = &t->links[t->nlinks];
	yaml_node_t		*eps, *e[2];
	int			 i, bad = 0;

	if (endpoints_node(ctx, link, &eps) == -1)
		return;
	memset(l, 0, sizeof(*l));
	l->line = line_of(link);
	for (i = 0; i < 2; i++) {
		e[i] = ynode(ctx, eps->data.sequence.items.start[i]);
		if (e[i]->type == YAML_MAPPING_NODE)
			bad |= parse_endpoint_map(ctx, e[i], &l->ep[i]);
		else
			bad |= parse_endpoint_str(ctx, e[i], &l->ep[i]);
		if (!bad)
			bad |= resolve_endpoint(ctx, e[i], &l->ep[i]);
	}
	if (bad)
		return;
	if (strcmp(l->ep[0].node, l->ep[1].node) == 0 &&
	    strcmp(l->ep[0].ifname, l->ep[1].ifname) == 0) {
		cerr(ctx, link, "link connects '%s:%s' to itself",
		    l->ep[0].node, l->ep[0].ifname);
		return;
	}
	for (i = 0; i < 2; i++)
		bad |= check_iface_unique(ctx, e[i], &l->ep[i]);
	if (!bad)
		t->nlinks++;
}

static void
parse_links(struct clab_ctx *ctx, yaml_node_t *links)
{
	yaml_node_item_t	*it;
	int			 n;

	if (links == NULL)
		return;
	if (links->type != YAML_SEQUENCE_NODE) {
		cerr(ctx, links, "topology.links must be a list");
		return;
	}
	n = links->data.sequence.items.top - links->data.sequence.items.start;
	if (n > CLAB_LINKS_MAX) {
		cerr(ctx, links, "too many links: %d (at most %d)", n,
		    CLAB_LINKS_MAX);
		return;
	}
	if ((ctx->topo->links = calloc(n ? n : 1,
	    sizeof(*ctx->topo->links))) == NULL)
		fatal("calloc");
	for (it = links->data.sequence.items.start;
	    it < links->data.sequence.items.top; it++)
		parse_link(ctx, ynode(ctx, *it));
}

static void
parse_mgmt(struct clab_ctx *ctx, yaml_node_t *root)
{
	yaml_node_t	*mgmt = map_get(ctx, root, "mgmt"), *v;
	const char	*subnet;
	char		 addr[20], *slash, *end;
	struct in_addr	 a;
	long		 plen;

	strlcpy(ctx->topo->mgmt_subnet, "172.20.20.0/24",
	    sizeof(ctx->topo->mgmt_subnet));
	if (mgmt == NULL)
		return;
	if ((subnet = get_str(ctx, mgmt, "ipv4-subnet", &v)) == NULL)
		return;
	if (strlen(subnet) >= sizeof(addr) ||
	    (slash = strchr(memcpy(addr, subnet, strlen(subnet) + 1), '/')) ==
	    NULL) {
		cerr(ctx, v, "mgmt.ipv4-subnet '%s' must be A.B.C.D/LEN",
		    subnet);
		return;
	}
	*slash = '\0';
	plen = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &a) != 1 || slash[1] < '0' ||
	    slash[1] > '9' || *end != '\0' || plen < 8 || plen > 29) {
		cerr(ctx, v, "mgmt.ipv4-subnet '%s' must be A.B.C.D/LEN with "
		    "LEN 8 to 29", subnet);
		return;
	}
	strlcpy(ctx->topo->mgmt_subnet, subnet,
	    sizeof(ctx->topo->mgmt_subnet));
}

/*
 * containerlab names containers PREFIX-LAB-NODE with prefix "clab" by
 * default; "__lab-name" gives LAB-NODE and "" gives NODE.
 */
static void
parse_prefix(struct clab_ctx *ctx, yaml_node_t *root)
{
	struct clab_topo	*t = ctx->topo;
	yaml_node_t		*v;
	const char		*s = get_str(ctx, root, "prefix", &v);
	int			 r;

	if (s == NULL)
		s = "clab";
	if (s[0] != '\0' && strcmp(s, "__lab-name") != 0 && !valid_name(s)) {
		cerr(ctx, v, "invalid prefix '%s'", s);
		return;
	}
	if (s[0] == '\0')
		r = snprintf(t->nsprefix, sizeof(t->nsprefix), "%s", "");
	else if (strcmp(s, "__lab-name") == 0)
		r = snprintf(t->nsprefix, sizeof(t->nsprefix), "%s-", t->name);
	else
		r = snprintf(t->nsprefix, sizeof(t->nsprefix), "%s-%s-", s,
		    t->name);
	if (r < 0 || (size_t)r >= sizeof(t->nsprefix))
		cerr(ctx, v, "prefix and lab name are too long");
}

static void
parse_top(struct clab_ctx *ctx, yaml_node_t *root)
{
	struct clab_topo	*t = ctx->topo;
	yaml_node_t		*v, *topo;
	const char		*s;

	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		cerr(ctx, root, "the file must be a mapping with 'name' and "
		    "'topology'");
		return;
	}
	if ((s = get_str(ctx, root, "name", &v)) == NULL) {
		if (v == NULL)
			cerr(ctx, root, "missing 'name'");
	} else if (!valid_name(s))
		cerr(ctx, v, "invalid lab name '%s'", s);
	else
		copy_str(ctx, v, "lab name", s, t->name, sizeof(t->name));
	parse_prefix(ctx, root);
	parse_mgmt(ctx, root);
	if ((topo = map_get(ctx, root, "topology")) == NULL) {
		cerr(ctx, root, "missing 'topology'");
		return;
	}
	ctx->defaults = map_get(ctx, topo, "defaults");
	ctx->kinds = map_get(ctx, topo, "kinds");
	parse_nodes(ctx, topo, map_get(ctx, topo, "nodes"));
	parse_links(ctx, map_get(ctx, topo, "links"));
}

static FILE *
open_topo(const char *path)
{
	struct stat	 st;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CLAB_FILE_MAX) {
		log_warnx("%s: error: not a regular file of at most %d bytes",
		    path, CLAB_FILE_MAX);
		fclose(fp);
		return NULL;
	}
	return fp;
}

/*
 * libyaml notices an unclosed bracket or a bad indentation only where the
 * next thing fails to parse: name the line where the construct began too.
 */
static void
load_error(struct clab_ctx *ctx, const yaml_parser_t *parser)
{
	char	where[64] = "";

	if (parser->context != NULL &&
	    parser->context_mark.line != parser->problem_mark.line)
		snprintf(where, sizeof(where), " that starts at line %zu",
		    parser->context_mark.line + 1);
	log_warnx("%s:%zu:%zu: error: YAML: %s%s%s%s", ctx->path,
	    parser->problem_mark.line + 1, parser->problem_mark.column + 1,
	    parser->problem != NULL ? parser->problem : "syntax error",
	    parser->context != NULL ? " " : "",
	    parser->context != NULL ? parser->context : "", where);
}

static int
load_doc(struct clab_ctx *ctx, FILE *fp)
{
	yaml_parser_t	parser;
	int		ok;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	ok = yaml_parser_load(&parser, &ctx->doc);
	if (!ok) {
		load_error(ctx, &parser);
		ctx->nerrors++;
	}
	yaml_parser_delete(&parser);
	return ok ? 0 : -1;
}

static int
topo_paths(struct clab_topo *t, const char *path)
{
	char	*copy;

	if ((t->path = strdup(path)) == NULL || (copy = strdup(path)) ==
	    NULL)
		return -1;
	t->dir = strdup(dirname(copy));
	free(copy);
	return t->dir == NULL ? -1 : 0;
}

struct clab_topo *
clab_load(const char *path)
{
	struct clab_ctx	 ctx = { .path = path };
	FILE		*fp;

	if ((fp = open_topo(path)) == NULL)
		return NULL;
	if ((ctx.topo = calloc(1, sizeof(*ctx.topo))) == NULL ||
	    topo_paths(ctx.topo, path) == -1)
		fatal("clab_load");
	if (load_doc(&ctx, fp) == 0) {
		parse_top(&ctx, yaml_document_get_root_node(&ctx.doc));
		yaml_document_delete(&ctx.doc);
	}
	fclose(fp);
	if (ctx.nerrors > 0) {
		log_warnx("%s: %d error%s", path, ctx.nerrors,
		    ctx.nerrors == 1 ? "" : "s");
		clab_free(ctx.topo);
		return NULL;
	}
	return ctx.topo;
}

void
clab_free(struct clab_topo *t)
{
	int	i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->nnodes; i++) {
		free(t->nodes[i].image);
		free(t->nodes[i].frr_conf);
		free(t->nodes[i].frr_daemons);
		for (j = 0; j < t->nodes[i].nexec; j++)
			free(t->nodes[i].exec[j]);
	}
	free(t->nodes);
	free(t->links);
	free(t->path);
	free(t->dir);
	free(t);
}

int
clab_node_find(const struct clab_topo *t, const char *name)
{
	int	i;

	for (i = 0; i < t->nnodes; i++)
		if (strcmp(t->nodes[i].name, name) == 0)
			return i;
	return -1;
}

/* The namespace of a node: containerlab's name for its container. */
int
clab_nsname(const struct clab_topo *t, const struct clab_node *n,
    char *buf, size_t len)
{
	int	r;

	r = snprintf(buf, len, "%s%s", t->nsprefix, n->name);
	return (r < 0 || (size_t)r >= len) ? -1 : 0;
}
