#ifndef GATEWAY_COPENSSL_SHIM_H
#define GATEWAY_COPENSSL_SHIM_H
#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/md5.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/hmac.h>

// Function-like macros and bit-flag options of libssl that Swift cannot import, wrapped as functions.

/// SSL_CTX_set_min_proto_version (a macro over SSL_CTX_ctrl); returns 1 on success.
static inline long gw_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}

/// SSL_CTX_set_max_proto_version (a macro over SSL_CTX_ctrl); returns 1 on success.
static inline long gw_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}

/// SSL_CTX_set_mode (a macro over SSL_CTX_ctrl); returns the new mode bits.
static inline long gw_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

/// The server-side options Gateway always sets: no TLS compression (CRIME), no renegotiation (a client-driven
/// CPU sink and not needed by AMQP/MQTT), the server's cipher order.
static inline uint64_t gw_ssl_server_options(void) {
    return SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE;
}

/// SSL_MODE_RELEASE_BUFFERS: an idle connection gives its 16 KiB+ record buffers back.
/// SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: a retried SSL_write may pass a buffer that moved.
static inline long gw_ssl_server_mode(void) {
    return SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
}

/// SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT: a client must present a certificate the CA file verifies.
static inline int gw_ssl_verify_required(void) {
    return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
}

/// EVP_PKEY_PUBLIC_KEY (a macro of OSSL_KEYMGMT_SELECT_* bits): the selection EVP_PKEY_fromdata needs to build a
/// public key (JWKS keys for OAuth2).
static inline int gw_evp_pkey_public_key_selection(void) {
    return EVP_PKEY_PUBLIC_KEY;
}

// X509_CHECK_FLAG_* for SSL_set_hostflags (host name checks of the HTTPS client).
#include <openssl/x509v3.h>

/// SSL_set_tlsext_host_name (a macro over SSL_ctrl): the server name a client sends in the SNI extension;
/// returns 1 on success.
static inline long gw_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

/// Empties the calling thread's OpenSSL error queue into `out` as one line, oldest reason first, joined by "; "
/// (a reason OpenSSL has no text for is written as its error string), cut to `capacity` bytes with a NUL.
/// Returns how many errors were taken. The one drain every TLS user calls (server, HTTPS client, gatewayperf).
static inline int gw_openssl_drain_errors(char *out, size_t capacity) {
    int count = 0;
    size_t used = 0;
    unsigned long code;
    if (capacity > 0) out[0] = 0;
    while ((code = ERR_get_error()) != 0) {
        char text[256];
        const char *reason = ERR_reason_error_string(code);
        if (reason == NULL) {
            ERR_error_string_n(code, text, sizeof text);
            reason = text;
        }
        if (capacity > used + 1) {
            int n = snprintf(out + used, capacity - used, "%s%s", count > 0 ? "; " : "", reason);
            if (n > 0) used += (size_t)n < capacity - used ? (size_t)n : capacity - used - 1;
        }
        count++;
    }
    return count;
}

#endif
