/*
 * roundtrip: a librabbitmq (rabbitmq-c) client that checks a broker end to end.
 *
 *   roundtrip HOST PORT [COUNT]      (user guest/guest, vhost "/", COUNT defaults to 10000)
 *
 * 1. Declares an exclusive queue, enables publisher confirms and publishes COUNT messages whose body is the
 *    decimal sequence number, in windows of WINDOW messages, waiting for every confirm (basic.ack, single or
 *    multiple) of a window before the next one. A basic.nack or basic.return fails the run.
 * 2. Consumes them with basic.consume (prefetch PREFETCH) and acks each one, checking that message i carries
 *    sequence number i: no loss, no duplicates, order preserved.
 * 3. Checks nothing more arrives, cancels, closes the channel (so any unprocessed ack would requeue) and
 *    passive-declares the queue on a new channel: it must hold 0 messages.
 *
 * Exit code 0 and a final "OK ..." line only when all of that holds; otherwise exit 1 with the reason on stderr.
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define WINDOW 500
#define PREFETCH 200
#define TIMEOUT_S 15

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "roundtrip: FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void check_reply(amqp_rpc_reply_t r, const char *what) {
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return;
    case AMQP_RESPONSE_NONE:
        die("%s: missing RPC reply", what);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        die("%s: %s", what, amqp_error_string2(r.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_t *m = r.reply.decoded;
            die("%s: server closed the connection: %u %.*s", what, m->reply_code, (int)m->reply_text.len,
                (char *)m->reply_text.bytes);
        }
        if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = r.reply.decoded;
            die("%s: server closed the channel: %u %.*s", what, m->reply_code, (int)m->reply_text.len,
                (char *)m->reply_text.bytes);
        }
        die("%s: unexpected server method 0x%08x", what, r.reply.id);
    }
}

static void check_status(int status, const char *what) {
    if (status != AMQP_STATUS_OK) die("%s: %s", what, amqp_error_string2(status));
}

/* Reads frames until every delivery tag up to `target` is confirmed. */
static void wait_confirms(amqp_connection_state_t conn, uint64_t *confirmed, uint64_t target) {
    while (*confirmed < target) {
        amqp_frame_t frame;
        struct timeval tv = {TIMEOUT_S, 0};
        int status = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
        if (status == AMQP_STATUS_TIMEOUT)
            die("no publisher confirm within %d s (confirmed %llu of %llu)", TIMEOUT_S,
                (unsigned long long)*confirmed, (unsigned long long)target);
        check_status(status, "waiting for confirms");
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
            amqp_basic_ack_t *ack = frame.payload.method.decoded;
            if (ack->delivery_tag <= *confirmed || ack->delivery_tag > target)
                die("confirm for delivery tag %llu out of range (confirmed %llu, published %llu)",
                    (unsigned long long)ack->delivery_tag, (unsigned long long)*confirmed,
                    (unsigned long long)target);
            if (!ack->multiple && ack->delivery_tag != *confirmed + 1)
                die("single confirm for tag %llu while %llu is still unconfirmed",
                    (unsigned long long)ack->delivery_tag, (unsigned long long)(*confirmed + 1));
            *confirmed = ack->delivery_tag;
            break;
        }
        case AMQP_BASIC_NACK_METHOD: {
            amqp_basic_nack_t *nack = frame.payload.method.decoded;
            die("broker nacked delivery tag %llu", (unsigned long long)nack->delivery_tag);
        }
        case AMQP_BASIC_RETURN_METHOD:
            die("broker returned a message as unroutable");
        case AMQP_CHANNEL_CLOSE_METHOD: {
            amqp_channel_close_t *m = frame.payload.method.decoded;
            die("server closed the channel while confirming: %u %.*s", m->reply_code, (int)m->reply_text.len,
                (char *)m->reply_text.bytes);
        }
        case AMQP_CONNECTION_CLOSE_METHOD: {
            amqp_connection_close_t *m = frame.payload.method.decoded;
            die("server closed the connection while confirming: %u %.*s", m->reply_code,
                (int)m->reply_text.len, (char *)m->reply_text.bytes);
        }
        default:
            die("unexpected method 0x%08x while waiting for confirms", frame.payload.method.id);
        }
    }
}

/* A frame other than a delivery arrived while consuming: say which (usually a channel or connection close). */
__attribute__((noreturn)) static void die_on_unexpected_frame(amqp_connection_state_t conn, long received) {
    amqp_frame_t frame;
    struct timeval tv = {0, 0};
    check_status(amqp_simple_wait_frame_noblock(conn, &frame, &tv), "reading an unexpected frame");
    if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *m = frame.payload.method.decoded;
        die("server closed the channel after %ld deliveries: %u %.*s", received, m->reply_code,
            (int)m->reply_text.len, (char *)m->reply_text.bytes);
    }
    if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        amqp_connection_close_t *m = frame.payload.method.decoded;
        die("server closed the connection after %ld deliveries: %u %.*s", received, m->reply_code,
            (int)m->reply_text.len, (char *)m->reply_text.bytes);
    }
    die("unexpected frame type %u (method 0x%08x) after %ld deliveries", frame.frame_type,
        frame.frame_type == AMQP_FRAME_METHOD ? frame.payload.method.id : 0u, received);
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s HOST PORT [COUNT]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    long count = argc == 4 ? atol(argv[3]) : 10000;
    if (port <= 0 || count <= 0) die("bad arguments");

    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *sock = amqp_tcp_socket_new(conn);
    if (!sock) die("cannot create a TCP socket");
    struct timeval connect_timeout = {TIMEOUT_S, 0};
    check_status(amqp_socket_open_noblock(sock, host, port, &connect_timeout), "connecting");
    check_reply(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"), "login");
    amqp_channel_open(conn, 1);
    check_reply(amqp_get_rpc_reply(conn), "channel.open");

    char qname[64];
    snprintf(qname, sizeof qname, "interop.c.roundtrip.%ld", (long)getpid());
    amqp_bytes_t queue = amqp_cstring_bytes(qname);
    amqp_queue_declare(conn, 1, queue, 0, 0, 1, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "queue.declare");

    amqp_confirm_select(conn, 1);
    check_reply(amqp_get_rpc_reply(conn), "confirm.select");

    amqp_basic_properties_t props;
    memset(&props, 0, sizeof props);
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = 2;
    props.content_type = amqp_cstring_bytes("text/plain");

    uint64_t confirmed = 0;
    char body[32];
    for (long i = 0; i < count; i++) {
        int n = snprintf(body, sizeof body, "%ld", i);
        amqp_bytes_t b = {(size_t)n, body};
        check_status(amqp_basic_publish(conn, 1, amqp_empty_bytes, queue, 0, 0, &props, b), "basic.publish");
        if ((i + 1) % WINDOW == 0 || i + 1 == count) wait_confirms(conn, &confirmed, (uint64_t)(i + 1));
    }
    printf("published %ld, confirmed %llu\n", count, (unsigned long long)confirmed);

    amqp_basic_qos(conn, 1, 0, PREFETCH, 0);
    check_reply(amqp_get_rpc_reply(conn), "basic.qos");
    amqp_basic_consume_ok_t *consume_ok = amqp_basic_consume(conn, 1, queue, amqp_empty_bytes, 0, 0, 0,
                                                             amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "basic.consume");
    amqp_bytes_t tag = amqp_bytes_malloc_dup(consume_ok->consumer_tag);

    long received = 0;
    while (received < count) {
        amqp_envelope_t env;
        struct timeval tv = {TIMEOUT_S, 0};
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t r = amqp_consume_message(conn, &env, &tv, 0);
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
            die("no delivery within %d s after %ld of %ld messages", TIMEOUT_S, received, count);
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE)
            die_on_unexpected_frame(conn, received);
        check_reply(r, "consuming");
        char expected[32];
        int n = snprintf(expected, sizeof expected, "%ld", received);
        if (env.message.body.len != (size_t)n || memcmp(env.message.body.bytes, expected, (size_t)n) != 0)
            die("delivery %ld carries \"%.*s\", expected \"%s\" (loss, duplicate or reordering)", received,
                (int)env.message.body.len, (char *)env.message.body.bytes, expected);
        if (env.redelivered) die("delivery %ld is flagged redelivered", received);
        check_status(amqp_basic_ack(conn, 1, env.delivery_tag, 0), "basic.ack");
        amqp_destroy_envelope(&env);
        received++;
    }

    /* Anything more would be a duplicate: give it a short window to show up. */
    {
        amqp_envelope_t env;
        struct timeval tv = {0, 300000};
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t r = amqp_consume_message(conn, &env, &tv, 0);
        if (!(r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)) {
            if (r.reply_type == AMQP_RESPONSE_NORMAL)
                die("extra delivery after all %ld: \"%.*s\"", count, (int)env.message.body.len,
                    (char *)env.message.body.bytes);
            check_reply(r, "waiting for extra deliveries");
        }
    }

    amqp_basic_cancel(conn, 1, tag);
    check_reply(amqp_get_rpc_reply(conn), "basic.cancel");
    amqp_bytes_free(tag);
    check_reply(amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS), "channel.close");
    amqp_channel_open(conn, 2);
    check_reply(amqp_get_rpc_reply(conn), "channel.open (2)");
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(conn, 2, queue, 1, 0, 1, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "passive queue.declare");
    if (ok->message_count != 0)
        die("%u messages left in the queue after acking all %ld (acks lost?)", ok->message_count, count);

    check_reply(amqp_channel_close(conn, 2, AMQP_REPLY_SUCCESS), "channel.close (2)");
    check_reply(amqp_connection_close(conn, AMQP_REPLY_SUCCESS), "connection.close");
    check_status(amqp_destroy_connection(conn), "destroying the connection");
    printf("OK published=%ld confirmed=%llu consumed=%ld in-order no-duplicates queue-empty\n", count,
           (unsigned long long)confirmed, received);
    return 0;
}
