/*
 * fuzz_cares: what the exporter makes of a hostile DNS answer, through
 * c-ares's parsers and our own handling in dns.c (SRV, URI, A/AAAA with
 * CNAME chains, PTR) and then dnsparse, as discovery and canonicalisation
 * use them.  No packet leaves the process: the c-ares channel's sockets are
 * replaced (ares_set_socket_functions) by socket pairs, and every query the
 * channel sends is answered at once with an answer made from the input:
 *
 *   byte 0       what is asked: 0 A/AAAA, 1 SRV, 2 URI, 3 PTR
 *   bytes 1-2    the answer's header flags (QR is set and TC cleared, so
 *                that c-ares neither drops it nor turns to TCP)
 *   bytes 3-8    ANCOUNT, NSCOUNT, ARCOUNT
 *   the rest     the records, after a copy of the query's own ID and
 *                question, so that c-ares takes the answer as the one
 *                awaited; names may point into the question (offset 12)
 */
#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conf/conf.h"
#include "fuzzutil.h"
#include "base/clocks.h"
#include "probes/dns.h"
#include "probes/dnsparse.h"

#define SERVER_PORT 5353
#define MAX_FDS 64

static const uint8_t *answer;  /* the input past byte 0, while it runs */
static size_t answer_len;
static int peer_of[MAX_FDS];   /* our end of each socket pair, by c-ares's */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
        fuzz_fail("ares_library_init failed");
    return 0;
}

static ares_socket_t
fake_socket(int domain, int type, int protocol, void *ud)
{
    int sv[2];

    (void)domain;
    (void)protocol;
    (void)ud;
    /* Answers are made to fit UDP; TCP is never asked for (TC is clear). */
    if ((type & 0xf) != SOCK_DGRAM ||
        socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0) {
        errno = EAFNOSUPPORT;
        return ARES_SOCKET_BAD;
    }
    if (sv[0] >= MAX_FDS) {
        close(sv[0]);
        close(sv[1]);
        errno = EMFILE;
        return ARES_SOCKET_BAD;
    }
    peer_of[sv[0]] = sv[1];
    return sv[0];
}

static int
fake_close(ares_socket_t fd, void *ud)
{
    (void)ud;
    if (fd >= 0 && fd < MAX_FDS && peer_of[fd] > 0) {
        close(peer_of[fd]);
        peer_of[fd] = 0;
    }
    return close(fd);
}

static int
fake_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
             void *ud)
{
    (void)fd;
    (void)sa;
    (void)len;
    (void)ud;
    return 0;
}

static ares_ssize_t
fake_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
              struct sockaddr *from, ares_socklen_t *from_len, void *ud)
{
    struct sockaddr_in server;
    ssize_t n;

    (void)ud;
    n = recv(fd, buf, len, flags);
    if (n >= 0 && from != NULL && from_len != NULL) {
        /* c-ares only takes answers from the server it asked. */
        memset(&server, 0, sizeof(server));
        server.sin_family = AF_INET;
        server.sin_port = htons(SERVER_PORT);
        server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (*from_len >= (ares_socklen_t)sizeof(server)) {
            memcpy(from, &server, sizeof(server));
            *from_len = sizeof(server);
        }
    }
    return n;
}

/* Take the query and queue the answer made from the input. */
static ares_ssize_t
fake_sendv(ares_socket_t fd, const struct iovec *iov, int n_iov, void *ud)
{
    unsigned char query[512], reply[512 + 4096];
    size_t len = 0, out = 0;

    (void)ud;
    for (int i = 0; i < n_iov; i++) {
        if (iov[i].iov_len > sizeof(query) - len)
            return -1;
        memcpy(query + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    if (len < 12 || fd < 0 || fd >= MAX_FDS || peer_of[fd] <= 0)
        return (ares_ssize_t)len;
    memcpy(reply, query, 2);                    /* ID */
    reply[2] = (unsigned char)((answer_len > 0 ? answer[0] : 0x81) | 0x80);
    reply[2] &= (unsigned char)~0x02;           /* QR on, TC off */
    reply[3] = answer_len > 1 ? answer[1] : 0x80;
    reply[4] = 0;
    reply[5] = 1;                               /* QDCOUNT */
    for (size_t i = 0; i < 6; i++)
        reply[6 + i] = 2 + i < answer_len ? answer[2 + i] : 0;
    out = 12;
    memcpy(reply + out, query + 12, len - 12);  /* the question */
    out += len - 12;
    if (answer_len > 8) {
        size_t rest = answer_len - 8;
        if (rest > sizeof(reply) - out)
            rest = sizeof(reply) - out;
        memcpy(reply + out, answer + 8, rest);
        out += rest;
    }
    if (send(peer_of[fd], reply, out, MSG_DONTWAIT) < 0)
        return -1;
    return (ares_ssize_t)len;
}

static const struct ares_socket_functions fake_functions = {
    fake_socket, fake_close, fake_connect, fake_recvfrom, fake_sendv
};

static void
check_host(const char *what, const char *host, size_t cap)
{
    if (strnlen(host, cap) >= cap)
        fuzz_fail("%s: name not ended", what);
    for (const char *p = host; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            fuzz_fail("%s: \"%s\" not lowercased", what, host);
}

static void
ask_addrs(struct dns_client *dc)
{
    struct resolved_addr *addrs = NULL;
    struct probe_error err;
    char canon[256];
    size_t n = 0;

    if (dns_addrs(dc, "kdc1.example.com", 88, &addrs, &n, canon,
                  sizeof(canon), &err) != 0)
        return;
    if (n == 0 || addrs == NULL)
        fuzz_fail("dns_addrs: success without addresses");
    for (size_t i = 0; i < n; i++) {
        const struct sockaddr_in *v4 = (const void *)&addrs[i].addr;
        const struct sockaddr_in6 *v6 = (const void *)&addrs[i].addr;
        if (addrs[i].addr.ss_family == AF_INET
                ? addrs[i].len != sizeof(*v4) || ntohs(v4->sin_port) != 88
                : addrs[i].addr.ss_family != AF_INET6 ||
                  addrs[i].len != sizeof(*v6) || ntohs(v6->sin6_port) != 88)
            fuzz_fail("dns_addrs: address %zu malformed", i);
    }
    check_host("dns_addrs canonical name", canon, sizeof(canon));
    free(addrs);
}

static void
ask_srv(struct dns_client *dc)
{
    struct srv_record *srv = NULL;
    struct probe_error err;
    size_t n = 0, kept;

    if (dns_srv(dc, "_kerberos._udp.example.com", &srv, &n, &err) != 0)
        return;
    kept = dnsparse_sort_srv(srv, n);
    for (size_t i = 0; i < kept; i++) {
        check_host("dns_srv target", srv[i].target, sizeof(srv[i].target));
        if (i > 0 && srv[i - 1].priority > srv[i].priority)
            fuzz_fail("dns_srv: not in priority order");
    }
    free(srv);
}

static void
ask_uri(struct dns_client *dc)
{
    struct probe_error err;
    char **uris = NULL;
    size_t n = 0;

    if (dns_uri(dc, "_kerberos.example.com", &uris, &n, &err) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        struct kdc_spec spec;
        char target[300];
        if (uris[i] == NULL)
            fuzz_fail("dns_uri: record %zu missing", i);
        if (dnsparse_uri(uris[i], &spec) == 0) {
            check_host("dns_uri host", spec.host, sizeof(spec.host));
            dnsparse_kdc_target(&spec, target);
        }
        free(uris[i]);
    }
    free(uris);
}

static void
ask_ptr(struct dns_client *dc)
{
    struct resolved_addr addr;
    struct sockaddr_in *sin = (struct sockaddr_in *)&addr.addr;
    struct probe_error err;
    char name[256];

    memset(&addr, 0, sizeof(addr));
    sin->sin_family = AF_INET;
    sin->sin_port = htons(88);
    inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
    addr.len = sizeof(*sin);
    if (dns_ptr(dc, &addr, name, sizeof(name), &err) == 0)
        check_host("dns_ptr", name, sizeof(name));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char server[] = "127.0.0.1:5353";
    char *servers[] = { server };
    /* Short tries: an answer c-ares ignores costs milliseconds. */
    struct conf_dns dns = { servers, 1, 0.005 };
    struct dns_client *dc = NULL;
    struct probe_error err;

    if (size < 1)
        return 0;
    answer = data + 1;
    answer_len = size - 1;
    if (dns_client_open(&dns, clocks_now() + 2.0, &dc, &err) != 0)
        fuzz_fail("dns_client_open: %ld", err.code);
    if (dns_client_channel(dc, &err) != 0)
        fuzz_fail("dns_client_channel: %ld", err.code);
    ares_set_socket_functions(dc->channel, &fake_functions, NULL);
    switch (data[0] % 4) {
    case 0:
        ask_addrs(dc);
        break;
    case 1:
        ask_srv(dc);
        break;
    case 2:
        ask_uri(dc);
        break;
    default:
        ask_ptr(dc);
        break;
    }
    dns_client_free(dc);
    answer = NULL;
    answer_len = 0;
    return 0;
}
