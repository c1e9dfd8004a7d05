/*
 * Unit tests for lib/ibuf.c: every reader at its exact boundary, failures
 * that must leave the buffer and the caller's output alone, sizes chosen
 * to wrap a naive "pos + len" check, and a seeded random round trip.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ibuf.h"

#define SENTINEL	0xa5

/* The call must fail with -1 and exactly this errno. */
#define assert_fails(call, err) do {					\
	errno = 0;							\
	assert_int_equal((call), -1);					\
	assert_int_equal(errno, (err));					\
} while (0)

#define assert_null_errno(call, err) do {				\
	errno = 0;							\
	assert_null((call));						\
	assert_int_equal(errno, (err));					\
} while (0)

static const uint8_t seq[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/*
 * The integer getters behind one signature, so that one loop can walk
 * each of them over the same boundaries.
 */
union out {
	uint8_t		 u8;
	uint16_t	 u16;
	uint32_t	 u32;
	uint64_t	 u64;
	uint8_t		 raw[8];
};

static int
get8(struct ibuf *b, union out *o)
{
	return ibuf_get_n8(b, &o->u8);
}

static int
get16(struct ibuf *b, union out *o)
{
	return ibuf_get_n16(b, &o->u16);
}

static int
get32(struct ibuf *b, union out *o)
{
	return ibuf_get_n32(b, &o->u32);
}

static int
get64(struct ibuf *b, union out *o)
{
	return ibuf_get_n64(b, &o->u64);
}

static const struct getter {
	size_t		 width;
	int		(*get)(struct ibuf *, union out *);
	uint64_t	 expect;	/* value of seq[] at this width */
} getters[] = {
	{ 1, get8, 0x01 },
	{ 2, get16, 0x0102 },
	{ 4, get32, 0x01020304 },
	{ 8, get64, 0x0102030405060708ULL },
};

static uint64_t
out_value(const union out *o, size_t width)
{
	switch (width) {
	case 1:
		return o->u8;
	case 2:
		return o->u16;
	case 4:
		return o->u32;
	default:
		return o->u64;
	}
}

static void
assert_untouched(const union out *o)
{
	size_t	 i;

	for (i = 0; i < sizeof(o->raw); i++)
		assert_int_equal(o->raw[i], SENTINEL);
}

/* One getter, with skip bytes consumed first, over avail bytes of seq[]. */
static void
check_getter(const struct getter *g, size_t skip, size_t avail)
{
	uint8_t		 data[16];
	struct ibuf	 b;
	union out	 o;

	memset(data, 0xee, skip);
	memcpy(data + skip, seq, avail);
	ibuf_from_buffer(&b, data, skip + avail);
	assert_int_equal(ibuf_skip(&b, skip), 0);
	memset(&o, SENTINEL, sizeof(o));

	if (avail < g->width) {
		assert_fails(g->get(&b, &o), EBADMSG);
		assert_int_equal(b.rpos, skip);
		assert_untouched(&o);
		return;
	}
	assert_int_equal(g->get(&b, &o), 0);
	assert_int_equal(out_value(&o, g->width), g->expect);
	assert_int_equal(b.rpos, skip + g->width);
	assert_int_equal(ibuf_size(&b), 0);
	/* And now it is exactly empty. */
	assert_fails(g->get(&b, &o), EBADMSG);
	assert_int_equal(b.rpos, skip + g->width);
}

static void
test_getters_boundaries(void **state)
{
	size_t	 i, skip;

	for (i = 0; i < sizeof(getters) / sizeof(getters[0]); i++) {
		for (skip = 0; skip <= 3; skip++) {
			check_getter(&getters[i], skip, 0);
			check_getter(&getters[i], skip, getters[i].width - 1);
			check_getter(&getters[i], skip, getters[i].width);
		}
	}
}

static void
test_get_raw_boundaries(void **state)
{
	uint8_t		 out[8];
	struct ibuf	 b;

	ibuf_from_buffer(&b, seq, 5);
	memset(out, SENTINEL, sizeof(out));
	assert_fails(ibuf_get(&b, out, 6), EBADMSG);
	assert_int_equal(b.rpos, 0);
	assert_int_equal(out[0], SENTINEL);
	assert_int_equal(out[5], SENTINEL);

	assert_int_equal(ibuf_get(&b, out, 0), 0);
	assert_int_equal(b.rpos, 0);
	assert_int_equal(out[0], SENTINEL);

	assert_int_equal(ibuf_get(&b, out, 5), 0);
	assert_memory_equal(out, seq, 5);
	assert_int_equal(out[5], SENTINEL);
	assert_int_equal(ibuf_size(&b), 0);
	assert_int_equal(ibuf_get(&b, out, 0), 0);
	assert_fails(ibuf_get(&b, out, 1), EBADMSG);
	assert_int_equal(b.rpos, 5);
}

static void
test_skip_boundaries(void **state)
{
	struct ibuf	 b;
	uint8_t		 v;

	ibuf_from_buffer(&b, seq, 4);
	assert_fails(ibuf_skip(&b, 5), EBADMSG);
	assert_int_equal(b.rpos, 0);
	assert_int_equal(ibuf_skip(&b, 3), 0);
	assert_fails(ibuf_skip(&b, 2), EBADMSG);
	assert_int_equal(b.rpos, 3);
	assert_int_equal(ibuf_get_n8(&b, &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(ibuf_skip(&b, 0), 0);
	assert_fails(ibuf_skip(&b, 1), EBADMSG);
}

static void
test_peek(void **state)
{
	struct ibuf	 b;
	uint8_t		 v8 = SENTINEL;
	uint16_t	 v16 = 0xa5a5;
	uint32_t	 v32 = 0xa5a5a5a5;
	uint64_t	 v64 = 0xa5a5a5a5a5a5a5a5ULL;

	ibuf_from_buffer(&b, seq, 8);
	assert_int_equal(ibuf_get_n8(&b, &v8), 0);
	/* 7 bytes unread: 2 3 4 5 6 7 8 */
	assert_int_equal(ibuf_peek_n8(&b, 0, &v8), 0);
	assert_int_equal(v8, 2);
	assert_int_equal(ibuf_peek_n8(&b, 6, &v8), 0);
	assert_int_equal(v8, 8);
	assert_fails(ibuf_peek_n8(&b, 7, &v8), EBADMSG);
	assert_int_equal(v8, 8);

	assert_int_equal(ibuf_peek_n16(&b, 5, &v16), 0);
	assert_int_equal(v16, 0x0708);
	assert_fails(ibuf_peek_n16(&b, 6, &v16), EBADMSG);
	assert_int_equal(v16, 0x0708);

	assert_int_equal(ibuf_peek_n32(&b, 3, &v32), 0);
	assert_int_equal(v32, 0x05060708);
	assert_fails(ibuf_peek_n32(&b, 4, &v32), EBADMSG);
	assert_int_equal(v32, 0x05060708);

	assert_fails(ibuf_peek_n64(&b, 0, &v64), EBADMSG);
	assert_int_equal(v64, 0xa5a5a5a5a5a5a5a5ULL);
	ibuf_rewind(&b);
	assert_int_equal(ibuf_peek_n64(&b, 0, &v64), 0);
	assert_int_equal(v64, 0x0102030405060708ULL);
	assert_fails(ibuf_peek_n64(&b, 1, &v64), EBADMSG);

	/* Peeking never consumes. */
	assert_int_equal(b.rpos, 0);
	assert_int_equal(ibuf_size(&b), 8);
}

static void
test_subview(void **state)
{
	/* TLV(type 1, len 3, aa bb cc) then TLV(type 2, len 1, dd) */
	const uint8_t	 msg[] = { 1, 3, 0xaa, 0xbb, 0xcc, 2, 1, 0xdd };
	struct ibuf	 m, sub, sub2, saved, nested;
	uint8_t		 type, len, v8;
	uint16_t	 v16;

	ibuf_from_buffer(&m, msg, sizeof(msg));
	assert_int_equal(ibuf_get_n8(&m, &type), 0);
	assert_int_equal(ibuf_get_n8(&m, &len), 0);
	assert_int_equal(ibuf_get_ibuf(&m, len, &sub), 0);
	assert_int_equal(m.rpos, 5);
	assert_int_equal(ibuf_size(&sub), 3);
	assert_ptr_equal(ibuf_data(&sub), msg + 2);

	/* The parent has bytes after the value; the view must not see them. */
	assert_int_equal(ibuf_get_n16(&sub, &v16), 0);
	assert_int_equal(v16, 0xaabb);
	assert_fails(ibuf_get_n16(&sub, &v16), EBADMSG);
	assert_fails(ibuf_peek_n8(&sub, 1, &v8), EBADMSG);
	assert_fails(ibuf_skip(&sub, 2), EBADMSG);
	assert_fails(ibuf_truncate(&sub, 2), EBADMSG);
	assert_int_equal(ibuf_get_n8(&sub, &v8), 0);
	assert_int_equal(v8, 0xcc);
	assert_fails(ibuf_get_n8(&sub, &v8), EBADMSG);
	assert_int_equal(v8, 0xcc);
	assert_int_equal(sub.rpos, 3);

	/* Rewinding a view goes to its own start, not the parent's. */
	ibuf_rewind(&sub);
	assert_int_equal(ibuf_get_n8(&sub, &v8), 0);
	assert_int_equal(v8, 0xaa);

	/* A view of a view is bounded by the inner length. */
	assert_int_equal(ibuf_get_ibuf(&sub, 1, &nested), 0);
	assert_int_equal(ibuf_get_n8(&nested, &v8), 0);
	assert_int_equal(v8, 0xbb);
	assert_fails(ibuf_get_n8(&nested, &v8), EBADMSG);
	assert_int_equal(ibuf_size(&sub), 1);

	/* The parent goes on with the next TLV. */
	assert_int_equal(ibuf_get_n8(&m, &type), 0);
	assert_int_equal(type, 2);

	/* A length beyond the parent fails and changes nothing. */
	memset(&sub2, SENTINEL, sizeof(sub2));
	memcpy(&saved, &sub2, sizeof(saved));
	assert_fails(ibuf_get_ibuf(&m, 3, &sub2), EBADMSG);
	assert_int_equal(m.rpos, 6);
	assert_memory_equal(&sub2, &saved, sizeof(sub2));

	assert_fails(ibuf_get_ibuf(&m, 1, &m), EINVAL);
	assert_int_equal(m.rpos, 6);

	assert_int_equal(ibuf_get_ibuf(&m, 2, &sub2), 0);
	assert_int_equal(ibuf_size(&m), 0);
	assert_int_equal(ibuf_get_ibuf(&m, 0, &sub2), 0);
	assert_int_equal(ibuf_size(&sub2), 0);
	assert_fails(ibuf_get_n8(&sub2, &v8), EBADMSG);
}

static void
test_subview_is_readonly(void **state)
{
	struct ibuf	*w, sub;
	const uint8_t	 expect[] = { 0x11, 0x22, 0x33, 0x44 };

	assert_non_null(w = ibuf_dynamic(4, 64));
	assert_int_equal(ibuf_add(w, expect, sizeof(expect)), 0);
	assert_int_equal(ibuf_get_ibuf(w, 2, &sub), 0);
	assert_fails(ibuf_set_n8(&sub, 0, 0xff), EBADF);
	assert_fails(ibuf_add_n8(&sub, 0xff), EBADF);
	assert_int_equal(ibuf_left(&sub), 0);
	assert_memory_equal(w->buf, expect, sizeof(expect));
	assert_int_equal(ibuf_size(w), 2);
	ibuf_free(w);
}

static void
test_readonly_rejects_writes(void **state)
{
	uint8_t		 data[4] = { 1, 2, 3, 4 };
	const uint8_t	 orig[4] = { 1, 2, 3, 4 };
	struct ibuf	 b, other;

	ibuf_from_buffer(&b, data, sizeof(data));
	ibuf_from_buffer(&other, orig, sizeof(orig));
	assert_int_equal(ibuf_left(&b), 0);
	assert_fails(ibuf_add(&b, orig, 1), EBADF);
	assert_fails(ibuf_add(&b, orig, 0), EBADF);
	assert_fails(ibuf_add_zero(&b, 1), EBADF);
	assert_fails(ibuf_add_zero(&b, 0), EBADF);
	assert_fails(ibuf_add_n8(&b, 1), EBADF);
	assert_fails(ibuf_add_n16(&b, 1), EBADF);
	assert_fails(ibuf_add_n32(&b, 1), EBADF);
	assert_fails(ibuf_add_n64(&b, 1), EBADF);
	assert_fails(ibuf_add_buf(&b, &other), EBADF);
	assert_null_errno(ibuf_reserve(&b, 1), EBADF);
	assert_fails(ibuf_set(&b, 0, orig, 1), EBADF);
	assert_fails(ibuf_set_n8(&b, 0, 9), EBADF);
	assert_fails(ibuf_set_n16(&b, 0, 9), EBADF);
	assert_fails(ibuf_set_n32(&b, 0, 9), EBADF);
	assert_fails(ibuf_set_n64(&b, 0, 9), EBADF);

	/* Shrinking a view does not make room to write into it. */
	assert_int_equal(ibuf_truncate(&b, 2), 0);
	assert_int_equal(ibuf_left(&b), 0);
	assert_fails(ibuf_add_n8(&b, 1), EBADF);

	assert_memory_equal(data, orig, sizeof(data));
	assert_int_equal(b.wpos, 2);
	assert_int_equal(b.size, 4);
	/* The caller owns a view: freeing it must not touch the stack. */
	ibuf_free(&b);
	assert_int_equal(b.flags & IBUF_F_RDONLY, IBUF_F_RDONLY);
}

static void
test_open_fixed(void **state)
{
	struct ibuf	*b;
	uint8_t		 v;

	assert_non_null(b = ibuf_open(4));
	assert_int_equal(ibuf_left(b), 4);
	assert_int_equal(ibuf_size(b), 0);
	assert_int_equal(ibuf_add(b, seq, 3), 0);
	assert_fails(ibuf_add(b, seq, 2), ERANGE);
	assert_fails(ibuf_add_n16(b, 0), ERANGE);
	assert_int_equal(b->wpos, 3);
	assert_int_equal(ibuf_add_n8(b, 4), 0);
	assert_int_equal(ibuf_left(b), 0);
	assert_fails(ibuf_add_n8(b, 5), ERANGE);
	assert_int_equal(ibuf_add(b, seq, 0), 0);
	assert_int_equal(b->size, 4);
	assert_memory_equal(ibuf_data(b), seq, 4);
	/* Reading does not make room: the writer never wraps around. */
	assert_int_equal(ibuf_get_n8(b, &v), 0);
	assert_int_equal(ibuf_left(b), 0);
	ibuf_free(b);

	assert_non_null(b = ibuf_open(0));
	assert_null(ibuf_data(b));
	assert_int_equal(ibuf_add(b, NULL, 0), 0);
	assert_fails(ibuf_add_n8(b, 0), ERANGE);
	assert_fails(ibuf_get_n8(b, &v), EBADMSG);
	ibuf_free(b);
	ibuf_free(NULL);
}

static void
test_dynamic_growth_stops_at_max(void **state)
{
	struct ibuf	*b;
	uint8_t		 i, v;

	assert_null_errno(ibuf_dynamic(11, 10), EINVAL);

	assert_non_null(b = ibuf_dynamic(1, 100));
	for (i = 0; i < 100; i++) {
		assert_int_equal(ibuf_left(b), 100 - i);
		assert_int_equal(ibuf_add_n8(b, i), 0);
		assert_true(b->size <= b->max);
		assert_true(b->wpos <= b->size);
	}
	assert_int_equal(ibuf_left(b), 0);
	assert_fails(ibuf_add_n8(b, 0), ERANGE);
	assert_null_errno(ibuf_reserve(b, 1), ERANGE);
	assert_fails(ibuf_add_zero(b, 1), ERANGE);
	assert_int_equal(b->wpos, 100);
	assert_int_equal(b->size, 100);
	for (i = 0; i < 100; i++) {
		assert_int_equal(ibuf_get_n8(b, &v), 0);
		assert_int_equal(v, i);
	}
	ibuf_free(b);

	/* One large add: all or nothing, and capped even when doubling. */
	assert_non_null(b = ibuf_dynamic(0, 10));
	assert_fails(ibuf_add_zero(b, 11), ERANGE);
	assert_int_equal(b->wpos, 0);
	assert_int_equal(b->size, 0);
	assert_int_equal(ibuf_add_n8(b, 7), 0);
	assert_int_equal(ibuf_add_zero(b, 9), 0);
	assert_true(b->size == 10);
	assert_fails(ibuf_add_n8(b, 7), ERANGE);
	ibuf_free(b);

	assert_non_null(b = ibuf_dynamic(60, 100));
	assert_int_equal(ibuf_add_zero(b, 61), 0);
	assert_true(b->size <= 100);
	assert_int_equal(ibuf_add_zero(b, 39), 0);
	assert_fails(ibuf_add_zero(b, 1), ERANGE);
	ibuf_free(b);
}

static void
test_add_range(void **state)
{
	const uint8_t	 expect[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff,
		0x01, 0x01, 0x02, 0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	struct ibuf	*b;

	assert_non_null(b = ibuf_open(64));
	assert_int_equal(ibuf_add_n8(b, 255), 0);
	assert_fails(ibuf_add_n8(b, 256), ERANGE);
	assert_fails(ibuf_add_n8(b, UINT64_MAX), ERANGE);
	assert_int_equal(ibuf_add_n16(b, 0xffff), 0);
	assert_fails(ibuf_add_n16(b, 0x10000), ERANGE);
	assert_int_equal(ibuf_add_n32(b, 0xffffffff), 0);
	assert_fails(ibuf_add_n32(b, 0x100000000ULL), ERANGE);
	assert_int_equal(ibuf_add_n64(b, UINT64_MAX), 0);
	assert_int_equal(b->wpos, 15);

	/* Network order on the wire. */
	assert_int_equal(ibuf_add_n8(b, 0x01), 0);
	assert_int_equal(ibuf_add_n16(b, 0x0102), 0);
	assert_int_equal(ibuf_add_n32(b, 0x01020304), 0);
	assert_int_equal(ibuf_add_n64(b, 0x0102030405060708ULL), 0);
	assert_int_equal(ibuf_size(b), sizeof(expect));
	assert_memory_equal(ibuf_data(b), expect, sizeof(expect));
	ibuf_free(b);
}

static void
test_backpatch_length(void **state)
{
	const uint8_t	 payload[5] = { 'h', 'e', 'l', 'l', 'o' };
	struct ibuf	*b, r;
	uint16_t	 len;
	uint8_t		 type, v8;
	size_t		 lenoff;

	/* A BGP-style header: marker, length to fill in later, type. */
	assert_non_null(b = ibuf_dynamic(8, 4096));
	assert_int_equal(ibuf_add_zero(b, 16), 0);
	lenoff = b->wpos;
	assert_int_equal(ibuf_add_n16(b, 0), 0);
	assert_int_equal(ibuf_add_n8(b, 4), 0);
	assert_int_equal(ibuf_add(b, payload, sizeof(payload)), 0);
	assert_int_equal(ibuf_set_n16(b, lenoff, ibuf_size(b)), 0);

	ibuf_from_buffer(&r, ibuf_data(b), ibuf_size(b));
	assert_int_equal(ibuf_skip(&r, 16), 0);
	assert_int_equal(ibuf_get_n16(&r, &len), 0);
	assert_int_equal(len, 24);
	assert_int_equal(ibuf_get_n8(&r, &type), 0);
	assert_int_equal(type, 4);
	assert_memory_equal(ibuf_data(&r), payload, sizeof(payload));

	/* Only inside the written bytes, and only values that fit. */
	assert_int_equal(ibuf_set_n16(b, b->wpos - 2, 0x4142), 0);
	assert_fails(ibuf_set_n16(b, b->wpos - 1, 0), ERANGE);
	assert_fails(ibuf_set_n8(b, b->wpos, 0), ERANGE);
	assert_fails(ibuf_set_n32(b, b->wpos - 3, 0), ERANGE);
	assert_fails(ibuf_set_n64(b, b->wpos - 7, 0), ERANGE);
	assert_fails(ibuf_set_n8(b, 0, 256), ERANGE);
	assert_fails(ibuf_set_n16(b, 0, 0x10000), ERANGE);
	assert_fails(ibuf_set_n32(b, 0, 0x100000000ULL), ERANGE);
	assert_int_equal(ibuf_set(b, b->wpos, payload, 0), 0);
	assert_fails(ibuf_set(b, b->wpos + 1, payload, 0), ERANGE);
	assert_int_equal(b->wpos, 24);
	assert_int_equal(b->buf[0], 0);
	assert_int_equal(b->buf[22], 0x41);
	assert_int_equal(b->buf[23], 0x42);

	/* Offsets are from the start of the buffer, not from rpos. */
	assert_int_equal(ibuf_get_n8(b, &v8), 0);
	assert_int_equal(ibuf_set_n8(b, 0, 0x99), 0);
	assert_int_equal(b->buf[0], 0x99);
	assert_int_equal(ibuf_set_n64(b, 16, 0x0102030405060708ULL), 0);
	assert_memory_equal(b->buf + 16, seq, 8);
	ibuf_free(b);
}

static void
test_add_buf(void **state)
{
	struct ibuf	*src, *dst, view;

	assert_non_null(src = ibuf_dynamic(0, 64));
	assert_int_equal(ibuf_add(src, "abcdef", 6), 0);
	assert_int_equal(ibuf_skip(src, 2), 0);

	assert_non_null(dst = ibuf_open(4));
	assert_int_equal(ibuf_add_buf(dst, src), 0);
	assert_int_equal(ibuf_size(dst), 4);
	assert_memory_equal(ibuf_data(dst), "cdef", 4);
	/* The source is copied, not consumed. */
	assert_int_equal(src->rpos, 2);
	assert_int_equal(ibuf_size(src), 4);
	assert_fails(ibuf_add_buf(dst, src), ERANGE);
	assert_int_equal(dst->wpos, 4);
	ibuf_free(dst);

	assert_fails(ibuf_add_buf(src, src), EINVAL);
	assert_int_equal(src->wpos, 6);

	ibuf_from_buffer(&view, seq, 3);
	assert_int_equal(ibuf_add_buf(src, &view), 0);
	assert_int_equal(ibuf_size(src), 7);
	assert_memory_equal((uint8_t *)ibuf_data(src) + 4, seq, 3);
	ibuf_free(src);
}

static void
test_reserve_and_zero(void **state)
{
	struct ibuf	*b;
	uint8_t		*p, *q;
	const uint8_t	 zero[4] = { 0 };

	assert_non_null(b = ibuf_open(8));
	assert_non_null(p = ibuf_reserve(b, 3));
	assert_ptr_equal(p, b->buf);
	memcpy(p, seq, 3);
	assert_null_errno(ibuf_reserve(b, 0), EINVAL);
	assert_null_errno(ibuf_reserve(b, 6), ERANGE);
	assert_int_equal(b->wpos, 3);
	assert_non_null(q = ibuf_reserve(b, 5));
	assert_ptr_equal(q, b->buf + 3);
	assert_memory_equal(ibuf_data(b), seq, 3);

	/* add_zero must really write zeros over whatever was there. */
	memset(q, 0xff, 5);
	assert_int_equal(ibuf_truncate(b, 0), 0);
	assert_int_equal(b->wpos, 0);
	assert_int_equal(ibuf_add_zero(b, 4), 0);
	assert_memory_equal(b->buf, zero, 4);
	assert_int_equal(ibuf_add_zero(b, 0), 0);
	assert_int_equal(b->wpos, 4);
	ibuf_free(b);
}

static void
test_get_strbuf(void **state)
{
	struct ibuf	 b;
	char		 dst[6], small[5], big[16];

	ibuf_from_buffer(&b, "hello\0xyz", 9);
	memset(small, SENTINEL, sizeof(small));
	assert_fails(ibuf_get_strbuf(&b, small, sizeof(small), 5), ERANGE);
	assert_int_equal((uint8_t)small[0], SENTINEL);
	assert_int_equal(b.rpos, 0);
	assert_fails(ibuf_get_strbuf(&b, small, 0, 0), ERANGE);
	assert_int_equal((uint8_t)small[0], SENTINEL);

	/* Six bytes hold "hello" but contain its NUL: a lying length. */
	memset(big, SENTINEL, sizeof(big));
	assert_fails(ibuf_get_strbuf(&b, big, sizeof(big), 6), EBADMSG);
	assert_int_equal((uint8_t)big[0], SENTINEL);
	assert_int_equal(b.rpos, 0);

	assert_int_equal(ibuf_get_strbuf(&b, dst, sizeof(dst), 0), 0);
	assert_string_equal(dst, "");
	assert_int_equal(b.rpos, 0);
	assert_int_equal(ibuf_get_strbuf(&b, dst, sizeof(dst), 5), 0);
	assert_string_equal(dst, "hello");
	assert_int_equal(b.rpos, 5);

	assert_int_equal(ibuf_skip(&b, 1), 0);
	memset(dst, SENTINEL, sizeof(dst));
	assert_fails(ibuf_get_strbuf(&b, dst, sizeof(dst), 4), EBADMSG);
	assert_int_equal((uint8_t)dst[0], SENTINEL);
	assert_int_equal(ibuf_get_strbuf(&b, dst, sizeof(dst), 3), 0);
	assert_string_equal(dst, "xyz");
	assert_int_equal(ibuf_size(&b), 0);
}

static void
test_truncate_and_rewind(void **state)
{
	struct ibuf	*b;
	uint8_t		 out[4];
	uint16_t	 v16;
	uint32_t	 v32;

	assert_non_null(b = ibuf_open(16));
	assert_int_equal(ibuf_add_n16(b, 0x1234), 0);
	assert_int_equal(ibuf_add_n32(b, 0xdeadbeef), 0);
	assert_int_equal(ibuf_get_n16(b, &v16), 0);
	assert_int_equal(ibuf_get_n32(b, &v32), 0);
	assert_int_equal(ibuf_size(b), 0);
	ibuf_rewind(b);
	assert_int_equal(ibuf_size(b), 6);
	v16 = 0;
	v32 = 0;
	assert_int_equal(ibuf_get_n16(b, &v16), 0);
	assert_int_equal(ibuf_get_n32(b, &v32), 0);
	assert_int_equal(v16, 0x1234);
	assert_int_equal(v32, 0xdeadbeef);

	ibuf_rewind(b);
	assert_int_equal(ibuf_skip(b, 1), 0);
	assert_fails(ibuf_truncate(b, 6), EBADMSG);
	assert_int_equal(b->wpos, 6);
	assert_int_equal(ibuf_truncate(b, 3), 0);
	assert_int_equal(b->wpos, 4);
	assert_fails(ibuf_get_n32(b, &v32), EBADMSG);
	assert_int_equal(ibuf_get(b, out, 3), 0);
	assert_int_equal(out[0], 0x34);
	assert_int_equal(out[2], 0xad);
	assert_fails(ibuf_truncate(b, 1), EBADMSG);
	assert_int_equal(ibuf_truncate(b, 0), 0);
	/* A writer goes on writing at the new end. */
	assert_int_equal(ibuf_add_n8(b, 0x77), 0);
	assert_int_equal(b->buf[4], 0x77);
	ibuf_free(b);
}

static void
test_accounting(void **state)
{
	struct ibuf	*b, v;
	uint8_t		 out[3];

	assert_non_null(b = ibuf_dynamic(4, 32));
	assert_int_equal(ibuf_size(b), 0);
	assert_int_equal(ibuf_left(b), 32);
	assert_int_equal(ibuf_add_zero(b, 10), 0);
	assert_int_equal(ibuf_size(b), 10);
	assert_int_equal(ibuf_left(b), 22);
	assert_int_equal(ibuf_get(b, out, 3), 0);
	assert_int_equal(ibuf_size(b), 7);
	assert_int_equal(ibuf_left(b), 22);
	assert_ptr_equal(ibuf_data(b), b->buf + 3);
	ibuf_free(b);

	ibuf_from_buffer(&v, seq, 8);
	assert_int_equal(ibuf_size(&v), 8);
	assert_int_equal(ibuf_left(&v), 0);
	assert_ptr_equal(ibuf_data(&v), seq);
	ibuf_from_buffer(&v, NULL, 0);
	assert_null(ibuf_data(&v));
	assert_fails(ibuf_get_n8(&v, out), EBADMSG);
}

/*
 * Each length below makes a naive "pos + len <= end" check wrap around
 * and pass; all of them must fail and leave the positions alone.
 */
static void
test_huge_sizes(void **state)
{
	struct ibuf	*b, r, sub;
	uint8_t		 v8, data[4] = { 0 };
	uint16_t	 v16;
	uint32_t	 v32;
	char		 str[8];

	assert_null_errno(ibuf_dynamic(SIZE_MAX, 1), EINVAL);

	assert_non_null(b = ibuf_dynamic(0, SIZE_MAX));
	assert_int_equal(ibuf_add_n8(b, 1), 0);
	assert_fails(ibuf_add(b, data, SIZE_MAX), ERANGE);
	assert_fails(ibuf_add_zero(b, SIZE_MAX), ERANGE);
	assert_null_errno(ibuf_reserve(b, SIZE_MAX), ERANGE);
	assert_int_equal(b->wpos, 1);
	ibuf_free(b);

	assert_non_null(b = ibuf_open(4));
	assert_int_equal(ibuf_add_n16(b, 0), 0);
	assert_fails(ibuf_add(b, data, SIZE_MAX), ERANGE);
	assert_fails(ibuf_add(b, data, SIZE_MAX - 1), ERANGE);
	assert_fails(ibuf_set(b, SIZE_MAX, data, 1), ERANGE);
	assert_fails(ibuf_set(b, 1, data, SIZE_MAX), ERANGE);
	assert_fails(ibuf_set_n16(b, SIZE_MAX - 1, 0), ERANGE);
	assert_int_equal(b->wpos, 2);
	ibuf_free(b);

	ibuf_from_buffer(&r, data, sizeof(data));
	assert_int_equal(ibuf_get_n8(&r, &v8), 0);
	assert_fails(ibuf_skip(&r, SIZE_MAX), EBADMSG);
	assert_fails(ibuf_get(&r, data, SIZE_MAX), EBADMSG);
	assert_fails(ibuf_peek_n8(&r, SIZE_MAX, &v8), EBADMSG);
	assert_fails(ibuf_peek_n16(&r, SIZE_MAX, &v16), EBADMSG);
	assert_fails(ibuf_peek_n32(&r, SIZE_MAX - 2, &v32), EBADMSG);
	assert_fails(ibuf_get_ibuf(&r, SIZE_MAX, &sub), EBADMSG);
	assert_fails(ibuf_get_strbuf(&r, str, sizeof(str), SIZE_MAX), EBADMSG);
	assert_fails(ibuf_truncate(&r, SIZE_MAX), EBADMSG);
	assert_int_equal(r.rpos, 1);
	assert_int_equal(r.wpos, 4);
}

/*
 * Random round trip: write a random sequence of fields, read it back,
 * then read it again from every kind of truncated copy.  xorshift64
 * rather than rand() so the sequence is the same on every libc.
 */
enum field_kind { F_N8, F_N16, F_N32, F_N64, F_BYTES, F_ZERO, F_STR, F_NKIND };

struct field {
	enum field_kind	 kind;
	uint64_t	 v;
	size_t		 len;
	size_t		 off;
	uint8_t		 bytes[32];
};

#define RT_ROUNDS	500
#define RT_FIELDS	64

static uint64_t	 rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
field_random(struct field *f)
{
	static const uint64_t	 mask[] = { 0xff, 0xffff, 0xffffffff,
				    UINT64_MAX };
	size_t			 i;

	f->kind = rng() % F_NKIND;
	f->v = f->kind <= F_N64 ? rng() & mask[f->kind] : 0;
	f->len = rng() % sizeof(f->bytes);
	for (i = 0; i < f->len; i++)
		f->bytes[i] = f->kind == F_STR ? 1 + rng() % 255 : rng();
}

static int
field_write(struct ibuf *b, const struct field *f)
{
	switch (f->kind) {
	case F_N8:
		return ibuf_add_n8(b, f->v);
	case F_N16:
		return ibuf_add_n16(b, f->v);
	case F_N32:
		return ibuf_add_n32(b, f->v);
	case F_N64:
		return ibuf_add_n64(b, f->v);
	case F_ZERO:
		return ibuf_add_zero(b, f->len);
	default:
		return ibuf_add(b, f->bytes, f->len);
	}
}

static size_t
field_size(const struct field *f)
{
	static const size_t	 width[] = { 1, 2, 4, 8 };

	return f->kind <= F_N64 ? width[f->kind] : f->len;
}

/* Read one field back and compare it; -1 if the reader said no. */
static int
field_read(struct ibuf *b, const struct field *f)
{
	static const uint8_t	 zero[sizeof(f->bytes)];
	uint8_t			 v8, tmp[sizeof(f->bytes)];
	uint16_t		 v16;
	uint32_t		 v32;
	uint64_t		 v64;
	char			 str[sizeof(f->bytes) + 1];

	switch (f->kind) {
	case F_N8:
		if (ibuf_get_n8(b, &v8) == -1)
			return -1;
		assert_int_equal(v8, f->v);
		break;
	case F_N16:
		if (ibuf_get_n16(b, &v16) == -1)
			return -1;
		assert_int_equal(v16, f->v);
		break;
	case F_N32:
		if (ibuf_get_n32(b, &v32) == -1)
			return -1;
		assert_int_equal(v32, f->v);
		break;
	case F_N64:
		if (ibuf_get_n64(b, &v64) == -1)
			return -1;
		assert_int_equal(v64, f->v);
		break;
	case F_ZERO:
		if (ibuf_get(b, tmp, f->len) == -1)
			return -1;
		assert_memory_equal(tmp, zero, f->len);
		break;
	case F_STR:
		if (ibuf_get_strbuf(b, str, sizeof(str), f->len) == -1)
			return -1;
		assert_int_equal(strlen(str), f->len);
		assert_memory_equal(str, f->bytes, f->len);
		break;
	default:
		if (ibuf_get(b, tmp, f->len) == -1)
			return -1;
		assert_memory_equal(tmp, f->bytes, f->len);
		break;
	}
	return 0;
}

/* Over the first cut bytes, every field that fits reads back intact. */
static void
read_cut(const uint8_t *wire, size_t cut, const struct field *fields,
    size_t nfields)
{
	struct ibuf	 r;
	size_t		 i;

	ibuf_from_buffer(&r, wire, cut);
	for (i = 0; i < nfields; i++) {
		assert_int_equal(r.rpos, fields[i].off);
		if (fields[i].off + field_size(&fields[i]) > cut)
			break;
		assert_int_equal(field_read(&r, &fields[i]), 0);
	}
	if (i == nfields) {
		assert_int_equal(ibuf_size(&r), 0);
		return;
	}
	/* The first field to cross the cut fails and moves nothing. */
	errno = 0;
	assert_int_equal(field_read(&r, &fields[i]), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(r.rpos, fields[i].off);
}

static void
test_random_roundtrip(void **state)
{
	struct field	 fields[RT_FIELDS];
	struct ibuf	*b;
	size_t		 round, i, n, total;

	for (round = 0; round < RT_ROUNDS; round++) {
		n = 1 + rng() % RT_FIELDS;
		assert_non_null(b = ibuf_dynamic(rng() % 16, 4096));
		for (i = 0; i < n; i++) {
			field_random(&fields[i]);
			fields[i].off = b->wpos;
			assert_int_equal(field_write(b, &fields[i]), 0);
			assert_true(b->size <= b->max);
		}
		total = ibuf_size(b);
		assert_int_equal(total, fields[n - 1].off +
		    field_size(&fields[n - 1]));

		read_cut(ibuf_data(b), total, fields, n);
		read_cut(ibuf_data(b), rng() % (total + 1), fields, n);
		if (total > 0)
			read_cut(ibuf_data(b), total - 1, fields, n);

		/* The writer itself reads back too, then is empty. */
		for (i = 0; i < n; i++)
			assert_int_equal(field_read(b, &fields[i]), 0);
		assert_int_equal(ibuf_size(b), 0);
		ibuf_free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getters_boundaries),
		cmocka_unit_test(test_get_raw_boundaries),
		cmocka_unit_test(test_skip_boundaries),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_subview),
		cmocka_unit_test(test_subview_is_readonly),
		cmocka_unit_test(test_readonly_rejects_writes),
		cmocka_unit_test(test_open_fixed),
		cmocka_unit_test(test_dynamic_growth_stops_at_max),
		cmocka_unit_test(test_add_range),
		cmocka_unit_test(test_backpatch_length),
		cmocka_unit_test(test_add_buf),
		cmocka_unit_test(test_reserve_and_zero),
		cmocka_unit_test(test_get_strbuf),
		cmocka_unit_test(test_truncate_and_rewind),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_huge_sizes),
		cmocka_unit_test(test_random_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
