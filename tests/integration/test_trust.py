"""
Cross-realm trusts (issue 15).  Realms made here, all served by one
krb5kdc, with their trusts: krbtgt/B.TEST@A.TEST in both A's and B's
database, from one key.  A realm entry without a client is probed for
discovery and its KDCs only; its KDCs serve the walks through it.
"""

import krbtest
from krbtest import select, value

A = 'A.TEST'
B = 'B.TEST'


class NoClientTest(krbtest.TestCase):
    """A realm listed for its KDCs only: no client, no tgt or services."""

    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((A, B))
        cls.addClassCleanup(kdc.cleanup)
        kdc.addprinc('krbmon@' + A)
        cls.keytab = kdc.ktadd('krbmon@' + A)
        kdc.addprinc('HTTP/www.a.test@' + A)
        kdc.start()
        cls.kdcs = ['127.0.0.1:%d' % kdc.port]

    def test_kdc_probe_without_client(self):
        config = krbtest.config_text([
            krbtest.realm_config(A, self.kdcs, 'krbmon@' + A,
                                 keytab=self.keytab,
                                 services=('HTTP/www.a.test',)),
            krbtest.realm_config(B, self.kdcs)])
        exp = self.start_exporter(config)
        samples, text = exp.scrape()
        target = 'udp/127.0.0.1:%d' % self.kdc.port
        self.assertProbeSucceeds(samples, B, 'discovery', B)
        self.assertProbeSucceeds(samples, B, 'kdc', target)
        # Only discovery and the KDC: no tgt, service or trust series.
        self.assertEqual(
            sorted((d['probe'], d['target']) for d, _ in select(
                samples, 'krb5_probe_success', realm=B)),
            [('discovery', B), ('kdc', target)])
        self.assertEqual(select(samples, 'krb5_client_principal_info',
                                realm=B), [])
        # Its KDC answered the probe's made-up name, as for any unknown
        # client, and that answer carries the KDC's clock.
        self.assertEqual(len(select(samples, 'krb5_kdc_clock_skew_seconds',
                                    realm=B, target=target)), 1)
        with open(self.kdc.log_path) as f:
            log = f.read()
        self.assertIn('krb5_exporter/probe@' + B, log)
        # Realm A beside it is untouched.
        self.assertProbeSucceeds(samples, A, 'tgt', 'krbmon@' + A)
        self.assertProbeSucceeds(samples, A, 'service',
                                 'HTTP/www.a.test@' + A)
        self.assertEqual(select(samples, 'krb5_probe_error'), [])
        check = krbtest.promtool_check(text)
        if check is not None:
            self.assertEqual(check[0], 0, check[1])

    def test_check_config_and_once(self):
        config = krbtest.config_text([krbtest.realm_config(B, self.kdcs)])
        workdir = self.make_workdir()
        path = krbtest.write_private(workdir + '/c.conf', config)
        r = krbtest.run_exporter(['--config.file=' + path,
                                  '--check-config'], workdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('configuration OK', r.stdout + r.stderr)
        r = krbtest.run_exporter(['--config.file=' + path, '--once'],
                                 workdir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == '__main__':
    krbtest.main()
