"""
Fitting the Prometheus ecosystem (issue 16): the standard process_*
metrics against what /proc says of the exporter, logs in logfmt and in
JSON as promslog writes them (every line of stderr must parse), and gzip
of every response that asks for it, as Prometheus does on every scrape.
"""

import gzip
import http.client
import json
import os
import re
import time

import krbtest
from krbtest import select, value

REALM = 'ECO.TEST'
BAD = 'BROKEN.ECO.TEST'
# Service names that make the log lines' values need quoting and escaping
# (the config refuses whitespace and control characters in them).
NASTY = ('HTTP/we"ird.example.com', 'HTTP/e=q.example.com',
         'HTTP/caf\u00e9.example.com')

PROCESS_HELP = {
    'process_cpu_seconds_total':
        ('counter', 'Total user and system CPU time spent in seconds.'),
    'process_resident_memory_bytes':
        ('gauge', 'Resident memory size in bytes.'),
    'process_virtual_memory_bytes':
        ('gauge', 'Virtual memory size in bytes.'),
    'process_open_fds': ('gauge', 'Number of open file descriptors.'),
    'process_max_fds':
        ('gauge', 'Maximum number of open file descriptors.'),
    'process_start_time_seconds':
        ('gauge', 'Start time of the process since unix epoch in seconds.'),
}

TIMESTAMP = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z')
LEVELS = ('debug', 'info', 'warn', 'error')


# --- logfmt, read strictly ------------------------------------------------

_KEY = re.compile(r'([^ ="\x00-\x1f\x7f]+)=')
_BARE = re.compile(r'[^ ="\x00-\x1f\x7f]+')
_ESCAPES = {'"': '"', '\\': '\\', 'n': '\n', 'r': '\r', 't': '\t'}


def parse_logfmt(line):
    """
    One logfmt line as a list of (key, value), or ValueError.  Strict:
    single spaces between pairs, every key with a value, bare values free
    of space, '=', '"' and control characters, quoted values with only
    the escapes \\" \\\\ \\n \\r \\t \\uXXXX and no raw control character.
    """
    pairs, i = [], 0
    while True:
        m = _KEY.match(line, i)
        if m is None:
            raise ValueError('no key at %d: %r' % (i, line))
        key, i = m.group(1), m.end()
        if line.startswith('"', i):
            out, i = [], i + 1
            while True:
                if i >= len(line):
                    raise ValueError('unterminated quote: %r' % line)
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c == '\\':
                    e = line[i + 1:i + 2]
                    if e in _ESCAPES:
                        out.append(_ESCAPES[e])
                        i += 2
                    elif e == 'u' and re.match(r'[0-9a-f]{4}', line[i + 2:]):
                        out.append(chr(int(line[i + 2:i + 6], 16)))
                        i += 6
                    else:
                        raise ValueError('bad escape at %d: %r' % (i, line))
                    continue
                if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f:
                    raise ValueError('raw control character: %r' % line)
                out.append(c)
                i += 1
            val = ''.join(out)
        else:
            m = _BARE.match(line, i)
            if m is None:
                raise ValueError('empty bare value at %d: %r' % (i, line))
            val, i = m.group(0), m.end()
        pairs.append((key, val))
        if i == len(line):
            return pairs
        if line[i] != ' ':
            raise ValueError('junk after a value at %d: %r' % (i, line))
        i += 1


def parse_json_line(line):
    """One JSON log line as a list of (key, value), or ValueError."""
    obj = json.loads(line, object_pairs_hook=list)
    if not isinstance(obj, list):
        raise ValueError('not an object: %r' % line)
    return obj


def check_lines(test, text, parse, first_keys):
    """
    Every line of text parses, starts with first_keys, has no key twice
    and only string values; returns the lines as dicts.
    """
    out = []
    test.assertTrue(text.endswith('\n'), 'stderr ends mid-line')
    for line in text.splitlines():
        with test.subTest(line=line):
            pairs = parse(line)
            keys = [k for k, _ in pairs]
            test.assertEqual(keys[:3], list(first_keys), line)
            test.assertEqual(len(keys), len(set(keys)), 'a key twice')
            for _, v in pairs:
                test.assertIsInstance(v, str)
            d = dict(pairs)
            test.assertRegex(d[first_keys[0]], TIMESTAMP)
            test.assertIn(d['level'], LEVELS)
            out.append(d)
    return out


class ParserTest(krbtest.unittest.TestCase):
    """The test's own logfmt reader, on lines it must take and refuse."""

    def test_reader(self):
        self.assertEqual(parse_logfmt('a=1 b="x \\"y\\" \\\\ \\n \\u00e9" '
                                      'c=back\\slash'),
                         [('a', '1'), ('b', 'x "y" \\ \n \u00e9'),
                          ('c', 'back\\slash')])
        for bad in ('a=', 'a=1  b=2', 'a="x', 'a=x"y', 'a="\\q"', 'a',
                    'a=1 ', 'a="x\ty"', '=1'):
            with self.subTest(line=bad):
                with self.assertRaises(ValueError):
                    parse_logfmt(bad)


class EcosystemTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM, BAD))
        cls.addClassCleanup(kdc.cleanup)
        keytabs = kdc.add_monitoring()
        kdc.modprinc('krbmon@' + BAD, '-allow_tix')
        kdc.start()
        kdcs = ['127.0.0.1:%d' % kdc.port]
        cls.config = krbtest.config_text([
            krbtest.realm_config(
                REALM, kdcs, 'krbmon@' + REALM, keytab=keytabs[REALM],
                services=('HTTP/www.example.com',) + tuple(
                    s.replace('"', '\\"') for s in NASTY)),
            krbtest.realm_config(BAD, kdcs, 'krbmon@' + BAD,
                                 keytab=keytabs[BAD],
                                 services=('HTTP/www.example.com',))])

    def raw(self, exp, method, path, headers=None):
        """(status, headers as a dict with lower-case names, body bytes)."""
        conn = http.client.HTTPConnection(krbtest.LOOPBACK, exp.port,
                                          timeout=30)
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return (r.status, {k.lower(): v for k, v in r.getheaders()},
                    r.read())
        finally:
            conn.close()

    # --- 1. the process metrics -----------------------------------------

    def test_process_metrics(self):
        exp = self.start_exporter(self.config)
        pid = exp.proc.pid
        first, body = exp.scrape()
        for name, (kind, help_text) in PROCESS_HELP.items():
            with self.subTest(family=name):
                self.assertIn('# HELP %s %s\n' % (name, help_text), body)
                self.assertIn('# TYPE %s %s\n' % (name, kind), body)
                self.assertEqual(len(select(first, name)), 1)
        # What /proc says of the exporter, read here while it is idle.
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        with open('/proc/stat') as f:
            btime = int(re.search(r'^btime (\d+)$', f.read(), re.M).group(1))
        hz = os.sysconf('SC_CLK_TCK')
        start = btime + int(fields[19]) / hz
        self.assertAlmostEqual(value(first, 'process_start_time_seconds'),
                               start, delta=0.02)
        self.assertLess(abs(value(first, 'process_start_time_seconds')
                            - time.time()), 600)
        with open('/proc/%d/limits' % pid) as f:
            soft = re.search(r'^Max open files +(\S+)', f.read(),
                             re.M).group(1)
        self.assertEqual(value(first, 'process_max_fds'),
                         2.0 ** 64 - 1 if soft == 'unlimited'
                         else float(soft))
        fds = len(os.listdir('/proc/%d/fd' % pid))
        # The scrape's own connection and /proc/self/fd itself come and go.
        self.assertLessEqual(abs(value(first, 'process_open_fds') - fds), 4)
        _, _, rss_kib = krbtest.proc_status(pid)
        rss = value(first, 'process_resident_memory_bytes')
        self.assertGreater(rss, 1 << 20)
        self.assertLess(abs(rss - rss_kib * 1024), max(rss, rss_kib * 1024)
                        * 0.5)
        self.assertGreaterEqual(value(first, 'process_virtual_memory_bytes'),
                                rss)
        # Threads come and go between the scrape and this read.
        self.assertAlmostEqual(value(first, 'process_virtual_memory_bytes'),
                               float(fields[20]),
                               delta=float(fields[20]) * 0.05)
        # CPU time is a counter: it never goes back.  (It may still be 0:
        # without the sanitizers a start and a scrape take less than the
        # 10 ms of one clock tick.)
        cpu = value(first, 'process_cpu_seconds_total')
        self.assertGreaterEqual(cpu, 0)
        self.assertLess(cpu, 600)
        for _ in range(3):
            samples, body = exp.scrape()
            now = value(samples, 'process_cpu_seconds_total')
            self.assertGreaterEqual(now, cpu)
            cpu = now
        result = krbtest.promtool_check(body)
        if result is not None:
            self.assertEqual(result[0], 0, result[1])
        # /metrics only: not on /probe.
        status, _, text = exp.get('/probe?realm=' + REALM)
        self.assertEqual(status, 200)
        self.assertNotIn('process_', text)

    # --- 2. logs ----------------------------------------------------------

    def exercise(self, exp):
        """Make the exporter log: failing probes (at debug) with names that
        need escaping, the lockout guard, a refused header, a refused and
        an accepted reload, and the stop."""
        exp.scrape()
        exp.scrape()
        status, _, _ = exp.get('/metrics', headers={
            'X-Prometheus-Scrape-Timeout-Seconds': 'soon'})
        self.assertEqual(status, 400)
        krbtest.write_private(exp.config_path,
                              self.config.replace('timeout', 'timout'))
        status, _, _ = exp.request('POST', '/-/reload')
        self.assertEqual(status, 500)
        krbtest.write_private(exp.config_path, self.config)
        status, _, _ = exp.request('POST', '/-/reload')
        self.assertEqual(status, 200)
        exp.stop()
        return exp.stderr()

    def check_content(self, lines):
        """The events above, with their fields where they belong."""
        msgs = [d['msg'] for d in lines]
        self.assertTrue(any(m.startswith('listening on 127.0.0.1:')
                            for m in msgs), msgs)
        guard = [d for d in lines if d['msg'].startswith('credential failure')]
        self.assertTrue(guard, msgs)
        self.assertEqual((guard[0]['level'], guard[0]['realm'],
                          guard[0]['probe'], guard[0]['target']),
                         ('warn', BAD, 'tgt', 'krbmon@' + BAD))
        failed = {d.get('target'): d for d in lines
                  if d.get('probe') == 'service' and d['level'] == 'debug'}
        for service in NASTY:
            with self.subTest(service=service):
                d = failed.get(service + '@' + REALM)
                self.assertIsNotNone(d, sorted(failed, key=str))
                self.assertEqual(d['realm'], REALM)
                self.assertEqual(d['name'], 'KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN')
        bad_header = [d for d in lines if d.get('path') == '/metrics']
        self.assertEqual(len(bad_header), 1, msgs)
        self.assertEqual(bad_header[0]['level'], 'warn')
        self.assertTrue(any('unknown key "timout"' in m for m in msgs), msgs)
        self.assertTrue(any(m.startswith('SIGTERM') for m in msgs), msgs)

    def test_logfmt(self):
        for args in ((), ('--log.format=logfmt',)):
            with self.subTest(args=args):
                exp = self.start_exporter(self.config, args=args)
                text = self.exercise(exp)
                lines = check_lines(self, text, parse_logfmt,
                                    ('ts', 'level', 'msg'))
                self.check_content(lines)
                # Values with quotes are quoted and escaped on the line.
                self.assertIn('target="HTTP/we\\"ird.example.com@%s"'
                              % REALM, text)
                self.assertIn('target="HTTP/e=q.example.com@%s"' % REALM,
                              text)
                self.assertIn('target=HTTP/caf\u00e9.example.com@%s '
                              % REALM, text)
                self.assertIn('unknown key \\"timout\\"', text)

    def test_json(self):
        exp = self.start_exporter(self.config, args=('--log.format=json',))
        text = self.exercise(exp)
        lines = check_lines(self, text, parse_json_line,
                            ('time', 'level', 'msg'))
        self.check_content(lines)
        self.assertNotIn('ts=', text)

    def test_bad_format(self):
        workdir = self.make_workdir()
        path = krbtest.write_private(os.path.join(workdir, 'c.conf'),
                                     self.config)
        r = krbtest.run_exporter(['--config.file=' + path,
                                  '--log.format=text'], workdir)
        self.assertEqual(r.returncode, 2)
        self.assertIn('--log.format: "text" is not one of logfmt, json',
                      r.stderr)

    # --- 3. gzip ------------------------------------------------------------

    def test_gzip_scrape(self):
        exp = self.start_exporter(self.config)
        exp.scrape()                      # the lockout guard settles
        headers = {'X-Prometheus-Scrape-Timeout-Seconds': '10'}
        status, plain_h, plain = self.raw(exp, 'GET', '/metrics', headers)
        self.assertEqual(status, 200)
        self.assertNotIn('content-encoding', plain_h)
        self.assertEqual(plain_h.get('vary'), 'Accept-Encoding')
        # As Prometheus asks.
        status, zip_h, zipped = self.raw(exp, 'GET', '/metrics', dict(
            headers, **{'Accept-Encoding': 'gzip',
                        'Accept': 'application/openmetrics-text;'
                                  'version=1.0.0;q=0.5,text/plain;'
                                  'version=0.0.4;q=0.2,*/*;q=0.1'}))
        self.assertEqual(status, 200)
        self.assertEqual(zip_h.get('content-encoding'), 'gzip')
        self.assertEqual(zip_h.get('vary'), 'Accept-Encoding')
        self.assertEqual(zip_h['content-type'], plain_h['content-type'])
        self.assertEqual(int(zip_h['content-length']), len(zipped))
        self.assertLess(len(zipped), len(plain) / 3)
        text = gzip.decompress(zipped).decode('utf-8')
        self.assertEqual(normalise(text), normalise(plain.decode('utf-8')))
        result = krbtest.promtool_check(text)
        if result is not None:
            self.assertEqual(result[0], 0, result[1])

    def test_gzip_every_response(self):
        exp = self.start_exporter(self.config)
        cases = (
            ('GET', '/probe?realm=' + REALM, 200, 'krb5_probe_success'),
            ('GET', '/probe?realm=NOPE.TEST', 400, 'unknown realm'),
            ('GET', '/nope', 404, 'not found'),
            ('DELETE', '/metrics', 405, 'method not allowed'),
            ('GET', '/-/healthy', 200, 'OK'),
            ('GET', '/-/ready', 200, 'OK'),
            ('GET', '/', 200, '<html'),
            ('GET', '/probe?realm=%s&debug=true' % REALM, 200, REALM),
        )
        for method, path, want, part in cases:
            with self.subTest(method=method, path=path):
                status, h, body = self.raw(exp, method, path,
                                           {'Accept-Encoding': 'gzip'})
                self.assertEqual(status, want)
                self.assertEqual(h.get('content-encoding'), 'gzip')
                self.assertEqual(h.get('vary'), 'Accept-Encoding')
                self.assertIn(part, gzip.decompress(body).decode('utf-8'))
        status, h, body = self.raw(exp, 'GET', '/metrics', {
            'Accept-Encoding': 'gzip',
            'X-Prometheus-Scrape-Timeout-Seconds': 'x'})
        self.assertEqual(status, 400)
        self.assertEqual(h.get('content-encoding'), 'gzip')
        self.assertIn(b'Timeout', gzip.decompress(body))

    def test_gzip_head(self):
        exp = self.start_exporter(self.config)
        status, h, body = self.raw(exp, 'HEAD', '/metrics',
                                   {'Accept-Encoding': 'gzip'})
        self.assertEqual(status, 200)
        self.assertEqual(body, b'')
        self.assertEqual(h.get('content-encoding'), 'gzip')
        self.assertEqual(h.get('vary'), 'Accept-Encoding')
        self.assertGreater(int(h['content-length']), 100)
        status, h, body = self.raw(exp, 'HEAD', '/-/healthy',
                                   {'Accept-Encoding': 'gzip'})
        self.assertEqual((status, body), (200, b''))
        self.assertEqual(h.get('content-encoding'), 'gzip')

    def test_gzip_negotiation(self):
        exp = self.start_exporter(self.config)
        cases = (
            (None, False), ('gzip', True), ('x-gzip', True),
            ('gzip, deflate, br', True), ('*', True), ('br', False),
            ('gzip;q=0', False), ('*;q=0', False), ('identity', False),
            ('identity;q=0, gzip;q=0.1', True),
            ('gzip;q=0.5, identity', False), ('', False),
            ('gzip;q=nope', False),
        )
        for header, zipped in cases:
            with self.subTest(accept_encoding=header):
                headers = {} if header is None else {
                    'Accept-Encoding': header}
                status, h, body = self.raw(exp, 'GET', '/-/healthy', headers)
                self.assertEqual(status, 200)
                self.assertEqual(h.get('vary'), 'Accept-Encoding')
                if zipped:
                    self.assertEqual(h.get('content-encoding'), 'gzip')
                    body = gzip.decompress(body)
                else:
                    self.assertNotIn('content-encoding', h)
                self.assertEqual(body, b'OK\n')


# Families whose values are timings or otherwise move between two scrapes
# (counters: the failing services count again; a probe of the scrape
# before may still be in flight).
_MOVING = re.compile(
    r'^(process_\w+|\w+_seconds|\w+_total|\w+_in_flight)[{ ]')


def normalise(text):
    """The exposition with the values of moving families blanked."""
    out = []
    for line in text.splitlines():
        if _MOVING.match(line):
            line = line.rsplit(' ', 1)[0] + ' _'
        out.append(line)
    return out


if __name__ == '__main__':
    krbtest.main()
