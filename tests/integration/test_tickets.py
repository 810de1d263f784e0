"""
Healthy realms: a monitoring client with a keytab, and one with a password
file, get their TGT and service tickets, and the exporter says so, with the
real kvno of every service and its canonical principal name.
"""

import time

import krbtest
from krbtest import select, value

REALM = 'TICKETS.TEST'
PW_REALM = 'PW.TICKETS.TEST'
EXPIRY = 2114380800   # 2037-01-01 00:00:00 UTC
EXPIRY_TEXT = '2037-01-01 00:00:00 UTC'
class TicketsTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM, PW_REALM))
        cls.addClassCleanup(kdc.cleanup)
        kdc.addprinc('krbmon@' + REALM)
        cls.keytab = kdc.ktadd('krbmon@' + REALM)
        cls.password = krbtest.random_password()
        kdc.addprinc('pwmon@' + PW_REALM, cls.password)
        kdc.modprinc('pwmon@' + PW_REALM, '-pwexpire', '"%s"' % EXPIRY_TEXT)
        cls.pwfile = kdc.password_file(cls.password)
        for realm in (REALM, PW_REALM):
            kdc.addprinc('HTTP/www.example.com@' + realm)
            kdc.addprinc('host/files.example.com@' + realm)
        # A rotated key, so that a kvno of 1 everywhere cannot pass by luck.
        kdc.cpw('host/files.example.com@' + REALM)
        kdc.start()
        cls.kdcs = ['127.0.0.1:%d' % kdc.port]
        cls.services = ('HTTP/www.example.com', 'host/files.example.com')

    def keytab_config(self, transport='udp'):
        return krbtest.config_text([krbtest.realm_config(
            REALM, self.kdcs, 'krbmon@' + REALM, keytab=self.keytab,
            services=self.services, transport=transport)])

    def check_keytab_realm(self, samples):
        self.assertProbeSucceeds(
            samples, REALM, 'tgt', 'krbmon@' + REALM)
        for svc, kvno in (('HTTP/www.example.com', 1),
                          ('host/files.example.com', 2)):
            full = '%s@%s' % (svc, REALM)
            self.assertProbeSucceeds(samples, REALM, 'service', full)
            self.assertEqual(value(samples, 'krb5_service_ticket_kvno',
                                   realm=REALM, principal=full), kvno)
            self.assertEqual(value(samples, 'krb5_service_principal_info',
                                   realm=REALM, service=svc), 1.0)
            self.assertEqual(
                [d['principal'] for d, _ in select(
                    samples, 'krb5_service_principal_info', realm=REALM,
                    service=svc)], [full])

    def test_keytab_client(self):
        exp = self.start_exporter(self.keytab_config())
        samples, _ = exp.scrape()
        self.check_keytab_realm(samples)
        for probe in ('tgt', 'service'):
            for d, v in select(samples, 'krb5_probe_duration_seconds',
                               realm=REALM, probe=probe):
                self.assertGreaterEqual(v, 0.0)
                self.assertLess(v, 10.0)
        # One duration per probe: the configured KDC list, its one KDC,
        # the TGT and each service.
        self.assertEqual(
            sorted((d['probe'], d['target']) for d, _ in select(
                samples, 'krb5_probe_duration_seconds', realm=REALM)),
            sorted([('discovery', REALM),
                    ('kdc', 'udp/127.0.0.1:%d' % self.kdc.port),
                    ('tgt', 'krbmon@' + REALM),
                    ('service', 'HTTP/www.example.com@' + REALM),
                    ('service', 'host/files.example.com@' + REALM)]))
        self.assertEqual(value(samples, 'krb5_kdc_discovered', realm=REALM,
                               source='config'), 1.0)
        self.assertEqual(select(samples, 'krb5_probe_error'), [])
        info = select(samples, 'krb5_exporter_build_info')
        self.assertEqual(len(info), 1)
        self.assertEqual(info[0][1], 1.0)
        self.assertEqual(info[0][0]['version'], krbtest.expected_version())
        for label in ('krb5_version', 'cares_version', 'microhttpd_version'):
            self.assertRegex(info[0][0][label], r'\d+\.\d+')
        self.assertGreaterEqual(
            value(samples, 'krb5_exporter_scrape_duration_seconds'), 0.0)

    def test_keytab_client_tcp_and_both(self):
        for transport in ('tcp', 'both'):
            with self.subTest(transport=transport):
                exp = self.start_exporter(self.keytab_config(transport))
                samples, _ = exp.scrape()
                self.check_keytab_realm(samples)

    def test_password_client(self):
        config = krbtest.config_text([krbtest.realm_config(
            PW_REALM, self.kdcs, 'pwmon@' + PW_REALM,
            password_file=self.pwfile, services=self.services)])
        exp = self.start_exporter(config)
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, PW_REALM, 'tgt', 'pwmon@' + PW_REALM)
        for svc in self.services:
            full = '%s@%s' % (svc, PW_REALM)
            self.assertProbeSucceeds(samples, PW_REALM, 'service', full)
            self.assertEqual(value(samples, 'krb5_service_ticket_kvno',
                                   realm=PW_REALM, principal=full), 1)
        self.assertEqual(value(samples, 'krb5_password_expiry_timestamp_seconds',
                               realm=PW_REALM, principal='pwmon@' + PW_REALM),
                         EXPIRY)

    def test_two_realms_one_kdc(self):
        config = krbtest.config_text([
            krbtest.realm_config(REALM, self.kdcs, 'krbmon@' + REALM,
                                 keytab=self.keytab, services=self.services),
            krbtest.realm_config(PW_REALM, self.kdcs, 'pwmon@' + PW_REALM,
                                 password_file=self.pwfile,
                                 services=self.services)])
        exp = self.start_exporter(config)
        # Scrape twice: the second scrape must not reuse or lose anything.
        for _ in range(2):
            samples, _ = exp.scrape()
            self.check_keytab_realm(samples)
            self.assertProbeSucceeds(samples, PW_REALM, 'tgt',
                                     'pwmon@' + PW_REALM)
        # The keytab realm has no password expiry to report.
        self.assertEqual(select(samples,
                                'krb5_password_expiry_timestamp_seconds',
                                realm=REALM), [])

    def test_probes_run_at_scrape_time(self):
        # A service removed after start must fail on the next scrape.
        kdc = self.kdc
        kdc.addprinc('HTTP/gone.example.com@' + REALM)
        config = krbtest.config_text([krbtest.realm_config(
            REALM, self.kdcs, 'krbmon@' + REALM, keytab=self.keytab,
            services=('HTTP/gone.example.com',))])
        exp = self.start_exporter(config)
        samples, _ = exp.scrape()
        target = 'HTTP/gone.example.com@' + REALM
        self.assertProbeSucceeds(samples, REALM, 'service', target)
        kdc.kadmin('delprinc -force ' + target, realm=REALM)
        time.sleep(0.1)
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'service', target,
                              krbtest.KDC_ERR_S_PRINCIPAL_UNKNOWN)


if __name__ == '__main__':
    krbtest.main()
