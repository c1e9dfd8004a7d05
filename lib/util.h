/* Small helpers many modules need: growing arrays, clocks, signals. */
#ifndef FABRIC_UTIL_H
#define FABRIC_UTIL_H

#include <stddef.h>
#include <stdint.h>

int		array_grow(void **p, size_t *cap, size_t need, size_t size);
uint64_t	mono_ms(void);
uint64_t	real_ns(void);
int		daemon_signal_fd(void);

#endif /* FABRIC_UTIL_H */
