/*
 * The control socket: fabricctl's requests over ZeroMQ REQ/REP, one JSON
 * object each way.
 *
 *   request  {"command": "show", "what": "weights", "node": "leaf1"}
 *            {"command": "drain", "link": "spine1-leaf1"}
 *            {"command": "undrain", "node": "spine1"}
 *            {"command": "reload"}
 *   reply    {"ok": true, "result": ...}
 *            {"ok": false, "error": "FD-...: what went wrong"}
 *
 * A request is bounded (FD_REQ_MAX) and parsed by json-c; anything else
 * gets an error reply naming what was wrong, and the daemon goes on.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <zmq.h>

#include "compat.h"
#include "fabricd.h"
#include "log.h"
#include "util.h"

/* ipc://DIR/NAME: DIR is made (0750) if missing. */
static void
ipc_dir(const char *endpoint)
{
	char	dir[PATH_MAX], *slash;

	if (strncmp(endpoint, "ipc://", 6) != 0 ||
	    strlcpy(dir, endpoint + 6, sizeof(dir)) >= sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		log_warn("mkdir %s", dir);
}

int
fd_control_open(struct fabricd *d, const char *endpoint)
{
	int	linger = 0;

	json_c_set_serialization_double_format("%.6g", JSON_C_OPTION_GLOBAL);
	ipc_dir(endpoint);
	if ((d->ctl = zmq_socket(d->zctx, ZMQ_REP)) == NULL)
		return -1;
	zmq_setsockopt(d->ctl, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(d->ctl, endpoint) == -1) {
		log_warnx("control socket %s: %s", endpoint,
		    zmq_strerror(errno));
		return -1;
	}
	strlcpy(d->ctl_addr, endpoint, sizeof(d->ctl_addr));
	return 0;
}

static json_object *
reply_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static json_object *
reply_error(const char *fmt, ...)
{
	json_object	*o = json_object_new_object();
	char		 buf[1024];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(buf));
	return o;
}

static json_object *
reply_ok(json_object *result)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "result", result != NULL ? result :
	    json_object_new_object());
	return o;
}

static const char *
arg(json_object *req, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *
do_show(struct fabricd *d, json_object *req)
{
	const char	*what = arg(req, "what"), *node = arg(req, "node");
	const char	*prefix = arg(req, "prefix");
	json_object	*r;
	char		 err[512];

	if (what == NULL)
		return reply_error("%s: show: \"what\" is missing",
		    FD_E_REQUEST);
	if (strcmp(what, "weights") == 0) {
		if (node != NULL && fab_node_find(d->cfg->fabric, node) ==
		    FAB_NONE)
			return reply_error("%s: no node named '%s'",
			    FD_E_REQUEST, node);
		return reply_ok(fd_show_weights(d, node));
	}
	if (strcmp(what, "paths") == 0) {
		if (prefix == NULL)
			return reply_error("%s: show paths: a prefix is "
			    "needed", FD_E_REQUEST);
		if ((r = fd_show_paths(d, prefix, err, sizeof(err))) == NULL)
			return reply_error("%s", err);
		return reply_ok(r);
	}
	if (strcmp(what, "links") == 0)
		return reply_ok(fd_show_links(d));
	if (strcmp(what, "peers") == 0)
		return reply_ok(fd_show_peers(d));
	if (strcmp(what, "topology") == 0)
		return reply_ok(fd_show_topology(d));
	if (strcmp(what, "telemetry") == 0)
		return reply_ok(fd_show_telemetry(d));
	if (strcmp(what, "status") == 0)
		return reply_ok(fd_show_status(d));
	if (strcmp(what, "jobs") == 0)
		return reply_ok(fd_show_jobs(d));
	return reply_error("%s: show: unknown '%s' (status, topology, links, "
	    "weights, paths, peers, telemetry, jobs)", FD_E_REQUEST, what);
}

/* Sets the admin state of a link or node; drains are checked first. */
static json_object *
do_drain(struct fabricd *d, json_object *req, int drain)
{
	const char	*link = arg(req, "link"), *node = arg(req, "node");
	uint8_t		*slot, old, want = drain ? FAB_DRAINED : FAB_UP;
	uint32_t	 i;
	char		 err[512];

	if ((link == NULL) == (node == NULL))
		return reply_error("%s: %s: give a link or a node",
		    FD_E_REQUEST, drain ? "drain" : "undrain");
	if (link != NULL) {
		if ((i = fab_config_link_find(d->cfg, link)) == FAB_NONE)
			return reply_error("%s: no link named '%s'",
			    FD_E_REQUEST, link);
		slot = &d->admin[i];
	} else {
		if ((i = fab_node_find(d->cfg->fabric, node)) == FAB_NONE)
			return reply_error("%s: no node named '%s'",
			    FD_E_REQUEST, node);
		slot = &d->node_admin[i];
	}
	old = *slot;
	*slot = want;
	if (drain && fd_drain_check(d, err, sizeof(err)) == -1) {
		*slot = old;
		fd_apply_telemetry(d, (uint64_t)mono_ms());
		return reply_error("%s: refused, nothing changed", err);
	}
	log_info("%s %s %s", drain ? "draining" : "undraining",
	    link != NULL ? "link" : "node", link != NULL ? link : node);
	fd_compute(d, (uint64_t)mono_ms());
	return reply_ok(fd_show_status(d));
}

static json_object *
handle(struct fabricd *d, const char *buf, size_t len)
{
	json_tokener	*tok = json_tokener_new();
	json_object	*req, *rep;
	const char	*cmd;
	char		 err[2048];

	req = json_tokener_parse_ex(tok, buf, (int)len);
	if (req == NULL || json_tokener_get_error(tok) != json_tokener_success
	    || !json_object_is_type(req, json_type_object)) {
		rep = reply_error("%s: the request is not a JSON object (%s)",
		    FD_E_REQUEST, json_tokener_error_desc(
		    json_tokener_get_error(tok)));
		goto out;
	}
	if ((cmd = arg(req, "command")) == NULL)
		rep = reply_error("%s: \"command\" is missing", FD_E_REQUEST);
	else if (strcmp(cmd, "show") == 0)
		rep = do_show(d, req);
	else if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0)
		rep = do_drain(d, req, strcmp(cmd, "drain") == 0);
	else if (strcmp(cmd, "reload") == 0)
		rep = fd_reload(d, err, sizeof(err)) == 0 ?
		    reply_ok(fd_show_status(d)) :
		    reply_error("%s: reload refused, nothing changed: %s",
		    FD_E_CONFIG, err);
	else
		rep = reply_error("%s: unknown command '%s' (show, drain, "
		    "undrain, reload)", FD_E_REQUEST, cmd);
out:
	json_object_put(req);
	json_tokener_free(tok);
	return rep;
}

void
fd_control_dispatch(struct fabricd *d)
{
	zmq_msg_t	 m;
	json_object	*rep;
	const char	*s;
	int		 i;

	for (i = 0; i < 16; i++) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, d->ctl, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		if (zmq_msg_size(&m) > FD_REQ_MAX)
			rep = reply_error("%s: request of %zu octets (at most "
			    "%d)", FD_E_REQUEST, zmq_msg_size(&m), FD_REQ_MAX);
		else
			rep = handle(d, zmq_msg_data(&m), zmq_msg_size(&m));
		zmq_msg_close(&m);
		s = json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		if (zmq_send(d->ctl, s, strlen(s), 0) == -1)
			log_warnx("control: reply: %s", zmq_strerror(errno));
		json_object_put(rep);
	}
}
