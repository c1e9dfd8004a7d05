/*
 * fabricctl's parts: the command table (fabricctl.c), the lab (lab.h),
 * and the commands that talk to fabricd (fabricctl_ctl.c).
 */
#ifndef FABRIC_FABRICCTL_H
#define FABRIC_FABRICCTL_H

/* fabricctl_ctl.c: argv[0] is the command's last word, as for every
   handler; return 0, 1 when fabricd refused, 2 on a usage error or when
   fabricd did not answer. */
int	ctl_show(const char *what, int argc, char **argv);
int	ctl_drain(int drain, int argc, char **argv);
int	ctl_reload(int argc, char **argv);

#endif /* FABRIC_FABRICCTL_H */
