/*
 * fabric-probe's UDP back end: IPv4 UDP sockets, TTL-limited sends and
 * the ICMP errors the kernel queues on a socket with IP_RECVERR (how
 * discovery reads time-exceeded replies without a raw socket).
 */
#ifndef FABRIC_PROBE_NET_H
#define FABRIC_PROBE_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NET_F_RECVERR	0x01	/* queue ICMP errors (IP_RECVERR) */
#define NET_F_NOCSUM	0x02	/* UDP checksum 0, as RoCEv2 sends */

struct net_icmp {
	struct sockaddr_in	 offender;	/* who sent the ICMP error */
	uint8_t			 origin;	/* SO_EE_ORIGIN_* */
	uint8_t			 type, code;
	size_t			 len;		/* quoted payload octets */
};

/* probe_net.c */
int	 net_socket(const struct sockaddr_in *, int);
int	 net_send(int, const void *, size_t, const struct sockaddr_in *, int);
ssize_t	 net_recv(int, void *, size_t, struct sockaddr_in *);
int	 net_recv_err(int, void *, size_t, struct net_icmp *);
int	 net_parse_addr(const char *, struct sockaddr_in *, uint16_t);
int	 net_parse_prefix(const char *, uint32_t *, uint32_t *);
const char *net_ntoa(uint32_t, char *, size_t);

#endif /* FABRIC_PROBE_NET_H */
