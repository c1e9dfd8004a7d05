/*
 * Containerlab topology files (https://containerlab.dev), read with libyaml.
 *
 * The model keeps what a namespace lab and the fabric importer need: nodes
 * (kind, image, FRR configuration, exec lines, management address) and
 * point-to-point links.  Every element remembers the line it came from so
 * that later checks can name it.
 */
#ifndef FABRIC_CLAB_H
#define FABRIC_CLAB_H

#include <stddef.h>

#define CLAB_NAME_MAX		64	/* lab and node names */
#define CLAB_IFNAME_MAX		16	/* IFNAMSIZ */
#define CLAB_NODES_MAX		1024
#define CLAB_LINKS_MAX		8192
#define CLAB_EXEC_MAX		64
#define CLAB_NSNAME_MAX		(2 * CLAB_NAME_MAX + 8)

enum clab_kind {
	CLAB_KIND_LINUX,	/* a plain namespace: hosts */
	CLAB_KIND_FRR,		/* a namespace with its own FRR instance */
};

struct clab_endpoint {
	char		 node[CLAB_NAME_MAX];
	char		 ifname[CLAB_IFNAME_MAX];
	int		 node_idx;	/* index into topo->nodes */
};

struct clab_link {
	struct clab_endpoint ep[2];
	int		 line;
};

struct clab_node {
	char		 name[CLAB_NAME_MAX];
	char		 kind_name[32];	/* as written: linux, frr, ... */
	enum clab_kind	 kind;
	char		*image;
	char		*frr_conf;	/* resolved path, or NULL */
	char		*frr_daemons;	/* resolved path, or NULL */
	char		*exec[CLAB_EXEC_MAX];
	int		 nexec;
	char		 mgmt_ipv4[16];	/* dotted quad, or "" to auto-assign */
	int		 line;
};

struct clab_topo {
	char		 name[CLAB_NAME_MAX];
	char		 nsprefix[2 * CLAB_NAME_MAX + 2];	/* "clab-LAB-" */
	char		*path;		/* the file as given */
	char		*dir;		/* its directory, for relative paths */
	char		 mgmt_subnet[20];	/* IPv4 CIDR */
	struct clab_node *nodes;
	int		 nnodes;
	struct clab_link *links;
	int		 nlinks;
	int		 nwarnings;
};

/* clab.c */
struct clab_topo *clab_load(const char *path);
void	 clab_free(struct clab_topo *);
int	 clab_node_find(const struct clab_topo *, const char *name);
int	 clab_nsname(const struct clab_topo *, const struct clab_node *,
	    char *buf, size_t len);

#endif /* FABRIC_CLAB_H */
