/*
 * BGP sessions: TCP, the RFC 4271 FSM and its timers, collision
 * detection, TCP-MD5, and the pump that moves the Adj-RIB-Out into each
 * peer's socket as fast as the socket takes it and no faster (every
 * buffer has a ceiling; a slow peer lags in the rib log instead).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bgp_speaker.h"
#include "compat.h"
#include "log.h"
#include "util.h"

#define RBUF_MAX	(2 * BGP_EXT_MAX_MSG + BGP_MAX_MSG)
#define WBUF_MAX	(4 * 1024 * 1024)
#define WBUF_LOW	(256 * 1024)	/* refill from the rib below this */
#define OPEN_HOLDTIME	240		/* RFC 4271 8: large, before OPEN */
#define BACKOFF_MAX	60		/* seconds between connect attempts */

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

enum { CONN_OUT = 0, CONN_IN = 1 };

struct bgp_conn {
	struct bgp_peer		*peer;
	int			 fd;
	int			 dir;		/* CONN_OUT or CONN_IN */
	enum bgp_state		 state;
	struct ibuf		*rbuf;
	struct ibuf		*wbuf;
	int64_t			 hold_at;	/* ms; 0: off */
	int64_t			 keepalive_at;
	struct bgp_open		 open;		/* theirs */
	struct bgp_neg		 neg;
};

struct bgp_peer {
	TAILQ_ENTRY(bgp_peer)	 entry;
	struct bgp_speaker	*sp;
	struct bgp_peer_config	 cf;
	char			 name[96];
	struct bgp_conn		*conn[2];
	struct bgp_conn		*est;		/* the Established one */
	enum bgp_state		 state;		/* as reported */
	int64_t			 connect_at;	/* next attempt; 0: none */
	int			 backoff;	/* seconds */
	struct rib_cursor	 cursor;
	struct bgp_peer_stats	 st;
	int			 removed;
};
TAILQ_HEAD(bgp_peers, bgp_peer);

struct bgp_speaker {
	struct bgp_speaker_config cf;
	struct bgp_peers	 peers;
	int			 npeers;
	int			 lfd;		/* listening socket, or -1 */
	bgp_state_cb		 cb;
	void			*cb_arg;
	int			 started;
};

static void	conn_close(struct bgp_conn *, const char *why);
static void	conn_error(struct bgp_conn *, struct bgp_notify *);
static void	peer_update_state(struct bgp_peer *);

/* ---- time and small helpers -------------------------------------- */

/* RFC 4271 10: jitter timers to 75-100 % of their value. */
static int64_t
jitter_ms(int seconds)
{
	return (int64_t)seconds * (750 + random() % 251);
}

const char *
bgp_state_str(enum bgp_state s)
{
	static const char *names[] = { "Idle", "Connect", "Active",
	    "OpenSent", "OpenConfirm", "Established" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "?";
}

const char *
bgp_sockaddr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;
	char				 a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET)
		snprintf(buf, len, "%s",
		    inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)));
	else if (ss->ss_family == AF_INET6)
		snprintf(buf, len, "%s",
		    inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)));
	else
		snprintf(buf, len, "?");
	return buf;
}

/* "10.0.0.1", "10.0.0.1:1179", "2001:db8::1", "[2001:db8::1]:1179" */
int
bgp_sockaddr_parse(const char *s, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (void *)ss;
	struct sockaddr_in6	*sin6 = (void *)ss;
	char			 host[INET6_ADDRSTRLEN + 2], *colon, *end;
	long			 p;

	memset(ss, 0, sizeof(*ss));
	if (strlen(s) >= sizeof(host))
		return -1;
	strlcpy(host, s, sizeof(host));
	colon = host[0] == '[' ? strstr(host, "]:") : strchr(host, ':');
	if (host[0] == '[' && colon != NULL) {
		*colon = '\0';
		memmove(host, host + 1, strlen(host));
		colon++;
	} else if (colon != NULL && strchr(colon + 1, ':') != NULL)
		colon = NULL;		/* a bare IPv6 address */
	if (colon != NULL) {
		*colon = '\0';
		errno = 0;
		p = strtol(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || p < 1 || p > 65535)
			return -1;
		port = (uint16_t)p;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return 0;
	}
	return -1;
}

static socklen_t
sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

static int
sa_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6	*a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family == AF_INET && b->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6 && b->ss_family == AF_INET6)
		return memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
	/* an IPv4 peer accepted on a dual-stack socket: ::ffff:a.b.c.d */
	if (a->ss_family == AF_INET6 && b->ss_family == AF_INET)
		return IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) &&
		    memcmp(&a6->sin6_addr.s6_addr[12], &b4->sin_addr, 4) == 0;
	if (a->ss_family == AF_INET && b->ss_family == AF_INET6)
		return sa_same_host(b, a);
	return 0;
}

static void
peer_log(const struct bgp_peer *p, const char *fmt, ...)
    __attribute__((__format__ (printf, 2, 3)));

static void
peer_log(const struct bgp_peer *p, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("neighbor %s: %s", p->name, msg);
}

/* ---- sockets ----------------------------------------------------- */

static int
set_md5(int fd, const struct sockaddr_storage *peer, const char *key)
{
	struct tcp_md5sig	md5 = {};

	if (key[0] == '\0')
		return 0;
	memcpy(&md5.tcpm_addr, peer, sa_len(peer));
	md5.tcpm_keylen = strlen(key);
	memcpy(md5.tcpm_key, key, md5.tcpm_keylen);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5));
}

/* Nonblocking, no Nagle, and the CS6 class routing protocols use. */
static int
sock_setup(int fd, int family)
{
	int	one = 1, tos = IPTOS_PREC_INTERNETCONTROL;
	int	fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		return -1;
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	return 0;
}

/* ---- connections ------------------------------------------------- */

static struct bgp_conn *
conn_new(struct bgp_peer *p, int fd, int dir)
{
	struct bgp_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->rbuf = ibuf_dynamic(BGP_MAX_MSG, RBUF_MAX)) == NULL ||
	    (c->wbuf = ibuf_dynamic(BGP_MAX_MSG, WBUF_MAX)) == NULL) {
		if (c != NULL)
			ibuf_free(c->rbuf);
		free(c);
		close(fd);
		log_warn("neighbor %s: connection", p->name);
		return NULL;
	}
	c->peer = p;
	c->fd = fd;
	c->dir = dir;
	p->conn[dir] = c;
	return c;
}

static void
conn_set_state(struct bgp_conn *c, enum bgp_state s)
{
	c->state = s;
	peer_update_state(c->peer);
}

/* Queues a message built by fn; a full buffer is a broken session. */
static int
conn_queue_open(struct bgp_conn *c)
{
	struct bgp_speaker	*sp = c->peer->sp;
	struct bgp_open		 o = {};
	uint32_t		 as = c->peer->cf.local_as;
	int			 aid;

	o.version = BGP_VERSION;
	o.as2 = as > 65535 ? AS_TRANS : as;
	o.holdtime = c->peer->cf.holdtime;
	o.bgp_id = sp->cf.router_id;
	o.caps.as4 = as;
	for (aid = 0; aid < AID_MAX; aid++) {
		o.caps.mp[aid] = 1;
		o.caps.addpath[aid] = ADDPATH_SEND | ADDPATH_RECV;
		if (sp->cf.gr_time > 0)
			o.caps.gr_af[aid] = GR_AF_PRESENT | GR_AF_FORWARDING;
	}
	o.caps.ext_nh[AID_IPV4] = 1;
	o.caps.route_refresh = 1;
	o.caps.ext_msg = 1;
	o.caps.gr = sp->cf.gr_time > 0;
	o.caps.gr_time = sp->cf.gr_time;
	return bgp_open_write(c->wbuf, &o);
}

static void
conn_send_notify(struct bgp_conn *c, const struct bgp_notify *n)
{
	struct bgp_peer	*p = c->peer;

	p->st.last_error = *n;
	p->st.last_error_sent = 1;
	log_warnx("neighbor %s: sending NOTIFICATION %s%s%s", p->name,
	    bgp_notify_str(n->code, n->subcode), n->reason[0] ? ": " : "",
	    n->reason);
	/* Best effort: the session ends whether or not it gets out.  An
	 * extended message only once both said they take them. */
	if (bgp_notification_write_max(c->wbuf, n, c->state ==
	    BGP_ESTABLISHED ? c->neg.max_msg : BGP_MAX_MSG) == 0 &&
	    ibuf_size(c->wbuf) > 0)
		(void)!write(c->fd, ibuf_data(c->wbuf), ibuf_size(c->wbuf));
}

static void
peer_schedule_connect(struct bgp_peer *p)
{
	if (p->cf.passive || p->removed)
		return;
	p->connect_at = (int64_t)mono_ms() + jitter_ms(p->backoff);
	if (p->backoff < BACKOFF_MAX)
		p->backoff = p->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
		    p->backoff * 2;
}

static void
conn_free(struct bgp_conn *c)
{
	struct bgp_peer	*p = c->peer;

	if (c->fd != -1)
		close(c->fd);
	ibuf_free(c->rbuf);
	ibuf_free(c->wbuf);
	p->conn[c->dir] = NULL;
	free(c);
}

static void
conn_close(struct bgp_conn *c, const char *why)
{
	struct bgp_peer	*p = c->peer;
	int		 was_est = p->est == c;

	if (was_est) {
		peer_log(p, "session down: %s", why);
		p->est = NULL;
		if (p->cf.rib != NULL)
			bgp_rib_cursor_close(p->cf.rib, &p->cursor);
		p->st.synced = 0;
	} else
		log_debug("neighbor %s: %s connection closed: %s", p->name,
		    c->dir == CONN_OUT ? "outgoing" : "incoming", why);
	if (c->dir == CONN_OUT || was_est)
		peer_schedule_connect(p);
	conn_free(c);
	peer_update_state(p);
}

static void
conn_error(struct bgp_conn *c, struct bgp_notify *n)
{
	char	why[256];

	if (c->state >= BGP_OPENSENT)
		conn_send_notify(c, n);
	snprintf(why, sizeof(why), "%s%s%s", bgp_notify_str(n->code,
	    n->subcode), n->reason[0] ? ": " : "", n->reason);
	conn_close(c, why);
}

static int
conn_start_open(struct bgp_conn *c)
{
	if (conn_queue_open(c) == -1) {
		conn_close(c, "cannot queue OPEN");
		return -1;
	}
	c->hold_at = (int64_t)mono_ms() + OPEN_HOLDTIME * 1000;
	conn_set_state(c, BGP_OPENSENT);
	return 0;
}

static void
peer_connect(struct bgp_peer *p)
{
	struct bgp_conn	*c;
	int		 fd, family = p->cf.addr.ss_family;

	p->connect_at = 0;
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("neighbor %s: socket", p->name);
		peer_schedule_connect(p);
		return;
	}
	if (sock_setup(fd, family) == -1 ||
	    set_md5(fd, &p->cf.addr, p->cf.md5_key) == -1 ||
	    (p->cf.local.ss_family != AF_UNSPEC &&
	    bind(fd, (struct sockaddr *)&p->cf.local,
	    sa_len(&p->cf.local)) == -1)) {
		log_warn("neighbor %s: socket setup", p->name);
		close(fd);
		peer_schedule_connect(p);
		return;
	}
	if ((c = conn_new(p, fd, CONN_OUT)) == NULL) {
		peer_schedule_connect(p);
		return;
	}
	if (connect(fd, (struct sockaddr *)&p->cf.addr,
	    sa_len(&p->cf.addr)) == -1 && errno != EINPROGRESS) {
		conn_close(c, strerror(errno));
		return;
	}
	c->hold_at = (int64_t)mono_ms() + (int64_t)p->cf.connect_retry * 1000;
	conn_set_state(c, BGP_CONNECT);
}

static void
conn_connected(struct bgp_conn *c)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		conn_close(c, strerror(err));
		return;
	}
	log_debug("neighbor %s: connected", c->peer->name);
	conn_start_open(c);
}

/* ---- the peer's reported state ----------------------------------- */

static void
peer_update_state(struct bgp_peer *p)
{
	enum bgp_state	 s = p->cf.passive || p->connect_at ? BGP_ACTIVE :
			    BGP_IDLE, old = p->state;
	int		 i;

	for (i = 0; i < 2; i++)
		if (p->conn[i] != NULL && p->conn[i]->state > s)
			s = p->conn[i]->state;
	if (s == old)
		return;
	p->state = s;
	p->st.state = s;
	p->st.since_ms = (int64_t)mono_ms();
	if (s == BGP_ESTABLISHED || old == BGP_ESTABLISHED)
		peer_log(p, "%s -> %s", bgp_state_str(old), bgp_state_str(s));
	else
		log_debug("neighbor %s: %s -> %s", p->name,
		    bgp_state_str(old), bgp_state_str(s));
	if (p->sp->cb != NULL)
		p->sp->cb(p, old, s, p->sp->cb_arg);
}

/* ---- receiving --------------------------------------------------- */

static void
notify_log(struct bgp_peer *p, const struct bgp_notify *n)
{
	char	text[130] = "";
	size_t	len;

	/* RFC 9003: Cease shutdown/reset may carry a UTF-8 message. */
	if (n->code == BGP_ERR_CEASE && (n->subcode == CEASE_ADMIN_DOWN ||
	    n->subcode == CEASE_ADMIN_RESET) && n->datalen > 0) {
		len = n->data[0];
		if (len > n->datalen - 1)
			len = n->datalen - 1;
		if (len >= sizeof(text))
			len = sizeof(text) - 1;
		memcpy(text, n->data + 1, len);
		text[len] = '\0';
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)text[i] < 0x20)
				text[i] = '?';
	}
	log_warnx("neighbor %s: received NOTIFICATION %s%s%s%s", p->name,
	    bgp_notify_str(n->code, n->subcode), text[0] ? " \"" : "", text,
	    text[0] ? "\"" : "");
}

static int
check_open(struct bgp_conn *c, struct bgp_notify *n)
{
	struct bgp_peer	*p = c->peer;
	uint32_t	 as = c->open.caps.as4 ? c->open.caps.as4 :
			    c->open.as2;

	if (as != p->cf.remote_as) {
		bgp_notify_set(n, BGP_ERR_OPEN, OPEN_AS,
		    "peer says AS %u, configured remote-as %u", as,
		    p->cf.remote_as);
		n->data[0] = c->open.as2 >> 8;
		n->data[1] = c->open.as2;
		n->datalen = 2;
		return -1;
	}
	if (c->open.bgp_id == p->sp->cf.router_id &&
	    p->cf.remote_as == p->cf.local_as) {
		bgp_notify_set(n, BGP_ERR_OPEN, OPEN_BGPID,
		    "peer uses our own BGP identifier");
		return -1;
	}
	return 0;
}

/*
 * RFC 4271 6.8: two connections to one peer.  The one opened by the
 * speaker with the higher BGP Identifier survives.  An Established
 * session meets a new connection only when the peer restarted: with
 * graceful restart (RFC 4724 4.2) the old one goes, otherwise the new one.
 */
static int
collision(struct bgp_conn *c)
{
	struct bgp_peer		*p = c->peer;
	struct bgp_conn		*other = p->conn[!c->dir], *loser;
	struct bgp_notify	 n = {};

	if (other == NULL || other->state < BGP_OPENSENT)
		return 0;
	if (other->state == BGP_ESTABLISHED)
		loser = other->neg.peer_gr ? other : c;
	else if (other->state == BGP_OPENSENT)
		return 0;	/* its OPEN decides when it comes */
	else if (p->sp->cf.router_id > c->open.bgp_id)
		loser = p->conn[CONN_IN];
	else
		loser = p->conn[CONN_OUT];
	bgp_notify_set(&n, BGP_ERR_CEASE, CEASE_COLLISION,
	    "connection collision, keeping the %s connection",
	    loser == p->conn[CONN_IN] ? "outgoing" : "incoming");
	conn_error(loser, &n);
	return loser == c ? -1 : 0;
}

/* RFC 6608 4: an unexpected message is reported with the state it
 * arrived in: "Receive Unexpected Message in OpenSent State" (1),
 * "... in OpenConfirm State" (2), "... in Established State" (3). */
static uint8_t
fsm_subcode(enum bgp_state s)
{
	switch (s) {
	case BGP_OPENSENT:
		return 1;
	case BGP_OPENCONFIRM:
		return 2;
	case BGP_ESTABLISHED:
		return 3;
	default:
		return 0;
	}
}

/* What we offer, as far as negotiation goes. */
static void
peer_offer(const struct bgp_peer *p, struct bgp_open *ours)
{
	*ours = (struct bgp_open){ 0 };
	ours->holdtime = p->cf.holdtime;
	ours->caps.as4 = p->cf.local_as;
	for (int aid = 0; aid < AID_MAX; aid++) {
		ours->caps.mp[aid] = 1;
		ours->caps.addpath[aid] = ADDPATH_SEND | ADDPATH_RECV;
	}
	ours->caps.ext_nh[AID_IPV4] = 1;
	ours->caps.route_refresh = 1;
	ours->caps.ext_msg = 1;
}

static void
recv_open(struct bgp_conn *c, struct ibuf *body)
{
	struct bgp_peer		*p = c->peer;
	struct bgp_notify	 n = {};
	struct bgp_open		 ours = {};

	if (c->state != BGP_OPENSENT) {
		bgp_notify_set(&n, BGP_ERR_FSM, fsm_subcode(c->state),
		    "OPEN in state %s", bgp_state_str(c->state));
		conn_error(c, &n);
		return;
	}
	if (bgp_open_parse(body, &c->open, &n) == -1 ||
	    check_open(c, &n) == -1) {
		conn_error(c, &n);
		return;
	}
	if (collision(c) == -1)
		return;
	peer_offer(p, &ours);
	bgp_negotiate(&ours, &c->open, &c->neg);
	if (bgp_keepalive_write(c->wbuf) == -1) {
		conn_close(c, "cannot queue KEEPALIVE");
		return;
	}
	c->hold_at = c->neg.holdtime ? (int64_t)mono_ms() + c->neg.holdtime * 1000 : 0;
	c->keepalive_at = c->neg.holdtime ?
	    (int64_t)mono_ms() + c->neg.holdtime * 1000 / 3 : 0;
	conn_set_state(c, BGP_OPENCONFIRM);
}

static void
established(struct bgp_conn *c)
{
	struct bgp_peer	*p = c->peer;
	char		 caps[128];

	p->est = c;
	p->backoff = p->cf.connect_retry;
	p->st.neg = c->neg;
	p->st.remote_id = c->open.bgp_id;
	p->st.established++;
	p->st.synced = 0;
	snprintf(caps, sizeof(caps), "hold %us%s%s%s%s", c->neg.holdtime,
	    c->neg.addpath_tx[AID_IPV4] || c->neg.addpath_tx[AID_IPV6] ?
	    ", add-path" : "", c->neg.ext_nh[AID_IPV4] ? ", extended-nexthop" :
	    "", c->neg.ext_msg ? ", extended-message" : "",
	    c->neg.peer_gr ? ", graceful-restart" : "");
	if (p->cf.rib != NULL)
		bgp_rib_cursor_open(p->cf.rib, &p->cursor);
	conn_set_state(c, BGP_ESTABLISHED);
	peer_log(p, "session up (%s)", caps);
}

static void
recv_update(struct bgp_conn *c, struct ibuf *body)
{
	struct bgp_peer		*p = c->peer;
	struct bgp_update	 u = {};
	struct bgp_notify	 n = {};

	p->st.updates_in++;
	if (bgp_update_parse(body, &c->neg, &u, &n) == -1) {
		bgp_update_free(&u);
		conn_error(c, &n);
		return;
	}
	p->st.withdrawn_in += u.nwithdrawn;
	p->st.attrs_discarded += u.discarded;
	if (u.action == UPD_ACTION_TREAT_AS_WITHDRAW) {
		p->st.treat_as_withdraw++;
		p->st.withdrawn_in += u.nnlri;
		log_warnx("neighbor %s: malformed UPDATE, %zu prefixes "
		    "treated as withdrawn (RFC 7606): %s", p->name, u.nnlri,
		    u.reason);
	} else
		p->st.prefixes_in += u.nnlri;
	if (u.discarded > 0 && u.action == UPD_ACTION_OK)
		log_warnx("neighbor %s: %d attributes discarded (RFC 7606): "
		    "%s", p->name, u.discarded, u.reason);
	bgp_update_free(&u);
}

static void
recv_route_refresh(struct bgp_conn *c, struct ibuf *body)
{
	struct bgp_peer		*p = c->peer;
	struct bgp_notify	 n = {};
	uint8_t			 aid;
	int			 r;

	if ((r = bgp_route_refresh_parse(body, &aid, &n)) == -1) {
		conn_error(c, &n);
		return;
	}
	if (r == 1) {	/* a family we do not speak, or an RFC 7313 marker */
		log_debug("neighbor %s: route refresh ignored", p->name);
		return;
	}
	peer_log(p, "route refresh requested: sending everything again");
	if (p->cf.rib != NULL) {
		bgp_rib_cursor_close(p->cf.rib, &p->cursor);
		bgp_rib_cursor_open(p->cf.rib, &p->cursor);
	}
	p->st.synced = 0;
}

/* RFC 4271 8.2.2: which messages each state accepts. */
static void
recv_msg(struct bgp_conn *c, uint8_t type, struct ibuf *body)
{
	struct bgp_notify	n = {};

	c->peer->st.msgs_in++;
	if (c->hold_at != 0 && c->neg.holdtime != 0)
		c->hold_at = (int64_t)mono_ms() + c->neg.holdtime * 1000;
	switch (type) {
	case BGP_OPEN:
		recv_open(c, body);
		return;
	case BGP_NOTIFICATION:
		bgp_notification_parse(body, &n);
		c->peer->st.last_error = n;
		c->peer->st.last_error_sent = 0;
		notify_log(c->peer, &n);
		conn_close(c, "NOTIFICATION received");
		return;
	case BGP_KEEPALIVE:
		if (c->state == BGP_OPENCONFIRM)
			established(c);
		else if (c->state != BGP_ESTABLISHED)
			break;
		return;
	case BGP_UPDATE:
		if (c->state != BGP_ESTABLISHED)
			break;
		recv_update(c, body);
		return;
	case BGP_ROUTE_REFRESH:
		if (c->state != BGP_ESTABLISHED)
			break;
		recv_route_refresh(c, body);
		return;
	}
	bgp_notify_set(&n, BGP_ERR_FSM, fsm_subcode(c->state),
	    "%s in state %s", bgp_msg_type_str(type), bgp_state_str(c->state));
	conn_error(c, &n);
}

/* Drops what was consumed so the buffer holds only a partial message. */
static void
rbuf_compact(struct ibuf *b)
{
	size_t	left = ibuf_size(b);

	memmove(b->buf, ibuf_data(b), left);
	b->rpos = 0;
	b->wpos = left;
}

static void
conn_read(struct bgp_conn *c)
{
	struct bgp_peer		*p = c->peer;
	struct bgp_notify	 n = {};
	struct ibuf		 body;
	uint8_t			 type;
	size_t			 max = c->state == BGP_ESTABLISHED ?
				    c->neg.max_msg : BGP_MAX_MSG;
	ssize_t			 got;
	void			*room;
	int			 r, dir = c->dir;

	if ((room = ibuf_reserve(c->rbuf, BGP_EXT_MAX_MSG)) == NULL) {
		conn_close(c, "receive buffer full");
		return;
	}
	got = read(c->fd, room, BGP_EXT_MAX_MSG);
	c->rbuf->wpos -= BGP_EXT_MAX_MSG - (got > 0 ? got : 0);
	if (got == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (got <= 0) {
		conn_close(c, got == 0 ? "connection closed by peer" :
		    strerror(errno));
		return;
	}
	/* a message may end the connection: c is then gone, dir is not */
	while (p->conn[dir] == c &&
	    (r = bgp_read_msg(c->rbuf, max, &type, &body, &n)) != 0) {
		if (r == -1) {
			conn_error(c, &n);
			return;
		}
		recv_msg(c, type, &body);
	}
	if (p->conn[dir] == c)
		rbuf_compact(c->rbuf);
}

/* ---- sending ------------------------------------------------------ */

static void
send_eors(struct bgp_conn *c)
{
	int	aid;

	for (aid = 0; aid < AID_MAX; aid++)
		if (c->neg.mp[aid])
			bgp_eor_write(c->wbuf, &c->neg, aid);
	c->peer->st.synced = 1;
	peer_log(c->peer, "initial routes sent, End-of-RIB");
}

/* How this peer's UPDATEs are encoded, beyond the session's rules. */
static void
peer_encoding(const struct bgp_peer *p, struct rib_encoding *enc)
{
	enc->ebgp = p->cf.remote_as != p->cf.local_as;
	enc->prepend_as = enc->ebgp ? p->cf.local_as : 0;
}

/*
 * Encodes the peer's table ahead, for the session it gets when the peer
 * accepts all we offer, unless the rib holds a cache that fits already.
 * Before the first session, so that sending it is a copy: encoding while
 * FRR reads, on a busy machine, made FRR install prefixes before all
 * their paths were there, then again.
 */
int
bgp_peer_precache(struct bgp_peer *p)
{
	struct bgp_open		 ours;
	struct bgp_neg		 neg;
	struct rib_encoding	 enc = { &neg, 0, 0 };

	if (p->cf.rib == NULL)
		return 0;
	peer_offer(p, &ours);
	bgp_negotiate(&ours, &ours, &neg);
	peer_encoding(p, &enc);
	if (bgp_rib_cache_usable(p->cf.rib, &enc))
		return 0;
	return bgp_rib_cache_build(p->cf.rib, &enc);
}

/*
 * Fills the write buffer from the rib while it is below WBUF_LOW.  Returns
 * -1 if it had to end the connection: c is gone then.
 */
static int
conn_refill(struct bgp_conn *c)
{
	struct bgp_peer		*p = c->peer;
	struct rib_encoding	 enc = { &c->neg, 0, 0 };
	int			 done = 0, initial;

	if (p->est != c || ibuf_size(c->wbuf) >= WBUF_LOW)
		return 0;
	if (p->cf.rib == NULL ||
	    !bgp_rib_cursor_pending(p->cf.rib, &p->cursor)) {
		if (!p->st.synced)
			send_eors(c);
		return 0;
	}
	rbuf_compact(c->wbuf);	/* the room the rib may fill is at the end */
	peer_encoding(p, &enc);
	initial = p->cursor.initial;
	if (bgp_rib_pull(p->cf.rib, &p->cursor, &enc, c->wbuf,
	    WBUF_MAX - WBUF_LOW - 2 * BGP_EXT_MAX_MSG, &done) == -1) {
		struct bgp_notify n = {};

		bgp_notify_set(&n, BGP_ERR_CEASE, CEASE_RESOURCE,
		    "cannot encode UPDATEs: %s", strerror(errno));
		conn_error(c, &n);
		return -1;
	}
	if (done && initial)
		send_eors(c);
	return 0;
}

static void
conn_write(struct bgp_conn *c)
{
	ssize_t	n;

	if (c->state == BGP_CONNECT) {
		conn_connected(c);
		return;
	}
	if (conn_refill(c) == -1)
		return;		/* c is gone */
	if (ibuf_size(c->wbuf) == 0)
		return;
	n = write(c->fd, ibuf_data(c->wbuf), ibuf_size(c->wbuf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		conn_close(c, strerror(errno));
		return;
	}
	ibuf_skip(c->wbuf, n);
	if (ibuf_size(c->wbuf) == 0) {
		c->wbuf->rpos = c->wbuf->wpos = 0;
		(void)conn_refill(c);	/* may end c: nothing follows */
	}
}

static int
conn_wants_write(struct bgp_conn *c)
{
	struct bgp_peer	*p = c->peer;

	if (c->state == BGP_CONNECT || ibuf_size(c->wbuf) > 0)
		return 1;
	if (p->est != c)
		return 0;
	return !p->st.synced || (p->cf.rib != NULL &&
	    bgp_rib_cursor_pending(p->cf.rib, &p->cursor));
}

/* ---- timers ------------------------------------------------------- */

static void
conn_timers(struct bgp_conn *c, int64_t now)
{
	struct bgp_notify	n = {};

	if (c->hold_at != 0 && now >= c->hold_at) {
		if (c->state == BGP_CONNECT) {
			conn_close(c, "connect timed out");
			return;
		}
		bgp_notify_set(&n, BGP_ERR_HOLD, 0, "no message for %u s",
		    c->state == BGP_OPENSENT ? OPEN_HOLDTIME :
		    c->neg.holdtime);
		conn_error(c, &n);
		return;
	}
	if (c->keepalive_at != 0 && now >= c->keepalive_at) {
		if (bgp_keepalive_write(c->wbuf) == -1) {
			conn_close(c, "send buffer full");
			return;
		}
		c->peer->st.msgs_out++;
		c->keepalive_at = now + c->neg.holdtime * 1000 / 3;
	}
}

static void
peer_timers(struct bgp_peer *p, int64_t now)
{
	int	i;

	for (i = 0; i < 2; i++)
		if (p->conn[i] != NULL)
			conn_timers(p->conn[i], now);
	if (p->connect_at != 0 && now >= p->connect_at &&
	    p->conn[CONN_OUT] == NULL && p->est == NULL)
		peer_connect(p);
	else if (p->connect_at != 0 && now >= p->connect_at)
		p->connect_at = 0;
}

/* ---- accepting ---------------------------------------------------- */

static struct bgp_peer *
peer_by_addr(struct bgp_speaker *sp, const struct sockaddr_storage *ss)
{
	struct bgp_peer	*p;

	TAILQ_FOREACH(p, &sp->peers, entry)
		if (!p->removed && sa_same_host(ss, &p->cf.addr))
			return p;
	return NULL;
}

static void
speaker_accept(struct bgp_speaker *sp)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	struct bgp_peer		*p;
	struct bgp_conn		*c;
	char			 a[INET6_ADDRSTRLEN];
	int			 fd;

	fd = accept4(sp->lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd == -1)
		return;
	if ((p = peer_by_addr(sp, &ss)) == NULL) {
		log_warnx("connection from %s refused: not a configured "
		    "neighbor", bgp_sockaddr_str(&ss, a, sizeof(a)));
		close(fd);
		return;
	}
	if (p->conn[CONN_IN] != NULL) {
		log_debug("neighbor %s: replacing a pending incoming "
		    "connection", p->name);
		conn_close(p->conn[CONN_IN], "replaced by a new connection");
	}
	if (sock_setup(fd, ss.ss_family) == -1) {
		close(fd);
		return;
	}
	if ((c = conn_new(p, fd, CONN_IN)) != NULL)
		conn_start_open(c);
}

static int
speaker_listen(struct bgp_speaker *sp)
{
	const struct sockaddr_storage	*ls = &sp->cf.listen;
	struct bgp_peer			*p;
	int				 one = 1, zero = 0;
	char				 a[INET6_ADDRSTRLEN];

	sp->lfd = socket(ls->ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (sp->lfd == -1)
		return -1;
	setsockopt(sp->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls->ss_family == AF_INET6)
		setsockopt(sp->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof(zero));
	TAILQ_FOREACH(p, &sp->peers, entry)
		if (set_md5(sp->lfd, &p->cf.addr, p->cf.md5_key) == -1)
			log_warn("neighbor %s: TCP-MD5 on the listener",
			    p->name);
	if (bind(sp->lfd, (const struct sockaddr *)ls, sa_len(ls)) == -1 ||
	    listen(sp->lfd, 64) == -1) {
		log_warn("listen on %s port %u", bgp_sockaddr_str(ls, a,
		    sizeof(a)), ntohs(((const struct sockaddr_in *)ls)->sin_port));
		close(sp->lfd);
		sp->lfd = -1;
		return -1;
	}
	return 0;
}

/* ---- the speaker --------------------------------------------------- */

struct bgp_speaker *
bgp_speaker_new(const struct bgp_speaker_config *cf)
{
	struct bgp_speaker	*sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	sp->cf = *cf;
	sp->lfd = -1;
	TAILQ_INIT(&sp->peers);
	srandom((unsigned)(int64_t)mono_ms() ^ (unsigned)getpid());
	return sp;
}

void
bgp_speaker_set_state_cb(struct bgp_speaker *sp, bgp_state_cb cb, void *arg)
{
	sp->cb = cb;
	sp->cb_arg = arg;
}

int
bgp_speaker_start(struct bgp_speaker *sp)
{
	struct bgp_peer	*p;

	if (sp->cf.listen.ss_family != AF_UNSPEC && speaker_listen(sp) == -1)
		return -1;
	sp->started = 1;
	TAILQ_FOREACH(p, &sp->peers, entry)
		if (!p->cf.passive)
			p->connect_at = (int64_t)mono_ms();
	return 0;
}

struct bgp_peer *
bgp_peer_add(struct bgp_speaker *sp, const struct bgp_peer_config *cf)
{
	struct bgp_peer	*p;

	if (sp->npeers >= BGP_PEERS_MAX || peer_by_addr(sp, &cf->addr)) {
		errno = sp->npeers >= BGP_PEERS_MAX ? ENOSPC : EEXIST;
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->sp = sp;
	p->cf = *cf;
	if (p->cf.local_as == 0)
		p->cf.local_as = sp->cf.local_as;
	if (p->cf.holdtime == 0)
		p->cf.holdtime = BGP_DEFAULT_HOLDTIME;
	if (p->cf.connect_retry == 0)
		p->cf.connect_retry = BGP_DEFAULT_CONNECT_RETRY;
	p->backoff = p->cf.connect_retry;
	if (cf->name[0] != '\0')
		snprintf(p->name, sizeof(p->name), "%s", cf->name);
	else
		bgp_sockaddr_str(&cf->addr, p->name, sizeof(p->name));
	TAILQ_INSERT_TAIL(&sp->peers, p, entry);
	sp->npeers++;
	if (sp->started && !p->cf.passive)
		p->connect_at = (int64_t)mono_ms();
	if (sp->lfd != -1 && set_md5(sp->lfd, &p->cf.addr, p->cf.md5_key))
		log_warn("neighbor %s: TCP-MD5 on the listener", p->name);
	return p;
}

static void
peer_free(struct bgp_peer *p)
{
	struct bgp_speaker	*sp = p->sp;
	int			 i;

	for (i = 0; i < 2; i++)
		if (p->conn[i] != NULL)
			conn_free(p->conn[i]);
	if (p->cf.rib != NULL)
		bgp_rib_cursor_close(p->cf.rib, &p->cursor);
	TAILQ_REMOVE(&sp->peers, p, entry);
	sp->npeers--;
	free(p);
}

static void
conn_cease(struct bgp_conn *c, uint8_t subcode, const char *reason)
{
	struct bgp_notify	n = {};
	size_t			len = reason ? strlen(reason) : 0;

	if (c->state < BGP_OPENSENT)
		return;
	bgp_notify_set(&n, BGP_ERR_CEASE, subcode, "%s", reason ? reason : "");
	/* RFC 9003: the shutdown communication, length-prefixed */
	if (len > 0 && (subcode == CEASE_ADMIN_DOWN ||
	    subcode == CEASE_ADMIN_RESET)) {
		/* RFC 9003 2: at most 255 octets; not inside a UTF-8
		 * sequence */
		if (len > UINT8_MAX) {
			len = UINT8_MAX;
			while (len > 0 && ((uint8_t)reason[len] & 0xc0) == 0x80)
				len--;
		}
		n.data[0] = len;
		memcpy(n.data + 1, reason, len);
		n.datalen = len + 1;
	}
	conn_send_notify(c, &n);
}

void
bgp_peer_remove(struct bgp_peer *p, uint8_t subcode)
{
	int	i;

	for (i = 0; i < 2; i++)
		if (p->conn[i] != NULL)
			conn_cease(p->conn[i], subcode, "neighbor removed");
	peer_free(p);
}

/* Sends a Cease to every session and closes everything. */
void
bgp_speaker_shutdown(struct bgp_speaker *sp, uint8_t subcode,
    const char *reason)
{
	struct bgp_peer	*p;
	int		 i;

	TAILQ_FOREACH(p, &sp->peers, entry)
		for (i = 0; i < 2; i++)
			if (p->conn[i] != NULL)
				conn_cease(p->conn[i], subcode, reason);
}

void
bgp_speaker_free(struct bgp_speaker *sp)
{
	struct bgp_peer	*p;

	if (sp == NULL)
		return;
	while ((p = TAILQ_FIRST(&sp->peers)) != NULL)
		peer_free(p);
	if (sp->lfd != -1)
		close(sp->lfd);
	free(sp);
}

const char *
bgp_peer_name(const struct bgp_peer *p)
{
	return p->name;
}

void
bgp_peer_stats(const struct bgp_peer *p, struct bgp_peer_stats *st)
{
	*st = p->st;
	st->state = p->state;
}

/*
 * Does the peer's session still owe it something: routes of its rib not
 * yet encoded, or octets not yet written?  0 when no session is up.
 */
int
bgp_peer_pending(const struct bgp_peer *p)
{
	if (p->est == NULL)
		return 0;
	if (p->cf.rib != NULL && bgp_rib_cursor_pending(p->cf.rib,
	    &p->cursor))
		return 1;
	return ibuf_size(p->est->wbuf) > 0;
}

struct bgp_peer *
bgp_peer_first(struct bgp_speaker *sp)
{
	return TAILQ_FIRST(&sp->peers);
}

struct bgp_peer *
bgp_peer_next(struct bgp_peer *p)
{
	return TAILQ_NEXT(p, entry);
}

/* pollfd order: the listener, then each peer's connections. */
size_t
bgp_speaker_pollfds(struct bgp_speaker *sp, struct pollfd *fds, size_t max)
{
	struct bgp_peer	*p;
	size_t		 n = 0;
	int		 i;

	if (sp->lfd != -1 && n < max)
		fds[n++] = (struct pollfd){ sp->lfd, POLLIN, 0 };
	TAILQ_FOREACH(p, &sp->peers, entry)
		for (i = 0; i < 2; i++) {
			struct bgp_conn *c = p->conn[i];

			if (c == NULL || n >= max)
				continue;
			fds[n++] = (struct pollfd){ c->fd,
			    (c->state == BGP_CONNECT ? 0 : POLLIN) |
			    (conn_wants_write(c) ? POLLOUT : 0), 0 };
		}
	return n;
}

static struct bgp_conn *
conn_by_fd(struct bgp_speaker *sp, int fd)
{
	struct bgp_peer	*p;
	int		 i;

	TAILQ_FOREACH(p, &sp->peers, entry)
		for (i = 0; i < 2; i++)
			if (p->conn[i] != NULL && p->conn[i]->fd == fd)
				return p->conn[i];
	return NULL;
}

void
bgp_speaker_dispatch(struct bgp_speaker *sp, const struct pollfd *fds,
    size_t n)
{
	struct bgp_conn	*c;
	struct bgp_peer	*p, *next;
	int64_t		 now;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (fds[i].revents == 0)
			continue;
		if (fds[i].fd == sp->lfd) {
			speaker_accept(sp);
			continue;
		}
		if ((c = conn_by_fd(sp, fds[i].fd)) == NULL)
			continue;
		if (fds[i].revents & (POLLIN | POLLHUP | POLLERR) &&
		    c->state != BGP_CONNECT)
			conn_read(c);
		else if (fds[i].revents & (POLLHUP | POLLERR))
			conn_write(c);	/* a failed connect */
		if ((c = conn_by_fd(sp, fds[i].fd)) != NULL &&
		    fds[i].revents & POLLOUT)
			conn_write(c);
	}
	now = (int64_t)mono_ms();
	TAILQ_FOREACH_SAFE(p, &sp->peers, entry, next)
		peer_timers(p, now);
}

/* Milliseconds until the next timer, for poll(); -1: none. */
int
bgp_speaker_timeout(struct bgp_speaker *sp)
{
	struct bgp_peer	*p;
	int64_t		 now = (int64_t)mono_ms(), next = INT64_MAX;
	int		 i;

	TAILQ_FOREACH(p, &sp->peers, entry) {
		if (p->connect_at != 0 && p->connect_at < next)
			next = p->connect_at;
		for (i = 0; i < 2; i++) {
			struct bgp_conn *c = p->conn[i];

			if (c == NULL)
				continue;
			if (c->hold_at != 0 && c->hold_at < next)
				next = c->hold_at;
			if (c->keepalive_at != 0 && c->keepalive_at < next)
				next = c->keepalive_at;
		}
	}
	if (next == INT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > INT_MAX ? INT_MAX :
	    next - now);
}

/* After rib changes: push them out now rather than at the next poll. */
void
bgp_speaker_kick(struct bgp_speaker *sp)
{
	struct bgp_peer	*p;

	TAILQ_FOREACH(p, &sp->peers, entry)
		if (p->est != NULL)
			conn_write(p->est);
}

/* True when no session has anything left to write. */
int
bgp_speaker_idle(struct bgp_speaker *sp)
{
	struct bgp_peer	*p;
	int		 i;

	TAILQ_FOREACH(p, &sp->peers, entry)
		for (i = 0; i < 2; i++)
			if (p->conn[i] != NULL &&
			    ibuf_size(p->conn[i]->wbuf) > 0)
				return 0;
	return 1;
}
