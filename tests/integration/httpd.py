"""
httpd: web services on loopback for the http probe's integration tests.
Standard library only, plus the apache2, mod_auth_gssapi and openssl
programs that scripts/setup installs.

An Httpd owns one temporary directory holding a minimal httpd.conf of its
own, a document root, a keytab and (with TLS) a test CA and a server
certificate, and one real Apache httpd in the foreground serving HTTP
Negotiate with mod_auth_gssapi on 127.0.0.1: `AuthType GSSAPI`, the keytab
as its credential store, krb5 only, `Require valid-user`.  What it accepts
is decided by the keytab it is given, so a stale keytab makes a server that
refuses fresh tickets as a real one would.

A NegotiatePeer is a tiny Python server that answers every request with a
fixed status and WWW-Authenticate header: a 200 with no token, or one with
a token that is no GSS-API token at all.  It keeps the Authorization
headers it was sent, so that a test knows the exact credential that must
never show up anywhere.

Nothing here ever talks to anything but 127.0.0.1.
"""

import http.server
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import krbtest

LOOPBACK = krbtest.LOOPBACK
MODULES = '/usr/lib/apache2/modules'


class SkipNoApache(Exception):
    """apache2 or mod_auth_gssapi is not installed."""


def _apache2():
    for path in (shutil.which('apache2'), '/usr/sbin/apache2'):
        if path and os.access(path, os.X_OK):
            return path
    return None


def available():
    """Whether an Httpd can be made here: apache2 and mod_auth_gssapi."""
    return _apache2() is not None and \
        os.path.exists(os.path.join(MODULES, 'mod_auth_gssapi.so'))


def _run(argv, what):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise krbtest.FixtureError('%s failed (exit %d): %s'
                                   % (what, r.returncode, r.stdout))
    return r.stdout


class TestCA:
    """
    A throwaway CA made with the openssl program, and server certificates
    it signs.  Files live in directory `d`.
    """

    def __init__(self, d):
        self.dir = d
        self.key = os.path.join(d, 'ca.key')
        self.cert = os.path.join(d, 'ca.pem')
        _run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
              '-keyout', self.key, '-out', self.cert, '-days', '2',
              '-subj', '/CN=krbtest CA'], 'openssl: the test CA')

    def issue(self, names, stem='server'):
        """A key and certificate for the DNS names; returns their paths."""
        key = os.path.join(self.dir, stem + '.key')
        csr = os.path.join(self.dir, stem + '.csr')
        cert = os.path.join(self.dir, stem + '.pem')
        ext = os.path.join(self.dir, stem + '.ext')
        with open(ext, 'w') as f:
            f.write('subjectAltName = %s\n' % ', '.join(
                ('IP:' if re.match(r'^[0-9.]+$', n) else 'DNS:') + n
                for n in names))
        _run(['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout',
              key, '-out', csr, '-subj', '/CN=' + names[0]],
             'openssl: a server key')
        _run(['openssl', 'x509', '-req', '-in', csr, '-CA', self.cert,
              '-CAkey', self.key, '-CAcreateserial', '-out', cert, '-days',
              '2', '-extfile', ext], 'openssl: a server certificate')
        return key, cert


class Httpd:
    """
    One apache2 on 127.0.0.1 with HTTP Negotiate on every path.  keytab is
    copied in (the server's own, readable by the user apache runs as).
    With tls_names, an https port too, with a certificate for those names
    from a CA of its own (self.ca_file).  Construct, start(); cleanup()
    always (also a context manager).
    """

    def __init__(self, keytab, tls_names=(), krb5_conf=None):
        if not available():
            raise SkipNoApache('apache2 and libapache2-mod-auth-gssapi are '
                               'not installed (scripts/setup installs them)')
        self.dir = tempfile.mkdtemp(prefix='httpd-')
        # apache's children run as www-data when it starts as root: they
        # must reach the document root and read the keytab.
        os.chmod(self.dir, 0o755)
        self.keytab = os.path.join(self.dir, 'http.keytab')
        shutil.copyfile(keytab, self.keytab)
        os.chmod(self.keytab, 0o600)
        self.docroot = os.path.join(self.dir, 'htdocs')
        os.mkdir(self.docroot, 0o755)
        for name in ('index.html', 'other.html'):
            with open(os.path.join(self.docroot, name), 'w') as f:
                f.write('<p>krbtest</p>\n')
        self.error_log = os.path.join(self.dir, 'error.log')
        self.access_log = os.path.join(self.dir, 'access.log')
        self.conf_path = os.path.join(self.dir, 'httpd.conf')
        # A krb5.conf of its own: the KDC's lives where www-data cannot
        # read, and an unreadable profile fails every krb5 context.
        self.krb5_conf = os.path.join(self.dir, 'krb5.conf')
        if krb5_conf:
            shutil.copyfile(krb5_conf, self.krb5_conf)
        else:
            with open(self.krb5_conf, 'w') as f:
                f.write('[libdefaults]\n    dns_lookup_kdc = false\n')
        os.chmod(self.krb5_conf, 0o644)
        self.port = None
        self.tls_port = None
        self.tls_names = list(tls_names)
        self.ca_file = None
        self.cert = self.key = None
        if self.tls_names:
            ca = TestCA(self.dir)
            self.ca_file = ca.cert
            self.key, self.cert = ca.issue(self.tls_names)
        # The acceptor's replay cache, written by apache's children.
        self.rcache_dir = os.path.join(self.dir, 'rcache')
        os.mkdir(self.rcache_dir, 0o700)
        if os.geteuid() == 0:
            for path in (self.keytab, self.key, self.rcache_dir):
                if path:
                    shutil.chown(path, 'www-data', 'www-data')
        self.proc = None

    def _conf(self):
        lines = [
            'ServerRoot "%s"' % self.dir,
            'ServerName localhost',
            'PidFile "%s/httpd.pid"' % self.dir,
            'DefaultRuntimeDir "%s"' % self.dir,
            'Mutex file:%s default' % self.dir,
            'Listen %s:%d' % (LOOPBACK, self.port),
        ]
        for module in ('mpm_event', 'authn_core', 'authz_core', 'authz_user',
                       'auth_gssapi'):
            lines.append('LoadModule %s_module %s/mod_%s.so'
                         % (module, MODULES, module))
        if self.tls_names:
            lines += ['LoadModule ssl_module %s/mod_ssl.so' % MODULES,
                      'LoadModule socache_shmcb_module %s/mod_socache_shmcb.so'
                      % MODULES,
                      'Listen %s:%d https' % (LOOPBACK, self.tls_port)]
        if os.geteuid() == 0:
            lines += ['User www-data', 'Group www-data']
        lines += [
            'ErrorLog "%s"' % self.error_log,
            'LogLevel info auth_gssapi:debug',
            'LogFormat "%h %u \\"%r\\" %>s" plain',
            'CustomLog "%s" plain' % self.access_log,
            'StartServers 1',
            'DocumentRoot "%s"' % self.docroot,
            '<Directory />',
            '    AllowOverride None',
            '    Require all denied',
            '</Directory>',
            '<Directory "%s">' % self.docroot,
            '    AllowOverride None',
            '    AuthType GSSAPI',
            '    AuthName "krbtest"',
            '    GssapiCredStore keytab:%s' % self.keytab,
            '    GssapiAllowedMech krb5',
            '    Require valid-user',
            '</Directory>',
        ]
        if self.tls_names:
            lines += [
                'SSLSessionCache none',
                '<VirtualHost %s:%d>' % (LOOPBACK, self.tls_port),
                '    SSLEngine on',
                '    SSLCertificateFile "%s"' % self.cert,
                '    SSLCertificateKeyFile "%s"' % self.key,
                '</VirtualHost>',
            ]
        return '\n'.join(lines) + '\n'

    def env(self):
        env = dict(os.environ)
        env.pop('KRB5_TRACE', None)
        env.pop('KRB5CCNAME', None)
        env['KRB5_CONFIG'] = self.krb5_conf
        env['KRB5RCACHEDIR'] = self.rcache_dir
        env['APACHE_LOG_DIR'] = self.dir
        return env

    def start(self, timeout=20):
        """Start apache2 on free ports and wait until it accepts."""
        if self.proc is not None:
            raise krbtest.FixtureError('httpd already running')
        for _ in range(3):
            self.port = krbtest.free_port(udp=False)
            if self.tls_names:
                self.tls_port = krbtest.free_port(udp=False)
            with open(self.conf_path, 'w') as f:
                f.write(self._conf())
            err = open(os.path.join(self.dir, 'httpd.stderr'), 'ab')
            try:
                self.proc = subprocess.Popen(
                    [_apache2(), '-f', self.conf_path, '-DFOREGROUND'],
                    env=self.env(), stdin=subprocess.DEVNULL, stdout=err,
                    stderr=err, start_new_session=True)
            finally:
                err.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if self._accepts(self.port) and \
                        (not self.tls_names or self._accepts(self.tls_port)):
                    return self
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.stop()
                raise krbtest.FixtureError('httpd did not start in %ds: %s'
                                           % (timeout, self.output()))
            self.proc = None
            if 'in use' not in self.output():
                raise krbtest.FixtureError('httpd exited: ' + self.output())
        raise krbtest.FixtureError('httpd found no free port: '
                                   + self.output())

    @staticmethod
    def _accepts(port):
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.2):
                return True
        except OSError:
            return False

    def output(self):
        """apache's stderr and error log, for failure messages."""
        text = ''
        for name in ('httpd.stderr', 'error.log'):
            try:
                with open(os.path.join(self.dir, name), 'rb') as f:
                    text += f.read().decode('utf-8', 'replace')
            except FileNotFoundError:
                pass
        return text[-6000:]

    def access(self):
        try:
            with open(self.access_log) as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def stop(self):
        """SIGTERM to apache's process group; SIGKILL after 10 s."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        try:
            os.killpg(pgid, 15)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(pgid, 9)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        if self.dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


class NegotiatePeer:
    """
    A server on 127.0.0.1 that answers every GET with `status` and, when
    `token` is set, `WWW-Authenticate: Negotiate <token>`; it never checks
    what it is sent.  self.authorizations holds the Authorization header
    of each request.  close() always (also a context manager).
    """

    def __init__(self, status=200, token=None):
        peer = self
        self.authorizations = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_GET(self):
                peer.authorizations.append(
                    self.headers.get('Authorization', ''))
                body = b'krbtest\n'
                self.send_response(status)
                if token is not None:
                    self.send_header('WWW-Authenticate', 'Negotiate ' + token)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def service_entry(url=None, principal=None, ca_file=None, keytab=None):
    """One services entry of the exporter's config, as a group."""
    parts = []
    for key, val in (('principal', principal), ('url', url),
                     ('ca_file', ca_file), ('keytab', keytab)):
        if val is not None:
            parts.append('%s = "%s";' % (key, val))
    return '{ ' + ' '.join(parts) + ' }'
