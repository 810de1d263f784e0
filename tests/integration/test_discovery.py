"""
KDC discovery and service host canonicalisation through DNS, against a real
dnsmasq on loopback: KDCs found in SRV records (filtered by transport) and
in URI records (which win over SRV), a realm DNS knows nothing of, a
resolver that never answers, and service host names followed through CNAME
and PTR records, or not found at all.
"""

import time

import dnstest
import krbtest
from krbtest import select, value

SRV_REALM = 'SRV.DISC.TEST'
URI_REALM = 'URI.DISC.TEST'
NX_REALM = 'NX.DISC.TEST'
HUSH_REALM = 'HUSH.DISC.TEST'
FWD_REALM = 'FWD.DISC.TEST'
REV_REALM = 'REV.DISC.TEST'
GHOST_REALM = 'GHOST.DISC.TEST'
REALMS = (SRV_REALM, URI_REALM, NX_REALM, HUSH_REALM, FWD_REALM, REV_REALM,
          GHOST_REALM)

# Host names in DNS.  The KDC listens on 127.0.0.1 only, so every KDC name
# points there; the canonicalisation hosts get addresses of their own so
# that their PTR records are the only ones for those addresses.
KDC1 = 'kdc1.example.test'       # the live KDC
KDC2 = 'kdc2.example.test'       # a closed port on the same address
GHOST = 'ghost.example.test'     # named by an SRV record, not in DNS
WEB01_ADDR = '127.0.0.6'
WEB02_ADDR = '127.0.0.9'

REALM_CANT_RESOLVE = (-1765328164, 'KRB5_REALM_CANT_RESOLVE')
ECONNREFUSED = (111, 'ECONNREFUSED')

# The scrape timeout Prometheus announces, and the realm budget under it,
# for the resolver that never answers.
HEADER_TIMEOUT = 4
HUSH_TIMEOUT = 3.0


class DiscoveryTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC(REALMS)
        cls.addClassCleanup(kdc.cleanup)
        cls.keytabs = {}
        for realm in REALMS:
            kdc.addprinc('krbmon@' + realm)
            cls.keytabs[realm] = kdc.ktadd('krbmon@' + realm)
            kdc.addprinc('HTTP/www.example.com@' + realm)
        # Forward: www is a CNAME of web01, and only web01 has a key...
        kdc.addprinc('HTTP/web01.example.test@' + FWD_REALM)
        # ...while these exist too, so that a probe that skipped or
        # misapplied canonicalisation would still get a ticket, under a
        # name the assertions refuse.
        kdc.addprinc('HTTP/www.example.test@' + FWD_REALM)
        kdc.addprinc('HTTP/ptr-only.example.test@' + FWD_REALM)
        kdc.addprinc('HTTP/missing.example.test@' + FWD_REALM)
        # Reverse: www2 is a CNAME of web02, whose address's PTR says
        # other.example.test.
        kdc.addprinc('HTTP/other.example.test@' + REV_REALM)
        kdc.addprinc('HTTP/www2.example.test@' + REV_REALM)
        kdc.addprinc('HTTP/web02.example.test@' + REV_REALM)
        kdc.start()
        cls.closed = krbtest.closed_port()

        port, closed = kdc.port, cls.closed
        cls.dns = dns = dnstest.DNSServer(
            srv=[
                # UDP: the closed port has the better priority, so it is
                # listed (and tried) first.
                ('_kerberos._udp.' + SRV_REALM, KDC2, closed, 0, 10),
                ('_kerberos._udp.' + SRV_REALM, KDC1, port, 10, 10),
                ('_kerberos._tcp.' + SRV_REALM, KDC1, port, 0, 10),
                # URI records must win over this SRV record.
                ('_kerberos._udp.' + URI_REALM, KDC2, closed, 0, 0),
                # A KDC name that does not resolve, listed first.
                ('_kerberos._udp.' + GHOST_REALM, GHOST, 88, 0, 0),
                ('_kerberos._udp.' + GHOST_REALM, KDC1, port, 1, 0),
            ],
            uri=[
                ('_kerberos.' + URI_REALM, 10, 1,
                 'krb5srv:m:udp:%s:%d' % (KDC1, port)),
                ('_kerberos.' + URI_REALM, 20, 1,
                 'krb5srv::tcp:%s:%d' % (KDC1, port)),
            ],
            hosts=[(KDC1, krbtest.LOOPBACK), (KDC2, krbtest.LOOPBACK)],
            # A records without the PTR dnsmasq would add for a host record.
            a=[('web01.example.test', WEB01_ADDR),
               ('web02.example.test', WEB02_ADDR)],
            cname=[('www.example.test', 'web01.example.test'),
                   ('www2.example.test', 'web02.example.test')],
            ptr=[(dnstest.reverse_name(WEB01_ADDR), 'ptr-only.example.test'),
                 (dnstest.reverse_name(WEB02_ADDR), 'other.example.test')])
        cls.addClassCleanup(dns.cleanup)
        dns.start()

    def config(self, *groups, servers=None, dns_timeout=None):
        return dnstest.config_text(list(groups), dns=dnstest.dns_config(
            servers or [self.dns.server], dns_timeout))

    def realm(self, realm, **kw):
        return dnstest.realm_config(realm, 'krbmon@' + realm,
                                    self.keytabs[realm], **kw)

    def kdc_targets(self, samples, realm):
        return {d['target']: v for d, v in select(
            samples, 'krb5_probe_success', realm=realm, probe='kdc')}

    def discovered(self, samples, realm):
        return {d['source']: v for d, v in select(
            samples, 'krb5_kdc_discovered', realm=realm)}

    # --- the fixture itself ---------------------------------------------

    def test_dnsmasq_answers_what_the_tests_rely_on(self):
        # The PTR of each canonicalisation address is exactly the one given,
        # and the realm with no records gets NXDOMAIN, not REFUSED.
        for addr, name in ((WEB01_ADDR, 'ptr-only.example.test'),
                           (WEB02_ADDR, 'other.example.test')):
            rcode, answers = self.dns.query(dnstest.reverse_name(addr),
                                            dnstest.TYPE_PTR)
            self.assertEqual((rcode, [a[2] for a in answers]),
                             (dnstest.RCODE_NOERROR, [name]))
        rcode, answers = self.dns.query('_kerberos.' + URI_REALM,
                                        dnstest.TYPE_URI, tcp=True)
        self.assertEqual(sorted(a[2] for a in answers), [
            (10, 1, 'krb5srv:m:udp:%s:%d' % (KDC1, self.kdc.port)),
            (20, 1, 'krb5srv::tcp:%s:%d' % (KDC1, self.kdc.port))])
        for qtype in (dnstest.TYPE_URI, dnstest.TYPE_SRV):
            name = ('_kerberos.' if qtype == dnstest.TYPE_URI
                    else '_kerberos._udp.') + NX_REALM
            self.assertEqual(self.dns.query(name, qtype),
                             (dnstest.RCODE_NXDOMAIN, []))

    # --- discovery ------------------------------------------------------

    def test_srv_discovery(self):
        port, closed = self.kdc.port, self.closed
        live_udp = 'udp/%s:%d' % (KDC1, port)
        dead_udp = 'udp/%s:%d' % (KDC2, closed)
        live_tcp = 'tcp/%s:%d' % (KDC1, port)
        # Each transport sees only its own SRV records.
        cases = (('udp', {live_udp: 1.0, dead_udp: 0.0}),
                 ('tcp', {live_tcp: 1.0}),
                 ('both', {live_udp: 1.0, dead_udp: 0.0, live_tcp: 1.0}))
        for transport, expected in cases:
            with self.subTest(transport=transport):
                exp = self.start_exporter(self.config(self.realm(
                    SRV_REALM, services=('HTTP/www.example.com',),
                    transport=transport)))
                samples, _ = exp.scrape()
                self.assertEqual(self.discovered(samples, SRV_REALM),
                                 {'dns_srv': float(len(expected))})
                self.assertProbeSucceeds(samples, SRV_REALM, 'discovery',
                                         SRV_REALM)
                self.assertEqual(self.kdc_targets(samples, SRV_REALM),
                                 expected)
                for target, up in expected.items():
                    if up:
                        self.assertProbeSucceeds(samples, SRV_REALM, 'kdc',
                                                 target)
                    else:
                        self.assertProbeFails(samples, SRV_REALM, 'kdc',
                                              target, ECONNREFUSED)
                self.assertProbeSucceeds(samples, SRV_REALM, 'tgt',
                                         'krbmon@' + SRV_REALM)
                self.assertProbeSucceeds(
                    samples, SRV_REALM, 'service',
                    'HTTP/www.example.com@' + SRV_REALM)

    def test_uri_discovery_wins_over_srv(self):
        port = self.kdc.port
        exp = self.start_exporter(self.config(self.realm(
            URI_REALM, services=('HTTP/www.example.com',),
            transport='both')))
        samples, _ = exp.scrape()
        self.assertEqual(self.discovered(samples, URI_REALM),
                         {'dns_uri': 2.0})
        self.assertProbeSucceeds(samples, URI_REALM, 'discovery', URI_REALM)
        # The SRV record's closed port is never probed.
        self.assertEqual(self.kdc_targets(samples, URI_REALM), {
            'udp/%s:%d' % (KDC1, port): 1.0,
            'tcp/%s:%d' % (KDC1, port): 1.0})
        self.assertProbeSucceeds(samples, URI_REALM, 'tgt',
                                 'krbmon@' + URI_REALM)
        self.assertProbeSucceeds(samples, URI_REALM, 'service',
                                 'HTTP/www.example.com@' + URI_REALM)

    def test_kdc_name_that_does_not_resolve(self):
        exp = self.start_exporter(self.config(self.realm(
            GHOST_REALM, services=('HTTP/www.example.com',))))
        samples, _ = exp.scrape()
        self.assertEqual(self.discovered(samples, GHOST_REALM),
                         {'dns_srv': 2.0})
        self.assertProbeSucceeds(samples, GHOST_REALM, 'discovery',
                                 GHOST_REALM)
        ghost = 'udp/%s:88' % GHOST
        live = 'udp/%s:%d' % (KDC1, self.kdc.port)
        self.assertEqual(self.kdc_targets(samples, GHOST_REALM),
                         {ghost: 0.0, live: 1.0})
        self.assertProbeFails(samples, GHOST_REALM, 'kdc', ghost,
                              dnstest.ARES_ENOTFOUND)
        self.assertProbeSucceeds(samples, GHOST_REALM, 'tgt',
                                 'krbmon@' + GHOST_REALM)
        self.assertProbeSucceeds(samples, GHOST_REALM, 'service',
                                 'HTTP/www.example.com@' + GHOST_REALM)

    def test_realm_unknown_to_dns(self):
        exp = self.start_exporter(self.config(self.realm(
            NX_REALM, services=('HTTP/www.example.com',))))
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, NX_REALM, 'discovery', NX_REALM,
                              dnstest.ARES_ENOTFOUND)
        self.assertEqual(self.kdc_targets(samples, NX_REALM), {})
        self.assertProbeFails(samples, NX_REALM, 'tgt', 'krbmon@' + NX_REALM,
                              REALM_CANT_RESOLVE)
        self.assertProbeFails(samples, NX_REALM, 'service',
                              'HTTP/www.example.com@' + NX_REALM,
                              REALM_CANT_RESOLVE)

    def test_resolver_never_answers(self):
        silent = dnstest.SilentResolver()
        self.addCleanup(silent.close)
        exp = self.start_exporter(self.config(
            self.realm(HUSH_REALM, timeout=HUSH_TIMEOUT),
            servers=[silent.server]))
        start = time.monotonic()
        samples, _ = exp.scrape(headers={
            'X-Prometheus-Scrape-Timeout-Seconds': str(HEADER_TIMEOUT)})
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, HEADER_TIMEOUT, 'scrape took %.2fs' % elapsed)
        self.assertProbeFails(samples, HUSH_REALM, 'discovery', HUSH_REALM,
                              dnstest.ARES_ETIMEOUT)
        self.assertEqual(value(samples, 'krb5_probe_success', realm=HUSH_REALM,
                               probe='tgt', target='krbmon@' + HUSH_REALM),
                         0.0)

    # --- canonicalisation -------------------------------------------------

    def test_canonicalize_forward_and_reverse(self):
        port = ['127.0.0.1:%d' % self.kdc.port]
        exp = self.start_exporter(self.config(
            self.realm(FWD_REALM, kdcs=port, canonicalize='forward',
                       services=('HTTP/www.example.test',)),
            self.realm(REV_REALM, kdcs=port, canonicalize='reverse',
                       services=('HTTP/www2.example.test',))))
        samples, _ = exp.scrape()
        for realm, service, principal in (
                (FWD_REALM, 'HTTP/www.example.test',
                 'HTTP/web01.example.test@' + FWD_REALM),
                (REV_REALM, 'HTTP/www2.example.test',
                 'HTTP/other.example.test@' + REV_REALM)):
            with self.subTest(realm=realm):
                self.assertProbeSucceeds(samples, realm, 'tgt',
                                         'krbmon@' + realm)
                self.assertEqual(
                    [(d['principal'], v) for d, v in select(
                        samples, 'krb5_service_principal_info', realm=realm,
                        service=service)], [(principal, 1.0)])
                self.assertProbeSucceeds(samples, realm, 'service',
                                         principal)
                self.assertEqual(
                    [d['target'] for d, _ in select(
                        samples, 'krb5_probe_success', realm=realm,
                        probe='service')], [principal])
                self.assertEqual(value(samples, 'krb5_service_ticket_kvno',
                                       realm=realm, principal=principal), 1)

    def test_canonicalize_failure(self):
        # The name as written exists in the KDC: no fallback to it.
        exp = self.start_exporter(self.config(self.realm(
            FWD_REALM, kdcs=['127.0.0.1:%d' % self.kdc.port],
            canonicalize='forward',
            services=('HTTP/missing.example.test', 'HTTP/www.example.test'))))
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, FWD_REALM, 'tgt',
                                 'krbmon@' + FWD_REALM)
        self.assertProbeFails(samples, FWD_REALM, 'service',
                              'HTTP/missing.example.test@' + FWD_REALM,
                              dnstest.ARES_ENOTFOUND)
        self.assertEqual(select(samples, 'krb5_service_principal_info',
                                service='HTTP/missing.example.test'), [])
        # The other service of the realm is not disturbed.
        self.assertProbeSucceeds(samples, FWD_REALM, 'service',
                                 'HTTP/web01.example.test@' + FWD_REALM)


if __name__ == '__main__':
    krbtest.main()
