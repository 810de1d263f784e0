#!/usr/bin/env python3
"""
A realm's service tickets asked for at once, and the kdc probe's AS-REQ as
the TGT's first leg (issue 14), against real KDCs: MIT's krb5kdc and, when
samba-tool is installed (always under CI), a Samba AD DC.

- The KDC log shows 2 AS-REQ per scrape with one KDC endpoint (one
  NEEDED_PREAUTH, one ISSUE) and one TGS-REQ per service, for a keytab and
  a password client; with E endpoints, E + 1 AS-REQ reach the KDC, the E
  unauthenticated ones byte for byte the same request.
- The KDC does not tie its answer to the first leg in a way that breaks
  the logon: the TGT is issued when the unauthenticated request went to
  several endpoints at once (UDP and TCP, MIT's lookaside cache answering
  the copy), and when the KDC that answered it goes silent and another
  KDC process of the realm gets the pre-authenticated request; MIT and
  Samba alike, with the lockout guard's count (badPwdCount) untouched.
- A relay that counts the requests in flight never sees more than the
  realm's max_in_flight at once, and sees that many.
- Service results stay in config order when the KDC's answers come back
  in another order; one unknown service among 20 fails alone; a KDC that
  stops answering half-way through the fan-out is held to the deadline.
"""

import os
import random
import re
import shutil
import socket
import struct
import subprocess
import threading
import time

import krbtest
from krbtest import select, value

REALM = 'FANOUT.TEST'
SERVICES = ['HTTP/web%02d.fanout.test' % i for i in range(20)]
ETIMEDOUT = krbtest.ETIMEDOUT
AS_REQ, TGS_REQ = 0x6a, 0x6c


def kind(message):
    return {AS_REQ: 'as', TGS_REQ: 'tgs'}.get(message[0] if message else 0)


class CountingRelay:
    """
    A UDP and TCP relay on a loopback port of its own in front of a KDC's
    port: each request goes through at once, each reply is held `delay`
    seconds (a function of the request, or a number) before it is passed
    on.  It keeps every AS-REQ it relayed (transport and bytes), counts the
    TGS-REQs, and counts the requests in flight: taken in and not yet
    answered (the count drops just before the answer leaves, so that the
    request the answer lets out finds it dropped).  After `answer_tgs`
    TGS-REQs, or `answer_as` AS-REQs, it answers nothing more: it holds
    TCP connections open and drops datagrams, as a KDC that has stopped.
    close() always.
    """

    def __init__(self, backend_port, delay=0.0, answer_tgs=None,
                 answer_as=None):
        self.backend = backend_port
        self.delay = delay
        self.answer_tgs = answer_tgs
        self.answer_as = answer_as
        self.lock = threading.Lock()
        self.as_reqs = []
        self.tgs = 0
        self.in_flight = 0
        self.most = 0
        self.stopping = threading.Event()
        for _ in range(50):
            port = krbtest.free_port()
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.udp.bind((krbtest.LOOPBACK, port))
                self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.tcp.bind((krbtest.LOOPBACK, port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise krbtest.FixtureError('no port for the relay')
        self.port = port
        self.address = '%s:%d' % (krbtest.LOOPBACK, port)
        self.tcp.listen(64)
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self.held = []
        self.threads = [threading.Thread(target=self._serve_udp, daemon=True),
                        threading.Thread(target=self._serve_tcp, daemon=True)]
        for t in self.threads:
            t.start()

    def mark(self):
        """Start counting afresh: (AS-REQs, TGS-REQs, most in flight)."""
        with self.lock:
            self.as_reqs = []
            self.tgs = 0
            self.most = self.in_flight

    def distinct_as(self):
        """The AS-REQs relayed, each message once, in the order they came."""
        out = []
        for _, m in self.as_reqs:
            if m not in out:
                out.append(m)
        return out

    def _admit(self, message, proto):
        """Count a request; False when the relay no longer answers."""
        with self.lock:
            if kind(message) == 'as':
                self.as_reqs.append((proto, bytes(message)))
                if self.answer_as is not None and \
                        len(self.as_reqs) > self.answer_as:
                    return False
            elif kind(message) == 'tgs':
                self.tgs += 1
                if self.answer_tgs is not None and self.tgs > self.answer_tgs:
                    return False
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            return True

    def _hold_then(self, message, send):
        delay = self.delay(message) if callable(self.delay) else self.delay
        if delay > 0:
            time.sleep(delay)
        with self.lock:
            self.in_flight -= 1
        send()

    def _serve_udp(self):
        while not self.stopping.is_set():
            try:
                data, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if self._admit(data, 'udp'):
                threading.Thread(target=self._udp_one, args=(data, peer),
                                 daemon=True).start()

    def _udp_one(self, data, peer):
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(5)
        try:
            up.sendto(data, (krbtest.LOOPBACK, self.backend))
            reply = up.recv(65535)
        except OSError:
            with self.lock:
                self.in_flight -= 1
            return
        finally:
            up.close()
        self._hold_then(data, lambda: self._send_udp(reply, peer))

    def _send_udp(self, reply, peer):
        try:
            self.udp.sendto(reply, peer)
        except OSError:
            pass

    def _serve_tcp(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_one, args=(conn,),
                             daemon=True).start()

    @staticmethod
    def _recv_exact(sock, n):
        out = b''
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            if not chunk:
                raise OSError('closed')
            out += chunk
        return out

    def _tcp_one(self, conn):
        conn.settimeout(10)
        try:
            length = struct.unpack('>I', self._recv_exact(conn, 4))[0]
            message = self._recv_exact(conn, length)
            if not self._admit(message, 'tcp'):
                self.held.append(conn)
                return
            with socket.create_connection((krbtest.LOOPBACK, self.backend),
                                          timeout=5) as up:
                up.sendall(struct.pack('>I', length) + message)
                n = struct.unpack('>I', self._recv_exact(up, 4))[0]
                reply = struct.pack('>I', n) + self._recv_exact(up, n)
        except OSError:
            conn.close()
            return
        self._hold_then(message, lambda: self._send_tcp(conn, reply))

    @staticmethod
    def _send_tcp(conn, reply):
        try:
            conn.sendall(reply)
        except OSError:
            pass
        conn.close()

    def close(self):
        self.stopping.set()
        for t in self.threads:
            t.join(5)
        for s in self.held + [self.udp, self.tcp]:
            s.close()


def second_kdc_process(kdc, workdir):
    """
    Another krb5kdc serving kdc's realms from the same database, on a port
    and with a log of its own: a second KDC of the same realm.  Returns
    (process, port, log path); the caller stops the process.
    """
    port = krbtest.free_port()
    log = os.path.join(workdir, 'kdc2.log')
    with open(kdc.kdc_conf) as f:
        text = f.read()
    text = text.replace(':%d' % kdc.port, ':%d' % port)
    text = text.replace('FILE:' + kdc.log_path, 'FILE:' + log)
    conf = os.path.join(workdir, 'kdc2.conf')
    with open(conf, 'w') as f:
        f.write(text)
    env = kdc.env()
    env['KRB5_KDC_PROFILE'] = conf
    argv = [krbtest._which('krb5kdc'), '-n']
    for realm in kdc.realms:
        argv += ['-r', realm]
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if os.path.exists(log):
            with open(log) as f:
                if 'commencing operation' in f.read():
                    return proc, port, log
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise krbtest.FixtureError('the second krb5kdc did not start')


def service_targets_in_order(text, realm):
    """The service probes' targets in the order the exposition has them."""
    pattern = re.compile(r'^krb5_probe_success\{realm="%s",probe="service",'
                         r'target="([^"]+)"\}' % re.escape(realm), re.M)
    return pattern.findall(text)


class FanoutTest(krbtest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM,))
        cls.addClassCleanup(kdc.cleanup)
        kdc.addprinc('krbmon', requires_preauth=True)
        cls.keytab = kdc.ktadd('krbmon')
        cls.password = krbtest.random_password()
        kdc.addprinc('pwmon', password=cls.password, requires_preauth=True)
        cls.pwfile = kdc.password_file(cls.password)
        for s in SERVICES:
            kdc.addprinc(s)
        kdc.start()

    def config(self, kdcs, services=SERVICES[:5], extra='', timeout=5.0,
               transport='udp', **client):
        if not client:
            client = {'principal': 'krbmon@' + REALM, 'keytab': self.keytab}
        return krbtest.config_text([krbtest.realm_config(
            REALM, kdcs, services=services, extra=extra, timeout=timeout,
            transport=transport, **client)])

    def relay(self, **options):
        r = CountingRelay(self.kdc.port, **options)
        self.addCleanup(r.close)
        return r

    def kdc_log_since(self, offset):
        return self.kdc._log_since(offset)

    def log_size(self):
        return os.path.getsize(self.kdc.log_path)

    def assertAllSucceed(self, samples, client, services):
        self.assertProbeSucceeds(samples, REALM, 'tgt', client)
        for s in services:
            self.assertProbeSucceeds(samples, REALM, 'service',
                                     s + '@' + REALM)

    # --- one AS exchange fewer ---------------------------------------------

    def test_kdc_log_shows_two_as_req_per_scrape(self):
        services = SERVICES[:5]
        for client, creds in (('krbmon', {'keytab': self.keytab}),
                              ('pwmon', {'password_file': self.pwfile})):
            with self.subTest(client=client):
                principal = client + '@' + REALM
                exp = self.start_exporter(self.config(
                    ['127.0.0.1:%d' % self.kdc.port], services,
                    principal=principal, **creds))
                exp.scrape()
                for _ in range(3):
                    time.sleep(0.2)
                    start = self.log_size()
                    samples, _ = exp.scrape()
                    # krb5kdc writes its line after its reply.
                    time.sleep(0.3)
                    lines = self.kdc_log_since(start).splitlines()
                    as_lines = [l for l in lines if 'AS_REQ' in l]
                    self.assertEqual(len(as_lines), 2, '\n'.join(lines))
                    self.assertIn('NEEDED_PREAUTH', as_lines[0])
                    self.assertIn('ISSUE', as_lines[1])
                    self.assertTrue(all(principal in l for l in as_lines))
                    self.assertEqual(
                        len([l for l in lines if 'TGS_REQ' in l]), 5)
                    self.assertAllSucceed(samples, principal, services)
                    self.assertProbeSucceeds(
                        samples, REALM, 'kdc',
                        'udp/127.0.0.1:%d' % self.kdc.port)

    def test_e_endpoints_get_e_plus_one_as_req(self):
        # UDP and TCP of one relay: E = 2.  MIT's KDC answers the second
        # copy of the unauthenticated request from its lookaside cache;
        # the logon goes on with whichever answer came first.
        relay = self.relay()
        exp = self.start_exporter(self.config([relay.address],
                                              transport='both'))
        exp.scrape()
        for _ in range(3):
            relay.mark()
            samples, _ = exp.scrape()
            # The TCP copy may reach the relay after the UDP answer has
            # let the pre-authenticated request out: compare by bytes.
            self.assertEqual(len(relay.as_reqs), 3)
            first = relay.as_reqs[0][1]
            copies = sorted(p for p, m in relay.as_reqs if m == first)
            self.assertEqual(copies, ['tcp', 'udp'],
                             'the E endpoints get one and the same request')
            self.assertEqual(len(relay.distinct_as()), 2)
            self.assertEqual(relay.tgs, 5)
            self.assertAllSucceed(samples, 'krbmon@' + REALM, SERVICES[:5])
            for proto in ('udp', 'tcp'):
                target = '%s/%s' % (proto, relay.address)
                self.assertProbeSucceeds(samples, REALM, 'kdc', target)
                self.assertEqual(len(select(
                    samples, 'krb5_kdc_clock_skew_seconds', realm=REALM,
                    target=target)), 1)

    def test_answer_from_one_kdc_preauth_to_another(self):
        # Two krb5kdc processes serve the realm from one database.  The
        # first answers the unauthenticated request first and then goes
        # silent; the pre-authenticated request, made from its answer,
        # goes on to the second (after the 1 s stagger), which issues the
        # TGT: nothing in the first KDC's answer ties the logon to it.
        workdir = self.make_workdir()
        proc, port2, log2 = second_kdc_process(self.kdc, workdir)
        self.addCleanup(lambda: (proc.terminate(), proc.wait()))
        first = self.relay(answer_as=1)
        second = CountingRelay(port2, delay=lambda m: 0.3
                               if kind(m) == 'as' and len(second.as_reqs) == 1
                               else 0.0)
        self.addCleanup(second.close)
        exp = self.start_exporter(self.config(
            [first.address, second.address], timeout=8.0))
        start1, start2 = self.log_size(), os.path.getsize(log2)
        samples, _ = exp.scrape()
        time.sleep(0.3)
        self.assertAllSucceed(samples, 'krbmon@' + REALM, SERVICES[:5])
        # The first leg to both; the second leg to the first KDC, which
        # no longer answers, then to the second.
        self.assertEqual(len(first.as_reqs), 2)
        self.assertEqual(len(second.as_reqs), 2)
        self.assertEqual(first.as_reqs[0], second.as_reqs[0])
        self.assertEqual(first.as_reqs[1], second.as_reqs[1])
        log1 = self.kdc_log_since(start1)
        with open(log2) as f:
            f.seek(start2)
            log2_text = f.read()
        self.assertEqual(len(re.findall(r'AS_REQ .*ISSUE', log1)), 0, log1)
        self.assertEqual(len(re.findall(r'AS_REQ .*ISSUE', log2_text)), 1,
                         log2_text)
        tgt_took = value(samples, 'krb5_probe_duration_seconds', realm=REALM,
                         probe='tgt', target='krbmon@' + REALM)
        self.assertGreater(tgt_took, 1.0)    # it did wait on the first KDC

    # --- service tickets in parallel ---------------------------------------

    def test_in_flight_never_above_max_in_flight(self):
        # Two realms' worth of limits: the same KDC through two relays
        # that hold every answer 40 ms, one with max_in_flight = 4, one
        # with the default of 16, each with 20 services.
        for limit, extra in ((4, 'max_in_flight = 4;'), (16, ''),
                             (1, 'max_in_flight = 1;')):
            with self.subTest(max_in_flight=limit):
                relay = self.relay(delay=0.04)
                exp = self.start_exporter(self.config(
                    [relay.address], SERVICES, extra=extra))
                relay.mark()
                start = time.monotonic()
                samples, _ = exp.scrape()
                took = time.monotonic() - start
                self.assertAllSucceed(samples, 'krbmon@' + REALM, SERVICES)
                self.assertEqual(relay.tgs, 20)
                self.assertLessEqual(relay.most, limit)
                self.assertEqual(relay.most, limit)
                # 20 tickets in ceil(20 / limit) rounds of 40 ms, not 20.
                rounds = -(-20 // limit)
                self.assertLess(took, 0.04 * (rounds + 2) + 1.0)
                print('max_in_flight %d: at most %d in flight, scrape '
                      '%.3f s' % (limit, relay.most, took))
                exp.stop()

    def test_service_order_kept(self):
        # Answers come back in an order of their own: each held for a
        # time drawn per request.
        order = SERVICES[:]
        random.Random(14).shuffle(order)
        rng = random.Random(41)
        relay = self.relay(delay=lambda m: rng.uniform(0, 0.08)
                           if kind(m) == 'tgs' else 0.0)
        exp = self.start_exporter(self.config([relay.address], order))
        samples, text = exp.scrape()
        self.assertAllSucceed(samples, 'krbmon@' + REALM, order)
        self.assertEqual(service_targets_in_order(text, REALM),
                         [s + '@' + REALM for s in order])
        status, _, body = exp.get('/probe?realm=%s&debug=true' % REALM)
        self.assertEqual(status, 200)
        issued = re.findall(r'service: issued (\S+),', body)
        self.assertEqual(issued, [s + '@' + REALM for s in order])
        self.assertIn('service: 20 TGS exchanges at once, at most 16 in '
                      'flight', body)

    def test_one_unknown_service_among_20_fails_alone(self):
        services = SERVICES[:10] + ['HTTP/nowhere.fanout.test'] + \
            SERVICES[10:19]
        exp = self.start_exporter(self.config(
            ['127.0.0.1:%d' % self.kdc.port], services,
            extra='max_in_flight = 4;'))
        samples, text = exp.scrape()
        self.assertProbeFails(samples, REALM, 'service',
                              'HTTP/nowhere.fanout.test@' + REALM,
                              krbtest.KDC_ERR_S_PRINCIPAL_UNKNOWN)
        self.assertAllSucceed(samples, 'krbmon@' + REALM,
                              [s for s in services if 'nowhere' not in s])
        self.assertEqual(service_targets_in_order(text, REALM),
                         [s + '@' + REALM for s in services])
        for d, took in select(samples, 'krb5_probe_duration_seconds',
                              realm=REALM, probe='service'):
            self.assertLess(took, 1.0, d)

    def test_kdc_that_stops_half_way_is_held_to_the_deadline(self):
        # The relay answers the AS exchange and 6 TGS-REQs, then nothing.
        timeout = 3.0
        relay = self.relay(answer_tgs=6)
        exp = self.start_exporter(self.config(
            [relay.address], SERVICES, timeout=timeout,
            extra='max_in_flight = 4;'))
        start = time.monotonic()
        samples, text = exp.scrape()
        took = time.monotonic() - start
        self.assertLess(took, timeout + 1.0, 'scrape took %.2f s' % took)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        ok = [s for s in SERVICES if value(
            samples, 'krb5_probe_success', realm=REALM, probe='service',
            target=s + '@' + REALM) == 1.0]
        # Sent in config order: the first six had their answers.
        self.assertEqual(ok, SERVICES[:6])
        for s in SERVICES[6:]:
            self.assertProbeFails(samples, REALM, 'service', s + '@' + REALM,
                                  ETIMEDOUT)
        self.assertEqual(service_targets_in_order(text, REALM),
                         [s + '@' + REALM for s in SERVICES])
        for s in SERVICES[:6]:
            self.assertLess(value(samples, 'krb5_probe_duration_seconds',
                                  realm=REALM, probe='service',
                                  target=s + '@' + REALM), 1.0)


class FanoutSambaTest(krbtest.TestCase):
    """The same against a Samba AD DC (Heimdal's KDC)."""

    @classmethod
    def setUpClass(cls):
        import samba
        cls.samba = samba
        cls.dc = dc = samba.SambaDC()
        cls.addClassCleanup(dc.cleanup)
        dc.start()
        cls.realm = samba.REALM
        cls.password = krbtest.random_password()
        dc.create_user('fansvc', cls.password)
        cls.spns = ['HTTP/web%d.ad.test' % i for i in range(5)]
        for spn in cls.spns:
            dc.add_spn(spn, 'fansvc')

    def user(self, name):
        principal = self.dc.create_user(name, self.password)
        return principal, self.dc.password_file(self.password, name)

    def config(self, kdcs, principal, pwfile, transport='udp', extra=''):
        return krbtest.config_text([krbtest.realm_config(
            self.realm, kdcs, principal, password_file=pwfile,
            services=self.spns, transport=transport, extra=extra)])

    def assertLogonWorks(self, samples, principal):
        self.assertProbeSucceeds(samples, self.realm, 'tgt', principal)
        for spn in self.spns:
            self.assertProbeSucceeds(samples, self.realm, 'service',
                                     spn + '@' + self.realm)

    def outcomes(self, principal, offset):
        """The DC's AS-REQ outcome lines for principal since offset."""
        time.sleep(0.3)
        return [l.split('AS-REQ ', 1)[1].split()[0]
                for l in self.dc.as_req_lines(principal, offset=offset)]

    def test_two_as_req_with_one_endpoint(self):
        # Over TCP, as AD clients ask: the unauthenticated request
        # (PREAUTH_REQUIRED, the kdc probe's answer) and the logon.
        principal, pwfile = self.user('fanmon1')
        relay = CountingRelay(self.dc.port)
        self.addCleanup(relay.close)
        exp = self.start_exporter(self.config([relay.address], principal,
                                              pwfile, transport='tcp'))
        for _ in range(3):
            relay.mark()
            offset = self.dc.log_size()
            samples, _ = exp.scrape()
            self.assertLogonWorks(samples, principal)
            self.assertProbeSucceeds(samples, self.realm, 'kdc',
                                     'tcp/' + relay.address)
            self.assertEqual([p for p, _ in relay.as_reqs], ['tcp', 'tcp'])
            self.assertEqual(relay.tgs, len(self.spns))
            outcomes = self.outcomes(principal, offset)
            self.assertEqual(len(outcomes), 2, outcomes)
            self.assertEqual(outcomes[0], 'ERR_PREAUTH_REQUIRED')
        self.assertEqual(self.dc.bad_pwd_count('fanmon1'), 0)

    def test_over_udp_the_logon_is_asked_again_over_tcp(self):
        # AD's AS-REP (with its PAC) does not fit in a datagram: the DC
        # answers the pre-authenticated request RESPONSE_TOO_BIG and it
        # goes again, the same bytes, over TCP.  Two AS-REQs still, one of
        # them sent twice.
        principal, pwfile = self.user('fanmon4')
        relay = CountingRelay(self.dc.port)
        self.addCleanup(relay.close)
        exp = self.start_exporter(self.config([relay.address], principal,
                                              pwfile))
        relay.mark()
        samples, _ = exp.scrape()
        self.assertLogonWorks(samples, principal)
        self.assertEqual(len(relay.distinct_as()), 2)
        self.assertEqual([p for p, _ in relay.as_reqs], ['udp', 'udp', 'tcp'])
        self.assertEqual(relay.as_reqs[1][1], relay.as_reqs[2][1])
        self.assertEqual(self.dc.bad_pwd_count('fanmon4'), 0)

    def test_e_endpoints_get_e_plus_one_as_req(self):
        principal, pwfile = self.user('fanmon2')
        relay = CountingRelay(self.dc.port)
        self.addCleanup(relay.close)
        exp = self.start_exporter(self.config([relay.address], principal,
                                              pwfile, transport='both'))
        for _ in range(3):
            relay.mark()
            samples, _ = exp.scrape()
            self.assertLogonWorks(samples, principal)
            unauthenticated = [(p, m) for p, m in relay.as_reqs
                               if m == relay.as_reqs[0][1]]
            self.assertEqual(sorted(p for p, _ in unauthenticated),
                             ['tcp', 'udp'])
            self.assertEqual(len(relay.distinct_as()), 2)
            for proto in ('udp', 'tcp'):
                self.assertProbeSucceeds(samples, self.realm, 'kdc',
                                         '%s/%s' % (proto, relay.address))
        self.assertEqual(self.dc.bad_pwd_count('fanmon2'), 0)

    def test_in_flight_never_above_max_in_flight(self):
        principal, pwfile = self.user('fanmon3')
        relay = CountingRelay(self.dc.port, delay=0.03)
        self.addCleanup(relay.close)
        exp = self.start_exporter(self.config(
            [relay.address], principal, pwfile, transport='tcp',
            extra='max_in_flight = 2;'))
        relay.mark()
        samples, text = exp.scrape()
        self.assertLogonWorks(samples, principal)
        self.assertEqual(relay.most, 2)
        self.assertEqual(service_targets_in_order(text, self.realm),
                         [s + '@' + self.realm for s in self.spns])


if __name__ == '__main__':
    krbtest.main()
