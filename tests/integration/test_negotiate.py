"""
The http probe against real peers (issue 13): an Apache httpd with
mod_auth_gssapi on loopback, over HTTP and over HTTPS with a test CA, takes
the exporter's ticket and proves with its mutual-authentication token that
it holds the key.  A server whose keytab is stale (the key rotated on the
KDC afterwards) answers 401; a server that answers 200 with no token, or
with a token that is none, has proved nothing.  A closed port, a name that
does not resolve, a certificate from a CA we do not trust and a server
that never answers each fail with their own name, and the last one within
the realm's deadline.  One principal in front of several URLs is asked
for once per scrape, and the GSS-API library never asks a KDC itself.
"""

import base64
import re
import time
import unittest

import dnstest
import httpd
import krbtest
from krbtest import select, value

REALM = 'NEGO.TEST'
DOMAIN = 'nego.test'
MUT_FAIL = (-1765328338, 'KRB5KRB_AP_ERR_MUT_FAIL')
S_UNKNOWN = krbtest.KDC_ERR_S_PRINCIPAL_UNKNOWN
HTTP_UNAUTHORIZED = (401, 'HTTP_UNAUTHORIZED')
ECONNREFUSED = (111, 'ECONNREFUSED')
ARES_ENOTFOUND = dnstest.ARES_ENOTFOUND
PEER_FAILED_VERIFICATION = (60, 'CURLE_PEER_FAILED_VERIFICATION')

HOSTS = ('web', 'stale', 'notoken', 'junk', 'closed', 'silent', 'nokdc')


def host(name):
    return '%s.%s' % (name, DOMAIN)


def config(kdc, dns, keytab, services, timeout=5.0, canonicalize=None):
    lines = [dnstest.dns_config([dns.server]).rstrip('\n'),
             'realms = (', '  { realm = "%s";' % REALM,
             '    kdcs = ( "127.0.0.1:%d" );' % kdc.port,
             '    timeout = %s;' % repr(float(timeout))]
    if canonicalize:
        lines.append('    canonicalize = "%s";' % canonicalize)
    lines += ['    client = { principal = "krbmon@%s"; keytab = "%s"; };'
              % (REALM, keytab),
              '    services = ( %s );' % ',\n      '.join(services),
              '  }', ');']
    return '\n'.join(lines) + '\n'


def tgs_requests(kdc, since, server):
    """The TGS requests for server in the KDC's log after offset since."""
    return [line for line in kdc._log_since(since).splitlines()
            if 'TGS_REQ' in line and ('for %s@%s' % (server, REALM)) in line]


@unittest.skipUnless(httpd.available(), 'apache2 and '
                     'libapache2-mod-auth-gssapi are not installed')
class NegotiateTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC(REALM)
        cls.addClassCleanup(kdc.cleanup)
        kdc.addprinc('krbmon@' + REALM)
        cls.keytab = kdc.ktadd('krbmon@' + REALM)
        for name in HOSTS:
            if name != 'nokdc':
                kdc.addprinc('HTTP/%s@%s' % (host(name), REALM))
        # The server's keytab: web's key, and stale's key before it is
        # rotated on the KDC, which the server then never learns.
        server_kt = kdc.ktadd('HTTP/%s@%s' % (host('web'), REALM),
                              keytab=kdc.dir + '/server.keytab')
        kdc.ktadd('HTTP/%s@%s' % (host('stale'), REALM), keytab=server_kt)
        kdc.cpw('HTTP/%s@%s' % (host('stale'), REALM))
        kdc.start()

        cls.dns = dnstest.DNSServer(
            hosts=[(host(n), '127.0.0.1') for n in HOSTS])
        cls.addClassCleanup(cls.dns.cleanup)
        cls.dns.start()

        cls.httpd = httpd.Httpd(server_kt, tls_names=(host('web'),),
                                krb5_conf=kdc.krb5_conf)
        cls.addClassCleanup(cls.httpd.cleanup)
        cls.httpd.start()
        cls.notoken = httpd.NegotiatePeer(200)
        cls.addClassCleanup(cls.notoken.close)
        cls.junk = httpd.NegotiatePeer(
            200, base64.b64encode(b'no GSS-API token at all').decode())
        cls.addClassCleanup(cls.junk.close)
        cls.closed = krbtest.closed_port()

    def urls(self):
        h = self.httpd
        return {
            'http': 'http://%s:%d/index.html' % (host('web'), h.port),
            'https': 'https://%s:%d/index.html' % (host('web'), h.tls_port),
            'untrusted': 'https://%s:%d/other.html' % (host('web'),
                                                       h.tls_port),
            'stale': 'http://%s:%d/index.html' % (host('stale'), h.port),
            'notoken': 'http://%s:%d/' % (host('notoken'), self.notoken.port),
            'junk': 'http://%s:%d/' % (host('junk'), self.junk.port),
            'closed': 'http://%s:%d/' % (host('closed'), self.closed),
            'nothere': 'http://nothere.%s:%d/' % (DOMAIN, h.port),
            'nokdc': 'http://%s:%d/' % (host('nokdc'), h.port),
        }

    def services(self):
        u = self.urls()
        web = 'HTTP/' + host('web')
        return [
            httpd.service_entry(url=u['http']),
            httpd.service_entry(url=u['https'], ca_file=self.httpd.ca_file),
            httpd.service_entry(url=u['untrusted'], principal=web),
            httpd.service_entry(url=u['stale']),
            httpd.service_entry(url=u['notoken']),
            httpd.service_entry(url=u['junk']),
            httpd.service_entry(url=u['closed']),
            # A name that does not resolve, for a principal that exists.
            httpd.service_entry(url=u['nothere'], principal=web),
            # A host whose principal the KDC does not know.
            httpd.service_entry(url=u['nokdc']),
        ]

    def test_probes(self):
        u = self.urls()
        # The exporter's krb5.conf names the KDC (krbtest gives it an empty
        # one otherwise): were the GSS-API library to ask a KDC itself, it
        # would find this one, and the count of TGS requests would show it.
        workdir = self.make_workdir()
        with open(workdir + '/empty-krb5.conf', 'w') as f:
            f.write(self.kdc.client_krb5_conf())
        exp = self.start_exporter(config(self.kdc, self.dns, self.keytab,
                                         self.services()), workdir=workdir)
        since = len(self.kdc._log_since(0))
        samples, text = exp.scrape()

        self.assertProbeSucceeds(samples, REALM, 'http', u['http'])
        self.assertProbeSucceeds(samples, REALM, 'http', u['https'])
        # The stale keytab: the KDC issues the ticket, the server cannot
        # decrypt it, and says so with its 401.
        self.assertProbeSucceeds(samples, REALM, 'service',
                                 'HTTP/%s@%s' % (host('stale'), REALM))
        self.assertProbeFails(samples, REALM, 'http', u['stale'],
                              HTTP_UNAUTHORIZED)
        # A 200 proves nothing without the server's token.
        self.assertProbeFails(samples, REALM, 'http', u['notoken'], MUT_FAIL)
        self.assertEqual(value(samples, 'krb5_probe_success', realm=REALM,
                               probe='http', target=u['junk']), 0)
        [(junk, _)] = select(samples, 'krb5_probe_error', realm=REALM,
                             probe='http', target=u['junk'])
        self.assertNotIn(junk['name'], ('NONE', 'UNKNOWN', MUT_FAIL[1]))
        self.assertTrue(junk['name'].startswith(('GSS_S_', 'KRB5', 'ASN1')),
                        junk)
        self.assertProbeFails(samples, REALM, 'http', u['untrusted'],
                              PEER_FAILED_VERIFICATION)
        self.assertProbeFails(samples, REALM, 'http', u['closed'],
                              ECONNREFUSED)
        self.assertProbeFails(samples, REALM, 'http', u['nothere'],
                              ARES_ENOTFOUND)
        # No ticket, no try: the service's own error.
        self.assertProbeFails(samples, REALM, 'service',
                              'HTTP/%s@%s' % (host('nokdc'), REALM),
                              S_UNKNOWN)
        self.assertProbeFails(samples, REALM, 'http', u['nokdc'], S_UNKNOWN)
        self.assertGreater(value(samples, 'krb5_probe_duration_seconds',
                                 realm=REALM, probe='http',
                                 target=u['https']), 0)

        # HTTP/web.nego.test stands in front of four URLs: one TGS
        # request, the service probe's, and each other service one too
        # (libkrb5 asks for an unknown one again without referrals): the
        # GSS-API library asked the KDC for nothing.
        for name in ('web', 'stale', 'notoken', 'junk', 'closed'):
            self.assertEqual(len(tgs_requests(self.kdc, since,
                                              'HTTP/' + host(name))), 1,
                             name)
        all_tgs = [line for line in self.kdc._log_since(since).splitlines()
                   if 'TGS_REQ' in line]
        self.assertEqual(len(all_tgs), 7, '\n'.join(all_tgs))
        # The server saw the monitoring principal, over HTTP and HTTPS.
        self.assertIn('krbmon@%s "GET /index.html HTTP/1.1" 200'
                      % REALM, self.httpd.access())
        # The peers were sent the header, once each per scrape.
        self.assertEqual(len(self.notoken.authorizations), 1)
        self.assertTrue(self.notoken.authorizations[0].startswith(
            'Negotiate '))

    def test_debug_page(self):
        u = self.urls()
        exp = self.start_exporter(config(self.kdc, self.dns, self.keytab,
                                         self.services()[:4]))
        status, _, body = exp.get('/probe?realm=%s&debug=true' % REALM)
        self.assertEqual(status, 200, body)
        for step in ('SPNEGO token for HTTP/%s@%s' % (host('web'), REALM),
                     'curl is pinned to it',
                     'GET with Authorization: Negotiate (credentials not '
                     'shown)',
                     'status 200 after',
                     'with a Negotiate token back',
                     'mutual authentication verified',
                     'status 401 after',
                     'HTTP_UNAUTHORIZED'):
            self.assertIn(step, body)
        self.assertIn(u['https'], body)
        # No token, no header value: nothing base64 after "Negotiate".
        self.assertIsNone(re.search(r'Negotiate [A-Za-z0-9+/]{16}', body))

    def test_silent_server(self):
        with krbtest.SilentKDC() as silent:
            url = 'http://%s:%d/' % (host('silent'), silent.port)
            exp = self.start_exporter(config(
                self.kdc, self.dns, self.keytab,
                [httpd.service_entry(url=url),
                 httpd.service_entry(url=self.urls()['http'])],
                timeout=2.0))
            start = time.monotonic()
            samples, _ = exp.scrape()
            took = time.monotonic() - start
        # The deadline holds, and the other URL, probed at once beside it,
        # is not held up by it.
        self.assertLess(took, 3.5)
        self.assertProbeFails(samples, REALM, 'http', url, krbtest.ETIMEDOUT)
        self.assertProbeSucceeds(samples, REALM, 'http', self.urls()['http'])
        self.assertLess(value(samples, 'krb5_probe_duration_seconds',
                              realm=REALM, probe='http',
                              target=self.urls()['http']), 1.0)

    def test_canonicalized_principal(self):
        # The default principal is canonicalised as the realm says: an
        # alias whose CNAME is web.nego.test gets web's ticket.
        with dnstest.DNSServer(
                hosts=[(host('web'), '127.0.0.1')],
                cname=[('alias.' + DOMAIN, host('web'))]) as dns:
            dns.start()
            url = 'http://alias.%s:%d/index.html' % (DOMAIN, self.httpd.port)
            exp = self.start_exporter(config(
                self.kdc, dns, self.keytab, [httpd.service_entry(url=url)],
                canonicalize='forward'))
            samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'service',
                                 'HTTP/%s@%s' % (host('web'), REALM))
        self.assertProbeSucceeds(samples, REALM, 'http', url)

    def test_no_tgt(self):
        # Without a TGT nothing is presented, and the http series stay.
        u = self.urls()
        text = config(self.kdc, self.dns, self.keytab,
                      [httpd.service_entry(url=u['http'])])
        text = text.replace('kdcs = ( "127.0.0.1:%d" )' % self.kdc.port,
                            'kdcs = ( "127.0.0.1:%d" )'
                            % krbtest.closed_port())
        exp = self.start_exporter(text)
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'http', u['http'],
                              krbtest.KDC_UNREACH)


if __name__ == '__main__':
    krbtest.main()
