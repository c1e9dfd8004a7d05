/*
 * The BGP speaker: sessions to many peers (RFC 4271 FSM with connect-retry,
 * hold and keepalive timers, active and passive opens, collision
 * detection, TCP-MD5), each announcing the routes of a shared Adj-RIB-Out
 * (bgp_rib.h) and reading what the peer sends through the RFC 7606 parser.
 *
 * Single-threaded and poll-driven: the caller asks for the descriptors and
 * the next timeout, polls (alone or beside its own sockets, e.g. with
 * zmq_poll), and hands the results back.
 */
#ifndef FABRIC_BGP_SPEAKER_H
#define FABRIC_BGP_SPEAKER_H

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bgp.h"
#include "bgp_rib.h"

#define BGP_PEERS_MAX		1024
#define BGP_MD5_KEY_MAX		80	/* TCP_MD5SIG_MAXKEYLEN */
#define BGP_DEFAULT_HOLDTIME	90
#define BGP_DEFAULT_CONNECT_RETRY 5
#define BGP_DEFAULT_GR_TIME	120

enum bgp_state {
	BGP_IDLE,
	BGP_CONNECT,
	BGP_ACTIVE,
	BGP_OPENSENT,
	BGP_OPENCONFIRM,
	BGP_ESTABLISHED,
};

struct bgp_peer_config {
	char			 name[64];	/* for logs; the address if "" */
	struct sockaddr_storage	 addr;		/* address and port */
	struct sockaddr_storage	 local;		/* source; AF_UNSPEC: any */
	uint32_t		 remote_as;
	uint32_t		 local_as;	/* 0: the speaker's */
	char			 md5_key[BGP_MD5_KEY_MAX + 1];
	int			 passive;	/* never connect, only accept */
	uint16_t		 holdtime;	/* 0: BGP_DEFAULT_HOLDTIME */
	uint16_t		 connect_retry;	/* seconds; 0: default */
	struct bgp_rib		*rib;		/* what to announce; may be NULL */
};

struct bgp_speaker_config {
	uint32_t		 local_as;
	uint32_t		 router_id;	/* host order */
	struct sockaddr_storage	 listen;	/* AF_UNSPEC: do not listen */
	uint16_t		 gr_time;	/* graceful restart; 0: off */
};

struct bgp_peer_stats {
	enum bgp_state	 state;
	uint64_t	 msgs_in, msgs_out, updates_in, updates_out;
	uint64_t	 prefixes_in;		/* NLRI received, all updates */
	uint64_t	 withdrawn_in, treat_as_withdraw, attrs_discarded;
	uint64_t	 established;		/* times */
	int64_t		 since_ms;		/* in this state since */
	struct bgp_notify last_error;		/* last sent or received */
	int		 last_error_sent;
	struct bgp_neg	 neg;
	uint32_t	 remote_id;
	int		 synced;		/* everything sent, EoR too */
};

struct bgp_speaker;
struct bgp_peer;

/* Called on every state change, for the caller's logs and metrics. */
typedef void (*bgp_state_cb)(struct bgp_peer *, enum bgp_state old,
    enum bgp_state new, void *arg);

/* bgp_session.c */
struct bgp_speaker *bgp_speaker_new(const struct bgp_speaker_config *);
void		 bgp_speaker_free(struct bgp_speaker *);
int		 bgp_speaker_start(struct bgp_speaker *);
void		 bgp_speaker_set_state_cb(struct bgp_speaker *, bgp_state_cb,
		    void *);
struct bgp_peer	*bgp_peer_add(struct bgp_speaker *,
		    const struct bgp_peer_config *);
void		 bgp_peer_remove(struct bgp_peer *, uint8_t cease_subcode);
const char	*bgp_peer_name(const struct bgp_peer *);
void		 bgp_peer_stats(const struct bgp_peer *, struct bgp_peer_stats *);
int		 bgp_peer_pending(const struct bgp_peer *);
struct bgp_peer	*bgp_peer_first(struct bgp_speaker *);
struct bgp_peer	*bgp_peer_next(struct bgp_peer *);
size_t		 bgp_speaker_pollfds(struct bgp_speaker *, struct pollfd *,
		    size_t max);
void		 bgp_speaker_dispatch(struct bgp_speaker *,
		    const struct pollfd *, size_t n);
int		 bgp_speaker_timeout(struct bgp_speaker *);
void		 bgp_speaker_kick(struct bgp_speaker *);
void		 bgp_speaker_shutdown(struct bgp_speaker *, uint8_t subcode,
		    const char *reason);
int		 bgp_speaker_idle(struct bgp_speaker *);
const char	*bgp_state_str(enum bgp_state);
int		 bgp_sockaddr_parse(const char *, uint16_t default_port,
		    struct sockaddr_storage *);
const char	*bgp_sockaddr_str(const struct sockaddr_storage *, char *,
		    size_t);

/* Added: encodes the peer's rib ahead of its first session, for the
 * session it gets if the peer accepts every capability we offer
 * (bgp_rib_cache_build); a session that negotiates otherwise is encoded
 * as it goes, as without.  0, or -1 (errno) with no cache. */
int		 bgp_peer_precache(struct bgp_peer *);

#endif /* FABRIC_BGP_SPEAKER_H */
