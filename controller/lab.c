/*
 * Namespace labs.  Each node is a network namespace named as containerlab
 * names its container (clab-LAB-NODE); each link is a veth pair created
 * straight into its two namespaces; a management namespace holds a bridge
 * that every node's eth0 joins, as containerlab's management network.
 * FRR nodes run the host's FRR, one instance per namespace (-N NS).
 *
 * The plumbing goes through iproute2 in batch mode (one process for many
 * changes) and never through a shell.  Destroy derives everything from the
 * topology file, so it also cleans up after a deploy that failed half-way.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "compat.h"
#include "lab.h"
#include "log.h"
#include "proc.h"

#define BATCH_MAX	(1024 * 1024)
#define OUT_MAX		8192

struct sbuf {
	char	*s;
	size_t	 len, cap;
};

static const char *frr_daemons[] = {
	"zebra", "bgpd", "ospfd", "ospf6d", "ripd", "ripngd", "isisd", "pimd",
	"pim6d", "ldpd", "nhrpd", "eigrpd", "babeld", "sharpd", "pbrd", "bfdd",
	"fabricd", "vrrpd", "pathd", "staticd",
};
#define NFRR_DAEMONS	(sizeof(frr_daemons) / sizeof(frr_daemons[0]))

static void	sb_printf(struct sbuf *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatal("vsnprintf");
		if ((size_t)n < b->cap - b->len)
			break;
		if (b->cap * 2 > BATCH_MAX)
			fatalx("iproute2 batch larger than %d bytes",
			    BATCH_MAX);
		b->cap = b->cap ? b->cap * 2 : 4096;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			fatal("realloc");
	}
	b->len += n;
}

static void
sb_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

int
lab_ns_exists(const char *ns)
{
	char		path[PATH_MAX];
	struct stat	st;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	return stat(path, &st) == 0;
}

static void
chomp(char *s)
{
	size_t	len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
}

/* Runs `ip [-n NS] -batch -' on the commands in b; logs what failed. */
static int
ip_batch(const char *ns, struct sbuf *b, const char *what)
{
	char	 out[OUT_MAX];
	const char	*argv_ns[] = { "ip", "-n", ns, "-batch", "-", NULL };
	const char	*argv_host[] = { "ip", "-batch", "-", NULL };
	int	 r;

	if (b->len == 0)
		return 0;
	r = proc_run(ns ? argv_ns : argv_host, b->s, out, sizeof(out),
	    PROC_MERGE_ERR);
	if (r != 0) {
		chomp(out);
		log_warnx("%s%s%s failed: %s", what, ns ? " in " : "",
		    ns ? ns : "", out[0] ? out : "ip exited with an error");
		return -1;
	}
	sb_reset(b);
	return 0;
}

static void
lab_free_names(struct lab *lab)
{
	free(lab->ns);
	free(lab->mgmt_ip);
}

/* Management addresses: explicit ones, then the free ones in node order. */
static int
lab_mgmt_plan(struct lab *lab)
{
	struct clab_topo	*t = lab->topo;
	char			 net[20], *slash;
	struct in_addr		 a;
	uint32_t		 base, host, size;
	int			 i, j;

	strlcpy(net, t->mgmt_subnet, sizeof(net));
	slash = strchr(net, '/');
	*slash = '\0';
	lab->mgmt_plen = atoi(slash + 1);
	inet_pton(AF_INET, net, &a);
	size = 1U << (32 - lab->mgmt_plen);
	base = ntohl(a.s_addr) & ~(size - 1);
	a.s_addr = htonl(base + 1);
	inet_ntop(AF_INET, &a, lab->mgmt_gw, sizeof(lab->mgmt_gw));
	for (i = 0; i < t->nnodes; i++)
		if (t->nodes[i].mgmt_ipv4[0] != '\0')
			strlcpy(lab->mgmt_ip[i], t->nodes[i].mgmt_ipv4, 16);
	host = 2;
	for (i = 0; i < t->nnodes; i++) {
		if (lab->mgmt_ip[i][0] != '\0')
			continue;
		for (;; host++) {
			if (host >= size - 1) {
				log_warnx("%s: management subnet %s is too "
				    "small for %d nodes", t->path,
				    t->mgmt_subnet, t->nnodes);
				return -1;
			}
			a.s_addr = htonl(base + host);
			inet_ntop(AF_INET, &a, lab->mgmt_ip[i], 16);
			for (j = 0; j < t->nnodes; j++)
				if (j != i && strcmp(lab->mgmt_ip[j],
				    lab->mgmt_ip[i]) == 0)
					break;
			if (j == t->nnodes && strcmp(lab->mgmt_ip[i],
			    lab->mgmt_gw) != 0)
				break;
		}
		host++;
	}
	return 0;
}

struct lab *
lab_open(const char *path)
{
	struct lab	*lab;
	int		 i;

	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		fatal("calloc");
	if ((lab->topo = clab_load(path)) == NULL) {
		free(lab);
		return NULL;
	}
	lab->ns = calloc(lab->topo->nnodes + 1, sizeof(*lab->ns));
	lab->mgmt_ip = calloc(lab->topo->nnodes + 1, sizeof(*lab->mgmt_ip));
	if (lab->ns == NULL || lab->mgmt_ip == NULL)
		fatal("calloc");
	for (i = 0; i < lab->topo->nnodes; i++)
		if (clab_nsname(lab->topo, &lab->topo->nodes[i], lab->ns[i],
		    sizeof(lab->ns[i])) == -1) {
			log_warnx("%s: node '%s': namespace name too long",
			    path, lab->topo->nodes[i].name);
			lab_close(lab);
			return NULL;
		}
	/* "mgmt-net" is a reserved endpoint name in containerlab: no node
	 * can be called so, and the namespace cannot clash with one. */
	if (snprintf(lab->mgmt_ns, sizeof(lab->mgmt_ns), "%s%smgmt-net",
	    lab->topo->nsprefix[0] ? lab->topo->nsprefix : lab->topo->name,
	    lab->topo->nsprefix[0] ? "" : "-") >= (int)sizeof(lab->mgmt_ns)) {
		log_warnx("%s: lab name too long", path);
		lab_close(lab);
		return NULL;
	}
	snprintf(lab->statedir, sizeof(lab->statedir), "%s/%s", LAB_STATEDIR,
	    lab->topo->name);
	if (lab_mgmt_plan(lab) == -1) {
		lab_close(lab);
		return NULL;
	}
	return lab;
}

void
lab_close(struct lab *lab)
{
	if (lab == NULL)
		return;
	lab_free_names(lab);
	clab_free(lab->topo);
	free(lab);
}

static int
mkdir_owned(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", path);
		return -1;
	}
	if (chown(path, uid, gid) == -1) {
		log_warn("chown %s", path);
		return -1;
	}
	return 0;
}

static int
frr_ids(uid_t *uid, gid_t *gid)
{
	struct passwd	*pw = getpwnam("frr");

	if (pw == NULL) {
		log_warnx("user 'frr' does not exist: is FRR installed? "
		    "(tools/setup.sh installs it)");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
copy_file(const char *from, const char *to, uid_t uid, gid_t gid)
{
	char	 buf[8192];
	ssize_t	 n;
	int	 in, out, rc = 0;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", from);
		return -1;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) ==
	    -1) {
		log_warn("%s", to);
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			rc = -1;
			break;
		}
	if (n < 0 || rc == -1 || fchown(out, uid, gid) == -1) {
		log_warn("copying %s to %s", from, to);
		rc = -1;
	}
	close(in);
	close(out);
	return rc;
}

static int
write_file(const char *path, const char *text, uid_t uid, gid_t gid)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	fputs(text, fp);
	if (fchown(fileno(fp), uid, gid) == -1 || fclose(fp) == EOF) {
		log_warn("%s", path);
		return -1;
	}
	return 0;
}

/* The FRR 8.4 daemons file: "bgpd=yes"; zebra and staticd always run. */
static int
frr_daemons_enabled(const struct clab_node *n, int enabled[NFRR_DAEMONS])
{
	FILE	*fp;
	char	 line[512], *eq, *v;
	size_t	 i;
	int	 lineno = 0;

	for (i = 0; i < NFRR_DAEMONS; i++)
		enabled[i] = strcmp(frr_daemons[i], "zebra") == 0 ||
		    strcmp(frr_daemons[i], "staticd") == 0 ||
		    (n->frr_daemons == NULL &&
		    strcmp(frr_daemons[i], "bgpd") == 0);
	if (n->frr_daemons == NULL)
		return 0;
	if ((fp = fopen(n->frr_daemons, "r")) == NULL) {
		log_warn("%s", n->frr_daemons);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		v = eq + 1;
		v += strspn(v, "\"' ");
		for (i = 0; i < NFRR_DAEMONS; i++)
			if (strcmp(line, frr_daemons[i]) == 0)
				break;
		if (i == NFRR_DAEMONS)
			continue;	/* *_options, vtysh_enable, ... */
		if (strncmp(v, "yes", 3) == 0)
			enabled[i] = 1;
		else if (strncmp(v, "no", 2) == 0)
			enabled[i] = i == 0 || strcmp(frr_daemons[i],
			    "staticd") == 0;
		else
			log_warnx("%s:%d: warning: '%s=%s': expected yes or "
			    "no", n->frr_daemons, lineno, line, v);
	}
	fclose(fp);
	return 0;
}

static int
frr_start_daemon(struct lab *lab, int idx, const char *daemon,
    const char *conf, const char *logarg)
{
	const char	*ns = lab->ns[idx];
	char		 bin[PATH_MAX], pid[PATH_MAX], out[OUT_MAX];
	const char		*argv[24];
	int		 a = 0, r;

	snprintf(bin, sizeof(bin), "%s/%s", FRR_BINDIR, daemon);
	if (access(bin, X_OK) == -1) {
		log_warnx("node '%s': FRR daemon %s is enabled but %s is not "
		    "installed", lab->topo->nodes[idx].name, daemon, bin);
		return -1;
	}
	snprintf(pid, sizeof(pid), "%s/%s/%s.pid", LAB_FRR_RUNDIR, ns, daemon);
	argv[a++] = "ip"; argv[a++] = "netns"; argv[a++] = "exec";
	argv[a++] = ns; argv[a++] = bin;
	argv[a++] = "-d"; argv[a++] = "-N"; argv[a++] = ns;
	argv[a++] = "-f"; argv[a++] = conf;
	argv[a++] = "-i"; argv[a++] = pid;
	argv[a++] = "-A"; argv[a++] = "127.0.0.1";
	argv[a++] = "--log"; argv[a++] = logarg;
	if (strcmp(daemon, "zebra") == 0) {
		argv[a++] = "-s";
		argv[a++] = "90000000";
	}
	argv[a] = NULL;
	r = proc_run(argv, NULL, out, sizeof(out), PROC_MERGE_ERR);
	if (r != 0) {
		chomp(out);
		log_warnx("node '%s': %s did not start (exit %d): %s",
		    lab->topo->nodes[idx].name, daemon, r, out);
		return -1;
	}
	return 0;
}

/* Waits until every daemon's vty socket answers a connect. */
static int
frr_wait_ready(struct lab *lab, int idx, const int enabled[NFRR_DAEMONS])
{
	char		path[PATH_MAX];
	struct stat	st;
	size_t		i;
	int		tries;

	for (i = 0; i < NFRR_DAEMONS; i++) {
		if (!enabled[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s.vty", LAB_FRR_RUNDIR,
		    lab->ns[idx], frr_daemons[i]);
		for (tries = 0; stat(path, &st) == -1; tries++) {
			if (tries == 100) {
				log_warnx("node '%s': %s did not create %s "
				    "within 5 s", lab->topo->nodes[idx].name,
				    frr_daemons[i], path);
				return -1;
			}
			usleep(50 * 1000);
		}
	}
	return 0;
}

static int
frr_node_files(struct lab *lab, int idx, char *conf, size_t conflen,
    char *logarg, size_t loglen)
{
	const struct clab_node	*n = &lab->topo->nodes[idx];
	char			 dir[PATH_MAX], path[PATH_MAX];
	uid_t			 uid;
	gid_t			 gid;

	if (frr_ids(&uid, &gid) == -1)
		return -1;
	if (snprintf(dir, sizeof(dir), "%s/%s", lab->statedir, n->name) >=
	    (int)sizeof(dir) - 16) {
		log_warnx("node '%s': state path too long", n->name);
		return -1;
	}
	if (mkdir_owned(dir, 0750, uid, gid) == -1)
		return -1;
	snprintf(conf, conflen, "%.*s/frr.conf", PATH_MAX - 16, dir);
	if (n->frr_conf != NULL) {
		if (copy_file(n->frr_conf, conf, uid, gid) == -1)
			return -1;
	} else {
		log_warnx("node '%s': no frr.conf (bind a directory onto "
		    "/etc/frr or set startup-config): FRR starts empty",
		    n->name);
		if (write_file(conf, "!\n", uid, gid) == -1)
			return -1;
	}
	snprintf(logarg, loglen, "file:%.*s/frr.log", PATH_MAX - 16, dir);
	snprintf(path, sizeof(path), "%.*s/frr.log", PATH_MAX - 16, dir);
	if (write_file(path, "", uid, gid) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", LAB_FRR_RUNDIR, lab->ns[idx]);
	if (mkdir_owned(path, 0755, uid, gid) == -1)
		return -1;
	/* vtysh -N NS reads /etc/frr/NS/vtysh.conf and warns without one. */
	snprintf(path, sizeof(path), "%s/%s", LAB_FRR_ETCDIR, lab->ns[idx]);
	if (mkdir_owned(path, 0755, uid, gid) == -1)
		return -1;
	strlcat(path, "/vtysh.conf", sizeof(path));
	return write_file(path, "service integrated-vtysh-config\n", uid,
	    gid);
}

static int
frr_start(struct lab *lab, int idx)
{
	char	conf[PATH_MAX], logarg[PATH_MAX + 8];
	int	enabled[NFRR_DAEMONS];
	size_t	i;

	if (frr_daemons_enabled(&lab->topo->nodes[idx], enabled) == -1 ||
	    frr_node_files(lab, idx, conf, sizeof(conf), logarg,
	    sizeof(logarg)) == -1)
		return -1;
	for (i = 0; i < NFRR_DAEMONS; i++)	/* zebra comes first */
		if (enabled[i] && frr_start_daemon(lab, idx, frr_daemons[i],
		    conf, logarg) == -1)
			return -1;
	return frr_wait_ready(lab, idx, enabled);
}

static int
lab_create_namespaces(struct lab *lab)
{
	struct sbuf	b = {};
	int		i, r;

	for (i = 0; i < lab->topo->nnodes; i++)
		sb_printf(&b, "netns add %s\n", lab->ns[i]);
	sb_printf(&b, "netns add %s\n", lab->mgmt_ns);
	r = ip_batch(NULL, &b, "creating namespaces");
	free(b.s);
	return r;
}

static int
lab_create_links(struct lab *lab)
{
	struct clab_topo	*t = lab->topo;
	struct clab_link	*l;
	struct sbuf		 b = {};
	int			 i, r;

	for (i = 0; i < t->nlinks; i++) {
		l = &t->links[i];
		sb_printf(&b, "link add name %s netns %s mtu %d type veth "
		    "peer name %s netns %s mtu %d\n", l->ep[0].ifname,
		    lab->ns[l->ep[0].node_idx], LAB_VETH_MTU, l->ep[1].ifname,
		    lab->ns[l->ep[1].node_idx], LAB_VETH_MTU);
	}
	for (i = 0; i < t->nnodes; i++)
		sb_printf(&b, "link add name eth0 netns %s type veth peer "
		    "name m%d netns %s\n", lab->ns[i], i, lab->mgmt_ns);
	r = ip_batch(NULL, &b, "creating links");
	free(b.s);
	return r;
}

/* Brings up lo and every interface of the node; addresses eth0. */
static int
lab_up_node(struct lab *lab, int idx, struct sbuf *b)
{
	struct clab_topo	*t = lab->topo;
	int			 i, j;

	sb_printf(b, "link set lo up\n");
	for (i = 0; i < t->nlinks; i++)
		for (j = 0; j < 2; j++)
			if (t->links[i].ep[j].node_idx == idx)
				sb_printf(b, "link set %s up\n",
				    t->links[i].ep[j].ifname);
	sb_printf(b, "addr add %s/%d dev eth0\nlink set eth0 up\n",
	    lab->mgmt_ip[idx], lab->mgmt_plen);
	return ip_batch(lab->ns[idx], b, "bringing up interfaces");
}

static int
lab_up(struct lab *lab)
{
	struct sbuf	b = {};
	int		i, r = 0;

	sb_printf(&b, "link set lo up\nlink add mgmt0 type bridge\n"
	    "addr add %s/%d dev mgmt0\nlink set mgmt0 up\n", lab->mgmt_gw,
	    lab->mgmt_plen);
	for (i = 0; i < lab->topo->nnodes; i++)
		sb_printf(&b, "link set m%d master mgmt0\nlink set m%d up\n",
		    i, i);
	if (ip_batch(lab->mgmt_ns, &b, "building the management network") ==
	    -1)
		r = -1;
	for (i = 0; r == 0 && i < lab->topo->nnodes; i++)
		r = lab_up_node(lab, i, &b);
	free(b.s);
	return r;
}

static int
lab_exec_lines(struct lab *lab, int idx)
{
	struct clab_node	*n = &lab->topo->nodes[idx];
	char			 out[OUT_MAX];
	const char			*argv[] = { "ip", "netns", "exec", lab->ns[idx],
				    "sh", "-c", NULL, NULL };
	int			 i, r;

	for (i = 0; i < n->nexec; i++) {
		argv[6] = n->exec[i];
		r = proc_run(argv, NULL, out, sizeof(out), PROC_MERGE_ERR);
		if (r != 0) {
			chomp(out);
			log_warnx("node '%s': exec '%s' failed (exit %d): %s",
			    n->name, n->exec[i], r, out);
			return -1;
		}
		log_debug("node '%s': exec '%s'", n->name, n->exec[i]);
	}
	return 0;
}

static int
lab_state_dirs(struct lab *lab)
{
	if (mkdir(LAB_STATEDIR, 0755) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", LAB_STATEDIR);
		return -1;
	}
	if (mkdir(lab->statedir, 0755) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", lab->statedir);
		return -1;
	}
	return 0;
}

static int
lab_any_exists(struct lab *lab)
{
	int	i;

	for (i = 0; i < lab->topo->nnodes; i++)
		if (lab_ns_exists(lab->ns[i]))
			return 1;
	return lab_ns_exists(lab->mgmt_ns);
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
lab_build(struct lab *lab)
{
	int	i;

	if (lab_state_dirs(lab) == -1 || lab_create_namespaces(lab) == -1 ||
	    lab_create_links(lab) == -1 || lab_up(lab) == -1)
		return -1;
	for (i = 0; i < lab->topo->nnodes; i++)
		if (lab->topo->nodes[i].kind == CLAB_KIND_FRR &&
		    frr_start(lab, i) == -1)
			return -1;
	for (i = 0; i < lab->topo->nnodes; i++)
		if (lab_exec_lines(lab, i) == -1)
			return -1;
	return 0;
}

int
lab_deploy(struct lab *lab, int reconfigure)
{
	double	t0 = now_s();

	if (geteuid() != 0) {
		log_warnx("deploying a lab needs root (network namespaces)");
		return -1;
	}
	if (lab_any_exists(lab)) {
		if (!reconfigure) {
			log_warnx("lab '%s' is already deployed; destroy it "
			    "first or deploy with --reconfigure",
			    lab->topo->name);
			return -1;
		}
		if (lab_destroy(lab) == -1)
			return -1;
	}
	log_info("deploying lab '%s': %d nodes, %d links", lab->topo->name,
	    lab->topo->nnodes, lab->topo->nlinks);
	if (lab_build(lab) == -1) {
		log_warnx("deploy of '%s' failed; removing what it created",
		    lab->topo->name);
		lab_destroy(lab);
		return -1;
	}
	log_info("lab '%s' deployed in %.2f s", lab->topo->name,
	    now_s() - t0);
	return 0;
}

/* The namespaces of a lab, as the (device, inode) pairs /proc shows. */
struct ns_keys {
	dev_t	dev[CLAB_NODES_MAX + 1];
	ino_t	ino[CLAB_NODES_MAX + 1];
	int	n;
};

static void
ns_keys_of(struct lab *lab, struct ns_keys *k)
{
	char		 path[PATH_MAX];
	struct stat	 st, self;
	int		 i;

	k->n = 0;
	if (stat("/proc/self/ns/net", &self) == -1)
		fatal("/proc/self/ns/net");
	for (i = 0; i <= lab->topo->nnodes; i++) {
		snprintf(path, sizeof(path), "/run/netns/%s",
		    i < lab->topo->nnodes ? lab->ns[i] : lab->mgmt_ns);
		if (stat(path, &st) == -1)
			continue;
		if (st.st_ino == self.st_ino && st.st_dev == self.st_dev) {
			log_warnx("%s is this process's own namespace: not "
			    "stopping anything in it", path);
			continue;
		}
		k->dev[k->n] = st.st_dev;
		k->ino[k->n++] = st.st_ino;
	}
}

/*
 * Sends sig to every process whose network namespace is one of the lab's
 * (sig 0 only counts them); returns how many there are.
 */
static int
ns_signal(const struct ns_keys *k, int sig)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 i, n = 0;

	if (k->n == 0 || (d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st) == -1)
			continue;
		for (i = 0; i < k->n; i++)
			if (st.st_ino == k->ino[i] && st.st_dev == k->dev[i])
				break;
		if (i == k->n)
			continue;
		n++;
		if (sig != 0)
			kill((pid_t)atoi(de->d_name), sig);
	}
	closedir(d);
	return n;
}

/* Stops everything running in the lab: TERM, then KILL after 3 s. */
static void
lab_kill_all(struct lab *lab)
{
	struct ns_keys	*k;
	int		 round;

	if ((k = malloc(sizeof(*k))) == NULL)
		fatal("malloc");
	ns_keys_of(lab, k);
	if (ns_signal(k, SIGTERM) > 0) {
		for (round = 0; round < 150; round++) {
			usleep(20 * 1000);
			if (ns_signal(k, 0) == 0)
				break;
		}
		if (round == 150 && ns_signal(k, SIGKILL) > 0) {
			usleep(100 * 1000);
			if ((round = ns_signal(k, 0)) > 0)
				log_warnx("lab '%s': %d processes survive "
				    "SIGKILL", lab->topo->name, round);
		}
	}
	free(k);
}

static void
rm_dir_files(const char *dir)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	DIR		*d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			rm_dir_files(path);
		else if (unlink(path) == -1)
			log_warn("unlink %s", path);
	}
	closedir(d);
	if (rmdir(dir) == -1 && errno != ENOENT)
		log_warn("rmdir %s", dir);
}

static void
lab_remove_files(struct lab *lab, int idx)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", LAB_FRR_RUNDIR, lab->ns[idx]);
	rm_dir_files(path);
	snprintf(path, sizeof(path), "%s/%s", LAB_FRR_ETCDIR, lab->ns[idx]);
	rm_dir_files(path);
}

int
lab_destroy(struct lab *lab)
{
	struct sbuf	 b = {};
	double		 t0 = now_s();
	int		 i, r = 0;

	if (geteuid() != 0) {
		log_warnx("destroying a lab needs root (network namespaces)");
		return -1;
	}
	lab_kill_all(lab);
	for (i = 0; i <= lab->topo->nnodes; i++) {
		const char *ns = i < lab->topo->nnodes ? lab->ns[i] :
		    lab->mgmt_ns;

		if (lab_ns_exists(ns))
			sb_printf(&b, "netns del %s\n", ns);
	}
	if (b.len > 0 && ip_batch(NULL, &b, "deleting namespaces") == -1)
		r = -1;
	free(b.s);
	for (i = 0; i < lab->topo->nnodes; i++) {
		lab_remove_files(lab, i);
		if (lab_ns_exists(lab->ns[i])) {
			log_warnx("namespace %s still exists", lab->ns[i]);
			r = -1;
		}
	}
	rm_dir_files(lab->statedir);
	rmdir(LAB_STATEDIR);	/* only if no other lab uses it */
	log_info("lab '%s' destroyed in %.2f s", lab->topo->name,
	    now_s() - t0);
	return r;
}

/* FRR daemons of a node that have a pid file and are alive. */
static int
frr_alive(struct lab *lab, int idx, char *names, size_t len)
{
	char	 path[PATH_MAX];
	FILE	*fp;
	size_t	 i;
	int	 pid, n = 0;

	names[0] = '\0';
	for (i = 0; i < NFRR_DAEMONS; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s.pid", LAB_FRR_RUNDIR,
		    lab->ns[idx], frr_daemons[i]);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(fp, "%d", &pid) == 1 && pid > 0 &&
		    kill(pid, 0) == 0) {
			if (n++ > 0)
				strlcat(names, ",", len);
			strlcat(names, frr_daemons[i], len);
		}
		fclose(fp);
	}
	return n;
}

static const char *
node_state(struct lab *lab, int idx, char *daemons, size_t len)
{
	daemons[0] = '\0';
	if (!lab_ns_exists(lab->ns[idx]))
		return "absent";
	if (lab->topo->nodes[idx].kind != CLAB_KIND_FRR)
		return "running";
	return frr_alive(lab, idx, daemons, len) > 0 ? "running" :
	    "frr-down";
}

static void
inspect_json(struct lab *lab)
{
	struct json_object	*root = json_object_new_object();
	struct json_object	*arr = json_object_new_array();
	struct json_object	*o;
	char			 daemons[256], cidr[32];
	int			 i;

	for (i = 0; i < lab->topo->nnodes; i++) {
		struct clab_node *n = &lab->topo->nodes[i];

		o = json_object_new_object();
		json_object_object_add(o, "lab_name",
		    json_object_new_string(lab->topo->name));
		json_object_object_add(o, "labPath",
		    json_object_new_string(lab->topo->path));
		json_object_object_add(o, "name",
		    json_object_new_string(lab->ns[i]));
		json_object_object_add(o, "node",
		    json_object_new_string(n->name));
		json_object_object_add(o, "kind",
		    json_object_new_string(n->kind_name));
		json_object_object_add(o, "frr",
		    json_object_new_boolean(n->kind == CLAB_KIND_FRR));
		json_object_object_add(o, "image",
		    json_object_new_string(n->image ? n->image : ""));
		json_object_object_add(o, "state", json_object_new_string(
		    node_state(lab, i, daemons, sizeof(daemons))));
		snprintf(cidr, sizeof(cidr), "%s/%d", lab->mgmt_ip[i],
		    lab->mgmt_plen);
		json_object_object_add(o, "ipv4_address",
		    json_object_new_string(cidr));
		json_object_object_add(o, "daemons",
		    json_object_new_string(daemons));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "containers", arr);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

static void
inspect_text(struct lab *lab)
{
	char	daemons[256], cidr[32];
	int	i, w = 4;

	for (i = 0; i < lab->topo->nnodes; i++)
		if ((int)strlen(lab->ns[i]) > w)
			w = strlen(lab->ns[i]);
	printf("%-3s %-*s %-6s %-9s %-18s %s\n", "#", w, "Name", "Kind",
	    "State", "IPv4 Address", "FRR daemons");
	for (i = 0; i < lab->topo->nnodes; i++) {
		const char *st = node_state(lab, i, daemons,
		    sizeof(daemons));

		snprintf(cidr, sizeof(cidr), "%s/%d", lab->mgmt_ip[i],
		    lab->mgmt_plen);
		printf("%-3d %-*s %-6s %-9s %-18s %s\n", i + 1, w, lab->ns[i],
		    lab->topo->nodes[i].kind == CLAB_KIND_FRR ? "frr" :
		    "linux", st, cidr, daemons[0] ? daemons : "-");
	}
}

int
lab_inspect(struct lab *lab, int json)
{
	if (json)
		inspect_json(lab);
	else
		inspect_text(lab);
	return lab_any_exists(lab) ? 0 : 1;
}

int
lab_exec(struct lab *lab, const char *node, char **argv)
{
	const char	**args;
	int		  idx, n, a = 0, i;

	if ((idx = clab_node_find(lab->topo, node)) == -1) {
		log_warnx("%s: no node '%s'", lab->topo->path, node);
		return -1;
	}
	if (!lab_ns_exists(lab->ns[idx])) {
		log_warnx("node '%s' is not deployed (no namespace %s)", node,
		    lab->ns[idx]);
		return -1;
	}
	for (n = 0; argv[n] != NULL; n++)
		;
	if ((args = calloc(n + 8, sizeof(*args))) == NULL)
		fatal("calloc");
	args[a++] = "ip"; args[a++] = "netns"; args[a++] = "exec";
	args[a++] = lab->ns[idx];
	args[a++] = argv[0];
	/* vtysh inside a node means that node's FRR instance. */
	if (strcmp(argv[0], "vtysh") == 0 &&
	    lab->topo->nodes[idx].kind == CLAB_KIND_FRR) {
		args[a++] = "-N";
		args[a++] = lab->ns[idx];
	}
	for (i = 1; i < n; i++)
		args[a++] = argv[i];
	args[a] = NULL;
	fflush(NULL);
	execvp(args[0], (char *const *)args);
	log_warn("exec ip");
	free(args);
	return -1;
}

/* Counts a node's BGP neighbors and those Established, through vtysh. */
static int
bgp_established(struct lab *lab, int idx, int *total, int *up)
{
	struct json_object	*root, *v;
	char			*out;
	const char		*argv[] = { "vtysh", "-N", lab->ns[idx], "-c",
				    "show bgp neighbors json", NULL };
	int			 r;

	*total = *up = 0;
	if ((out = malloc(1024 * 1024)) == NULL)
		fatal("malloc");
	r = proc_run(argv, NULL, out, 1024 * 1024, 0);
	if (r != 0 || (root = json_tokener_parse(out)) == NULL) {
		free(out);
		return -1;
	}
	free(out);
	json_object_object_foreach(root, peer, obj) {
		/* The management gateway is where a controller peers from,
		 * not part of the lab: its session may well be down. */
		if (strcmp(peer, lab->mgmt_gw) == 0 ||
		    !json_object_object_get_ex(obj, "bgpState", &v))
			continue;
		(*total)++;
		if (strcmp(json_object_get_string(v), "Established") == 0)
			(*up)++;
	}
	json_object_put(root);
	return 0;
}

/*
 * Waits until every BGP neighbor configured on every FRR node is
 * Established, or the timeout passes.  Sessions to the management gateway
 * (a controller outside the lab) do not count.
 */
int
lab_wait(struct lab *lab, int timeout_s)
{
	double	t0 = now_s();
	int	i, total, up, sum_total, sum_up, pending;

	for (;;) {
		sum_total = sum_up = pending = 0;
		for (i = 0; i < lab->topo->nnodes; i++) {
			if (lab->topo->nodes[i].kind != CLAB_KIND_FRR)
				continue;
			if (!lab_ns_exists(lab->ns[i])) {
				log_warnx("node '%s' is not deployed",
				    lab->topo->nodes[i].name);
				return -1;
			}
			if (bgp_established(lab, i, &total, &up) == -1 ||
			    up < total)
				pending++;
			sum_total += total;
			sum_up += up;
		}
		if (pending == 0) {
			log_info("lab '%s': %d/%d BGP sessions Established "
			    "after %.2f s", lab->topo->name, sum_up,
			    sum_total, now_s() - t0);
			return 0;
		}
		if (now_s() - t0 > timeout_s) {
			log_warnx("lab '%s': %d/%d BGP sessions Established "
			    "after %d s; %d nodes not converged",
			    lab->topo->name, sum_up, sum_total, timeout_s,
			    pending);
			return -1;
		}
		usleep(200 * 1000);
	}
}
