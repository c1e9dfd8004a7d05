/*
 * OpenMetrics (Prometheus) on plain HTTP: GET /metrics answers the
 * controller's state, anything else a 404.  One short request per
 * connection, at most FD_METRICS_CONNS at once, each bounded in size and
 * time; the daemon never blocks on a scraper.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabricd.h"
#include "log.h"
#include "util.h"

#define METRICS_TIMEOUT_MS	2000

int
fd_metrics_open(struct fabricd *d, const char *addr)
{
	struct sockaddr_storage	ss;
	int			fd, on = 1;
	size_t			i;

	for (i = 0; i < FD_METRICS_CONNS; i++)
		d->mconn[i].fd = -1;
	if (bgp_sockaddr_parse(addr, 9342, &ss) == -1) {
		log_warnx("--metrics %s: want ADDR:PORT or [ADDR]:PORT", addr);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, ss.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == -1 ||
	    listen(fd, 8) == -1) {
		log_warn("--metrics %s", addr);
		close(fd);
		return -1;
	}
	d->metrics_fd = fd;
	return 0;
}

void
fd_metrics_close(struct fabricd *d)
{
	size_t	i;

	if (d->metrics_fd <= 0)
		return;
	close(d->metrics_fd);
	d->metrics_fd = 0;
	for (i = 0; i < FD_METRICS_CONNS; i++)
		if (d->mconn[i].fd >= 0)
			close(d->mconn[i].fd);
}

size_t
fd_metrics_pollfds(struct fabricd *d, struct pollfd *pfd, size_t max)
{
	size_t	i, n = 0;

	if (d->metrics_fd <= 0 || max < FD_METRICS_CONNS + 1)
		return 0;
	pfd[n++] = (struct pollfd){ d->metrics_fd, POLLIN, 0 };
	for (i = 0; i < FD_METRICS_CONNS; i++)
		if (d->mconn[i].fd >= 0)
			pfd[n++] = (struct pollfd){ d->mconn[i].fd, POLLIN,
			    0 };
	return n;
}

static void
conn_close(struct fd_metrics_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) <= 0) {
			if (n == -1 && errno == EAGAIN) {
				struct pollfd p = { fd, POLLOUT, 0 };

				if (poll(&p, 1, 100) > 0)
					continue;
			}
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void
respond(struct fabricd *d, struct fd_metrics_conn *c)
{
	char	*body = NULL, hdr[256];
	size_t	 len = 0;
	FILE	*fp;
	int	 ok = strncmp(c->buf, "GET /metrics ", 13) == 0 ||
		    strncmp(c->buf, "GET / ", 6) == 0;

	if ((fp = open_memstream(&body, &len)) == NULL)
		return;
	if (ok)
		fd_metrics_write(d, fp);
	else
		fprintf(fp, "not found: GET /metrics\n");
	fclose(fp);
	snprintf(hdr, sizeof(hdr), "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    ok ? "200 OK" : "404 Not Found", ok ?
	    "application/openmetrics-text; version=1.0.0; charset=utf-8" :
	    "text/plain", len);
	write_all(c->fd, hdr, strlen(hdr));
	write_all(c->fd, body, len);
	free(body);
}

static void
conn_read(struct fabricd *d, struct fd_metrics_conn *c)
{
	ssize_t	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);

	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (strstr(c->buf, "\r\n\r\n") != NULL ||
	    strstr(c->buf, "\n\n") != NULL) {
		respond(d, c);
		conn_close(c);
	} else if (c->len >= sizeof(c->buf) - 1)
		conn_close(c);		/* too long for a GET */
}

static void
accept_one(struct fabricd *d)
{
	size_t	i;
	int	fd;

	if ((fd = accept4(d->metrics_fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1)
		return;
	for (i = 0; i < FD_METRICS_CONNS; i++)
		if (d->mconn[i].fd < 0) {
			d->mconn[i].fd = fd;
			d->mconn[i].len = 0;
			d->mconn[i].since_ms = (uint64_t)mono_ms();
			return;
		}
	close(fd);		/* too many scrapers at once */
}

void
fd_metrics_dispatch(struct fabricd *d, const struct pollfd *pfd, size_t n)
{
	size_t	i, j;
	uint64_t now = (uint64_t)mono_ms();

	if (n == 0)
		return;
	for (i = 1; i < n; i++)
		for (j = 0; j < FD_METRICS_CONNS; j++)
			if (d->mconn[j].fd == pfd[i].fd && pfd[i].revents)
				conn_read(d, &d->mconn[j]);
	for (j = 0; j < FD_METRICS_CONNS; j++)
		if (d->mconn[j].fd >= 0 &&
		    now - d->mconn[j].since_ms > METRICS_TIMEOUT_MS)
			conn_close(&d->mconn[j]);
	if (pfd[0].revents & POLLIN)
		accept_one(d);
}

/* ---- the metrics ------------------------------------------------ */

static void
family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# TYPE %s %s\n# HELP %s %s\n", name, type, name, help);
}

static void
link_metrics(struct fabricd *d, FILE *fp)
{
	const struct fabric	*f = d->cfg->fabric;
	double			 u;
	uint32_t		 i;
	int			 dir;

	family(fp, "fabric_link_utilisation", "gauge",
	    "Load over usable capacity, per link and direction.");
	for (i = 0; i < f->nlinks; i++)
		for (dir = 0; dir < 2; dir++) {
			u = fab_link_usable(f, i);
			fprintf(fp, "fabric_link_utilisation{link=\"%s\","
			    "direction=\"%s\"} %.6f\n", d->cfg->link_names[i],
			    dir ? "down" : "up",
			    u > 0 ? f->links[i].load[dir] / u : 0);
		}
	family(fp, "fabric_link_usable_bps", "gauge",
	    "Usable capacity: 0 when down or drained.");
	for (i = 0; i < f->nlinks; i++)
		fprintf(fp, "fabric_link_usable_bps{link=\"%s\"} %.0f\n",
		    d->cfg->link_names[i], fab_link_usable(f, i));
}

static void
weight_metrics(struct fabricd *d, FILE *fp)
{
	const struct fabric	*f = d->cfg->fabric;
	const struct fd_block	*b;
	size_t			 i;
	uint32_t		 pos;

	family(fp, "fabric_weight_share", "gauge",
	    "The share of traffic a switch sends over a link towards a "
	    "destination leaf.");
	for (i = 0; i < d->nblocks; i++) {
		b = &d->blocks[i];
		for (pos = 0; pos < b->n; pos++)
			if (b->mbps[pos] > 0)
				fprintf(fp, "fabric_weight_share{switch=\"%s\","
				    "destination=\"%s\",link=\"%s\"} %.6f\n",
				    f->nodes[b->node].name, f->nodes[b->dst].name,
				    d->cfg->link_names[f->nodes[b->node].adj[
				    pos]], b->applied[pos]);
	}
}

static void
peer_metrics(struct fabricd *d, FILE *fp)
{
	struct bgp_peer_stats	st;
	size_t			i;

	family(fp, "fabric_bgp_session_up", "gauge",
	    "1 when the session to the switch is Established.");
	for (i = 0; i < d->npeers; i++) {
		st.state = BGP_IDLE;
		if (d->peers[i].peer != NULL)
			bgp_peer_stats(d->peers[i].peer, &st);
		fprintf(fp, "fabric_bgp_session_up{switch=\"%s\"} %d\n",
		    d->cfg->fabric->nodes[d->peers[i].node].name,
		    st.state == BGP_ESTABLISHED);
	}
}

static void
telemetry_metrics(struct fabricd *d, FILE *fp)
{
	uint64_t	now = (uint64_t)mono_ms();
	size_t		i;

	family(fp, "fabric_telemetry_age_seconds", "gauge",
	    "Time since the newest sample of a link end.");
	for (i = 0; d->ing_ok && i < d->ing.nlinks; i++)
		fprintf(fp, "fabric_telemetry_age_seconds{agent=\"%s\","
		    "interface=\"%s\"} %.3f\n", d->ing.links[i].agent,
		    d->ing.links[i].name,
		    (double)(now - d->ing.links[i].seen_ms) / 1000);
	family(fp, "fabric_telemetry_accepted", "counter",
	    "Telemetry messages verified and decoded.");
	fprintf(fp, "fabric_telemetry_accepted_total %llu\n",
	    (unsigned long long)(d->ing_ok ? d->ing.rx.accepted : 0));
	family(fp, "fabric_telemetry_frozen", "gauge",
	    "1 while stale telemetry freezes the weights.");
	fprintf(fp, "fabric_telemetry_frozen %d\n", d->frozen);
}

void
fd_metrics_write(struct fabricd *d, FILE *fp)
{
	link_metrics(d, fp);
	weight_metrics(d, fp);
	peer_metrics(d, fp);
	telemetry_metrics(d, fp);
	family(fp, "fabric_pushes", "counter",
	    "Control steps that changed announcements.");
	fprintf(fp, "fabric_pushes_total %llu\n",
	    (unsigned long long)d->pushes);
	family(fp, "fabric_compute_seconds", "gauge",
	    "Duration of the last computation (push latency on our side).");
	fprintf(fp, "fabric_compute_seconds %.6f\n", d->last_compute_ms / 1000);
	family(fp, "fabric_push_seconds", "summary",
	    "Push latency on our side: from the computation that changed "
	    "weights to every UPDATE written to its session.");
	fprintf(fp, "fabric_push_seconds_sum %.6f\n", d->push_sum_ms / 1000);
	fprintf(fp, "fabric_push_seconds_count %llu\n",
	    (unsigned long long)d->push_count);
	family(fp, "fabric_quantisation_error", "gauge",
	    "Largest |installed - intended| share over announced weights.");
	fprintf(fp, "fabric_quantisation_error %.6f\n", d->max_err);
	fprintf(fp, "# EOF\n");
}
