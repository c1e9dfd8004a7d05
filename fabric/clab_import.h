/*
 * A fabric model from a containerlab topology (clab.h): roles and pods
 * from the node names or a roles map, capacities from a side file or a
 * default.  See docs/CONFIG.md for the two side files' formats.
 */
#ifndef FABRIC_CLAB_IMPORT_H
#define FABRIC_CLAB_IMPORT_H

#include <stddef.h>

#include "clab.h"
#include "fabric.h"

#define FAB_IMPORT_LINE_MAX	1024	/* a side file's line */
#define FAB_IMPORT_RULES_MAX	65536	/* lines in a side file */

/* clab_import.c */
int	 fab_import_clab(const struct clab_topo *, const char *roles_map,
	    const char *capacities, double default_capacity,
	    struct fabric **out, char *err, size_t errlen);

#endif /* FABRIC_CLAB_IMPORT_H */
