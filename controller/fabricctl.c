/*
 * fabricctl: the operator's command line.
 *
 * The grammar is a static table of word sequences, as bgpctl's parser.c:
 * the longest matching sequence picks the handler, any unique prefix of a
 * word is accepted ("lab dep" for "lab deploy"), and the same table prints
 * the help.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fabricctl.h"
#include "lab.h"
#include "log.h"
#include "sim.h"

#define WORDS_MAX	3

struct cmd {
	const char	*words[WORDS_MAX + 1];
	int		(*fn)(int, char **);
	const char	*args;
	const char	*help;
};

static int	cmd_lab_deploy(int, char **);
static int	cmd_lab_destroy(int, char **);
static int	cmd_lab_inspect(int, char **);
static int	cmd_lab_exec(int, char **);
static int	cmd_lab_wait(int, char **);
static int	cmd_lab_netem_set(int, char **);
static int	cmd_lab_netem_show(int, char **);
static int	cmd_lab_netem_reset(int, char **);
static int	cmd_sim(int, char **);
static int	cmd_show_status(int, char **);
static int	cmd_show_topology(int, char **);
static int	cmd_show_links(int, char **);
static int	cmd_show_weights(int, char **);
static int	cmd_show_paths(int, char **);
static int	cmd_show_peers(int, char **);
static int	cmd_show_telemetry(int, char **);
static int	cmd_show_jobs(int, char **);
static int	cmd_drain(int, char **);
static int	cmd_undrain(int, char **);
static int	cmd_reload(int, char **);

#define CTL_OPTS	"[-j] [-s ENDPOINT]"

static const struct cmd cmds[] = {
	{ { "lab", "deploy" }, cmd_lab_deploy, "-t FILE [--reconfigure]",
	    "create the namespaces, links and FRR instances of a topology" },
	{ { "lab", "destroy" }, cmd_lab_destroy, "-t FILE",
	    "remove everything a deploy created" },
	{ { "lab", "inspect" }, cmd_lab_inspect, "-t FILE [-j]",
	    "list the nodes of a lab and their state" },
	{ { "lab", "exec" }, cmd_lab_exec, "-t FILE NODE -- CMD [ARG...]",
	    "run a command inside a node (vtysh reaches the node's FRR)" },
	{ { "lab", "wait" }, cmd_lab_wait, "-t FILE [--timeout SECONDS]",
	    "wait until every BGP session of every FRR node is Established" },
	{ { "lab", "netem", "set" }, cmd_lab_netem_set,
	    "-t FILE -n NODE -i IFACE [--rate KBIT] [--delay D] [--jitter J] "
	    "[--loss PCT] [--corruption PCT]",
	    "impair a link (rate through tbf; the rest needs sch_netem)" },
	{ { "lab", "netem", "show" }, cmd_lab_netem_show,
	    "-t FILE -n NODE [-j]", "show a node's link impairments" },
	{ { "lab", "netem", "reset" }, cmd_lab_netem_reset,
	    "-t FILE -n NODE -i IFACE", "remove a link's impairments" },
	{ { "show", "status" }, cmd_show_status, CTL_OPTS,
	    "fabricd's mode, counters, freshness of telemetry" },
	{ { "show", "topology" }, cmd_show_topology, CTL_OPTS,
	    "the nodes and links fabricd knows, with their state" },
	{ { "show", "links" }, cmd_show_links, CTL_OPTS,
	    "every link: state, drain, usable capacity, utilisation, drops" },
	{ { "show", "weights" }, cmd_show_weights, CTL_OPTS " [NODE]",
	    "the weights each switch has towards each leaf (as FRR installs)" },
	{ { "show", "paths" }, cmd_show_paths, CTL_OPTS " PREFIX",
	    "every switch's paths towards the leaf that owns PREFIX" },
	{ { "show", "peers" }, cmd_show_peers, CTL_OPTS,
	    "the BGP session to every switch" },
	{ { "show", "telemetry" }, cmd_show_telemetry, CTL_OPTS,
	    "the agents and link samples fabricd receives" },
	{ { "show", "jobs" }, cmd_show_jobs, CTL_OPTS,
	    "the jobs declared for pinned mode" },
	{ { "drain" }, cmd_drain, CTL_OPTS " link NAME | node NAME",
	    "move traffic off a link or a switch (refused if a switch would\n"
	    "      lose its last path)" },
	{ { "undrain" }, cmd_undrain, CTL_OPTS " link NAME | node NAME",
	    "put a drained link or switch back in service" },
	{ { "reload" }, cmd_reload, CTL_OPTS,
	    "make fabricd re-read its configuration (all or nothing)" },
	{ { "sim" }, cmd_sim,
	    "SCENARIO [-j] [--seed N] [--policy P[,P...]]... [--timing]",
	    "score routing policies (ecmp, wcmp, adaptive, pinned, flowlet,\n      flowlet-ca) "
	    "against the optimum\n      on a scenario, in a flow-level "
	    "simulation (docs/SIMULATOR.md)" },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void
usage_cmd(FILE *fp, const struct cmd *c)
{
	int	i;

	fprintf(fp, "  fabricctl");
	for (i = 0; c->words[i] != NULL; i++)
		fprintf(fp, " %s", c->words[i]);
	fprintf(fp, " %s\n      %s\n", c->args, c->help);
}

static void
usage(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: fabricctl [-v] [--version] COMMAND [ARGS]\n\n"
	    "commands:\n");
	for (i = 0; i < NCMDS; i++)
		usage_cmd(fp, &cmds[i]);
	fprintf(fp, "\nSee fabricctl(8).\n");
}

/* How many leading words of argv match c; -1 if one of them differs. */
static int
cmd_match(const struct cmd *c, int argc, char **argv)
{
	int	i;

	for (i = 0; c->words[i] != NULL; i++) {
		if (i >= argc || argv[i][0] == '\0' ||
		    strncmp(c->words[i], argv[i], strlen(argv[i])) != 0)
			return -1;
	}
	return i;
}

static const struct cmd *
cmd_lookup(int argc, char **argv, int *nwords)
{
	const struct cmd	*found = NULL;
	size_t			 i;
	int			 n, ambiguous = 0;

	for (i = 0; i < NCMDS; i++) {
		if ((n = cmd_match(&cmds[i], argc, argv)) == -1)
			continue;
		if (found != NULL && n == *nwords)
			ambiguous = 1;
		if (found == NULL || n > *nwords) {
			found = &cmds[i];
			*nwords = n;
			ambiguous = 0;
		}
	}
	if (ambiguous) {
		fprintf(stderr, "fabricctl: ambiguous command '%s'; one of:\n",
		    argv[0]);
		for (i = 0; i < NCMDS; i++)
			if (cmd_match(&cmds[i], argc, argv) == *nwords)
				usage_cmd(stderr, &cmds[i]);
		return NULL;
	}
	return found;
}

static void
unknown(int argc, char **argv)
{
	size_t	i;

	fprintf(stderr, "fabricctl: unknown command '");
	for (int j = 0; j < argc && j < WORDS_MAX; j++)
		fprintf(stderr, "%s%s", j ? " " : "", argv[j]);
	fprintf(stderr, "'; commands starting with '%s':\n", argv[0]);
	for (i = 0; i < NCMDS; i++)
		if (strncmp(cmds[i].words[0], argv[0], strlen(argv[0])) == 0)
			usage_cmd(stderr, &cmds[i]);
	fprintf(stderr, "(fabricctl --help lists every command)\n");
}

/* Options common to the lab commands. */
struct lab_opts {
	const char	*topo;
	const char	*node;
	const char	*ifname;
	int		 json;
	int		 reconfigure;
	int		 timeout;
	struct lab_netem ne;
};

enum { OPT_RATE = 256, OPT_DELAY, OPT_JITTER, OPT_LOSS, OPT_CORRUPT,
    OPT_RECONF, OPT_TIMEOUT };

static const struct option lab_longopts[] = {
	{ "topo", required_argument, NULL, 't' },
	{ "node", required_argument, NULL, 'n' },
	{ "interface", required_argument, NULL, 'i' },
	{ "json", no_argument, NULL, 'j' },
	{ "reconfigure", no_argument, NULL, OPT_RECONF },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "jitter", required_argument, NULL, OPT_JITTER },
	{ "loss", required_argument, NULL, OPT_LOSS },
	{ "corruption", required_argument, NULL, OPT_CORRUPT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
parse_rate(const char *s, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > 4000000000L / 8) {
		log_warnx("--rate '%s': expected kbit/s, a whole number from 1 "
		    "to 500000000", s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_timeout(const char *s, int *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 3600) {
		log_warnx("--timeout '%s': expected seconds, 1 to 3600", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int
parse_percent(const char *opt, const char *s)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (end == s || *end != '\0' || v < 0 || v > 100) {
		log_warnx("--%s '%s': expected a percentage from 0 to 100",
		    opt, s);
		return -1;
	}
	return 0;
}

static int
lab_opt(struct lab_opts *o, int ch)
{
	switch (ch) {
	case 't': o->topo = optarg; return 0;
	case 'n': o->node = o->ne.node = optarg; return 0;
	case 'i': o->ifname = o->ne.ifname = optarg; return 0;
	case 'j': o->json = 1; return 0;
	case OPT_RECONF: o->reconfigure = 1; return 0;
	case OPT_TIMEOUT: return parse_timeout(optarg, &o->timeout);
	case OPT_RATE: return parse_rate(optarg, &o->ne.rate_kbit);
	case OPT_DELAY: o->ne.delay = optarg; return 0;
	case OPT_JITTER: o->ne.jitter = optarg; return 0;
	case OPT_LOSS: o->ne.loss = optarg;
		return parse_percent("loss", optarg);
	case OPT_CORRUPT: o->ne.corruption = optarg;
		return parse_percent("corruption", optarg);
	default: return -1;
	}
}

static const struct cmd	*current;

static int
lab_getopts(int argc, char **argv, struct lab_opts *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	o->ne.rate_kbit = -1;
	o->timeout = 60;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+t:n:i:jh", lab_longopts,
	    NULL)) != -1) {
		if (ch == 'h') {
			usage_cmd(stdout, current);
			exit(0);
		}
		if (lab_opt(o, ch) == -1) {
			usage_cmd(stderr, current);
			return -1;
		}
	}
	if (o->topo == NULL) {
		log_warnx("missing -t FILE (the containerlab topology)");
		usage_cmd(stderr, current);
		return -1;
	}
	return 0;
}

static int
need(const char *what, const void *v)
{
	if (v != NULL)
		return 0;
	log_warnx("missing %s", what);
	usage_cmd(stderr, current);
	return -1;
}

/* Opens the lab and runs fn on it; 0 on success, 1 on any failure. */
static int
with_lab(const struct lab_opts *o, int (*fn)(struct lab *,
    const struct lab_opts *))
{
	struct lab	*lab;
	int		 r;

	if ((lab = lab_open(o->topo)) == NULL)
		return 1;
	r = fn(lab, o);
	lab_close(lab);
	return r == 0 ? 0 : 1;
}

static int
do_deploy(struct lab *lab, const struct lab_opts *o)
{
	if (lab_deploy(lab, o->reconfigure) == -1)
		return -1;
	return lab_inspect(lab, 0);
}

static int
do_destroy(struct lab *lab, const struct lab_opts *o)
{
	return lab_destroy(lab);
}

static int
do_inspect(struct lab *lab, const struct lab_opts *o)
{
	return lab_inspect(lab, o->json);
}

static int
do_wait(struct lab *lab, const struct lab_opts *o)
{
	return lab_wait(lab, o->timeout);
}

static int
do_netem_set(struct lab *lab, const struct lab_opts *o)
{
	return lab_netem_set(lab, &o->ne);
}

static int
do_netem_show(struct lab *lab, const struct lab_opts *o)
{
	return lab_netem_show(lab, o->node, o->json);
}

static int
do_netem_reset(struct lab *lab, const struct lab_opts *o)
{
	return lab_netem_reset(lab, o->node, o->ifname);
}

static int
cmd_lab_deploy(int argc, char **argv)
{
	struct lab_opts	o;

	if (lab_getopts(argc, argv, &o) == -1)
		return 2;
	return with_lab(&o, do_deploy);
}

static int
cmd_lab_destroy(int argc, char **argv)
{
	struct lab_opts	o;

	if (lab_getopts(argc, argv, &o) == -1)
		return 2;
	return with_lab(&o, do_destroy);
}

static int
cmd_lab_inspect(int argc, char **argv)
{
	struct lab_opts	o;

	if (lab_getopts(argc, argv, &o) == -1)
		return 2;
	return with_lab(&o, do_inspect);
}

static int
cmd_lab_exec(int argc, char **argv)
{
	struct lab_opts	 o;
	struct lab	*lab;

	if (lab_getopts(argc, argv, &o) == -1)
		return 2;
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		log_warnx("missing NODE");
		usage_cmd(stderr, current);
		return 2;
	}
	o.node = argv[0];
	argc--;
	argv++;
	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argc--;
		argv++;
	}
	if (argc < 1) {
		log_warnx("missing the command to run in node '%s'", o.node);
		usage_cmd(stderr, current);
		return 2;
	}
	if ((lab = lab_open(o.topo)) == NULL)
		return 1;
	lab_exec(lab, o.node, argv);	/* returns only on failure */
	lab_close(lab);
	return 1;
}

static int
cmd_lab_wait(int argc, char **argv)
{
	struct lab_opts	o;

	if (lab_getopts(argc, argv, &o) == -1)
		return 2;
	return with_lab(&o, do_wait);
}

static int
cmd_lab_netem_set(int argc, char **argv)
{
	struct lab_opts	o;

	if (lab_getopts(argc, argv, &o) == -1 ||
	    need("-n NODE", o.node) == -1 || need("-i IFACE", o.ifname) == -1)
		return 2;
	return with_lab(&o, do_netem_set);
}

static int
cmd_lab_netem_show(int argc, char **argv)
{
	struct lab_opts	o;

	if (lab_getopts(argc, argv, &o) == -1 ||
	    need("-n NODE", o.node) == -1)
		return 2;
	return with_lab(&o, do_netem_show);
}

static int
cmd_lab_netem_reset(int argc, char **argv)
{
	struct lab_opts	o;

	if (lab_getopts(argc, argv, &o) == -1 ||
	    need("-n NODE", o.node) == -1 || need("-i IFACE", o.ifname) == -1)
		return 2;
	return with_lab(&o, do_netem_reset);
}

/* "ecmp,pinned" or "all" into want[]. */
static int
sim_policies(const char *arg, int *want)
{
	char		 buf[256], *p, *tok;
	enum sim_policy	 pol;
	int		 i;

	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (p = buf; (tok = strsep(&p, ",")) != NULL;) {
		if (strcmp(tok, "all") == 0) {
			for (i = 0; i < SIM_NPOLICIES; i++)
				want[i] = 1;
		} else if (sim_policy_parse(tok, &pol) == 0)
			want[pol] = 1;
		else {
			log_warnx("--policy '%s': expected ecmp, wcmp, adaptive,"
			    " pinned, flowlet, optimal or all", tok);
			return -1;
		}
	}
	return 0;
}

static int
sim_seed(const char *arg, uint64_t *seed)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (arg[0] == '-' || end == arg || *end != '\0' || errno != 0) {
		log_warnx("--seed '%s': expected a whole number", arg);
		return -1;
	}
	*seed = v;
	return 0;
}

enum { OPT_SEED = 300, OPT_POLICY, OPT_TIMING };

static const struct option sim_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "timing", no_argument, NULL, OPT_TIMING },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
cmd_sim(int argc, char **argv)
{
	int		 want[SIM_NPOLICIES] = { 0 }, any = 0, json = 0;
	int		 timing = 0, seed_given = 0, ch, i;
	uint64_t	 seed = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jh", sim_longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage_cmd(stdout, current);
			return 0;
		case OPT_SEED:
			if (sim_seed(optarg, &seed) == -1)
				return 2;
			seed_given = 1;
			break;
		case OPT_POLICY:
			if (sim_policies(optarg, want) == -1)
				return 2;
			any = 1;
			break;
		case OPT_TIMING:
			timing = 1;
			break;
		default:
			usage_cmd(stderr, current);
			return 2;
		}
	}
	if (optind != argc - 1) {
		log_warnx(optind == argc ? "missing SCENARIO (a YAML file)" :
		    "one SCENARIO only");
		usage_cmd(stderr, current);
		return 2;
	}
	for (i = 0; !any && i < SIM_NPOLICIES; i++)
		want[i] = 1;
	return sim_main(argv[optind], seed, seed_given, want, json, timing);
}

int
main(int argc, char **argv)
{
	int	i = 1, nwords = 0;

	log_init(LOG_TO_STDERR, LOG_USER);
	log_procinit("fabricctl");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0)
			log_setverbose(1);
		else if (strcmp(argv[i], "--version") == 0) {
			printf("fabricctl %s\n", PACKAGE_VERSION);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "fabricctl: unknown option '%s'\n",
			    argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	if ((current = cmd_lookup(argc - i, argv + i, &nwords)) == NULL) {
		if (nwords == 0)
			unknown(argc - i, argv + i);
		return 2;
	}
	/* the handler sees its own name as argv[0], then the arguments */
	return current->fn(argc - i - nwords + 1, argv + i + nwords - 1);
}

/* ---- talking to fabricd (fabricctl_ctl.c) ---------------------------- */

static int
cmd_show_status(int argc, char **argv)
{
	return ctl_show("status", argc, argv);
}

static int
cmd_show_topology(int argc, char **argv)
{
	return ctl_show("topology", argc, argv);
}

static int
cmd_show_links(int argc, char **argv)
{
	return ctl_show("links", argc, argv);
}

static int
cmd_show_weights(int argc, char **argv)
{
	return ctl_show("weights", argc, argv);
}

static int
cmd_show_paths(int argc, char **argv)
{
	return ctl_show("paths", argc, argv);
}

static int
cmd_show_peers(int argc, char **argv)
{
	return ctl_show("peers", argc, argv);
}

static int
cmd_show_telemetry(int argc, char **argv)
{
	return ctl_show("telemetry", argc, argv);
}

static int
cmd_show_jobs(int argc, char **argv)
{
	return ctl_show("jobs", argc, argv);
}

static int
cmd_drain(int argc, char **argv)
{
	return ctl_drain(1, argc, argv);
}

static int
cmd_undrain(int argc, char **argv)
{
	return ctl_drain(0, argc, argv);
}

static int
cmd_reload(int argc, char **argv)
{
	return ctl_reload(argc, argv);
}
