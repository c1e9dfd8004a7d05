/*
 * A bounds-checked byte buffer: every wire parser (BGP, telemetry, probe
 * packets) reads and writes through it, so that a short or lying message
 * fails a call instead of walking off the end of memory.
 *
 * Layout: 0 <= rpos <= wpos <= size <= max.  Bytes [rpos, wpos) are the
 * unread data; a writer appends at wpos and grows size up to max.
 *
 * Three kinds of buffer:
 *   ibuf_open(len)          fixed capacity writer (size == max == len)
 *   ibuf_dynamic(len, max)  writer that grows on demand, never past max
 *   ibuf_from_buffer()      read-only view over caller memory, no
 *   ibuf_get_ibuf()         allocation; the struct is the caller's and is
 *                           never passed to ibuf_free()
 *
 * Every call that can fail returns -1 (or NULL) and sets errno:
 *   EBADMSG  a read, skip, peek or truncate past the unread data
 *   ERANGE   a value too wide for its field, a write that would take the
 *            buffer past its maximum size (fixed or dynamic), or a
 *            backpatch outside the written data
 *   ENOMEM   memory allocation failed (only below max)
 *   EBADF    a write to a read-only view
 *   EINVAL   a meaningless argument (max < len, reserving 0 bytes,
 *            copying a buffer into itself)
 * A failed call changes nothing: rpos and wpos stay where they were and
 * no output argument is written, not even partially.
 *
 * Less obvious semantics:
 *   ibuf_add_buf()     appends the unread part of another buffer without
 *                      consuming it; the source must not point into the
 *                      destination's storage, which may move as it grows
 *   ibuf_reserve()     returns len writable bytes at wpos (not zeroed if a
 *                      truncate left old data there); valid until the next
 *                      write that grows the buffer
 *   ibuf_set*()        backpatch at an absolute offset from the start of
 *                      the buffer; [off, off + len) must lie in [0, wpos)
 *   ibuf_peek*()       read at an offset from rpos without consuming
 *   ibuf_get_ibuf()    sub becomes a read-only view of the next len bytes
 *                      and src moves past them: a nested parser cannot
 *                      read into whatever follows; sub borrows src's
 *                      bytes, so it dies when a write to src grows it
 *   ibuf_get_strbuf()  reads n bytes into dst and NUL-terminates them;
 *                      EBADMSG if the n bytes contain a NUL, ERANGE if n
 *                      does not fit dst with its terminator
 *   ibuf_truncate()    keeps only the first len unread bytes; it never
 *                      grows the buffer (EBADMSG if len > ibuf_size())
 *   ibuf_left()        room between wpos and max; reading frees none,
 *                      and a view always has 0
 *   ibuf_data()        NULL when the buffer has no storage at all
 */
#ifndef FABRIC_IBUF_H
#define FABRIC_IBUF_H

#include <stddef.h>
#include <stdint.h>

#define IBUF_F_RDONLY	0x01	/* view over memory we do not own */

struct ibuf {
	uint8_t		*buf;
	size_t		 size;	/* allocated bytes */
	size_t		 max;	/* size never grows past this */
	size_t		 wpos;	/* next byte to write */
	size_t		 rpos;	/* next byte to read */
	int		 flags;
};

/* Writers. */
struct ibuf	*ibuf_open(size_t);
struct ibuf	*ibuf_dynamic(size_t, size_t);
void		 ibuf_free(struct ibuf *);
int		 ibuf_add(struct ibuf *, const void *, size_t);
int		 ibuf_add_zero(struct ibuf *, size_t);
int		 ibuf_add_n8(struct ibuf *, uint64_t);
int		 ibuf_add_n16(struct ibuf *, uint64_t);
int		 ibuf_add_n32(struct ibuf *, uint64_t);
int		 ibuf_add_n64(struct ibuf *, uint64_t);
int		 ibuf_add_buf(struct ibuf *, const struct ibuf *);
void		*ibuf_reserve(struct ibuf *, size_t);
int		 ibuf_set(struct ibuf *, size_t, const void *, size_t);
int		 ibuf_set_n8(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_n16(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_n32(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_n64(struct ibuf *, size_t, uint64_t);

/* Accounting. */
size_t		 ibuf_size(const struct ibuf *);
size_t		 ibuf_left(const struct ibuf *);
void		*ibuf_data(const struct ibuf *);

/* Readers: network byte order on the wire, host order out. */
void		 ibuf_from_buffer(struct ibuf *, const void *, size_t);
int		 ibuf_get(struct ibuf *, void *, size_t);
int		 ibuf_get_n8(struct ibuf *, uint8_t *);
int		 ibuf_get_n16(struct ibuf *, uint16_t *);
int		 ibuf_get_n32(struct ibuf *, uint32_t *);
int		 ibuf_get_n64(struct ibuf *, uint64_t *);
int		 ibuf_skip(struct ibuf *, size_t);
int		 ibuf_get_ibuf(struct ibuf *, size_t, struct ibuf *);
int		 ibuf_peek_n8(const struct ibuf *, size_t, uint8_t *);
int		 ibuf_peek_n16(const struct ibuf *, size_t, uint16_t *);
int		 ibuf_peek_n32(const struct ibuf *, size_t, uint32_t *);
int		 ibuf_peek_n64(const struct ibuf *, size_t, uint64_t *);
int		 ibuf_get_strbuf(struct ibuf *, char *, size_t, size_t);
void		 ibuf_rewind(struct ibuf *);
int		 ibuf_truncate(struct ibuf *, size_t);

#endif /* FABRIC_IBUF_H */
