/*
 * Configuration files validated against a YANG module by libyang: the
 * loader that fabricd's configuration (fabric/config.c) and fabric-agent's
 * (telemetry/agent_conf.c) share.  yconf_parse() reads the file (JSON or
 * XML), finds the module, parses and validates; the y*() functions then
 * read the validated tree.  Every error names the file, and where libyang
 * says, the line and the data path: "FILE[:LINE]: PATH: MESSAGE".
 */
#ifndef FABRIC_YCONF_H
#define FABRIC_YCONF_H

#include <stddef.h>
#include <stdint.h>

#define YCONF_FILE_MAX	(64 * 1024 * 1024)
#define YCONF_ENV	"FABRIC_YANG_DIR"	/* the modules' directory */

struct ly_ctx;
struct lyd_node;

struct yconf {
	const char	*path;		/* the configuration file */
	char		*err;
	size_t		 errlen;
	const char	*module;	/* "fabric", "fabric-agent" */
	const char	*instdir;	/* where "make install" puts it */
	const char	*srcdir;	/* the source tree's yang/ */
	char		*dir;		/* the file's directory, absolute */
	struct ly_ctx	*ctx;
	struct lyd_node	*tree;		/* NULL: an empty file */
};

/* yconf.c */
int		 yconf_parse(struct yconf *);
void		 yconf_free(struct yconf *);
int		 yconf_error(struct yconf *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
int		 yconf_node_error(struct yconf *, const struct lyd_node *,
		    const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
const struct lyd_node *ychild(const struct lyd_node *, const char *);
const struct lyd_node *ytop(const struct lyd_node *, const char *);
const char	*ystr(const struct lyd_node *, const char *);
uint32_t	 yu32(const struct lyd_node *, const char *, uint32_t);
uint64_t	 yu64(const struct lyd_node *, const char *, uint64_t);
double		 ydec(const struct lyd_node *, const char *, double);
int		 yenum(const struct lyd_node *, const char *, const char **,
		    int, int);
int		 ycopy(const struct lyd_node *, const char *, char *, size_t);
int		 ycount(const struct lyd_node *, const char *);
int		 yfile(struct yconf *, const struct lyd_node *, const char *,
		    char **);
int		 ybandwidth_parse(const char *, double *);

#endif /* FABRIC_YCONF_H */
