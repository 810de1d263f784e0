"""
Each way a KDC says no, with the exact krb5 code and symbolic name the
exporter must report for it, and the error counters across scrapes.
"""

import krbtest
from krbtest import select, value

REALM = 'FAILURES.TEST'
SERVICE = 'HTTP/www.example.com'


class FailuresTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC(REALM)
        cls.addClassCleanup(kdc.cleanup)
        cls.password = krbtest.random_password()
        kdc.addprinc('krbmon')
        cls.keytab = kdc.ktadd('krbmon')
        kdc.addprinc('revoked')
        cls.revoked_keytab = kdc.ktadd('revoked')
        kdc.modprinc('revoked', '-allow_tix')
        kdc.addprinc('pwmon', cls.password)
        kdc.addprinc('expired', cls.password)
        kdc.modprinc('expired', '-pwexpire', 'yesterday')
        kdc.addprinc(SERVICE)
        cls.good_pw = kdc.password_file(cls.password, 'good')
        cls.wrong_pw = kdc.password_file('not-' + cls.password, 'wrong')
        kdc.start()
        cls.kdcs = ['127.0.0.1:%d' % kdc.port]

    def exporter(self, principal, services=(SERVICE,), **client):
        config = krbtest.config_text([krbtest.realm_config(
            REALM, self.kdcs, principal, services=services, **client)])
        return self.start_exporter(config)

    def test_revoked_client(self):
        exp = self.exporter('revoked@' + REALM, keytab=self.revoked_keytab)
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'tgt', 'revoked@' + REALM,
                              krbtest.KDC_ERR_CLIENT_REVOKED)

    def test_wrong_password(self):
        exp = self.exporter('pwmon@' + REALM, password_file=self.wrong_pw)
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'tgt', 'pwmon@' + REALM,
                              krbtest.KDC_ERR_PREAUTH_FAILED)

    def test_unknown_client(self):
        exp = self.exporter('nobody@' + REALM, password_file=self.good_pw)
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'tgt', 'nobody@' + REALM,
                              krbtest.KDC_ERR_C_PRINCIPAL_UNKNOWN)

    def test_expired_password(self):
        exp = self.exporter('expired@' + REALM, password_file=self.good_pw)
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'tgt', 'expired@' + REALM,
                              krbtest.KDC_ERR_KEY_EXP)

    def test_unknown_service(self):
        exp = self.exporter('krbmon@' + REALM, keytab=self.keytab,
                            services=(SERVICE, 'HTTP/nope.example.com'))
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        self.assertProbeSucceeds(samples, REALM, 'service',
                                 '%s@%s' % (SERVICE, REALM))
        self.assertProbeFails(samples, REALM, 'service',
                              'HTTP/nope.example.com@' + REALM,
                              krbtest.KDC_ERR_S_PRINCIPAL_UNKNOWN)

    def test_error_counters_grow(self):
        # An unknown service is asked for again on every scrape, so its
        # failures are counted every time.
        exp = self.exporter('krbmon@' + REALM, keytab=self.keytab,
                            services=('HTTP/nope.example.com',))
        code, name = krbtest.KDC_ERR_S_PRINCIPAL_UNKNOWN
        counts = []
        for _ in range(3):
            samples, _ = exp.scrape()
            counts.append(value(samples, 'krb5_probe_errors_total',
                                realm=REALM, probe='service', code=str(code),
                                name=name))
        self.assertEqual(counts, [1.0, 2.0, 3.0])
        # Failing probes are gauges of the current state, not counters.
        self.assertEqual(value(samples, 'krb5_probe_error', realm=REALM,
                               probe='service'), 1.0)

    def test_credential_failure_counted_once_under_the_guard(self):
        # After a credential failure the lockout guard stops presenting the
        # credentials: the error is reported unchanged, but not counted
        # again, and the backoff shows.
        exp = self.exporter('revoked@' + REALM, keytab=self.revoked_keytab)
        code, name = krbtest.KDC_ERR_CLIENT_REVOKED
        for _ in range(3):
            samples, _ = exp.scrape()
            self.assertProbeFails(samples, REALM, 'tgt', 'revoked@' + REALM,
                                  krbtest.KDC_ERR_CLIENT_REVOKED)
        self.assertEqual(value(samples, 'krb5_probe_errors_total', realm=REALM,
                               probe='tgt', code=str(code), name=name), 1.0)
        left = value(samples, 'krb5_probe_backoff_seconds', realm=REALM)
        self.assertGreater(left, 250)
        self.assertLessEqual(left, 300)

    def test_recovery_clears_error(self):
        # Revoke, see the failure, restore, reload (which ends the lockout
        # backoff), see success and no error series; the counter keeps its
        # history.
        self.kdc.addprinc('flappy')
        keytab = self.kdc.ktadd('flappy')
        self.kdc.modprinc('flappy', '-allow_tix')
        exp = self.exporter('flappy@' + REALM, keytab=keytab)
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'tgt', 'flappy@' + REALM,
                              krbtest.KDC_ERR_CLIENT_REVOKED)
        self.kdc.modprinc('flappy', '+allow_tix')
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'tgt', 'flappy@' + REALM,
                              krbtest.KDC_ERR_CLIENT_REVOKED)
        status, _, body = exp.request('POST', '/-/reload')
        self.assertEqual(status, 200, body)
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'flappy@' + REALM)
        self.assertEqual(value(samples, 'krb5_probe_backoff_seconds',
                               realm=REALM), 0.0)
        code, name = krbtest.KDC_ERR_CLIENT_REVOKED
        self.assertEqual(value(samples, 'krb5_probe_errors_total', realm=REALM,
                               probe='tgt', code=str(code), name=name), 1.0)

    def test_promtool_on_failures(self):
        exp = self.exporter('krbmon@' + REALM, keytab=self.keytab,
                            services=(SERVICE, 'HTTP/nope.example.com'))
        exp.scrape()
        _, text = exp.scrape()
        result = krbtest.promtool_check(text)
        if result is None:
            self.skipTest('promtool not installed')
        rc, out = result
        self.assertEqual(rc, 0, out)
        self.assertTrue(select(krbtest.parse_exposition(text),
                               'krb5_probe_errors_total'))


if __name__ == '__main__':
    krbtest.main()
