"""The blocking socket under the raw protocol clients (amqp_raw.RawAMQP, mqtt_raw.RawMQTT): connect, send, and
buffered reads where every read has a deadline, so nothing waits forever."""

from __future__ import annotations

import socket
import ssl
import struct
import time


class RawSocket:
    reset_is_eof = False
    """True when a TCP reset from the server reads as EOF (b"") instead of raising ConnectionResetError."""

    def __init__(self, host: str, port: int, timeout: float = 10.0, source: str | None = None):
        """`source` binds the client end to that local address (e.g. 127.0.0.2) before connecting."""
        self.sock = socket.create_connection(
            (host, port), timeout=timeout, source_address=(source, 0) if source else None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.timeout = timeout

    def start_tls(self, ctx: ssl.SSLContext, server_hostname: str) -> None:
        """Completes a TLS handshake on the connected socket; closes it if the handshake fails."""
        try:
            self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        """Closes with a TCP RST (SO_LINGER 0): the abrupt end of a client that crashed or lost its network."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _recv_some(self, deadline: float) -> bytes:
        """Up to 64 KiB; b"" on EOF; raises TimeoutError at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from the server before the deadline")
        self.sock.settimeout(remaining)
        try:
            return self.sock.recv(65536)
        except socket.timeout as e:
            raise TimeoutError("no data from the server before the deadline") from e
        except ConnectionResetError:
            if self.reset_is_eof:
                return b""
            raise

    def _fill(self, n: int, deadline: float) -> bool:
        """Reads until the buffer holds `n` bytes; False on EOF first."""
        while len(self.buf) < n:
            chunk = self._recv_some(deadline)
            if not chunk:
                return False
            self.buf += chunk
        return True
