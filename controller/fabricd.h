/*
 * fabricd: the controller.  One process, one poll loop, joining
 *
 *   - the configuration (fab_config.h), reloadable as a transaction;
 *   - a BGP speaker with one iBGP session to every switch, each with its
 *     own Adj-RIB-Out of weighted ADD-PATH routes (bgp/);
 *   - telemetry from every switch's fabric-agent (telemetry/ingest.h);
 *   - path computation (fabric/route.h) and the weights' smoothing,
 *     safety limits and quantisation to what FRR 8.4 installs;
 *   - the control socket for fabricctl (ZeroMQ REP, JSON) and an
 *     OpenMetrics endpoint (HTTP).
 *
 * fd_weights.c turns the fabric into announcements; fd_control.c answers
 * fabricctl; fd_metrics.c serves /metrics; fabricd.c is the loop.
 */
#ifndef FABRIC_FABRICD_H
#define FABRIC_FABRICD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bgp_speaker.h"
#include "fab_config.h"
#include "ingest.h"
#include "route.h"

#define FD_CONTROL_DEFAULT	"ipc:///run/fabricd/control"
#define FD_LOCAL_PREF		200	/* above the fabric's own (100) */
#define FD_REQ_MAX		4096	/* a control request, octets */
#define FD_METRICS_CONNS	8
#define FD_TRIAL_MS		5000	/* a probe trial unreported this long
					   fails (fd_probe.c) */
/* Routes of flowlet prefixes carry the large community 64188:1:1; the
   agents mirror them into resilient groups (fabric-agent
   --flowlet-community 64188:1:1). */
#define FD_FLOWLET_LC_GA	64188
#define FD_FLOWLET_LC_L1	1
#define FD_FLOWLET_LC_L2	1

/* Stable error codes, in logs and in control replies. */
#define FD_E_CONFIG	"FD-CONFIG"	/* the configuration is refused */
#define FD_E_STALE	"FD-STALE"	/* telemetry stale: weights frozen */
#define FD_E_LASTPATH	"FD-LASTPATH"	/* would leave a switch no path */
#define FD_E_BGP	"FD-BGP"	/* a session went down */
#define FD_E_REQUEST	"FD-REQUEST"	/* a bad control request */

/* The weights of one switch towards one destination leaf. */
struct fd_block {
	uint32_t	 node, dst;	/* switch, destination leaf */
	uint32_t	 n;		/* = the switch's links (nadj) */
	double		*ewma;		/* by adjacency position */
	double		*applied;	/* what was last decided, shares */
	uint32_t	*mbps;		/* what is announced, 0: no path */
	uint32_t	*frr;		/* the weights FRR will install */
	double		 err;		/* quantisation error announced */
	int		 announced;
	int		 all_failed;	/* the probe failed every path */
	uint64_t	 moves;		/* weight changes pushed */
};

/* What fabric-probe last said about one path (fd_probe.c). */
#define FD_PATHS_MAX	65536
struct fd_pathstate {
	uint32_t	 node, dst, link;	/* leaf, its destination, uplink */
	int		 probe;		/* TMSG_PATH_OK, _FAILED, _UNSEEN */
	int		 out;		/* at weight 0 because of the probe */
	int		 trial;		/* put back to be tested again */
	uint64_t	 out_ms, trial_ms, ok_ms;
	uint64_t	 retest_ms;	/* the next trial this long after out */
	uint64_t	 trials;
	uint64_t	 seen_ms;
	uint32_t	 rtt_median_us, rtt_p99_us;
	uint64_t	 sent, lost, integrity;
};

/* A host route of mode pinned at one leaf (fd_pinned.c). */
struct fd_pin {
	uint32_t	 leaf;
	struct fab_prefix addr;
	uint32_t	 n;		/* the leaf's links */
	double		*rate;		/* placed demand per link position */
	uint32_t	*mbps;		/* what is announced */
};

struct fd_peer {
	uint32_t	 node;
	struct bgp_peer	*peer;
	struct bgp_rib	*rib;
};

struct fd_metrics_conn {
	int		 fd;
	size_t		 len;
	char		 buf[1024];
	uint64_t	 since_ms;
};

struct fabricd {
	struct fab_config	*cfg;
	char			*cfg_path;
	double			*nominal;	/* links' configured capacity */
	uint8_t			*admin;		/* links drained by fabricctl */
	uint8_t			*node_admin;	/* nodes drained by fabricctl */
	uint64_t		*down_ms;	/* links: last seen down, 0 never */
	uint64_t		*end_cap;	/* [2 * link + end]: capacity seen */
	struct fab_routes	*routes;
	struct route_params	 rp;
	struct fd_block		*blocks;
	size_t			 nblocks;

	struct bgp_speaker	*sp;
	struct fd_peer		*peers;
	size_t			 npeers;

	struct ingest		 ing;
	int			 ing_ok;
	void			*zctx;
	void			*sub;		/* telemetry, every endpoint */
	void			*ctl;		/* fabricctl, REP */
	char			 ctl_addr[FAB_ZMQ_ADDR_MAX];

	void			*probe_sub;	/* fabric-probe reports */
	struct tmsg_rx		 probe_rx;
	int			 probe_rx_ok;
	struct fd_pathstate	*paths;
	size_t			 npaths, pathcap;
	uint64_t		 probe_unmapped;

	struct fd_pin		*pins;
	size_t			 npins;
	double			 pin_max_util;

	int			 metrics_fd;
	struct fd_metrics_conn	 mconn[FD_METRICS_CONNS];

	uint64_t		 next_compute_ms;
	uint64_t		 started_ms;
	int			 frozen;	/* stale telemetry */
	uint64_t		 computes, pushes, moves, freezes;
	uint64_t		 reloads, reload_failures;
	double			 last_compute_ms;
	uint64_t		 push_start_ms;	/* a push not yet on the wire */
	double			 last_push_ms;	/* compute to every octet written */
	double			 push_sum_ms;
	uint64_t		 push_count;
	double			 max_err;
	uint64_t		 move_sec[60];	/* moves in second s, at s % 60 */
	uint32_t		 move_count[60];
	int			 stopping;
	int			 check_only;	/* --check: no telemetry */
};

/* fd_weights.c */
int		 fd_weights_init(struct fabricd *);
void		 fd_weights_free(struct fabricd *);
void		 fd_blocks_free(struct fd_block *, size_t);
void		 fd_apply_telemetry(struct fabricd *, uint64_t now_ms);
int		 fd_sample_news(struct fabricd *, const struct tmsg *);
int		 fd_compute(struct fabricd *, uint64_t now_ms);
int		 fd_drain_check(struct fabricd *, char *err, size_t errlen);
int		 fd_announce_prefix(struct fabricd *, uint32_t node,
		    const struct fab_prefix *, const uint32_t *mbps, uint32_t n);
struct fd_block	*fd_block_find(struct fabricd *, uint32_t node, uint32_t dst);
int		 fd_source_fresh(struct fabricd *, const char *agent,
		    uint64_t now_ms);
int		 fd_telemetry_stale(struct fabricd *, uint64_t now_ms,
		    char *who, size_t wholen);
int		 fd_peers_init(struct fabricd *);
void		 fd_peers_free(struct fabricd *);
void		 fd_peers_reconcile(struct fabricd *,
		    const struct fab_config *old, struct fd_block *oblocks,
		    size_t noblocks);

/* fd_show.c: what fabricctl show prints, as json-c objects */
struct json_object;
struct json_object *fd_show_weights(struct fabricd *, const char *node);
struct json_object *fd_show_links(struct fabricd *);
struct json_object *fd_show_peers(struct fabricd *);
struct json_object *fd_show_topology(struct fabricd *);
struct json_object *fd_show_telemetry(struct fabricd *);
struct json_object *fd_show_paths(struct fabricd *, const char *prefix,
		    char *err, size_t errlen);
struct json_object *fd_show_status(struct fabricd *);
void		 fd_print_weights(struct fabricd *, FILE *, int json);

/* fd_control.c */
int		 fd_control_open(struct fabricd *, const char *endpoint);
void		 fd_control_dispatch(struct fabricd *);
int		 fd_reload(struct fabricd *, char *err, size_t errlen);

/* fd_pinned.c */
int		 fd_pinned_step(struct fabricd *);
void		 fd_pinned_free(struct fabricd *);
void		 fd_pinned_remap(struct fabricd *, const struct fab_config *);
struct json_object *fd_show_jobs(struct fabricd *);

/* fd_probe.c */
int		 fd_probe_open(struct fabricd *);
int		 fd_key_first(const struct fab_endpoint *, size_t, const char *,
		    struct tmsg_key *);
int		 fd_keys_by_agent(const struct fab_endpoint *, size_t,
		    const char *, struct tmsg_rx *);
void		 fd_probe_close(struct fabricd *);
void		 fd_probe_read(struct fabricd *, struct tmsg *);
int		 fd_probe_report(struct fabricd *, const struct tmsg_path *,
		    uint64_t now_ms);
int		 fd_probe_failed(struct fabricd *, uint32_t node, uint32_t dst,
		    uint32_t link, uint64_t now_ms);
struct json_object *fd_probe_json(struct fabricd *, uint32_t node,
		    uint32_t dst, uint32_t link);

/* fd_metrics.c */
int		 fd_metrics_open(struct fabricd *, const char *addr);
size_t		 fd_metrics_pollfds(struct fabricd *, struct pollfd *,
		    size_t max);
void		 fd_metrics_dispatch(struct fabricd *, const struct pollfd *,
		    size_t n);
void		 fd_metrics_write(struct fabricd *, FILE *);
void		 fd_metrics_close(struct fabricd *);

/* fd_sim.c */
int		 fd_sim_main(int argc, char **argv);

#endif /* FABRIC_FABRICD_H */
