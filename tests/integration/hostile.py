"""
hostile: KDC endpoints on loopback that answer every request, over UDP and
TCP on one port, in a way no honest KDC would: random bytes, a real reply
cut in half, a TCP length prefix of 4 GiB - 1, a real reply from a KDC of
another realm, or a real reply trickled one byte per second.  Standard
library only.

A HostileKDC owns its two sockets and the threads serving them;
close() stops them all and always returns within a few seconds, even in
the middle of a trickle.  The "real" replies come from a real krb5kdc
(krbtest.KDC) that the request is forwarded to over TCP.

Nothing here ever talks to anything but 127.0.0.1.
"""

import random
import socket
import struct
import threading

import krbtest

# What a HostileKDC does with each request.
RANDOM = 'random'                  # random bytes, tagged as nothing Kerberos
RANDOM_ERROR_TAG = 'random-error'  # a KRB-ERROR's tag and length, then junk
RANDOM_AS_REP_TAG = 'random-asrep'  # an AS-REP's tag and length, then junk
TRUNCATED = 'truncated'            # the first half of a real reply
HUGE_PREFIX = 'huge-prefix'        # TCP: length 0xFFFFFFFF, a few bytes, hush
OTHER_REALM = 'other-realm'        # another realm's KDC answers, for its realm
TRICKLE = 'trickle'                # TCP: a real reply, one byte per second

BEHAVIOURS = (RANDOM, RANDOM_ERROR_TAG, RANDOM_AS_REP_TAG, TRUNCATED,
              HUGE_PREFIX, OTHER_REALM, TRICKLE)
NEEDS_UPSTREAM = (TRUNCATED, OTHER_REALM, TRICKLE)

# The first bytes of an AS-REP, a TGS-REP and a KRB-ERROR: the constructed
# [APPLICATION 11], [APPLICATION 13] and [APPLICATION 30] tags.
KERBEROS_TAGS = (0x6b, 0x6d, 0x7e)

RANDOM_LENGTH = 200


def random_reply(behaviour, seed):
    """
    RANDOM_LENGTH random bytes, the same for the same seed, so that what
    the exporter reports does not depend on the luck of the draw.  For
    RANDOM the first byte is never a Kerberos reply's tag.  The two tagged
    variants start with that tag and a DER length that is right for the
    rest, so that the decoders get past the frame and meet junk inside.
    """
    body = bytearray(random.Random(seed).randbytes(RANDOM_LENGTH))
    if behaviour in (RANDOM_ERROR_TAG, RANDOM_AS_REP_TAG):
        body[0] = 0x7e if behaviour == RANDOM_ERROR_TAG else 0x6b
        body[1] = 0x81                  # one length octet follows
        body[2] = RANDOM_LENGTH - 3
    elif body[0] in KERBEROS_TAGS:
        body[0] = 0x00
    return bytes(body)


def _recv_exact(sock, n, stopping):
    """n bytes from a blocking socket with a short timeout; None on EOF."""
    buf = b''
    while len(buf) < n and not stopping.is_set():
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            continue
        if not chunk:
            return None
        buf += chunk
    return buf if len(buf) == n else None


def ask_upstream(port, request, timeout=3.0):
    """
    Forward one request to the real KDC on 127.0.0.1:port over TCP (so the
    reply's size never matters) and return its reply, or None.
    """
    with socket.create_connection((krbtest.LOOPBACK, port),
                                  timeout=timeout) as s:
        s.sendall(struct.pack('>I', len(request)) + request)
        never = threading.Event()
        head = _recv_exact(s, 4, never)
        if head is None:
            return None
        return _recv_exact(s, struct.unpack('>I', head)[0], never)


class HostileKDC:
    """
    UDP and TCP on one port of 127.0.0.1, answering every request as
    `behaviour` says.  upstream_port is the real KDC that TRUNCATED,
    OTHER_REALM and TRICKLE forward each request to.  rewrite, a pair of
    realm names of one length, replaces the first with the second in each
    request before it is forwarded: that is how OTHER_REALM gets a KDC of
    another realm to answer for its own realm (a KDC asked about a realm
    it does not serve answers nothing at all).  seed makes the random
    replies reproducible.  Counts what it received in self.requests (by
    'udp' and 'tcp').  close() always.
    """

    def __init__(self, behaviour, upstream_port=None, rewrite=None,
                 trickle_interval=1.0, seed=88):
        if behaviour not in BEHAVIOURS:
            raise ValueError('unknown behaviour %r' % (behaviour,))
        if behaviour in NEEDS_UPSTREAM and upstream_port is None:
            raise ValueError('%s needs an upstream KDC' % behaviour)
        if rewrite is not None and len(rewrite[0]) != len(rewrite[1]):
            # Equal lengths keep every DER length in the request right.
            raise ValueError('rewrite needs two realms of one length')
        self.rewrite = rewrite
        self.seed = seed
        self.behaviour = behaviour
        self.upstream_port = upstream_port
        self.trickle_interval = trickle_interval
        self.requests = {'udp': 0, 'tcp': 0}
        self.errors = []                 # upstream failures, for the test
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.conns = []                  # accepted TCP connections
        self.threads = []                # one per TCP connection
        self.servers = []                # the UDP and the accept thread
        for _ in range(50):
            port = krbtest.free_port()
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.udp.bind((krbtest.LOOPBACK, port))
                self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.tcp.bind((krbtest.LOOPBACK, port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise krbtest.FixtureError('no port for the hostile KDC')
        self.port = port
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self.tcp.listen(64)
        for target in (self._serve_udp, self._serve_tcp):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self.servers.append(t)

    def address(self):
        return '%s:%d' % (krbtest.LOOPBACK, self.port)

    # --- what to answer ----------------------------------------------------

    def _real_reply(self, request):
        if self.rewrite is not None:
            old, new = (r.encode('ascii') for r in self.rewrite)
            request = request.replace(old, new)
        try:
            reply = ask_upstream(self.upstream_port, request)
        except OSError as e:
            reply = None
            with self.lock:
                self.errors.append('upstream: %s' % e)
        if reply is None:
            with self.lock:
                self.errors.append('upstream gave no reply')
        return reply

    def _count(self, proto):
        with self.lock:
            self.requests[proto] += 1

    # --- UDP ----------------------------------------------------------------

    def _serve_udp(self):
        while not self.stopping.is_set():
            try:
                request, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self._count('udp')
            reply = self._udp_reply(request)
            if reply is None:
                continue
            try:
                self.udp.sendto(reply, peer)
            except OSError:
                pass

    def _udp_reply(self, request):
        """One datagram for request, or None to stay silent."""
        b = self.behaviour
        if b in (RANDOM, RANDOM_ERROR_TAG, RANDOM_AS_REP_TAG):
            return random_reply(b, self.seed)
        if b in (HUGE_PREFIX, TRICKLE):
            # Only TCP can carry these; a datagram arrives whole or not at
            # all.
            return None
        reply = self._real_reply(request)
        if reply is None:
            return None
        if b == TRUNCATED:
            return reply[:len(reply) // 2]
        return reply

    # --- TCP ----------------------------------------------------------------

    def _serve_tcp(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(0.2)
            t = threading.Thread(target=self._serve_conn, args=(conn,),
                                 daemon=True)
            with self.lock:
                self.conns.append(conn)
                # Forget the threads that are done, so that a long test
                # does not keep thousands of them.
                self.threads = [x for x in self.threads if x.is_alive()]
                self.threads.append(t)
            t.start()

    def _send(self, conn, data):
        try:
            conn.sendall(data)
            return True
        except OSError:
            return False

    def _serve_conn(self, conn):
        try:
            self._answer_conn(conn)
        finally:
            with self.lock:
                if conn in self.conns:
                    self.conns.remove(conn)
            conn.close()

    def _answer_conn(self, conn):
        head = _recv_exact(conn, 4, self.stopping)
        if head is None:
            return
        length = struct.unpack('>I', head)[0]
        if length > 65536:
            return
        request = _recv_exact(conn, length, self.stopping)
        if request is None:
            return
        self._count('tcp')
        b = self.behaviour
        if b in (RANDOM, RANDOM_ERROR_TAG, RANDOM_AS_REP_TAG):
            body = random_reply(b, self.seed)
            self._send(conn, struct.pack('>I', len(body)) + body)
            return
        if b == HUGE_PREFIX:
            # A length the exporter must refuse to allocate, a few bytes of
            # "reply", and then nothing until the client gives up.
            if self._send(conn, b'\xff\xff\xff\xff' + b'\x7e\x82\xff\xff'):
                self._hold(conn)
            return
        reply = self._real_reply(request)
        if reply is None:
            return
        if b == TRUNCATED:
            # The full length is announced, half of it comes, and the
            # connection closes: the reply ends early.
            self._send(conn, struct.pack('>I', len(reply))
                       + reply[:len(reply) // 2])
            return
        framed = struct.pack('>I', len(reply)) + reply
        if b == OTHER_REALM:
            self._send(conn, framed)
            return
        # TRICKLE: one byte, then a pause, for as long as the client stays.
        for i in range(len(framed)):
            if not self._send(conn, framed[i:i + 1]):
                return
            if self.stopping.wait(self.trickle_interval):
                return

    def _hold(self, conn):
        """Keep conn open, saying nothing, until the peer closes or stop."""
        while not self.stopping.is_set():
            try:
                if conn.recv(4096) == b'':
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    # --- lifecycle ----------------------------------------------------------

    def close(self):
        self.stopping.set()
        # The servers first, so that no connection thread starts after the
        # list of them is taken.
        for t in self.servers:
            t.join(5)
        with self.lock:
            threads = list(self.threads)
        for t in threads:
            t.join(5)
        for s in (self.tcp, self.udp):
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
