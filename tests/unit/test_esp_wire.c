/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/common/esp_wire.h: the ESP trailer helpers of the datapath
 * (RFC 4303 §2.4 default padding) and the tunnel header checksum from a
 * template, each against a byte-by-byte reference:
 * - esp_pad_fill(): every padding length 0..255 with and without room for
 *   the 16-byte copy; the bytes it writes and nothing past the trailer
 *   unless the room allows it;
 * - esp_pad_ok(): every padding length 0..255, correct padding accepted,
 *   a single wrong byte at every position of the padding refused, bytes
 *   before the padding (the payload) never looked at;
 * - ipv4_cksum_tmpl(): equal to rte_ipv4_cksum() of the header written,
 *   for random templates and values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "esp_wire.h"

enum { MAXPAD = 255, FRONT = 16, BUF = FRONT + MAXPAD + 2 + 32 };

static void
test_pad_fill(void **state)
{
	uint8_t b[BUF];
	uint32_t pad, room, i;

	(void)state;
	for (pad = 0; pad <= MAXPAD; pad++) {
		for (room = pad + ESP_TRAILER_LEN; room <= pad + 2 + 16;
		     room++) {
			memset(b, 0xee, sizeof(b));
			esp_pad_fill(b + FRONT, pad, 0x04, room);
			for (i = 0; i < FRONT; i++)
				assert_int_equal(b[i], 0xee);
			for (i = 0; i < pad; i++)
				assert_int_equal(b[FRONT + i], i + 1);
			assert_int_equal(b[FRONT + pad], pad);
			assert_int_equal(b[FRONT + pad + 1], 0x04);
			/* Past the trailer: only within the room given. */
			for (i = FRONT + pad + 2; i < sizeof(b); i++)
				if (i >= FRONT + room)
					assert_int_equal(b[i], 0xee);
		}
	}
}

static void
test_pad_ok(void **state)
{
	uint8_t b[BUF];
	uint32_t pad, i;
	uint8_t *end;

	(void)state;
	for (pad = 0; pad <= MAXPAD; pad++) {
		/* payload bytes before the padding: anything, even a valid
		 * looking sequence, must not matter */
		memset(b, 0xa5, sizeof(b));
		end = b + FRONT + pad;
		for (i = 0; i < pad; i++)
			end[(ptrdiff_t)i - (ptrdiff_t)pad] = (uint8_t)(i + 1);
		assert_true(esp_pad_ok(end, pad));
		for (i = 0; i < FRONT; i++) {
			b[i] ^= 0xff;
			assert_true(esp_pad_ok(end, pad));
			b[i] ^= 0xff;
		}
		for (i = 0; i < pad; i++) {
			uint8_t *x = end - pad + i;
			unsigned int bit;

			for (bit = 0; bit < 8; bit++) {
				*x ^= (uint8_t)(1u << bit);
				assert_false(esp_pad_ok(end, pad));
				*x ^= (uint8_t)(1u << bit);
			}
		}
		/* the trailer itself (pad length, next header) is not
		 * padding */
		end[0] ^= 0xff;
		end[1] ^= 0xff;
		assert_true(esp_pad_ok(end, pad));
	}
}

static void
test_cksum_tmpl(void **state)
{
	unsigned int n;

	(void)state;
	srandom(4303);
	for (n = 0; n < 100000; n++) {
		struct rte_ipv4_hdr t, h;
		uint8_t tos = (uint8_t)random();
		rte_be16_t len = (rte_be16_t)random();
		rte_be16_t id = (rte_be16_t)random();
		rte_be16_t frag = (rte_be16_t)random();
		rte_be16_t c;

		memset(&t, 0, sizeof(t));
		t.version_ihl = RTE_IPV4_VHL_DEF;
		t.time_to_live = (uint8_t)random();
		t.next_proto_id = (uint8_t)random();
		t.src_addr = (rte_be32_t)random() ^ ((rte_be32_t)random() << 16);
		t.dst_addr = (rte_be32_t)random() ^ ((rte_be32_t)random() << 16);
		c = ipv4_cksum_tmpl(&t, ipv4_cksum_base(&t), tos, len, id,
				    frag);
		h = t;
		h.type_of_service = tos;
		h.total_length = len;
		h.packet_id = id;
		h.fragment_offset = frag;
		h.hdr_checksum = 0;
		assert_int_equal(c, rte_ipv4_cksum(&h));
		/* and a receiver's check: the sum over the header is 0 */
		h.hdr_checksum = c;
		assert_int_equal(rte_raw_cksum(&h, sizeof(h)), 0xffff);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pad_fill),
		cmocka_unit_test(test_pad_ok),
		cmocka_unit_test(test_cksum_tmpl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
