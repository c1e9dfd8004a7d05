/*
 * Logging in the OpenBGPD style: stderr in the foreground, syslog when
 * daemonised.  log_warn() appends strerror(errno); the x variants do not.
 * fatal() and fatalx() log and exit(1): only for broken invariants, never
 * for bad input from the network or from a file.
 */
#ifndef FABRIC_LOG_H
#define FABRIC_LOG_H

#include <stdarg.h>
#include <syslog.h>

#define LOG_TO_STDERR	1
#define LOG_TO_SYSLOG	0

void	log_init(int to_stderr, int facility);
void	log_procinit(const char *procname);
void	log_setverbose(int verbose);
int	log_getverbose(void);
void	logit(int pri, const char *fmt, ...)
	    __attribute__((__format__ (printf, 2, 3)));
void	vlog(int pri, const char *fmt, va_list ap)
	    __attribute__((__format__ (printf, 2, 0)));
void	log_warn(const char *emsg, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_warnx(const char *emsg, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_info(const char *emsg, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_debug(const char *emsg, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	fatal(const char *emsg, ...)
	    __attribute__((__format__ (printf, 1, 2), __noreturn__));
void	fatalx(const char *emsg, ...)
	    __attribute__((__format__ (printf, 1, 2), __noreturn__));

#endif /* FABRIC_LOG_H */
