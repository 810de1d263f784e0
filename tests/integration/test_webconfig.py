#!/usr/bin/env python3
"""
--web.config.file, exporter-toolkit's web configuration file (YAML), with
real clients on loopback and a test CA made with openssl: TLS, basic auth
users and extra headers; the file and the files it names reread from the
next connection (a certificate rotated on disk, a client CA replaced) and,
for users and headers, from the next request (a user added, one removed, a
header added); a broken file, an empty one or one that would turn
TLS off while running (the one in force stays, and the log says why); a
broken file at start and beside the config file's web group (fatal, with
FILE:LINE); every client_auth_type against real client certificates.  No
password, hash or key may appear in the log.
"""
import base64
import ctypes
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import krbtest

REALM = 'WEBCONFIG.TEST'
PASSWORD = 'Yaml-W3b-Pa55word'
OTHER_PASSWORD = 'Other-Pa55word-42'


def bcrypt(password, cost=4):
    """A bcrypt hash made by the system's libcrypt, as htpasswd -B does."""
    lib = ctypes.CDLL('libcrypt.so.1')
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt.restype = ctypes.c_char_p
    setting = lib.crypt_gensalt(b'$2b$', cost, None, 0)
    return lib.crypt(password.encode(), setting).decode()


def openssl(*args):
    subprocess.run(['openssl'] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class PKI:
    """A test CA; two server certificates for 127.0.0.1 from it; a client
    certificate from it, and one from it whose extended key usage is for
    servers only; and a self-signed client certificate nobody vouches
    for."""

    def __init__(self, d):
        self.dir = d
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                self.path('ca.key'), '-out', self.path('ca.crt'), '-subj',
                '/CN=krb5-webconfig-test-ca', '-days', '2')
        with open(self.path('server.ext'), 'w') as f:
            f.write('subjectAltName=IP:127.0.0.1\n')
        with open(self.path('serveronly.ext'), 'w') as f:
            f.write('extendedKeyUsage=serverAuth\n')
        self.issue('server1', '127.0.0.1', server=True)
        self.issue('server2', '127.0.0.1', server=True)
        self.issue('client', 'scraper')
        # From the CA, but for servers only: no client may present it.
        self.issue('serveronly', 'not-a-client', ext='serveronly.ext')
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                self.path('rogue.key'), '-out', self.path('rogue.crt'),
                '-subj', '/CN=rogue', '-days', '2')
        for name in os.listdir(d):
            os.chmod(self.path(name), 0o600)

    def path(self, name):
        return os.path.join(self.dir, name)

    def issue(self, name, cn, server=False, ext=None):
        ext = ['-extfile', self.path('server.ext' if server else ext)] \
            if server or ext else []
        openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                self.path(name + '.key'), '-out', self.path(name + '.csr'),
                '-subj', '/CN=' + cn)
        openssl('x509', '-req', '-in', self.path(name + '.csr'), '-CA',
                self.path('ca.crt'), '-CAkey', self.path('ca.key'),
                '-CAcreateserial', '-out', self.path(name + '.crt'),
                '-days', '2', *ext)

    def der(self, name):
        with open(self.path(name + '.crt')) as f:
            return ssl.PEM_cert_to_DER_cert(f.read())

    def text(self, name):
        with open(self.path(name)) as f:
            return f.read()


def write(path, text, mode=0o600):
    """Replace path by text atomically (a new file renamed over it), as a
    careful deployment does."""
    tmp = path + '.new'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def rewrite_in_place(path, text):
    """Rewrite path in place (same inode), as cp or an editor may."""
    with open(path, 'w') as f:
        f.write(text)


def auth(user, password):
    token = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
    return {'Authorization': 'Basic ' + token}


class WebConfigTest(krbtest.TestCase):

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
        cls.pki_dir = tempfile.mkdtemp(prefix='krbtest-webconfig-pki-')
        cls.pki = PKI(cls.pki_dir)
        cls.hash = bcrypt(PASSWORD)
        cls.other_hash = bcrypt(OTHER_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.kdc.cleanup()
        shutil.rmtree(cls.pki_dir, True)

    # --- fixtures --------------------------------------------------------

    def config(self, web=''):
        realm = krbtest.realm_config(REALM, ['127.0.0.1:%d' % self.kdc.port],
                                     'krbmon@' + REALM, keytab=self.keytab)
        return web + krbtest.config_text([realm])

    def server_files(self, workdir, name='server1'):
        """Copies of a server certificate and key in workdir, where the
        test may rotate them."""
        write(os.path.join(workdir, 'tls.crt'), self.pki.text(name + '.crt'))
        write(os.path.join(workdir, 'tls.key'), self.pki.text(name + '.key'))

    def tls_yaml(self, extra='', cert='tls.crt', key='tls.key'):
        # Relative paths: from the web config file's directory.
        return ('tls_server_config:\n  cert_file: %s\n  key_file: %s\n%s'
                % (cert, key, extra))

    def start(self, yaml, ssl_context=None, workdir=None, files=True,
              web_group=''):
        workdir = workdir or self.make_workdir()
        if files:
            self.server_files(workdir)
        path = os.path.join(workdir, 'web.yml')
        write(path, yaml, 0o644)
        exp = self.start_exporter(self.config(web_group),
                                  args=['--web.config.file=' + path],
                                  workdir=workdir, ssl_context=ssl_context)
        exp.web_yml = path
        return exp

    def client_context(self, cert=None, max_version=None):
        ctx = ssl.create_default_context(cafile=self.pki.path('ca.crt'))
        if cert:
            ctx.load_cert_chain(self.pki.path(cert + '.crt'),
                                self.pki.path(cert + '.key'))
        if max_version:
            ctx.maximum_version = max_version
        return ctx

    def https(self, exp, path='/-/ready', cert=None, headers=None,
              max_version=None, min_version=None):
        """(status, headers, body, the server's certificate in DER), or
        None when the TLS layer refused us (in the handshake, or, with TLS
        1.3, at the first read)."""
        ctx = self.client_context(cert, max_version)
        if min_version:
            ctx.minimum_version = min_version
        conn = http.client.HTTPSConnection('127.0.0.1', exp.port,
                                           context=ctx, timeout=15)
        try:
            conn.connect()
            der = conn.sock.getpeercert(binary_form=True)
            conn.request('GET', path, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read().decode(), der
        except (ssl.SSLError, ConnectionError, http.client.HTTPException,
                socket.timeout):
            return None
        finally:
            conn.close()

    def wait_log(self, exp, text, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in exp.stderr():
                return
            time.sleep(0.05)
        self.fail('%r not in the log:\n%s' % (text, exp.stderr()[-4000:]))

    def assertNoSecrets(self, exp, *extra):
        log = exp.stderr() + exp.stdout()
        for secret in (PASSWORD, OTHER_PASSWORD, self.hash, self.other_hash,
                       'PRIVATE KEY') + extra:
            self.assertNotIn(secret, log)
        for name in ('server1.key', 'server2.key', 'client.key'):
            body = self.pki.text(name).splitlines()[1]
            self.assertNotIn(body, log)

    # --- TLS, users and headers ------------------------------------------

    def test_tls_users_and_headers(self):
        yaml = self.tls_yaml() + (
            'basic_auth_users:\n  alice: %s\n'
            'http_server_config:\n  http2: true\n  headers:\n'
            '    Strict-Transport-Security: max-age=31536000\n'
            '    X-Frame-Options: deny\n'
            '    X-Content-Type-Options: nosniff\n' % self.hash)
        exp = self.start(yaml, self.client_context())
        status, headers, body, der = self.https(
            exp, '/metrics', headers=auth('alice', PASSWORD))
        self.assertEqual(status, 200, body)
        self.assertEqual(der, self.pki.der('server1'))
        self.assertProbeSucceeds(krbtest.parse_exposition(body), REALM, 'tgt',
                                 'krbmon@' + REALM)
        for path, want, hdrs in (('/metrics', 200, auth('alice', PASSWORD)),
                                 ('/metrics', 401, {}),
                                 ('/-/ready', 401, auth('alice', 'wrong')),
                                 ('/-/healthy', 200, {}),
                                 ('/nowhere', 404, auth('alice', PASSWORD))):
            status, headers, body, _ = self.https(exp, path, headers=hdrs)
            self.assertEqual(status, want, (path, body))
            # The extra headers go on every response, refusals too.
            self.assertEqual(headers.get('Strict-Transport-Security'),
                             'max-age=31536000', path)
            self.assertEqual(headers.get('X-Frame-Options'), 'deny', path)
            self.assertEqual(headers.get('X-Content-Type-Options'), 'nosniff',
                             path)
        # Plain HTTP gets no metrics from the TLS port.
        s = socket.create_connection(('127.0.0.1', exp.port), timeout=5)
        try:
            s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
            reply = s.recv(4096)
        except OSError:
            reply = b''
        finally:
            s.close()
        self.assertNotIn(b'krb5_probe_success', reply)
        self.assertIn('TLS, basic auth, web config ' + exp.web_yml,
                      exp.stderr())
        self.assertNoSecrets(exp)

    def test_tls_versions(self):
        exp = self.start(self.tls_yaml('  min_version: TLS12\n'
                                       '  max_version: TLS12\n'),
                         self.client_context())
        self.assertIsNone(self.https(exp, min_version=ssl.TLSVersion.TLSv1_3))
        status, _, _, _ = self.https(exp, max_version=ssl.TLSVersion.TLSv1_2)
        self.assertEqual(status, 200)
        # Now TLS 1.3 only, from the next connection.
        write(exp.web_yml, self.tls_yaml('  min_version: TLS13\n'), 0o644)
        self.assertIsNone(self.https(exp, max_version=ssl.TLSVersion.TLSv1_2))
        status, _, _, _ = self.https(exp, min_version=ssl.TLSVersion.TLSv1_3)
        self.assertEqual(status, 200)
        self.wait_log(exp, 'reloaded: TLS TLS13 to TLS13')

    # --- changes while running -------------------------------------------

    def test_certificate_rotated_on_disk(self):
        exp = self.start(self.tls_yaml(), self.client_context())
        workdir = os.path.dirname(exp.web_yml)
        self.assertEqual(self.https(exp)[3], self.pki.der('server1'))
        # Rotated with a rename over each file: the next connection has it.
        self.server_files(workdir, 'server2')
        status, _, _, der = self.https(exp)
        self.assertEqual(status, 200)
        self.assertEqual(der, self.pki.der('server2'))
        self.wait_log(exp, 'web config: %s reloaded: TLS' % exp.web_yml)

        # Rewritten in place, the certificate first and the key after: in
        # between the pair does not match, so the one in force stays (and
        # the log says why); once the key is there, the new pair is used.
        rewrite_in_place(os.path.join(workdir, 'tls.crt'),
                         self.pki.text('server1.crt'))
        status, _, _, der = self.https(exp)
        self.assertEqual(status, 200)
        self.assertEqual(der, self.pki.der('server2'))
        self.wait_log(exp, 'tls_server_config: cert_file')
        self.wait_log(exp, 'the web configuration in force stays')
        rewrite_in_place(os.path.join(workdir, 'tls.key'),
                         self.pki.text('server1.key'))
        self.assertEqual(self.https(exp)[3], self.pki.der('server1'))
        self.assertNoSecrets(exp)

    def test_user_added_and_removed_while_running(self):
        exp = self.start('basic_auth_users:\n  alice: %s\n' % self.hash,
                         files=False)
        self.assertEqual(exp.get('/-/ready', headers=auth(
            'alice', PASSWORD))[0], 200)
        self.assertEqual(exp.get('/-/ready', headers=auth(
            'bob', OTHER_PASSWORD))[0], 401)
        write(exp.web_yml, 'basic_auth_users:\n  alice: %s\n  bob: %s\n'
              % (self.hash, self.other_hash), 0o644)
        self.assertEqual(exp.get('/-/ready', headers=auth(
            'bob', OTHER_PASSWORD))[0], 200)
        self.wait_log(exp, 'reloaded: plain HTTP, 2 basic-auth users')
        # alice removed, and a header added: from the next request.
        write(exp.web_yml, 'basic_auth_users:\n  bob: %s\n'
              'http_server_config:\n  headers:\n    X-Frame-Options: '
              'sameorigin\n' % self.other_hash, 0o644)
        status, headers, _ = exp.get('/-/ready', headers=auth(
            'bob', OTHER_PASSWORD))
        self.assertEqual(status, 200)
        self.assertEqual(headers.get('X-Frame-Options'), 'sameorigin')
        self.assertEqual(exp.get('/-/ready', headers=auth(
            'alice', PASSWORD))[0], 401)
        # Dropping every user turns authentication off, as the file says.
        write(exp.web_yml, '{}\n', 0o644)
        self.assertEqual(exp.get('/-/ready')[0], 200)
        self.assertNoSecrets(exp)

    def test_broken_file_later_keeps_the_one_in_force(self):
        good = self.tls_yaml() + 'basic_auth_users:\n  alice: %s\n' % self.hash
        exp = self.start(good, self.client_context())
        ok = auth('alice', PASSWORD)
        cases = (
            (self.tls_yaml() + 'basic_auth_users:\n  alice: [\n',
             exp.web_yml + ':6: YAML: did not find expected node content'),
            (self.tls_yaml('  client_auth_type: Sometimes\n'),
             exp.web_yml + ':4: tls_server_config: client_auth_type'),
            (self.tls_yaml(key='missing.key'),
             exp.web_yml + ':3: tls_server_config: key_file'),
            ('basic_auth_users:\n  alice: %s\n' % self.hash,
             'would turn TLS off, which needs a restart'),
            ('', 'the file is empty'),
        )
        for text, logged in cases:
            write(exp.web_yml, text, 0o644)
            # The one in force still serves: TLS, and alice's password.
            self.assertEqual(self.https(exp, headers=ok)[0], 200, text)
            self.assertEqual(self.https(exp)[0], 401, text)
            self.wait_log(exp, logged)
            self.wait_log(exp, 'web config: %s is invalid' % exp.web_yml
                          if 'restart' not in logged else logged)
        # Logged once per change, not once per connection.
        before = exp.stderr().count('the file is empty')
        for _ in range(3):
            self.assertEqual(self.https(exp, headers=ok)[0], 200)
        self.assertEqual(exp.stderr().count('the file is empty'), before)
        # Fixed: in force from the next connection.
        write(exp.web_yml, self.tls_yaml(), 0o644)
        self.assertEqual(self.https(exp)[0], 200)
        self.wait_log(exp, 'reloaded: TLS TLS12 to TLS13, client_auth_type '
                      'NoClientCert, 0 basic-auth users')
        self.assertNoSecrets(exp)

    # --- a bad file at start is fatal -------------------------------------

    def run_start(self, yaml, web_group='', extra_args=()):
        workdir = self.make_workdir()
        self.server_files(workdir)
        path = os.path.join(workdir, 'web.yml')
        write(path, yaml, 0o644)
        conf = krbtest.write_private(os.path.join(workdir, 'k.conf'),
                                     self.config(web_group))
        port = krbtest.free_port(udp=False)
        r = krbtest.run_exporter(['--config.file=' + conf,
                                  '--web.listen-address=127.0.0.1:%d' % port,
                                  '--web.config.file=' + path] +
                                 list(extra_args), workdir, timeout=30)
        return r, path, conf

    def test_broken_file_at_start_is_fatal(self):
        yaml = (self.tls_yaml('  certfile: x\n  min_version: TLS9\n')
                + 'basic_auth_users:\n  alice: %s\n  bob: hunter2\n'
                % self.hash)
        for args in ((), ('--check-config',)):
            r, path, _ = self.run_start(yaml, extra_args=args)
            self.assertEqual(r.returncode, 1, r.stderr)
            for want in (path + ':4: tls_server_config: unknown key '
                         '"certfile"',
                         path + ':5: tls_server_config: min_version "TLS9" '
                         'is not one of: TLS10, TLS11, TLS12, TLS13',
                         path + ':8: basic_auth_users: user "bob": the value '
                         'is not a bcrypt hash',
                         path + ': web configuration is invalid (3 problems)'):
                self.assertIn(want, r.stderr, args)
            self.assertNotIn('hunter2', r.stderr)
            self.assertNotIn(self.hash, r.stderr)
        # A key that does not match the certificate, at start.
        r, path, _ = self.run_start(self.tls_yaml(key=self.pki.path(
            'server2.key')))
        self.assertEqual(r.returncode, 1)
        self.assertIn(path + ':2: tls_server_config: cert_file "', r.stderr)
        self.assertNotIn('PRIVATE KEY', r.stderr)
        # A good file passes --check-config.
        r, path, _ = self.run_start(self.tls_yaml(), extra_args=(
            '--check-config',))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(path + ': web configuration OK (TLS, 0 basic-auth '
                      'users)', r.stdout)

    def test_web_group_beside_the_file_is_refused(self):
        group = ('web = {\n  max_connections = 8;\n'
                 '  basic_auth_users = { alice = "%s"; };\n};\n' % self.hash)
        r, path, conf = self.run_start('{}\n', web_group=group)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('%s:3: web: basic_auth_users is set here and '
                      '--web.config.file=%s is given' % (conf, path),
                      r.stderr)
        # The limits alone may stay in the group.
        exp = self.start('{}\n', files=False,
                         web_group='web = { max_connections = 8; };\n')
        self.assertEqual(exp.get('/-/ready')[0], 200)

    # --- client certificates ---------------------------------------------

    def test_client_auth_types(self):
        ca = '  client_ca_file: %s\n' % self.pki.path('ca.crt')
        # (client_auth_type, CA?, {client cert: admitted?})
        table = (
            ('RequireAndVerifyClientCert', True,
             {None: False, 'client': True, 'rogue': False,
              'serveronly': False}),
            ('VerifyClientCertIfGiven', True,
             {None: True, 'client': True, 'rogue': False,
              'serveronly': False}),
            ('RequireAnyClientCert', False,
             {None: False, 'client': True, 'rogue': True}),
            ('RequestClientCert', False,
             {None: True, 'client': True, 'rogue': True}),
            ('NoClientCert', False,
             {None: True, 'client': True, 'rogue': True}),
        )
        for auth_type, with_ca, want in table:
            yaml = self.tls_yaml('  client_auth_type: %s\n%s'
                                 % (auth_type, ca if with_ca else ''))
            exp = self.start(yaml, self.client_context('client'))
            for cert, admitted in want.items():
                got = self.https(exp, cert=cert)
                if admitted:
                    self.assertIsNotNone(got, (auth_type, cert))
                    self.assertEqual(got[0], 200, (auth_type, cert))
                else:
                    self.assertTrue(got is None or got[0] == 403,
                                    (auth_type, cert, got))
            self._stop_exporter(exp)

    def test_mutual_tls_ca_replaced_while_running(self):
        workdir = self.make_workdir()
        write(os.path.join(workdir, 'clients.crt'), self.pki.text('ca.crt'))
        exp = self.start(self.tls_yaml(
            '  client_auth_type: RequireAndVerifyClientCert\n'
            '  client_ca_file: clients.crt\n'), self.client_context('client'),
            workdir=workdir)
        self.assertEqual(self.https(exp, cert='client')[0], 200)
        self.assertIsNone(self.https(exp, cert='rogue'))
        self.assertIsNone(self.https(exp))
        self.wait_log(exp, 'refused a client certificate')
        # The scrapers' CA is replaced on disk: from the next connection the
        # new one vouches, and the old one's certificate is refused.
        write(os.path.join(workdir, 'clients.crt'), self.pki.text('rogue.crt'))
        self.assertEqual(self.https(exp, cert='rogue')[0], 200)
        self.assertIsNone(self.https(exp, cert='client'))
        self.assertNoSecrets(exp)


if __name__ == '__main__':
    krbtest.main()
