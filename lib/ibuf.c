/*
 * Bounds-checked byte buffer: the interface of OpenBGPD's imsg-buffer.c,
 * our own code.  See ibuf.h for the errno contract.
 *
 * Every size check is written as "len > limit - pos" with pos <= limit
 * already known, so that no sum can wrap around SIZE_MAX.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ibuf.h"

#define IBUF_NMAX	sizeof(uint64_t)	/* widest integer field */

/*
 * Integers are encoded byte by byte rather than with htons() and friends:
 * one loop serves every width and cannot read an unaligned address.
 */
static void
put_be(uint8_t *p, uint64_t v, size_t width)
{
	while (width-- > 0) {
		p[width] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, size_t width)
{
	uint64_t	 v = 0;
	size_t		 i;

	for (i = 0; i < width; i++)
		v = v << 8 | p[i];
	return v;
}

/* A shift by 64 is undefined, hence the width test first. */
static int
fits_width(uint64_t v, size_t width)
{
	if (width >= IBUF_NMAX || v >> (width * 8) == 0)
		return 1;
	errno = ERANGE;
	return 0;
}

struct ibuf *
ibuf_open(size_t len)
{
	return ibuf_dynamic(len, len);
}

struct ibuf *
ibuf_dynamic(size_t len, size_t max)
{
	struct ibuf	*buf;

	if (len > max) {
		errno = EINVAL;
		return NULL;
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return NULL;
	/* calloc: bytes reserved but never filled must not leak heap data. */
	if (len > 0 && (buf->buf = calloc(len, 1)) == NULL) {
		free(buf);
		return NULL;
	}
	buf->size = len;
	buf->max = max;
	return buf;
}

void
ibuf_free(struct ibuf *buf)
{
	/* A view's struct and bytes both belong to the caller. */
	if (buf == NULL || buf->flags & IBUF_F_RDONLY)
		return;
	free(buf->buf);
	free(buf);
}

static int
ibuf_writable(const struct ibuf *buf)
{
	if (buf->flags & IBUF_F_RDONLY) {
		errno = EBADF;
		return 0;
	}
	return 1;
}

/* Make room for len more bytes at wpos without ever passing max. */
static int
ibuf_grow(struct ibuf *buf, size_t len)
{
	uint8_t	*p;
	size_t	 need, newsize;

	if (!ibuf_writable(buf))
		return -1;
	if (len > buf->max - buf->wpos) {
		errno = ERANGE;
		return -1;
	}
	need = buf->wpos + len;
	if (need <= buf->size)
		return 0;
	/* Doubling keeps appends amortised O(1); max still caps it. */
	newsize = buf->size < buf->max / 2 ? buf->size * 2 : buf->max;
	if (newsize < need)
		newsize = need;
	if ((p = realloc(buf->buf, newsize)) == NULL)
		return -1;
	memset(p + buf->size, 0, newsize - buf->size);
	buf->buf = p;
	buf->size = newsize;
	return 0;
}

void *
ibuf_reserve(struct ibuf *buf, size_t len)
{
	void	*p;

	if (ibuf_grow(buf, len) == -1)
		return NULL;
	/* There is no byte to point at; NULL would read as success. */
	if (len == 0) {
		errno = EINVAL;
		return NULL;
	}
	p = buf->buf + buf->wpos;
	buf->wpos += len;
	return p;
}

int
ibuf_add(struct ibuf *buf, const void *data, size_t len)
{
	void	*p;

	/* Zero bytes still go through grow so that views refuse them. */
	if (len == 0)
		return ibuf_grow(buf, 0);
	if ((p = ibuf_reserve(buf, len)) == NULL)
		return -1;
	memcpy(p, data, len);
	return 0;
}

int
ibuf_add_zero(struct ibuf *buf, size_t len)
{
	void	*p;

	if (len == 0)
		return ibuf_grow(buf, 0);
	if ((p = ibuf_reserve(buf, len)) == NULL)
		return -1;
	memset(p, 0, len);
	return 0;
}

static int
ibuf_add_n(struct ibuf *buf, uint64_t v, size_t width)
{
	uint8_t	 tmp[IBUF_NMAX];

	if (!fits_width(v, width))
		return -1;
	put_be(tmp, v, width);
	return ibuf_add(buf, tmp, width);
}

int
ibuf_add_n8(struct ibuf *buf, uint64_t v)
{
	return ibuf_add_n(buf, v, sizeof(uint8_t));
}

int
ibuf_add_n16(struct ibuf *buf, uint64_t v)
{
	return ibuf_add_n(buf, v, sizeof(uint16_t));
}

int
ibuf_add_n32(struct ibuf *buf, uint64_t v)
{
	return ibuf_add_n(buf, v, sizeof(uint32_t));
}

int
ibuf_add_n64(struct ibuf *buf, uint64_t v)
{
	return ibuf_add_n(buf, v, sizeof(uint64_t));
}

int
ibuf_add_buf(struct ibuf *buf, const struct ibuf *from)
{
	/* Growing buf would move the very bytes we copy from. */
	if (buf == from) {
		errno = EINVAL;
		return -1;
	}
	return ibuf_add(buf, ibuf_data(from), ibuf_size(from));
}

int
ibuf_set(struct ibuf *buf, size_t off, const void *data, size_t len)
{
	if (!ibuf_writable(buf))
		return -1;
	/* Only written bytes: a patch past wpos would be silently lost. */
	if (off > buf->wpos || len > buf->wpos - off) {
		errno = ERANGE;
		return -1;
	}
	if (len > 0)
		memcpy(buf->buf + off, data, len);
	return 0;
}

static int
ibuf_set_n(struct ibuf *buf, size_t off, uint64_t v, size_t width)
{
	uint8_t	 tmp[IBUF_NMAX];

	if (!fits_width(v, width))
		return -1;
	put_be(tmp, v, width);
	return ibuf_set(buf, off, tmp, width);
}

int
ibuf_set_n8(struct ibuf *buf, size_t off, uint64_t v)
{
	return ibuf_set_n(buf, off, v, sizeof(uint8_t));
}

int
ibuf_set_n16(struct ibuf *buf, size_t off, uint64_t v)
{
	return ibuf_set_n(buf, off, v, sizeof(uint16_t));
}

int
ibuf_set_n32(struct ibuf *buf, size_t off, uint64_t v)
{
	return ibuf_set_n(buf, off, v, sizeof(uint32_t));
}

int
ibuf_set_n64(struct ibuf *buf, size_t off, uint64_t v)
{
	return ibuf_set_n(buf, off, v, sizeof(uint64_t));
}

size_t
ibuf_size(const struct ibuf *buf)
{
	return buf->wpos - buf->rpos;
}

size_t
ibuf_left(const struct ibuf *buf)
{
	/* A truncated view has wpos < max but still takes no writes. */
	if (buf->flags & IBUF_F_RDONLY)
		return 0;
	return buf->max - buf->wpos;
}

void *
ibuf_data(const struct ibuf *buf)
{
	/* NULL + 0 is undefined behaviour, so do not compute it. */
	if (buf->buf == NULL)
		return NULL;
	return buf->buf + buf->rpos;
}

void
ibuf_from_buffer(struct ibuf *buf, const void *data, size_t len)
{
	/* The cast drops const; IBUF_F_RDONLY keeps every writer off. */
	*buf = (struct ibuf){
		.buf = (uint8_t *)data,
		.size = len,
		.max = len,
		.wpos = len,
		.flags = IBUF_F_RDONLY,
	};
}

/* Copy len bytes found off bytes past rpos, consuming nothing. */
static int
ibuf_peek(const struct ibuf *buf, size_t off, void *data, size_t len)
{
	size_t	 avail = ibuf_size(buf);

	if (off > avail || len > avail - off) {
		errno = EBADMSG;
		return -1;
	}
	if (len > 0)
		memcpy(data, buf->buf + buf->rpos + off, len);
	return 0;
}

int
ibuf_get(struct ibuf *buf, void *data, size_t len)
{
	if (ibuf_peek(buf, 0, data, len) == -1)
		return -1;
	buf->rpos += len;
	return 0;
}

static int
ibuf_peek_n(const struct ibuf *buf, size_t off, uint64_t *v, size_t width)
{
	uint8_t	 tmp[IBUF_NMAX];

	if (ibuf_peek(buf, off, tmp, width) == -1)
		return -1;
	*v = get_be(tmp, width);
	return 0;
}

/* Each getter decodes into a temporary so a failure leaves *out alone. */
int
ibuf_get_n8(struct ibuf *buf, uint8_t *out)
{
	uint64_t	 v;

	if (ibuf_peek_n(buf, 0, &v, sizeof(*out)) == -1)
		return -1;
	buf->rpos += sizeof(*out);
	*out = v;
	return 0;
}

int
ibuf_get_n16(struct ibuf *buf, uint16_t *out)
{
	uint64_t	 v;

	if (ibuf_peek_n(buf, 0, &v, sizeof(*out)) == -1)
		return -1;
	buf->rpos += sizeof(*out);
	*out = v;
	return 0;
}

int
ibuf_get_n32(struct ibuf *buf, uint32_t *out)
{
	uint64_t	 v;

	if (ibuf_peek_n(buf, 0, &v, sizeof(*out)) == -1)
		return -1;
	buf->rpos += sizeof(*out);
	*out = v;
	return 0;
}

int
ibuf_get_n64(struct ibuf *buf, uint64_t *out)
{
	if (ibuf_peek_n(buf, 0, out, sizeof(*out)) == -1)
		return -1;
	buf->rpos += sizeof(*out);
	return 0;
}

int
ibuf_skip(struct ibuf *buf, size_t len)
{
	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return -1;
	}
	buf->rpos += len;
	return 0;
}

int
ibuf_get_ibuf(struct ibuf *src, size_t len, struct ibuf *sub)
{
	/* Turning src into its own view would lose the parent's position. */
	if (sub == src) {
		errno = EINVAL;
		return -1;
	}
	if (len > ibuf_size(src)) {
		errno = EBADMSG;
		return -1;
	}
	ibuf_from_buffer(sub, ibuf_data(src), len);
	src->rpos += len;
	return 0;
}

int
ibuf_peek_n8(const struct ibuf *buf, size_t off, uint8_t *out)
{
	uint64_t	 v;

	if (ibuf_peek_n(buf, off, &v, sizeof(*out)) == -1)
		return -1;
	*out = v;
	return 0;
}

int
ibuf_peek_n16(const struct ibuf *buf, size_t off, uint16_t *out)
{
	uint64_t	 v;

	if (ibuf_peek_n(buf, off, &v, sizeof(*out)) == -1)
		return -1;
	*out = v;
	return 0;
}

int
ibuf_peek_n32(const struct ibuf *buf, size_t off, uint32_t *out)
{
	uint64_t	 v;

	if (ibuf_peek_n(buf, off, &v, sizeof(*out)) == -1)
		return -1;
	*out = v;
	return 0;
}

int
ibuf_peek_n64(const struct ibuf *buf, size_t off, uint64_t *out)
{
	return ibuf_peek_n(buf, off, out, sizeof(*out));
}

int
ibuf_get_strbuf(struct ibuf *buf, char *dst, size_t dstlen, size_t n)
{
	if (n > ibuf_size(buf)) {
		errno = EBADMSG;
		return -1;
	}
	if (n >= dstlen) {
		errno = ERANGE;
		return -1;
	}
	/* An embedded NUL would silently shorten what we log and match on. */
	if (n > 0 && memchr(ibuf_data(buf), '\0', n) != NULL) {
		errno = EBADMSG;
		return -1;
	}
	if (n > 0)
		memcpy(dst, ibuf_data(buf), n);
	dst[n] = '\0';
	buf->rpos += n;
	return 0;
}

void
ibuf_rewind(struct ibuf *buf)
{
	buf->rpos = 0;
}

int
ibuf_truncate(struct ibuf *buf, size_t len)
{
	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return -1;
	}
	buf->wpos = buf->rpos + len;
	return 0;
}
