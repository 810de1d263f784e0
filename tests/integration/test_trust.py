"""
Cross-realm trusts (issue 15).  Realms made here, all served by one
krb5kdc, with their trusts: krbtgt/B.TEST@A.TEST in both A's and B's
database, from one key.  The exporter's client lives in A; its services
are written with the realms they are in (HTTP/www.b.test@B.TEST), and
every hop of the way to them is a trust probe, named by the cross-realm
TGT and failed with the error of the KDC that refused it:

  B  shares the trust key with A: the service in B is had;
  C  is reached through B (capaths); C's KDC takes the transit;
  D  has another key for krbtgt/D.TEST@A.TEST than A: D's KDC refuses it;
  E  has no trust with A at all: A's KDC knows no krbtgt/E.TEST@A.TEST;
  K  holds the trust's key at another kvno (a rotation A missed);
  F  is not in the config: its KDCs are found in DNS;
  G  is not in the config, and DNS knows no KDC of it;
  Y.PARENT.TEST is reached from X.PARENT.TEST through PARENT.TEST, the
     realm hierarchy, which X's KDC hands out (no capaths anywhere);
  S  has a KDC that never answers, U one whose port is closed.

A realm entry without a client is probed for discovery and its KDCs only;
its KDCs serve the walks through it.  The exporter runs with an empty
krb5.conf: libkrb5 can find no KDC of its own.
"""

import shutil
import time

import dnstest
import krbtest
from krbtest import select, value

A, B, C, D, E = 'A.TEST', 'B.TEST', 'C.TEST', 'D.TEST', 'E.TEST'
K, F, G, S, U = 'K.TEST', 'F.TEST', 'G.TEST', 'S.TEST', 'U.TEST'
X, P, Y = 'X.PARENT.TEST', 'PARENT.TEST', 'Y.PARENT.TEST'

BAD_INTEGRITY = (-1765328353, 'KRB5KRB_AP_ERR_BAD_INTEGRITY')
ERR_GENERIC = (-1765328324, 'KRB5KRB_ERR_GENERIC')
REALM_CANT_RESOLVE = (-1765328164, 'KRB5_REALM_CANT_RESOLVE')
KT_NOTFOUND = (-1765328203, 'KRB5_KT_NOTFOUND')


def www(realm):
    """The service every realm here has: HTTP/www.<realm>@REALM."""
    return 'HTTP/www.%s@%s' % (realm.lower(), realm)


def tgt(to, frm):
    return 'krbtgt/%s@%s' % (to, frm)


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


class TrustTest(krbtest.TestCase):
    """Every kind of trust, working and broken, in one scrape."""

    @classmethod
    def setUpClass(cls):
        realms = (A, B, C, D, E, K, F, G, X, P, Y)
        cls.kdc = kdc = krbtest.KDC(realms)
        cls.addClassCleanup(kdc.cleanup)
        kdc.addprinc('krbmon@' + A)
        cls.keytab = kdc.ktadd('krbmon@' + A)
        kdc.addprinc('krbmon@' + X)
        cls.x_keytab = kdc.ktadd('krbmon@' + X)
        for realm in realms:
            kdc.addprinc(www(realm))
        kdc.add_trust(A, B)
        kdc.add_trust(B, C)
        kdc.add_capath(A, C, [B])
        kdc.add_trust(A, D, server_password=krbtest.random_password())
        kdc.add_trust(A, K, kvno=5)
        kdc.add_trust(A, F)
        kdc.add_trust(A, G)
        kdc.add_trust(X, P)
        kdc.add_trust(P, Y)
        kdc.start()
        cls.kdcs = ['127.0.0.1:%d' % kdc.port]
        cls.dns = None
        if shutil.which('dnsmasq') or shutil.which('/usr/sbin/dnsmasq'):
            cls.dns = dns = dnstest.DNSServer(
                srv=[('_kerberos._udp.' + F, 'kdc.f.test', kdc.port, 0, 0)],
                hosts=[('kdc.f.test', krbtest.LOOPBACK)])
            cls.addClassCleanup(dns.cleanup)
            dns.start()

    def config(self, client='krbmon@' + A, keytab=None):
        services = [www(r) for r in (A, B, C, D, E, K, G)]
        if self.dns is not None:
            services.append(www(F))
        groups = [krbtest.realm_config(
            A, self.kdcs, client, keytab=keytab or self.keytab,
            services=services,
            extra='capaths = ( { realm = "%s"; via = ( "%s" ); } );'
                  % (C, B))]
        groups += [krbtest.realm_config(r, self.kdcs)
                   for r in (B, C, D, E, K, P, Y)]
        groups.append(krbtest.realm_config(X, self.kdcs, 'krbmon@' + X,
                                           keytab=self.x_keytab,
                                           services=(www(Y),)))
        dns = dnstest.dns_config([self.dns.server]) if self.dns else ''
        return dns + krbtest.config_text(groups)

    def test_trusts(self):
        exp = self.start_exporter(self.config())
        samples, text = exp.scrape()
        # A and B share the key: the hop holds, the service is had.
        self.assertProbeSucceeds(samples, A, 'trust', tgt(B, A))
        self.assertProbeSucceeds(samples, A, 'service', www(B))
        self.assertEqual(value(samples, 'krb5_service_ticket_kvno',
                               realm=A, principal=www(B)), 1)
        # Through B to C, as capaths say: both hops, then the service.
        self.assertProbeSucceeds(samples, A, 'trust', tgt(C, B))
        self.assertProbeSucceeds(samples, A, 'service', www(C))
        # D's copy of the trust has another key: D's KDC refuses it.
        self.assertProbeFails(samples, A, 'trust', tgt(D, A), BAD_INTEGRITY)
        self.assertProbeFails(samples, A, 'service', www(D), BAD_INTEGRITY)
        # No trust to E: A's KDC has no such principal.
        self.assertProbeFails(samples, A, 'trust', tgt(E, A),
                              krbtest.KDC_ERR_S_PRINCIPAL_UNKNOWN)
        self.assertProbeFails(samples, A, 'service', www(E),
                              krbtest.KDC_ERR_S_PRINCIPAL_UNKNOWN)
        # K holds the key at kvno 5, A issues kvno 1: MIT's KDC says
        # KRB_ERR_GENERIC with "PROCESS_TGS", which the hop is blamed for.
        self.assertProbeFails(samples, A, 'trust', tgt(K, A), ERR_GENERIC)
        # G is in no config and no DNS: no KDC of it to present the TGT to.
        self.assertProbeFails(samples, A, 'trust', tgt(G, A),
                              REALM_CANT_RESOLVE)
        if self.dns is not None:
            # F is in no config, but in DNS.
            self.assertProbeSucceeds(samples, A, 'trust', tgt(F, A))
            self.assertProbeSucceeds(samples, A, 'service', www(F))
        # The realm hierarchy: X's KDC hands out the TGT of PARENT.TEST
        # when asked for Y's, and the walk follows it there.
        self.assertProbeSucceeds(samples, X, 'trust', tgt(P, X))
        self.assertProbeSucceeds(samples, X, 'trust', tgt(Y, P))
        self.assertProbeSucceeds(samples, X, 'service', www(Y))
        self.assertEqual(select(samples, 'krb5_probe_success', realm=X,
                                probe='trust', target=tgt(Y, X)), [])
        # Every hop once, and none of the realms without a client has a
        # trust, tgt or service series of its own.
        hops = sorted(d['target'] for d, _ in select(
            samples, 'krb5_probe_success', realm=A, probe='trust'))
        self.assertEqual(hops, sorted(
            [tgt(B, A), tgt(C, B), tgt(D, A), tgt(E, A), tgt(K, A),
             tgt(G, A)] + ([tgt(F, A)] if self.dns else [])))
        for realm in (B, C, D, E, K, P, Y):
            self.assertEqual(
                sorted({d['probe'] for d, _ in select(
                    samples, 'krb5_probe_success', realm=realm)}),
                ['discovery', 'kdc'])
        self.assertProbeSucceeds(samples, A, 'service', www(A))
        self.assertProbeSucceeds(samples, A, 'tgt', 'krbmon@' + A)
        check = krbtest.promtool_check(text)
        if check is not None:
            self.assertEqual(check[0], 0, check[1])
        # A second scrape says the same: nothing kept from the first
        # decides the second.
        again, _ = exp.scrape()
        for hop, ok in ((tgt(B, A), 1.0), (tgt(D, A), 0.0),
                        (tgt(E, A), 0.0)):
            self.assertEqual(value(again, 'krb5_probe_success', realm=A,
                                   probe='trust', target=hop), ok)

    def test_messages_name_the_refusing_kdc(self):
        """--once says which KDC refused which trust, and why."""
        workdir = self.make_workdir()
        path = krbtest.write_private(workdir + '/c.conf', self.config())
        r = krbtest.run_exporter(['--config.file=' + path, '--once'],
                                 workdir)
        out = r.stdout + r.stderr
        label = 'udp/127.0.0.1:%d' % self.kdc.port
        for want in ('the KDC %s of realm %s did not take the cross-realm '
                     'TGT: Decrypt integrity check failed' % (label, D),
                     'the KDCs of realm %s have no trust to %s' % (A, E),
                     'of realm %s did not take the cross-realm TGT: KDC '
                     'returned error string: PROCESS_TGS' % K,
                     'Cannot find KDC for realm \'%s\'' % G):
            self.assertTrue(want in out, '%r not in --once:\n%s'
                            % (want, r.stderr))

    def test_no_tgt(self):
        """Without a TGT the hops are not walked: they fail with its
        error, and keep their series."""
        exp = self.start_exporter(self.config(client='nobody@' + A))
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, A, 'tgt', 'nobody@' + A, KT_NOTFOUND)
        for hop in (tgt(B, A), tgt(C, B), tgt(D, A)):
            self.assertProbeFails(samples, A, 'trust', hop, KT_NOTFOUND)


class UnreachableTest(krbtest.TestCase):
    """Trusted realms whose KDCs cannot be reached: the deadline holds."""

    TIMEOUT = 3.0

    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((A, S, U))
        cls.addClassCleanup(kdc.cleanup)
        kdc.addprinc('krbmon@' + A)
        cls.keytab = kdc.ktadd('krbmon@' + A)
        kdc.addprinc(www(A))
        kdc.add_trust(A, S)
        kdc.add_trust(A, U)
        kdc.start()
        cls.silent = krbtest.SilentKDC()
        cls.addClassCleanup(cls.silent.close)
        cls.closed = krbtest.closed_port()

    def test_silent_and_closed(self):
        kdcs = ['127.0.0.1:%d' % self.kdc.port]
        config = krbtest.config_text([
            krbtest.realm_config(A, kdcs, 'krbmon@' + A, keytab=self.keytab,
                                 services=(www(A), www(U), www(S)),
                                 timeout=self.TIMEOUT),
            krbtest.realm_config(U, ['127.0.0.1:%d' % self.closed],
                                 timeout=self.TIMEOUT),
            krbtest.realm_config(S, ['127.0.0.1:%d' % self.silent.port],
                                 timeout=self.TIMEOUT)])
        exp = self.start_exporter(config)
        start = time.monotonic()
        samples, _ = exp.scrape()
        took = time.monotonic() - start
        self.assertLess(took, self.TIMEOUT + 1.5)
        # A's own service is asked for beside the others, and had.
        self.assertProbeSucceeds(samples, A, 'service', www(A))
        self.assertProbeFails(samples, A, 'trust', tgt(S, A),
                              krbtest.ETIMEDOUT)
        self.assertProbeFails(samples, A, 'service', www(S),
                              krbtest.ETIMEDOUT)
        self.assertProbeFails(samples, A, 'trust', tgt(U, A),
                              krbtest.KDC_UNREACH)
        # The realms' own kdc probes say the same of their KDCs.
        self.assertEqual(value(samples, 'krb5_probe_success', realm=S,
                               probe='kdc'), 0.0)
        self.assertEqual(value(samples, 'krb5_probe_success', realm=U,
                               probe='kdc'), 0.0)


if __name__ == '__main__':
    krbtest.main()
