#!/usr/bin/env python3
"""
The HTTP endpoint as a security boundary, with real clients on loopback:
TLS (and its minimum version), mutual TLS, basic auth against bcrypt
hashes, and the limits on connections, idle time, request size and
malformed requests.
"""
import base64
import ctypes
import http.client
import os
import socket
import ssl
import statistics
import subprocess
import tempfile
import time

import krbtest

REALM = 'WEB.TEST'
PASSWORD = 'W3b-Pa55word'


def bcrypt(password, cost=10):
    """A bcrypt hash made by the system's libcrypt, as htpasswd -B does."""
    lib = ctypes.CDLL('libcrypt.so.1')
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt.restype = ctypes.c_char_p
    setting = lib.crypt_gensalt(b'$2b$', cost, None, 0)
    return lib.crypt(password.encode(), setting).decode()


def openssl(*args):
    subprocess.run(['openssl'] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1, a client certificate from
    the CA, and a client certificate nobody vouches for."""
    p = lambda name: os.path.join(d, name)
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
            p('ca.key'), '-out', p('ca.crt'), '-subj', '/CN=krb5-test-ca',
            '-days', '2')
    with open(p('server.ext'), 'w') as f:
        f.write('subjectAltName=IP:127.0.0.1\n')
    for name, ext in (('server', ['-extfile', p('server.ext')]),
                      ('client', [])):
        openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                p(name + '.key'), '-out', p(name + '.csr'), '-subj',
                '/CN=' + ('127.0.0.1' if name == 'server' else 'scraper'))
        openssl('x509', '-req', '-in', p(name + '.csr'), '-CA', p('ca.crt'),
                '-CAkey', p('ca.key'), '-CAcreateserial', '-out',
                p(name + '.crt'), '-days', '2', *ext)
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
            p('rogue.key'), '-out', p('rogue.crt'), '-subj', '/CN=rogue',
            '-days', '2')
    for name in os.listdir(d):
        os.chmod(p(name), 0o600)
    return p


class WebTest(krbtest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.kdc = krbtest.KDC(REALM)
        try:
            cls.kdc.addprinc('krbmon')
            cls.keytab = cls.kdc.ktadd('krbmon')
            cls.kdc.start()
        except BaseException:
            cls.kdc.cleanup()
            raise
        cls.pki_dir = tempfile.mkdtemp(prefix='krbtest-pki-')
        cls.pki = staticmethod(make_pki(cls.pki_dir))
        cls.hash = bcrypt(PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.kdc.cleanup()
        subprocess.run(['rm', '-rf', cls.pki_dir])

    def exporter(self, web, ssl_context=None):
        realm = krbtest.realm_config(REALM, ['127.0.0.1:%d' % self.kdc.port],
                                     'krbmon@' + REALM, keytab=self.keytab)
        config = 'web = {\n%s\n};\n' % web + krbtest.config_text([realm])
        return self.start_exporter(config, ssl_context=ssl_context)

    def client_context(self, cert=None):
        ctx = ssl.create_default_context(cafile=self.pki('ca.crt'))
        if cert:
            ctx.load_cert_chain(self.pki(cert + '.crt'),
                                self.pki(cert + '.key'))
        return ctx

    def tls_web(self, extra=''):
        return ('  tls_cert_file = "%s";\n  tls_key_file = "%s";\n%s'
                % (self.pki('server.crt'), self.pki('server.key'), extra))

    def https(self, exp, path='/metrics', cert=None, max_version=None,
              headers=None):
        ctx = ssl.create_default_context(cafile=self.pki('ca.crt'))
        if cert:
            ctx.load_cert_chain(self.pki(cert + '.crt'),
                                self.pki(cert + '.key'))
        if max_version:
            ctx.maximum_version = max_version
        conn = http.client.HTTPSConnection('127.0.0.1', exp.port,
                                           context=ctx, timeout=15)
        try:
            conn.request('GET', path, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.getheaders(), r.read().decode()
        finally:
            conn.close()

    # --- TLS -------------------------------------------------------------

    def test_tls_scrape(self):
        exp = self.exporter(self.tls_web(), self.client_context())
        status, headers, body = self.https(exp)
        self.assertEqual(status, 200, body)
        samples = krbtest.parse_exposition(body)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        # Plain HTTP gets no metrics from a TLS port.
        reply = b''
        s = socket.create_connection(('127.0.0.1', exp.port), timeout=5)
        try:
            s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
            reply = s.recv(4096)
        except OSError:
            pass
        finally:
            s.close()
        self.assertNotIn(b'krb5_probe_success', reply)
        self.assertNotIn(PASSWORD, exp.stderr())

    def test_tls_min_version(self):
        exp = self.exporter(self.tls_web('  tls_min_version = "TLS13";\n'),
                            self.client_context())
        with self.assertRaises(ssl.SSLError):
            self.https(exp, max_version=ssl.TLSVersion.TLSv1_2)
        status, _, _ = self.https(exp, path='/-/healthy')
        self.assertEqual(status, 200)

    def test_mutual_tls(self):
        exp = self.exporter(self.tls_web(
            '  client_ca_file = "%s";\n' % self.pki('ca.crt')),
            self.client_context('client'))
        status, _, body = self.https(exp)
        self.assertEqual(status, 403)
        self.assertIn('client certificate', body)
        status, _, body = self.https(exp, cert='client')
        self.assertEqual(status, 200, body)
        self.assertIn('krb5_probe_success', body)
        try:
            status, _, _ = self.https(exp, cert='rogue')
        except (ssl.SSLError, ConnectionError):
            status = None     # refused during the handshake: fine too
        self.assertIn(status, (None, 403))

    # --- basic auth ------------------------------------------------------

    def auth_header(self, user, password):
        token = base64.b64encode(('%s:%s' % (user, password)).encode())
        return {'Authorization': 'Basic ' + token.decode()}

    def test_basic_auth(self):
        exp = self.exporter('  basic_auth_users = { alice = "%s"; };'
                            % self.hash)
        status, headers, body = exp.get('/metrics')
        self.assertEqual(status, 401)
        self.assertIn('Basic realm="krb5_exporter"',
                      headers.get('WWW-Authenticate', ''))
        self.assertNotIn('krb5_probe_success', body)
        for user, password in (('alice', 'wrong'), ('mallory', PASSWORD),
                               ('alice', ''), ('', '')):
            status, _, _ = exp.get('/metrics',
                                   headers=self.auth_header(user, password))
            self.assertEqual(status, 401, (user, password))
        status, _, body = exp.get('/metrics',
                                  headers=self.auth_header('alice', PASSWORD))
        self.assertEqual(status, 200, body)
        self.assertIn('krb5_probe_success', body)
        # /-/healthy stays open, as in Prometheus's exporter-toolkit.
        status, _, _ = exp.get('/-/healthy')
        self.assertEqual(status, 200)
        for path in ('/', '/-/ready', '/probe?realm=' + REALM):
            status, _, _ = exp.get(path)
            self.assertEqual(status, 401, path)
        self.assertNotIn(PASSWORD, exp.stderr())
        self.assertNotIn(self.hash, exp.stderr())

    def test_unknown_user_costs_as_much_as_a_wrong_password(self):
        # Without care an unknown user is answered at once and a wrong
        # password only after a bcrypt, which tells names apart.  Compare
        # medians; a missing bcrypt would be orders of magnitude faster.
        exp = self.exporter('  basic_auth_users = { alice = "%s"; };'
                            % self.hash)

        def timed(user):
            times = []
            for _ in range(9):
                start = time.monotonic()
                status, _, _ = exp.get('/-/ready', headers=self.auth_header(
                    user, 'not-the-password'))
                times.append(time.monotonic() - start)
                self.assertEqual(status, 401)
            return statistics.median(times)

        known, unknown = timed('alice'), timed('mallory')
        print('401 median: known user %.4f s, unknown user %.4f s'
              % (known, unknown))
        self.assertGreater(unknown, known / 3)
        self.assertLess(unknown, known * 3)

    # --- limits ----------------------------------------------------------

    def raw(self, exp, data, timeout=10):
        """Send bytes, return what comes back until the server closes."""
        s = socket.create_connection(('127.0.0.1', exp.port), timeout=timeout)
        try:
            s.sendall(data)
            out = b''
            while True:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                out += chunk
            return out
        finally:
            s.close()

    def assertAlive(self, exp):
        status, _, _ = exp.get('/-/healthy')
        self.assertEqual(status, 200)
        self.assertIsNone(exp.proc.poll())

    def test_slow_client_is_cut_off_while_others_are_served(self):
        exp = self.exporter('  idle_timeout = 2;')
        slow = socket.create_connection(('127.0.0.1', exp.port), timeout=10)
        self.addCleanup(slow.close)
        slow.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\n')   # and stops
        start = time.monotonic()
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        self.assertLess(time.monotonic() - start, 2)
        # The idle one is closed by the server after about idle_timeout.
        slow.settimeout(10)
        try:
            data = slow.recv(100)
        except ConnectionResetError:
            data = b''
        elapsed = time.monotonic() - start
        self.assertEqual(data, b'')
        self.assertGreater(elapsed, 1.5)
        self.assertLess(elapsed, 8)
        self.assertAlive(exp)

    def test_connection_limit(self):
        exp = self.exporter('  max_connections = 3;\n  idle_timeout = 30;')
        held = []
        for _ in range(3):
            s = socket.create_connection(('127.0.0.1', exp.port), timeout=5)
            s.sendall(b'GET /-/healthy HTTP/1.1\r\nHost: x\r\n')
            held.append(s)
        time.sleep(0.3)
        # The fourth connection is refused (closed without an answer).
        self.assertEqual(self.raw(exp, b'GET /-/healthy HTTP/1.1\r\n'
                                  b'Host: x\r\nConnection: close\r\n\r\n',
                                  timeout=5), b'')
        for s in held:
            s.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if exp.get('/-/healthy', timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        self.assertAlive(exp)

    def test_oversized_and_malformed_requests(self):
        exp = self.exporter('  max_request_size = 8192;')
        big = (b'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: '
               + b'a' * 100000 + b'\r\n\r\n')
        reply = self.raw(exp, big)
        self.assertTrue(reply == b'' or reply.startswith(b'HTTP/1.1 4'),
                        reply[:200])
        self.assertNotIn(b'krb5_probe_success', reply)
        for junk in (b'\x00\x01\x02garbage\r\n\r\n',
                     b'GET\r\n\r\n',
                     b'GET /metrics HTTP/9.9\r\n\r\n',
                     b'GET /metrics HTTP/1.1\r\nHost x\r\n\r\n',
                     b'GET /%zz%00 HTTP/1.1\r\nHost: x\r\n\r\n',
                     b'POST /-/reload HTTP/1.1\r\nHost: x\r\n'
                     b'Content-Length: 99999999\r\n\r\nabc'):
            reply = self.raw(exp, junk, timeout=5)
            # A 4xx, 505 for an unknown HTTP version, or a closed
            # connection: never a server error, never metrics.
            self.assertNotIn(reply[:12], (b'HTTP/1.1 500', b'HTTP/1.0 500'),
                             junk)
            self.assertNotIn(b'krb5_probe_success', reply)
            self.assertAlive(exp)
        # Other methods on read endpoints: 405.
        status, headers, _ = exp.request('DELETE', '/metrics')
        self.assertEqual(status, 405)
        self.assertEqual(headers['Allow'], 'GET, HEAD')


if __name__ == '__main__':
    krbtest.main()
