#ifndef GATEWAY_CLINUX_H
#define GATEWAY_CLINUX_H

// Linux system interfaces that `import Glibc` does not expose to Swift (epoll, eventfd, timerfd, accept4),
// and small wrappers around macro- or flag-based calls so the Swift side stays free of C enum casts.
// Every wrapper returns what the underlying call returns (-1 and errno on failure) unless documented otherwise.

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// MARK: - one 32-bit word shared by threads: atomics and a futex on it

static inline uint32_t gw_word_load(uint32_t *word) { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }

static inline void gw_word_store(uint32_t *word, uint32_t value) { __atomic_store_n(word, value, __ATOMIC_RELEASE); }

/// 1 when `*word` was `expected` and is now `desired`, else 0 (nothing changed).
static inline int gw_word_compare_exchange(uint32_t *word, uint32_t expected, uint32_t desired) {
    return __atomic_compare_exchange_n(word, &expected, desired, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/// Stores `value` and returns what the word held.
static inline uint32_t gw_word_exchange(uint32_t *word, uint32_t value) {
    return __atomic_exchange_n(word, value, __ATOMIC_ACQ_REL);
}

/// Sleeps while `*word == expected`, until `gw_word_wake` (returns at once when the word already differs; may
/// return spuriously: callers re-check).
static inline void gw_word_wait(uint32_t *word, uint32_t expected) {
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

/// Wakes every thread sleeping in `gw_word_wait` on `word`.
static inline void gw_word_wake(uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

// MARK: - epoll

static const uint32_t gw_epollin = EPOLLIN;
static const uint32_t gw_epollout = EPOLLOUT;
static const uint32_t gw_epollrdhup = EPOLLRDHUP;
static const uint32_t gw_epollhup = EPOLLHUP;
static const uint32_t gw_epollerr = EPOLLERR;

static inline int gw_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/// op: 0 add, 1 modify, 2 delete. `data` is stored in epoll_data.u64 and returned with every event.
static inline int gw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    int cmd = op == 0 ? EPOLL_CTL_ADD : (op == 1 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL);
    return epoll_ctl(epfd, cmd, fd, &ev);
}

/// `struct epoll_event` is packed on x86_64; these accessors keep Swift away from its layout.
static inline size_t gw_epoll_event_size(void) { return sizeof(struct epoll_event); }

static inline int gw_epoll_wait(int epfd, void *events, int max, int timeout_ms) {
    return epoll_wait(epfd, (struct epoll_event *)events, max, timeout_ms);
}

static inline uint32_t gw_epoll_event_events(const void *events, int index) {
    return ((const struct epoll_event *)events)[index].events;
}

static inline uint64_t gw_epoll_event_data(const void *events, int index) {
    return ((const struct epoll_event *)events)[index].data.u64;
}

// MARK: - eventfd and timerfd

static inline int gw_eventfd_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

static inline int gw_eventfd_signal(int fd) { return eventfd_write(fd, 1); }

static inline int gw_eventfd_drain(int fd) {
    eventfd_t value;
    return eventfd_read(fd, &value);
}

static inline int gw_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

/// Arms the timer to fire once at the absolute CLOCK_MONOTONIC time `deadline_ns` (must be > 0; 0 would disarm).
static inline int gw_timerfd_arm(int fd, uint64_t deadline_ns) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ull);
    spec.it_value.tv_nsec = (long)(deadline_ns % 1000000000ull);
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

static inline int gw_timerfd_drain(int fd) {
    uint64_t expirations;
    return (int)read(fd, &expirations, sizeof expirations);
}

static inline uint64_t gw_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// MARK: - sockets

static inline int gw_socket_stream(int family) { return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC (defined in CLinux.c, which needs _GNU_SOURCE).
int gw_accept(int fd);

static inline int gw_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof value);
}

static inline int gw_set_reuseaddr(int fd) { return gw_set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1); }

static inline int gw_set_nodelay(int fd) { return gw_set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1); }

/// Pending socket error (SO_ERROR), or errno when the query itself fails.
static inline int gw_socket_error(int fd) {
    int value = 0;
    socklen_t len = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len) != 0) return errno;
    return value;
}

/// send() that never raises SIGPIPE on a peer-closed socket.
static inline ssize_t gw_send(int fd, const void *buf, size_t len) { return send(fd, buf, len, MSG_NOSIGNAL); }

static inline int gw_shutdown_write(int fd) { return shutdown(fd, SHUT_WR); }

/// Fills `out` from a numeric IPv4/IPv6 literal, never looking a name up. Returns 0, or -1 when `host` is no literal.
static inline int gw_numeric_address(const char *host, int port, struct sockaddr_storage *out, socklen_t *len) {
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof *v4;
        return 0;
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof *v6;
        return 0;
    }
    return -1;
}

/// Fills `out` from a numeric IPv4/IPv6 literal, or resolves a host name with getaddrinfo (first result).
/// Returns 0 on success or a getaddrinfo error code (use gai_strerror).
static inline int gw_resolve(const char *host, int port, struct sockaddr_storage *out, socklen_t *len) {
    if (gw_numeric_address(host, port, out, len) == 0) return 0;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *result = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &result);
    if (rc != 0) return rc;
    if (result == NULL) return EAI_NONAME;
    memcpy(out, result->ai_addr, result->ai_addrlen);
    *len = result->ai_addrlen;
    if (out->ss_family == AF_INET) ((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
    else ((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
    freeaddrinfo(result);
    return 0;
}

static inline int gw_bind(int fd, const struct sockaddr_storage *addr, socklen_t len) {
    return bind(fd, (const struct sockaddr *)addr, len);
}

/// Starts a connect on a non-blocking socket: 0 when already connected, -1 with errno EINPROGRESS while it runs
/// (completion is reported by EPOLLOUT, the outcome by `gw_socket_error`).
static inline int gw_connect(int fd, const struct sockaddr_storage *addr, socklen_t len) {
    return connect(fd, (const struct sockaddr *)addr, len);
}

/// Writes the numeric host (NUL-terminated, at most `host_capacity` bytes) and port of `addr`. Returns -1 for unknown families.
static inline int gw_format_address(const struct sockaddr_storage *addr, char *host, size_t host_capacity, int *port) {
    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)addr;
        if (inet_ntop(AF_INET, &v4->sin_addr, host, (socklen_t)host_capacity) == NULL) return -1;
        *port = ntohs(v4->sin_port);
        return 0;
    }
    if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)addr;
        if (inet_ntop(AF_INET6, &v6->sin6_addr, host, (socklen_t)host_capacity) == NULL) return -1;
        *port = ntohs(v6->sin6_port);
        return 0;
    }
    return -1;
}

/// 0 = local address (getsockname), 1 = peer address (getpeername).
static inline int gw_socket_address(int fd, int peer, struct sockaddr_storage *out) {
    socklen_t len = sizeof *out;
    memset(out, 0, sizeof *out);
    return peer ? getpeername(fd, (struct sockaddr *)out, &len) : getsockname(fd, (struct sockaddr *)out, &len);
}

/// Parses a numeric address; returns 4 or 16 (bytes written to `out`, which must hold 16) or 0 when `host` is not a literal.
static inline int gw_parse_numeric(const char *host, uint8_t *out) {
    if (inet_pton(AF_INET, host, out) == 1) return 4;
    if (inet_pton(AF_INET6, host, out) == 1) return 16;
    return 0;
}

// MARK: - threads

/// Names the calling thread (at most 15 characters; defined in CLinux.c, which needs _GNU_SOURCE).
int gw_set_thread_name(const char *name);

#endif
