/*
 * Running the host's tools (ip, tc, FRR daemons) without a shell: argv
 * vectors only, so no quoting bugs and no injection through file contents.
 */
#ifndef FABRIC_PROC_H
#define FABRIC_PROC_H

#include <stddef.h>

#define PROC_QUIET	0x01	/* discard the child's stdout */
#define PROC_MERGE_ERR	0x02	/* collect stderr into out as well */

/*
 * Runs argv[0] (searched in PATH) with argv, feeding it `input' on stdin
 * when not NULL, and collecting up to outlen - 1 bytes of its stdout (or
 * stderr with PROC_CAPTURE_ERR) into out when out is not NULL.  Returns the
 * exit status, 128 + signal if it was killed, or -1 if it could not run.
 */
int	proc_run(const char *const argv[], const char *input, char *out,
	    size_t outlen, int flags);
/* Joins argv into buf for messages. */
const char *proc_argv_str(const char *const argv[], char *buf, size_t len);

#endif /* FABRIC_PROC_H */
