/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What dpsec-esp-tool and sim-esp-tool share: the SA options both take,
 * EAL start and cleanup under a file prefix of their own, and pcap files
 * of Ethernet frames (read frame by frame; written from mbufs, as they
 * are or as IP packets behind a given Ethernet header).
 *
 * Everything here reports its own errors on stderr; the tools only turn
 * a -1 into their exit status.
 */
#ifndef ESP_TOOL_COMMON_H
#define ESP_TOOL_COMMON_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include <pcap/pcap.h>

struct rte_mbuf;
struct rte_mempool;

enum {
	ESP_TOOL_MAX_PKTS = 1024,	/**< frames in a pcap */
	ESP_TOOL_MAX_KEY = 64,		/**< bytes of --ckey, --akey */
	ESP_TOOL_DATA_ROOM = 4096,	/**< mbuf data room */
	ESP_TOOL_PKT_MAX = ESP_TOOL_DATA_ROOM + 256, /**< mbuf bytes written */
	ESP_TOOL_ETH_LEN = 14,
};

/** --cipher (AEAD keys end with the 4-byte salt). */
enum esp_tool_cipher {
	ESP_TOOL_CIPHER_NULL,
	ESP_TOOL_CIPHER_AES_CBC_128,
	ESP_TOOL_CIPHER_AES_CBC_256,
	ESP_TOOL_CIPHER_AES_GCM_128,
	ESP_TOOL_CIPHER_AES_GCM_256,
	ESP_TOOL_CIPHER_CHACHA20_POLY1305,
	ESP_TOOL_CIPHER_MAX,
};

/** --auth */
enum esp_tool_auth {
	ESP_TOOL_AUTH_NONE,
	ESP_TOOL_AUTH_SHA1_96,
	ESP_TOOL_AUTH_SHA256_128,
	ESP_TOOL_AUTH_MAX,
};

/** The options both tools take. */
struct esp_tool_opts {
	bool egress;			/**< --dir out: encrypt */
	bool tunnel;			/**< --mode tunnel */
	enum esp_tool_cipher cipher;
	enum esp_tool_auth auth;
	uint8_t ckey[ESP_TOOL_MAX_KEY], akey[ESP_TOOL_MAX_KEY];
	int ckey_len, akey_len;
	uint32_t spi;			/**< never 0 */
	int src_fam, dst_fam;		/**< 4 or 6 */
	uint8_t src[16], dst[16];	/**< network order, zero-padded */
	bool esn;
	bool natt;
	uint16_t natt_sport, natt_dport; /**< as the packets carry them */
	uint32_t window;		/**< --window, default 64 */
	const char *log_level;		/**< EAL --log-level */
	const char *mem;		/**< EAL -m, MB */
	const char *in, *out;		/**< -i, -o */
};

/** How a tool's command line differs from the shared one. */
struct esp_tool_opt_spec {
	const char *usage;		/**< printf format, %s: the program */
	bool dir_egress_ingress;	/**< --dir also takes egress|ingress */
	uint32_t window_max;
	const struct option *own;	/**< the tool's own options, or NULL */
	/** An option of own with its argument: 0, or -1 for a bad value. */
	int (*own_opt)(int val, const char *arg, void *ctx);
	void *ctx;
};

/**
 * Parse argv into o (defaults first) and the tool's own options.
 * --help prints the usage and exits 0.
 *
 * @return 0, or -1 on a bad or missing option (reported).
 */
int esp_tool_parse_opts(int argc, char **argv,
			const struct esp_tool_opt_spec *spec,
			struct esp_tool_opts *o);

/** strtoull() of a whole string, no sign, at most max: 0 or -1. */
int esp_tool_parse_u64(const char *s, uint64_t max, uint64_t *v);

/** The EAL of one tool run, for esp_tool_eal_cleanup(). */
struct esp_tool_eal {
	char prefix[64];
	char rundir[PATH_MAX];
};

/**
 * rte_eal_init() without hugepages, PCI or telemetry, o->mem MB,
 * o->log_level, the file prefix NAME-PID and, if vdev is not NULL, that
 * --vdev (the string must outlive the EAL).
 *
 * @return 0, or -1 (reported).
 */
int esp_tool_eal_init(struct esp_tool_eal *e, const char *prog,
		      const char *name, const struct esp_tool_opts *o,
		      char *vdev);

/** rte_eal_cleanup(), then remove the EAL's runtime directory. */
void esp_tool_eal_cleanup(struct esp_tool_eal *e);

/**
 * A pool of n mbufs of ESP_TOOL_DATA_ROOM bytes on this lcore's socket.
 *
 * @return the pool, or NULL (reported).
 */
struct rte_mempool *esp_tool_mbuf_pool(const char *name, unsigned int n);

/** Frame n of a pcap being read: 0 to go on, -1 to stop (reported). */
typedef int (*esp_tool_frame_fn)(void *ctx, unsigned int n,
				 const struct pcap_pkthdr *h,
				 const u_char *data);

/**
 * Pass each frame of the Ethernet pcap path to fn (NULL: only count).
 *
 * @return the number of frames, at most ESP_TOOL_MAX_PKTS, or -1
 *   (reported).
 */
int esp_tool_pcap_read(const char *path, esp_tool_frame_fn fn, void *ctx);

/** A pcap of Ethernet frames being written. */
struct esp_tool_pcap_out {
	const char *path;
	pcap_t *dead;
	pcap_dumper_t *dump;
	uint8_t buf[ESP_TOOL_ETH_LEN + ESP_TOOL_PKT_MAX];
};

/** Create path: 0, or -1 (reported). */
int esp_tool_pcap_create(struct esp_tool_pcap_out *w, const char *path);

/**
 * Append m, packet i, with timestamp ts: behind eth's addresses with the
 * ethertype of its IP version if eth is not NULL (m is an IP packet),
 * as it is otherwise (m is a frame).
 *
 * @return 0, or -1 (reported as "packet I: ...").
 */
int esp_tool_pcap_write(struct esp_tool_pcap_out *w, unsigned int i,
			const struct timeval *ts, const uint8_t *eth,
			const struct rte_mbuf *m);

/** Flush to the file: 0, or -1 (reported). */
int esp_tool_pcap_flush(struct esp_tool_pcap_out *w);

/** Close w: zeroed, or in any state esp_tool_pcap_create() left it. */
void esp_tool_pcap_close(struct esp_tool_pcap_out *w);

#endif /* ESP_TOOL_COMMON_H */
