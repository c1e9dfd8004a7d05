/* What OpenBSD's libc has and glibc 2.36 lacks. */
#ifndef FABRIC_COMPAT_H
#define FABRIC_COMPAT_H

#include <stddef.h>

#ifndef HAVE_STRLCPY
size_t	strlcpy(char *, const char *, size_t);
#endif
#ifndef HAVE_STRLCAT
size_t	strlcat(char *, const char *, size_t);
#endif

#endif /* FABRIC_COMPAT_H */
