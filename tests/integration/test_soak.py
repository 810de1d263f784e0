#!/usr/bin/env python3
"""
Soak: thousands of scrapes of one exporter with four realms (a healthy
one, one whose monitoring principal is revoked, one whose only KDC is a
closed port, one whose only KDC never answers), sampling the exporter's
resident memory, open descriptors and threads along the way.  After a
warm-up they must stay flat: a leak of anything per scrape shows as a
steady climb over thousands of scrapes.

The number of scrapes is $KRB5EXP_SOAK_SCRAPES (default 5000).
"""

import os
import time

import krbtest
from krbtest import value

HEALTHY = 'HEALTHY.SOAK.TEST'
REVOKED = 'REVOKED.SOAK.TEST'
DEAD = 'DEAD.SOAK.TEST'
SILENT = 'SILENT.SOAK.TEST'
SERVICE = 'HTTP/www.example.com'

SCRAPES = int(os.environ.get('KRB5EXP_SOAK_SCRAPES', '5000'))
EVERY = max(SCRAPES // 10, 1)      # sample this often, after the first

ECONNREFUSED = (111, 'ECONNREFUSED')

# What counts as a leak, over all samples after the warm-up.  RSS moves
# with the allocator's caches and arenas, and settles; a leak climbs at
# every sample and does not.  (Without sanitizers: +564 KiB over 4,500
# scrapes, most of it in the first 1,500.)
RSS_CLIMB_KIB = 2 * 1024           # steady climb beyond this: a leak
RSS_JUMP_KIB = 16 * 1024           # any growth beyond this: a leak
FDS_SLACK = 4                      # a scrape in flight holds a few
THREADS_SLACK = 2
# AddressSanitizer keeps some bookkeeping for every thread ever started,
# for good (a program that only starts and joins threads grows by about
# 0.2 KiB a thread under it, and not at all without it), and the exporter
# starts threads for each realm on each scrape: +10.3 MiB over 4,500
# scrapes here with the quarantine off, 2.3 KiB a scrape, while the same
# soak without sanitizers stays within the bounds above.  So under the
# sanitizer RSS may grow this much per scrape; a larger leak still shows,
# and a smaller one shows in a build without sanitizers
# (KRB5_EXPORTER=build/krb5_exporter python3 test_soak.py).
ASAN_KIB_PER_SCRAPE = 6




class SoakTest(krbtest.TestCase):

    def test_soak(self):
        kdc = self.make_kdc((HEALTHY, REVOKED))
        keytabs = {}
        for realm in (HEALTHY, REVOKED):
            kdc.addprinc('krbmon@' + realm)
            kdc.addprinc(SERVICE + '@' + realm)
            keytabs[realm] = kdc.ktadd('krbmon@' + realm)
        kdc.modprinc('krbmon@' + REVOKED, '-allow_tix')
        kdc.start()
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        dead_port = krbtest.closed_port()
        here = '127.0.0.1:%d'
        config = krbtest.config_text([
            krbtest.realm_config(HEALTHY, [here % kdc.port],
                                 'krbmon@' + HEALTHY,
                                 keytab=keytabs[HEALTHY],
                                 services=(SERVICE,)),
            # Revoked: the lockout guard answers most scrapes from its
            # memory of the failure, which is a path of its own to soak.
            krbtest.realm_config(REVOKED, [here % kdc.port],
                                 'krbmon@' + REVOKED,
                                 keytab=keytabs[REVOKED],
                                 services=(SERVICE,)),
            krbtest.realm_config(DEAD, [here % dead_port], 'krbmon@' + DEAD,
                                 keytab=keytabs[HEALTHY],
                                 services=(SERVICE,), timeout=0.5),
            # Short enough that thousands of scrapes fit in minutes; every
            # scrape still abandons the silent KDC at its deadline.
            krbtest.realm_config(SILENT, [here % silent.port],
                                 'krbmon@' + SILENT,
                                 keytab=keytabs[HEALTHY],
                                 services=(SERVICE,), transport='both',
                                 timeout=0.05)])
        with krbtest.asan_quarantine(0):
            exp = self.start_exporter(config)

        pid = exp.proc.pid
        with open('/proc/%d/maps' % pid) as f:
            sanitized = 'libasan' in f.read()
        series = []                 # (scrapes done, threads, fds, rss)
        start = time.monotonic()
        samples = None
        for i in range(1, SCRAPES + 1):
            samples, _ = exp.scrape()
            if i % EVERY == 0:
                series.append((i,) + krbtest.proc_status(pid))
        took = time.monotonic() - start

        print('soak: %d scrapes in %.1f s (%.1f ms per scrape)'
              % (SCRAPES, took, 1000 * took / SCRAPES))
        print('%8s %8s %6s %10s' % ('scrapes', 'threads', 'fds', 'RSS KiB'))
        for row in series:
            print('%8d %8d %6d %10d' % row)

        # Every realm still says what it said at the start.
        self.assertProbeSucceeds(samples, HEALTHY, 'tgt', 'krbmon@' + HEALTHY)
        self.assertProbeSucceeds(samples, HEALTHY, 'service',
                                 SERVICE + '@' + HEALTHY)
        self.assertProbeFails(samples, REVOKED, 'tgt', 'krbmon@' + REVOKED,
                              krbtest.KDC_ERR_CLIENT_REVOKED)
        self.assertProbeFails(samples, DEAD, 'kdc',
                              'udp/' + here % dead_port, ECONNREFUSED)
        self.assertProbeFails(samples, SILENT, 'kdc',
                              'udp/' + here % silent.port, krbtest.ETIMEDOUT)
        self.assertLessEqual(value(samples, 'krb5_exporter_probes_in_flight'),
                             1.0)
        self.assertIsNone(exp.proc.poll(), 'the exporter died')

        # The first sample ends the warm-up; judge the rest against it.
        after = series
        if len(after) < 3:
            self.skipTest('too few scrapes (%d) to judge a trend' % SCRAPES)
        threads = [t for _, t, _, _ in after]
        fds = [f for _, _, f, _ in after]
        rss = [r for _, _, _, r in after]
        self.assertLessEqual(max(threads), threads[0] + THREADS_SLACK,
                             'threads grow: %s' % threads)
        self.assertLessEqual(max(fds), fds[0] + FDS_SLACK,
                             'descriptors grow: %s' % fds)
        growth = rss[-1] - rss[0]
        if sanitized:
            allowed = RSS_CLIMB_KIB + ASAN_KIB_PER_SCRAPE * (
                after[-1][0] - after[0][0])
            self.assertLess(growth, allowed, 'RSS grows beyond the '
                            'sanitizer\'s own bookkeeping: %s KiB' % rss)
            return
        climbs = all(b >= a for a, b in zip(rss, rss[1:]))
        self.assertFalse(climbs and growth > RSS_CLIMB_KIB,
                         'RSS climbs at every sample: %s KiB' % rss)
        self.assertLess(growth, RSS_JUMP_KIB, 'RSS grows: %s KiB' % rss)


if __name__ == '__main__':
    krbtest.main()
