"""
A password the exporter knows must never leave it: not in /metrics, not on
the landing page, not in its logs at debug level, not in --once output,
whether the password is right or wrong.
"""

import os

import krbtest

REALM = 'SECRETS.TEST'
WRONG = 'WRONG.SECRETS.TEST'


class SecretsTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM, WRONG))
        cls.addClassCleanup(kdc.cleanup)
        cls.password = krbtest.random_password()
        cls.wrong = krbtest.random_password()
        kdc.addprinc('pwmon@' + REALM, cls.password)
        kdc.addprinc('pwmon@' + WRONG, krbtest.random_password())
        for realm in kdc.realms:
            kdc.addprinc('HTTP/www.example.com@' + realm)
        good = kdc.password_file(cls.password, 'good')
        wrong = kdc.password_file(cls.wrong, 'wrong')
        kdc.start()
        kdcs = ['127.0.0.1:%d' % kdc.port]
        cls.config = krbtest.config_text([
            krbtest.realm_config(REALM, kdcs, 'pwmon@' + REALM,
                                 password_file=good,
                                 services=('HTTP/www.example.com',)),
            krbtest.realm_config(WRONG, kdcs, 'pwmon@' + WRONG,
                                 password_file=wrong,
                                 services=('HTTP/www.example.com',))])

    def assertNoSecret(self, text, where):
        for secret in (self.password, self.wrong):
            self.assertNotIn(secret, text, 'password found in ' + where)
            # Half of it is enough to count as a leak.
            self.assertNotIn(secret[3:15], text, 'password part in ' + where)

    def test_http_and_logs(self):
        exp = self.start_exporter(self.config)
        samples, body = exp.scrape()
        # Both probes really ran with the passwords, or this proves nothing.
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'pwmon@' + REALM)
        self.assertProbeFails(samples, WRONG, 'tgt', 'pwmon@' + WRONG,
                              krbtest.KDC_ERR_PREAUTH_FAILED)
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
