#!/usr/bin/env python3
"""
Hostile KDCs: a realm whose only KDC answers every request with random
bytes, half a real reply, a TCP length prefix of 4 GiB - 1, a real reply
from the KDC of another realm, or a real reply one byte per second.  Each
scrape must come back within the Prometheus deadline, every probe of the
realm must fail with a specific code and name, the exporter must stay up
and sanitizer-clean, and fifty scrapes of all of it must leave no growth of
memory, descriptors or threads behind.
"""

import shutil
import tempfile
import time
import unittest

import hostile
import krbtest
from krbtest import select, value

SCRAPE_TIMEOUT = {'X-Prometheus-Scrape-Timeout-Seconds': '5'}
REALM_TIMEOUT = 3.0

# The hostile realms, one per behaviour.  OTHER_REALM's requests are
# rewritten to ELSEWHERE, so both names must have one length.
REALMS = {
    hostile.RANDOM: 'RANDOM.HOSTILE.TEST',
    hostile.RANDOM_ERROR_TAG: 'ERRTAG.HOSTILE.TEST',
    hostile.RANDOM_AS_REP_TAG: 'REPTAG.HOSTILE.TEST',
    hostile.TRUNCATED: 'TRUNCATED.HOSTILE.TEST',
    hostile.HUGE_PREFIX: 'HUGE.HOSTILE.TEST',
    hostile.OTHER_REALM: 'WRONGREALM.HOSTILE.TEST',
    hostile.TRICKLE: 'TRICKLE.HOSTILE.TEST',
}
ELSEWHERE = 'ELSEWHERE1.HOSTILE.TEST'

# Only TCP can carry a length prefix or a reply that arrives bit by bit.
TRANSPORT = {hostile.HUGE_PREFIX: 'tcp', hostile.TRICKLE: 'tcp'}

MSG_TYPE = (-1765328344, 'KRB5KRB_AP_ERR_MSG_TYPE')
WRONG_REALM = (-1765328316, 'KRB5KDC_ERR_WRONG_REALM')
ASN1_OVERFLOW = (1859794436, 'ASN1_OVERFLOW')
ASN1_OVERRUN = (1859794437, 'ASN1_OVERRUN')
ECONNRESET = (104, 'ECONNRESET')
EMSGSIZE = (90, 'EMSGSIZE')

# What each probe reports, by behaviour: {probe: {transport: (code, name)}},
# with 'any' for the tgt probe, which uses every endpoint of the realm.
EXPECTED = {
    # Bytes that start with no Kerberos tag are no answer at all: the kdc
    # probe says so (MSG_TYPE) on both transports.  The AS exchange ignores
    # such a datagram and keeps waiting, as libkrb5 does, and refuses the
    # TCP reply; so it waits for a UDP answer that never comes, until the
    # realm's deadline.
    hostile.RANDOM: {
        'kdc': {'udp': MSG_TYPE, 'tcp': MSG_TYPE},
        'tgt': {'any': krbtest.ETIMEDOUT},
    },
    # A KRB-ERROR's tag and length with junk inside reach the KRB-ERROR
    # decoder.  The junk (seed 88) starts with a tag whose length claims
    # 100 length octets (0xe4), more than any length can have: the
    # decoder's ASN1_OVERFLOW, on both transports.  The AS exchange takes
    # the UDP reply (its tag is right) and libkrb5's decoder says the same.
    hostile.RANDOM_ERROR_TAG: {
        'kdc': {'udp': ASN1_OVERFLOW, 'tcp': ASN1_OVERFLOW},
        'tgt': {'any': ASN1_OVERFLOW},
    },
    # The same junk behind an AS-REP's tag and length: it does not frame
    # as a KDC reply (pvno, msg-type and realm are required), so the kdc
    # probe says it is no answer (MSG_TYPE); the AS exchange hands it to
    # libkrb5, whose AS-REP decoder fails as above.
    hostile.RANDOM_AS_REP_TAG: {
        'kdc': {'udp': MSG_TYPE, 'tcp': MSG_TYPE},
        'tgt': {'any': ASN1_OVERFLOW},
    },
    # Half of a real KRB-ERROR (PREAUTH_REQUIRED): over UDP the decoder
    # runs out of bytes (ASN1_OVERRUN).  Over TCP the full length was
    # announced and the connection closed half-way, which the exporter
    # reports as the connection's end (ECONNRESET).  The AS exchange gets
    # the UDP half first and libkrb5's decoder fails on it.
    hostile.TRUNCATED: {
        'kdc': {'udp': ASN1_OVERRUN, 'tcp': ECONNRESET},
        'tgt': {'any': ASN1_OVERRUN},
    },
    # A length prefix of 0xFFFFFFFF is refused before anything is
    # allocated (the exporter takes at most 1 MiB): EMSGSIZE.  The AS
    # exchange has no other endpoint, so every KDC failed: KDC_UNREACH.
    hostile.HUGE_PREFIX: {
        'kdc': {'tcp': EMSGSIZE},
        'tgt': {'any': krbtest.KDC_UNREACH},
    },
    # The KDC of another realm answers, for its own realm: neither probe
    # takes that for an answer of this realm's KDC.  The reply's realm is
    # read before libkrb5 sees it, so the AS exchange never works with a
    # foreign reply (which could read as a wrong password and start the
    # lockout guard); every endpoint answering for another realm is
    # WRONG_REALM.
    hostile.OTHER_REALM: {
        'kdc': {'udp': WRONG_REALM, 'tcp': WRONG_REALM},
        'tgt': {'any': WRONG_REALM},
    },
    # One byte per second of a real reply: after the realm's 3 s only the
    # length prefix has arrived, so both run into the deadline.
    hostile.TRICKLE: {
        'kdc': {'tcp': krbtest.ETIMEDOUT},
        'tgt': {'any': krbtest.ETIMEDOUT},
    },
}



class HostileKdcTest(krbtest.TestCase):

    @classmethod
    def setUpClass(cls):
        served = [r for b, r in REALMS.items() if b != hostile.OTHER_REALM]
        # The real KDC: the hostile realms whose replies are taken from a
        # real krb5kdc, and ELSEWHERE, the other realm.
        cls.kdc = krbtest.KDC(served + [ELSEWHERE])
        cls.addClassCleanup(cls.kdc.cleanup)
        # WRONGREALM's keys come from a database of its own that no KDC
        # serves: no KDC the exporter can reach knows the realm.
        cls.keys = krbtest.KDC(REALMS[hostile.OTHER_REALM])
        cls.addClassCleanup(cls.keys.cleanup)
        cls.keytabs = {}
        for realm in served:
            cls.kdc.addprinc('krbmon@' + realm)
            cls.keytabs[realm] = cls.kdc.ktadd('krbmon@' + realm)
        # Without pre-authentication, ELSEWHERE's KDC issues an AS-REP at
        # once, which is the reply the client must refuse.
        cls.kdc.addprinc('krbmon@' + ELSEWHERE, requires_preauth=False)
        wrong = REALMS[hostile.OTHER_REALM]
        cls.keys.addprinc('krbmon@' + wrong)
        cls.keytabs[wrong] = cls.keys.ktadd('krbmon@' + wrong)
        cls.kdc.start()

        cls.hostiles = {}
        for behaviour in hostile.BEHAVIOURS:
            rewrite = None
            if behaviour == hostile.OTHER_REALM:
                rewrite = (REALMS[behaviour], ELSEWHERE)
            h = hostile.HostileKDC(behaviour, upstream_port=cls.kdc.port,
                                   rewrite=rewrite)
            cls.addClassCleanup(h.close)
            cls.hostiles[behaviour] = h

        cls.workdir = tempfile.mkdtemp(prefix='krbtest-hostile-')
        cls.addClassCleanup(shutil.rmtree, cls.workdir, True)
        cls.exp = krbtest.Exporter(cls.config(), cls.workdir)
        cls.addClassCleanup(cls.stop_exporter)
        with krbtest.asan_quarantine(1):
            cls.exp.start(timeout=60)

        # The scrape every case is judged on.
        start = time.monotonic()
        cls.samples, cls.body = cls.exp.scrape(headers=SCRAPE_TIMEOUT,
                                               timeout=30)
        cls.elapsed = time.monotonic() - start

    @classmethod
    def config(cls):
        groups = []
        for behaviour, realm in REALMS.items():
            groups.append(krbtest.realm_config(
                realm, [cls.hostiles[behaviour].address()], 'krbmon@' + realm,
                keytab=cls.keytabs[realm],
                transport=TRANSPORT.get(behaviour, 'both'),
                timeout=REALM_TIMEOUT))
        return krbtest.config_text(groups)

    @classmethod
    def stop_exporter(cls):
        try:
            cls.exp.stop()
        finally:
            tail = '\n'.join(cls.exp.stderr().splitlines()[-80:])
            print('\n--- exporter stderr (last lines) ---\n' + tail)

    def target(self, behaviour, proto):
        return '%s/%s' % (proto, self.hostiles[behaviour].address())

    def transports(self, behaviour):
        t = TRANSPORT.get(behaviour, 'both')
        return ('udp', 'tcp') if t == 'both' else (t,)

    def test_scrape_answers_before_the_deadline(self):
        print('scrape of %d hostile realms: %.2f s' % (len(REALMS),
                                                       self.elapsed))
        self.assertLess(self.elapsed, 5.0)
        # Each realm's probes end by its own timeout, give or take.
        for behaviour, realm in REALMS.items():
            for d, took in select(self.samples, 'krb5_probe_duration_seconds',
                                  realm=realm):
                self.assertLess(took, REALM_TIMEOUT + 0.5, (behaviour, d))

    def test_every_hostile_kdc_was_asked(self):
        for behaviour, h in self.hostiles.items():
            with self.subTest(behaviour=behaviour):
                for proto in self.transports(behaviour):
                    self.assertGreater(h.requests[proto], 0, proto)
                self.assertEqual(h.errors, [])

    def test_each_case_fails_with_its_code(self):
        for behaviour, realm in REALMS.items():
            expected = EXPECTED[behaviour]
            with self.subTest(behaviour=behaviour):
                # A failed tgt probe leaves no ticket to ask services with,
                # and nothing here may count as a success.
                self.assertEqual(select(self.samples, 'krb5_probe_success',
                                        realm=realm, probe='service'), [])
                self.assertEqual(select(self.samples,
                                        'krb5_password_expiry_timestamp_'
                                        'seconds', realm=realm), [])
                self.assertProbeFails(self.samples, realm, 'tgt',
                                      'krbmon@' + realm,
                                      expected['tgt']['any'])
                for proto, code_name in expected.get('kdc', {}).items():
                    self.assertProbeFails(self.samples, realm, 'kdc',
                                          self.target(behaviour, proto),
                                          code_name)
                    # A KDC that is not up has no clock to read.
                    self.assertEqual(select(
                        self.samples, 'krb5_kdc_clock_skew_seconds',
                        realm=realm, target=self.target(behaviour, proto)), [])

    # Two cases where the exporter takes a hostile answer for a live KDC;
    # they are reported, and these tests say what is expected once fixed.

    def test_junk_behind_an_as_rep_tag_is_no_kdc(self):
        # The kdc probe takes any reply whose first byte is 0x6b for an
        # AS-REP, without decoding it: 199 random bytes count as a live KDC.
        b = hostile.RANDOM_AS_REP_TAG
        for proto in self.transports(b):
            self.assertEqual(value(self.samples, 'krb5_probe_success',
                                   realm=REALMS[b], probe='kdc',
                                   target=self.target(b, proto)), 0.0)

    def test_kdc_of_another_realm_is_no_kdc_of_this_one(self):
        # The kdc probe takes an AS-REP (or KRB-ERROR) for another realm as
        # proof that this realm's KDC is up.
        b = hostile.OTHER_REALM
        for proto in self.transports(b):
            self.assertEqual(value(self.samples, 'krb5_probe_success',
                                   realm=REALMS[b], probe='kdc',
                                   target=self.target(b, proto)), 0.0)

    def test_no_growth_over_fifty_scrapes(self):
        # A short budget per scrape (1.5 s header: 1 s for every realm)
        # keeps this quick; each realm still meets its hostile KDC.
        quick = {'X-Prometheus-Scrape-Timeout-Seconds': '1.5'}
        for _ in range(5):
            self.exp.scrape(headers=quick)
        threads0, fds0, rss0 = krbtest.proc_status(self.exp.proc.pid)
        for _ in range(50):
            samples, _ = self.exp.scrape(headers=quick)
        threads1, fds1, rss1 = krbtest.proc_status(self.exp.proc.pid)
        print('hostile realms, 50 scrapes: threads %d -> %d, fds %d -> %d, '
              'RSS %d -> %d KiB' % (threads0, threads1, fds0, fds1, rss0,
                                    rss1))
        for realm in REALMS.values():
            self.assertEqual(value(samples, 'krb5_probe_success', realm=realm,
                                   probe='tgt', target='krbmon@' + realm),
                             0.0)
        self.assertIsNone(self.exp.proc.poll(), 'the exporter died')
        status, _, _ = self.exp.get('/-/healthy')
        self.assertEqual(status, 200)
        self.assertLessEqual(threads1, threads0 + 2)
        self.assertLessEqual(fds1, fds0 + 4)
        # A leak of one reply buffer per scrape would show; noise, and the
        # allocator's caches, stay well below this.
        self.assertLess(rss1 - rss0, 16 * 1024)

    def test_exporter_stays_up(self):
        self.assertIsNone(self.exp.proc.poll(), 'the exporter died')
        status, _, body = self.exp.get('/-/healthy')
        self.assertEqual(status, 200, body)
        krbtest.check_sanitizers(self.exp.stderr(), 'exporter stderr')


if __name__ == '__main__':
    krbtest.main()
