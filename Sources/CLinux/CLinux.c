// GNU extensions used by the shim; the header only declares them so that importers need no feature macros.
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/socket.h>
#include "CLinux.h"

int gw_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

int gw_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }
