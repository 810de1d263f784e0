/*
 * relay: a loopback UDP and TCP relay that holds every reply for a fixed
 * delay, so that a KDC on 127.0.0.1 answers as one a network hop away
 * would.  Kernel netem is not available everywhere the benchmark runs, so
 * the delay is made here.  For the benchmark only; it is not installed.
 *
 *   krb5exp_bench_relay DELAY_MS LISTEN_PORT=BACKEND_PORT ...
 *
 * Each pair listens on 127.0.0.1:LISTEN_PORT, UDP and TCP, and forwards to
 * 127.0.0.1:BACKEND_PORT.  Requests go through at once; every reply (each
 * UDP datagram, each chunk a TCP backend sends, and its end of stream) is
 * held DELAY_MS before it is passed on.  The relay prints "ready" on stdout
 * once it listens, runs until SIGTERM or SIGINT, and then prints its
 * counters on stdout: how many requests it relayed and how late, beyond
 * the delay, it passed replies on.
 *
 * It also counts the requests in flight: a UDP request from when it comes
 * in until its reply is passed on (or given up), a TCP connection while it
 * is open.  On SIGUSR1 it prints "in_flight_max=U tcp_open_max=T" for the
 * time since the last SIGUSR1 (or the start) and starts counting afresh,
 * so that a benchmark can read the most a client had out at once.
 *
 * One thread, epoll, and a timerfd for the held replies.  The delay is the
 * same for every reply, so replies fall due in the order they arrived and
 * a FIFO is enough.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define MAX_PAIRS 256
#define MAX_DATAGRAM 65536
/* A UDP request whose reply has not come by then is given up. */
#define UDP_GIVE_UP_NS (30LL * 1000000000LL)

enum slot_kind {
    SLOT_FREE,
    SLOT_UDP_LISTEN,
    SLOT_UDP_UPSTREAM,
    SLOT_TCP_LISTEN,
    SLOT_TCP_CLIENT,
    SLOT_TCP_BACKEND,
    SLOT_TIMER,
    SLOT_SIGNAL
};

/* What one file descriptor is, indexed by the descriptor. */
struct slot {
    enum slot_kind kind;
    int counted;                /* UDP upstream: in the in-flight count */
    unsigned gen;               /* bumped when the descriptor is reused */
    int pair;                   /* index into pairs, for listeners */
    int peer;                   /* TCP: the other side; UDP upstream: listener */
    struct sockaddr_in client;  /* UDP upstream: where the reply goes */
    int64_t opened_ns;
};

/* A reply waiting for its time; owned by the queue. */
struct held {
    struct held *next;
    int counted;                /* a UDP reply whose request is counted */
    int64_t due_ns;
    int fd;                     /* where it goes */
    unsigned gen;               /* fd's generation when it was queued */
    int is_udp;
    int is_eof;                 /* TCP: the backend closed; close after */
    struct sockaddr_in to;      /* UDP only */
    size_t len;
    unsigned char data[];
};

struct pair {
    int listen_port;
    int backend_port;
};

static struct slot *slots;
static int n_slots;
static int epfd = -1;
static int timerfd = -1;
static int64_t delay_ns;
static struct held *queue_head, *queue_tail;
static struct pair pairs[MAX_PAIRS];
static int n_pairs;

/* Counters printed at exit. */
static unsigned long long udp_requests, udp_replies, tcp_connections,
    tcp_chunks, late_total_ns, late_max_ns, replies_passed;
/* Requests in flight now, and the most since the last SIGUSR1. */
static unsigned long udp_in_flight, udp_in_flight_max, tcp_open,
    tcp_open_max;

static void udp_flight_end(void)
{
    if (udp_in_flight > 0)
        udp_in_flight--;
}

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void watch(int fd, enum slot_kind kind, int pair, int peer)
{
    struct epoll_event ev;

    if (fd >= n_slots) {
        fprintf(stderr, "relay: descriptor %d beyond the table\n", fd);
        exit(1);
    }
    slots[fd].kind = kind;
    slots[fd].gen++;
    slots[fd].pair = pair;
    slots[fd].peer = peer;
    slots[fd].opened_ns = now_ns();
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        die("epoll_ctl");
}

static void forget(int fd)
{
    if (fd < 0 || slots[fd].kind == SLOT_FREE)
        return;
    if (slots[fd].kind == SLOT_TCP_CLIENT && tcp_open > 0)
        tcp_open--;
    if (slots[fd].kind == SLOT_UDP_UPSTREAM && slots[fd].counted)
        udp_flight_end();       /* given up: no reply will come */
    slots[fd].counted = 0;
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    slots[fd].kind = SLOT_FREE;
    slots[fd].gen++;
    close(fd);
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
}

static void arm_timer(void)
{
    struct itimerspec its;

    memset(&its, 0, sizeof(its));
    if (queue_head != NULL) {
        int64_t wait = queue_head->due_ns - now_ns();

        /* Zero would disarm the timer; one nanosecond fires at once. */
        if (wait < 1)
            wait = 1;
        its.it_value.tv_sec = wait / 1000000000LL;
        its.it_value.tv_nsec = wait % 1000000000LL;
    }
    if (timerfd_settime(timerfd, 0, &its, NULL) != 0)
        die("timerfd_settime");
}

static void hold(int fd, int is_udp, int is_eof, const struct sockaddr_in *to,
                 const unsigned char *data, size_t len, int counted)
{
    struct held *h = malloc(sizeof(*h) + len);

    if (h == NULL)
        die("malloc");
    memset(h, 0, sizeof(*h));
    h->due_ns = now_ns() + delay_ns;
    h->fd = fd;
    h->gen = slots[fd].gen;
    h->is_udp = is_udp;
    h->is_eof = is_eof;
    h->counted = counted;
    if (to != NULL)
        h->to = *to;
    h->len = len;
    if (len > 0)
        memcpy(h->data, data, len);
    if (queue_tail != NULL)
        queue_tail->next = h;
    else
        queue_head = h;
    queue_tail = h;
    if (queue_head == h)
        arm_timer();
}

static void write_all(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

/* Pass on every held reply that is due. */
static void release_due(void)
{
    int64_t now = now_ns();
    uint64_t expirations;

    if (read(timerfd, &expirations, sizeof(expirations)) < 0 &&
        errno != EAGAIN)
        die("read timerfd");
    while (queue_head != NULL && queue_head->due_ns <= now) {
        struct held *h = queue_head;
        int live = slots[h->fd].gen == h->gen &&
                   slots[h->fd].kind != SLOT_FREE;
        unsigned long long late = (unsigned long long)(now - h->due_ns);

        queue_head = h->next;
        if (queue_head == NULL)
            queue_tail = NULL;
        /* Out of the count before the reply leaves: the next request the
         * client sends on it finds it gone. */
        if (h->counted)
            udp_flight_end();
        if (live && h->is_udp) {
            sendto(h->fd, h->data, h->len, 0, (const struct sockaddr *)&h->to,
                   sizeof(h->to));
        } else if (live && h->is_eof) {
            forget(slots[h->fd].peer);
            forget(h->fd);
        } else if (live) {
            write_all(h->fd, h->data, h->len);
        }
        if (live && !h->is_eof) {
            replies_passed++;
            late_total_ns += late;
            if (late > late_max_ns)
                late_max_ns = late;
        }
        free(h);
    }
    arm_timer();
}

static void udp_request(int lfd)
{
    static unsigned char buf[MAX_DATAGRAM];
    struct sockaddr_in from, to;
    socklen_t fromlen = sizeof(from);
    ssize_t n = recvfrom(lfd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
                         &fromlen);
    int up;

    if (n < 0)
        return;
    /* One upstream socket per request, so the reply finds its client
     * without a session table. */
    up = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (up < 0) {
        perror("relay: udp socket");
        return;
    }
    to = loopback(pairs[slots[lfd].pair].backend_port);
    if (connect(up, (struct sockaddr *)&to, sizeof(to)) != 0 ||
        send(up, buf, (size_t)n, 0) != n) {
        close(up);
        return;
    }
    watch(up, SLOT_UDP_UPSTREAM, slots[lfd].pair, lfd);
    slots[up].client = from;
    slots[up].counted = 1;
    udp_requests++;
    if (++udp_in_flight > udp_in_flight_max)
        udp_in_flight_max = udp_in_flight;
}

static void udp_reply(int up)
{
    static unsigned char buf[MAX_DATAGRAM];
    ssize_t n = recv(up, buf, sizeof(buf), 0);

    if (n >= 0) {
        hold(slots[up].peer, 1, 0, &slots[up].client, buf, (size_t)n,
             slots[up].counted);
        slots[up].counted = 0;  /* the held reply carries the count */
        udp_replies++;
    }
    forget(up);
}

static void tcp_accept(int lfd)
{
    struct sockaddr_in to = loopback(pairs[slots[lfd].pair].backend_port);
    int client = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    int backend;

    if (client < 0)
        return;
    backend = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (backend < 0 ||
        connect(backend, (struct sockaddr *)&to, sizeof(to)) != 0) {
        if (backend >= 0)
            close(backend);
        close(client);
        return;
    }
    watch(client, SLOT_TCP_CLIENT, slots[lfd].pair, backend);
    watch(backend, SLOT_TCP_BACKEND, slots[lfd].pair, client);
    tcp_connections++;
    if (++tcp_open > tcp_open_max)
        tcp_open_max = tcp_open;
}

static void tcp_data(int fd)
{
    static unsigned char buf[MAX_DATAGRAM];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    int peer = slots[fd].peer;

    if (slots[fd].kind == SLOT_TCP_CLIENT) {
        /* Requests go through at once; a client that leaves takes its
         * backend connection with it. */
        if (n > 0) {
            write_all(peer, buf, (size_t)n);
        } else {
            forget(peer);
            forget(fd);
        }
        return;
    }
    /* From the backend: held, and its end of stream too. */
    if (n > 0) {
        hold(peer, 0, 0, NULL, buf, (size_t)n, 0);
        tcp_chunks++;
    } else {
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        hold(peer, 0, 1, NULL, NULL, 0, 0);
    }
}

/* Give up UDP requests that never got a reply, so descriptors do not pile up. */
static void sweep(void)
{
    int64_t now = now_ns();

    for (int fd = 0; fd < n_slots; fd++)
        if (slots[fd].kind == SLOT_UDP_UPSTREAM &&
            now - slots[fd].opened_ns > UDP_GIVE_UP_NS)
            forget(fd);
}

/* A signal from the signalfd: SIGUSR1 prints and resets the in-flight
 * maxima and returns 1 (go on); any other returns 0 (stop). */
static int on_signal(int sfd)
{
    struct signalfd_siginfo si;

    if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return 1;
    if (si.ssi_signo != SIGUSR1)
        return 0;
    printf("in_flight_max=%lu tcp_open_max=%lu\n", udp_in_flight_max,
           tcp_open_max);
    fflush(stdout);
    udp_in_flight_max = udp_in_flight;
    tcp_open_max = tcp_open;
    return 1;
}

static void listen_pair(int i)
{
    struct sockaddr_in sa = loopback(pairs[i].listen_port);
    int one = 1;
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (u < 0 || t < 0)
        die("socket");
    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(u, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        bind(t, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(t, 512) != 0) {
        fprintf(stderr, "relay: cannot listen on 127.0.0.1:%d: %s\n",
                pairs[i].listen_port, strerror(errno));
        exit(1);
    }
    watch(u, SLOT_UDP_LISTEN, i, -1);
    watch(t, SLOT_TCP_LISTEN, i, -1);
}

static int parse_args(int argc, char **argv)
{
    char *end;
    double ms;

    if (argc < 3)
        return -1;
    ms = strtod(argv[1], &end);
    if (*end != '\0' || ms < 0 || ms > 10000)
        return -1;
    delay_ns = (int64_t)(ms * 1e6);
    for (int i = 2; i < argc; i++) {
        if (n_pairs == MAX_PAIRS ||
            sscanf(argv[i], "%d=%d", &pairs[n_pairs].listen_port,
                   &pairs[n_pairs].backend_port) != 2)
            return -1;
        n_pairs++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct epoll_event events[256];
    struct rlimit rl;
    sigset_t mask;
    int sfd;
    int64_t last_sweep;
    int running = 1;

    if (parse_args(argc, argv) != 0) {
        fprintf(stderr, "usage: %s DELAY_MS LISTEN_PORT=BACKEND_PORT ...\n",
                argv[0]);
        return 2;
    }
    /* Every request in flight holds a descriptor: take as many as allowed. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    n_slots = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1048576
                  ? (int)rl.rlim_cur
                  : 1048576;
    slots = calloc((size_t)n_slots, sizeof(*slots));
    if (slots == NULL)
        die("calloc");
    epfd = epoll_create1(EPOLL_CLOEXEC);
    timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (epfd < 0 || timerfd < 0 || sfd < 0)
        die("setup");
    watch(timerfd, SLOT_TIMER, -1, -1);
    watch(sfd, SLOT_SIGNAL, -1, -1);
    for (int i = 0; i < n_pairs; i++)
        listen_pair(i);
    printf("ready\n");
    fflush(stdout);

    last_sweep = now_ns();
    while (running) {
        int n = epoll_wait(epfd, events, 256, 1000);

        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;

            switch (slots[fd].kind) {
            case SLOT_UDP_LISTEN: udp_request(fd); break;
            case SLOT_UDP_UPSTREAM: udp_reply(fd); break;
            case SLOT_TCP_LISTEN: tcp_accept(fd); break;
            case SLOT_TCP_CLIENT:
            case SLOT_TCP_BACKEND: tcp_data(fd); break;
            case SLOT_TIMER: release_due(); break;
            case SLOT_SIGNAL: running = on_signal(fd); break;
            case SLOT_FREE: break;
            }
        }
        if (now_ns() - last_sweep > 1000000000LL) {
            sweep();
            last_sweep = now_ns();
        }
    }
    printf("udp_requests=%llu udp_replies=%llu tcp_connections=%llu "
           "tcp_chunks=%llu replies_passed=%llu late_mean_us=%.1f "
           "late_max_us=%.1f\n",
           udp_requests, udp_replies, tcp_connections, tcp_chunks,
           replies_passed,
           replies_passed ? late_total_ns / 1e3 / (double)replies_passed : 0.0,
           late_max_ns / 1e3);
    return 0;
}
