"""
KDCs that cannot be reached: a closed port (refused at once) and a KDC that
accepts and never answers (the scrape must still answer before the deadline
Prometheus sends), over UDP and TCP, next to a healthy realm that must stay
healthy; and a KDC that goes away and comes back.
"""

import time

import krbtest
from krbtest import select, value

GOOD = 'GOOD.NET.TEST'
SILENT = 'SILENT.NET.TEST'
CLOSED = 'CLOSED.NET.TEST'
# The scrape timeout Prometheus announces, and the realm budget under it.
HEADER_TIMEOUT = 3
REALM_TIMEOUT = 2.0


class NetworkTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The unreachable realms exist in this KDC's database too, so their
        # keytabs are real; only the address the exporter is given is wrong.
        cls.kdc = kdc = krbtest.KDC((GOOD, SILENT, CLOSED))
        cls.addClassCleanup(kdc.cleanup)
        cls.keytabs = kdc.add_monitoring()
        kdc.start()

    def realm(self, name, port, transport='udp', timeout=5.0):
        return krbtest.realm_config(
            name, ['127.0.0.1:%d' % port], 'krbmon@' + name,
            keytab=self.keytabs[name], services=('HTTP/www.example.com',),
            transport=transport, timeout=timeout)

    def assertUnreachable(self, samples, realm, allowed):
        target = 'krbmon@' + realm
        self.assertEqual(value(samples, 'krb5_probe_success', realm=realm,
                               probe='tgt', target=target), 0.0)
        errors = [(int(d['code']), d['name']) for d, v in select(
            samples, 'krb5_probe_error', realm=realm, probe='tgt',
            target=target) if v == 1.0]
        self.assertEqual(len(errors), 1, errors)
        self.assertIn(errors[0], allowed)

    def test_closed_port(self):
        for transport in ('udp', 'tcp', 'both'):
            with self.subTest(transport=transport):
                realm = CLOSED
                exp = self.start_exporter(krbtest.config_text([
                    self.realm(realm, krbtest.closed_port(), transport)]))
                start = time.monotonic()
                samples, _ = exp.scrape()
                elapsed = time.monotonic() - start
                self.assertUnreachable(samples, realm, [krbtest.KDC_UNREACH])
                # Refusal is immediate; only a generous bound here.
                self.assertLess(elapsed, 5.0)

    def scrape_silent(self, transport):
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        exp = self.start_exporter(krbtest.config_text([
            self.realm(GOOD, self.kdc.port),
            self.realm(SILENT, silent.port, transport,
                       REALM_TIMEOUT)]))
        headers = {'X-Prometheus-Scrape-Timeout-Seconds': str(HEADER_TIMEOUT)}
        start = time.monotonic()
        samples, _ = exp.scrape(headers=headers, timeout=30)
        elapsed = time.monotonic() - start
        # The deadline is a promise of the feature, not a benchmark.
        self.assertLess(elapsed, HEADER_TIMEOUT,
                        'scrape took %.2fs' % elapsed)
        self.assertUnreachable(samples, SILENT,
                               [krbtest.KDC_UNREACH, krbtest.ETIMEDOUT])
        # The silent realm must not take the healthy one down with it.
        self.assertProbeSucceeds(samples, GOOD, 'tgt', 'krbmon@' + GOOD)
        return exp

    def test_silent_udp(self):
        self.scrape_silent('udp')

    def test_silent_tcp(self):
        self.scrape_silent('tcp')

    def test_silent_both(self):
        self.scrape_silent('both')

    def test_deadline_shorter_than_realm_timeout(self):
        # The realm may take 5 s, but Prometheus gives the scrape 2: the
        # header wins and an unfinished probe is reported, not waited for.
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        exp = self.start_exporter(krbtest.config_text([
            self.realm(SILENT, silent.port, 'udp', 5.0)]))
        start = time.monotonic()
        samples, _ = exp.scrape(
            headers={'X-Prometheus-Scrape-Timeout-Seconds': '2'})
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, 2.0, 'scrape took %.2fs' % elapsed)
        self.assertUnreachable(samples, SILENT,
                               [krbtest.KDC_UNREACH, krbtest.ETIMEDOUT])

    def test_kdc_down_and_back(self):
        # A realm of its own, so stopping its KDC does not disturb others.
        kdc = self.make_kdc('RESTART.NET.TEST')
        kdc.addprinc('krbmon')
        keytab = kdc.ktadd('krbmon')
        kdc.addprinc('HTTP/www.example.com')
        kdc.start()
        exp = self.start_exporter(krbtest.config_text([krbtest.realm_config(
            'RESTART.NET.TEST', ['127.0.0.1:%d' % kdc.port],
            'krbmon@RESTART.NET.TEST', keytab=keytab,
            services=('HTTP/www.example.com',), timeout=3.0)]))
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, 'RESTART.NET.TEST', 'tgt',
                                 'krbmon@RESTART.NET.TEST')
        kdc.stop()
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, 'RESTART.NET.TEST', 'tgt',
                              'krbmon@RESTART.NET.TEST', krbtest.KDC_UNREACH)
        kdc.start()
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, 'RESTART.NET.TEST', 'tgt',
                                 'krbmon@RESTART.NET.TEST')


if __name__ == '__main__':
    krbtest.main()
