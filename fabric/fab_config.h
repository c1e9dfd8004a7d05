/*
 * The controller's configuration: a JSON or XML instance of the YANG
 * module yang/fabric.yang (docs/CONFIG.md), validated by libyang and
 * turned into the fabric model, the policy, the ZMQ endpoints and the
 * BGP identity.
 *
 * Loading is transactional: fab_config_load() either returns a whole new
 * configuration or nothing at all, so that a reload that fails leaves the
 * running configuration as it was.  Every error names the file, the data
 * path and the rule broken.
 *
 * (This header is not fabric/config.h: a quoted include looks in the
 * including file's directory first, so that name would shadow autoconf's
 * config.h for every source file in fabric/.)
 */
#ifndef FABRIC_FAB_CONFIG_H
#define FABRIC_FAB_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "fabric.h"
#include "yconf.h"

#define FAB_CONFIG_FILE_MAX	YCONF_FILE_MAX
#define FAB_ADDR_MAX		46	/* INET6_ADDRSTRLEN */
#define FAB_ZMQ_ADDR_MAX	256
#define FAB_YANG_ENV		YCONF_ENV
#define FAB_YANG_MODULE		"fabric"

enum fab_mode {
	FAB_MODE_STATIC = 0,	/* weights from capacity alone */
	FAB_MODE_ADAPTIVE,	/* weights follow load */
	FAB_MODE_PINNED,	/* marked flows pinned to paths */
};

enum fab_quant {
	FAB_QUANT_FRR = 0,	/* FRR's 1 % steps */
	FAB_QUANT_BUCKETS,	/* resilient nexthop-group buckets */
};

struct fab_prefix {
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];
	uint8_t		 len;
};

struct fab_policy {
	enum fab_mode	 mode;
	uint32_t	 interval_ms;
	uint32_t	 telemetry_stale_ms;
	uint32_t	 link_up_holddown_ms;
	uint32_t	 probe_retest_ms;	/* a probe-failed path's trial */
	uint32_t	 probe_retest_max_ms;
	double		 ewma_alpha;	/* 0.001..1 */
	double		 min_change;	/* fractions of the sum */
	double		 max_step;
	double		 hysteresis;
	enum fab_quant	 quantisation;
	uint16_t	 buckets;	/* 0 unless FAB_QUANT_BUCKETS */
	uint32_t	 flowlet_idle_gap_us;
	struct fab_prefix *flowlet_prefixes;
	size_t		 nflowlet_prefixes;
	uint32_t	 max_moves_per_minute;
	uint16_t	 max_paths;
	uint32_t	 max_prefixes;
};

/* A ZMQ endpoint; key files are resolved against the config's directory. */
struct fab_endpoint {
	char		 name[FAB_NAME_MAX];
	char		 address[FAB_ZMQ_ADDR_MAX];
	char		*curve_public_key_file;	/* NULL: no CURVE */
	char		*curve_secret_key_file;
	char		*hmac_key_file;		/* NULL: no HMAC */
};

struct fab_bgp_config {
	uint32_t	 local_as;
	char		 router_id[16];
	uint32_t	 router_id_h;		/* the same, host order */
	char		 listen_address[FAB_ADDR_MAX];	/* "": none */
	uint16_t	 listen_port;
	uint16_t	 hold_time;
	uint16_t	 connect_retry;
	uint16_t	 graceful_restart_time;	/* 0: off */
	char		*tcp_md5_key_file;	/* NULL: no TCP-MD5 */
};

/* A destination: a subnet behind a leaf. */
struct fab_dest {
	uint32_t	 node;		/* the leaf */
	struct fab_prefix pfx;
};

/* A flow of a job (mode pinned): host to host, towards dst's address. */
struct fab_flow {
	uint32_t	 job;		/* index in jobs */
	uint32_t	 src, dst;	/* hosts */
	struct fab_prefix addr;		/* dst's address, as a host route */
	double		 rate;		/* bit/s; only ratios matter */
	uint32_t	 placed;	/* fabricd: uplink position, or FAB_NONE */
};

struct fab_config {
	char		*path;		/* the file it came from */
	struct fabric	*fabric;
	char		(*link_names)[FAB_NAME_MAX];	/* by index */
	/* each link's end addresses: [0] node a's, [1] node b's; "" when
	   the config gives none (then the node's loopback is used) */
	char		(*link_addr)[2][FAB_ADDR_MAX];
	struct fab_dest	*dests;
	size_t		 ndests;
	char		(*job_names)[FAB_NAME_MAX];
	size_t		 njobs;
	struct fab_flow	*flows;
	size_t		 nflows;
	struct fab_policy policy;
	struct fab_endpoint *telemetry;
	size_t		 ntelemetry;
	struct fab_endpoint *probe;
	size_t		 nprobe;
	struct fab_bgp_config bgp;
};

/* config.c */
int		 fab_config_load(const char *path, struct fab_config **out,
		    char *err, size_t errlen);
void		 fab_config_free(struct fab_config *);
uint32_t	 fab_config_link_find(const struct fab_config *,
		    const char *name);
const char	*fab_config_nexthop(const struct fab_config *,
		    uint32_t link, uint32_t from);
int		 fab_prefix_parse(const char *, struct fab_prefix *);
int		 fab_prefix_eq(const struct fab_prefix *,
		    const struct fab_prefix *);
int		 fab_prefix_str(const struct fab_prefix *, char *, size_t);
int		 fab_bandwidth_parse(const char *, double *);
void		 fab_hosts_inherit_pod(struct fabric *);
const char	*fab_mode_str(enum fab_mode);
const char	*fab_quant_str(enum fab_quant);
int		 fab_config_dump_json(const struct fab_config *, FILE *);

#endif /* FABRIC_FAB_CONFIG_H */
