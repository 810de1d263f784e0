"""
A password or key the exporter knows must never leave it: not in /metrics,
/probe or the debug page, not on the landing page, not in its logs at debug
level, not in --once or --check-config output or error messages, whether
the password is right or wrong.  Nor the SPNEGO token the http probe sends
in its Authorization header, which carries a service ticket: a peer keeps
every header it is sent, and none of it may show up anywhere.
"""

import os
import re
import subprocess

import httpd
import krbtest

REALM = 'SECRETS.TEST'
WRONG = 'WRONG.SECRETS.TEST'
KEYTAB_REALM = 'KEYTAB.SECRETS.TEST'


class SecretsTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM, WRONG, KEYTAB_REALM))
        cls.addClassCleanup(kdc.cleanup)
        cls.password = krbtest.random_password()
        cls.wrong = krbtest.random_password()
        kdc.addprinc('pwmon@' + REALM, cls.password)
        kdc.addprinc('pwmon@' + WRONG, krbtest.random_password())
        for realm in kdc.realms:
            kdc.addprinc('HTTP/www.example.com@' + realm)
        kdc.addprinc('ktmon@' + KEYTAB_REALM)
        keytab = kdc.ktadd('ktmon@' + KEYTAB_REALM)
        # The keys in the keytab, as klist -K shows them in hex.
        r = subprocess.run(['klist', '-k', '-K', '-e', keytab],
                           capture_output=True, text=True, env=kdc.env(),
                           check=True)
        cls.keys = re.findall(r'\(0x([0-9a-f]+)\)', r.stdout)
        assert len(cls.keys) >= 2, r.stdout
        good = kdc.password_file(cls.password, 'good')
        wrong = kdc.password_file(cls.wrong, 'wrong')
        kdc.start()
        # A web service that takes the header and answers 200 without the
        # mutual-authentication token.
        cls.peer = httpd.NegotiatePeer(200)
        cls.addClassCleanup(cls.peer.close)
        cls.url = 'http://127.0.0.1:%d/' % cls.peer.port
        kdcs = ['127.0.0.1:%d' % kdc.port]
        cls.config = krbtest.config_text([
            krbtest.realm_config(REALM, kdcs, 'pwmon@' + REALM,
                                 password_file=good,
                                 services=('HTTP/www.example.com',)),
            krbtest.realm_config(WRONG, kdcs, 'pwmon@' + WRONG,
                                 password_file=wrong,
                                 services=('HTTP/www.example.com',)),
            krbtest.realm_config(KEYTAB_REALM, kdcs, 'ktmon@' + KEYTAB_REALM,
                                 keytab=keytab,
                                 services=('HTTP/www.example.com',))])
        # The password realm's service, also at the peer's URL.
        cls.config = cls.config.replace(
            'services = ( "HTTP/www.example.com" );',
            'services = ( { principal = "HTTP/www.example.com"; url = "%s"; '
            '} );' % cls.url, 1)

    def assertNoSecret(self, text, where):
        for secret in (self.password, self.wrong):
            self.assertNotIn(secret, text, 'password found in ' + where)
            # Half of it is enough to count as a leak.
            self.assertNotIn(secret[3:15], text, 'password part in ' + where)
        # Every 24 characters of every token the peer was sent (24 base64
        # characters are 18 bytes of ticket or authenticator).
        for header in self.peer.authorizations:
            token = header.split(' ', 1)[-1]
            self.assertGreater(len(token), 100, header[:40])
            for i in range(0, len(token) - 23, 24):
                self.assertNotIn(token[i:i + 24], text,
                                 'Negotiate token found in ' + where)
        self.assertIsNone(re.search(r'Negotiate [A-Za-z0-9+/]{16}', text),
                          'a Negotiate token in ' + where)
        folded = text.lower()
        for key in self.keys:
            # Any 8 bytes of a key, in hex of either case.
            for i in range(0, len(key) - 15, 8):
                self.assertNotIn(key[i:i + 16], folded,
                                 'keytab key found in ' + where)

    def test_probe_and_debug_pages(self):
        exp = self.start_exporter(self.config)
        for realm in (REALM, WRONG, KEYTAB_REALM):
            for path in ('/probe?realm=' + realm,
                         '/probe?realm=%s&debug=true' % realm):
                status, _, body = exp.get(path)
                self.assertEqual(status, 200, body)
                self.assertNoSecret(body, path)
            # The debug page really went through an AS exchange (or, for
            # the wrong password after its first failure, the lockout
            # guard kept the password back).
            self.assertTrue('tgt: AS exchange' in body or
                            (realm == WRONG and 'lockout guard' in body),
                            body[:2000])
            if realm == REALM:
                self.assertIn('GET with Authorization: Negotiate', body)
        exp.stop()
        self.assertNoSecret(exp.stderr(), 'exporter stderr')

    def test_error_messages(self):
        # A config with every kind of problem near the secrets: the error
        # messages name files, never their contents.
        workdir = self.make_workdir()
        broken = self.config.replace('timeout', 'timout', 1) + \
            'web = { basic_auth_users = { a = "%s"; }; };\n' % self.password
        path = krbtest.write_private(os.path.join(workdir, 'bad.conf'),
                                     broken)
        r = krbtest.run_exporter(['--config.file=' + path, '--check-config'],
                                 workdir)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('unknown key "timout"', r.stderr)
        self.assertIn('not a bcrypt hash', r.stderr)
        self.assertNoSecret(r.stdout + r.stderr, 'config error messages')

    def test_http_and_logs(self):
        exp = self.start_exporter(self.config)
        samples, body = exp.scrape()
        # Both probes really ran with the passwords, or this proves nothing.
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'pwmon@' + REALM)
        self.assertProbeFails(samples, WRONG, 'tgt', 'pwmon@' + WRONG,
                              krbtest.KDC_ERR_PREAUTH_FAILED)
        self.assertProbeSucceeds(samples, KEYTAB_REALM, 'tgt',
                                 'ktmon@' + KEYTAB_REALM)
        # The http probe sent its token, and the peer proved nothing.
        self.assertProbeFails(samples, REALM, 'http', self.url,
                              (-1765328338, 'KRB5KRB_AP_ERR_MUT_FAIL'))
        self.assertTrue(self.peer.authorizations)
        self.assertNoSecret(body, '/metrics')
        for path in ('/', '/-/healthy', '/nope'):
            self.assertNoSecret(exp.get(path)[2], path)
        exp.stop()
        self.assertNoSecret(exp.stdout(), 'exporter stdout')
        self.assertNoSecret(exp.stderr(), 'exporter stderr')

    def test_once_and_check_config(self):
        workdir = self.make_workdir()
        path = krbtest.write_private(os.path.join(workdir, 'c.conf'),
                                     self.config)
        for args in (['--once'], ['--check-config']):
            with self.subTest(args=args):
                r = krbtest.run_exporter(
                    ['--config.file=' + path, '--log.level=debug'] + args,
                    workdir)
                self.assertNoSecret(r.stdout, ' '.join(args) + ' stdout')
                self.assertNoSecret(r.stderr, ' '.join(args) + ' stderr')
                if args == ['--once']:
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertIn('KRB5KDC_ERR_PREAUTH_FAILED', r.stdout)


if __name__ == '__main__':
    krbtest.main()
