#!/usr/bin/env python3
"""
The status page at / in a real browser: Debian's chromium, headless,
loads the page from a real exporter and the test reads the DOM it built.
Three realms: one well, one whose monitoring client is revoked, and one
whose name and principal are hostile markup (its KDC port is closed).

The page must name every realm, say which was not probed yet, show a
failing realm's code, name, cause and first fix (the cause and fix as
--once gives them), link to each realm's /probe and debug pages, load no
other asset and carry no script; and loading it must send the KDC no
request: the AS-REQs in the MIT KDC's log are counted before and after.

A phone-sized screenshot is kept as test output, under the build
directory's meson-logs (or $KRB5EXP_SCREENSHOT_DIR); its path is printed.
Skipped when chromium is missing, unless $CI is set: then it fails.
"""
import html.parser
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import unittest
import urllib.parse

import krbtest

GOOD = 'GOOD.TEST'
BAD = 'BAD.TEST'
# No whitespace, '@' or '/': the config takes it as a realm name.
EVIL = '<b>EVIL&"\'<script>.TEST'
EVIL_CLIENT = '<i>mon"&\''
SERVICE = 'HTTP/www.statuspage.test'
REVOKED = krbtest.KDC_ERR_CLIENT_REVOKED

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu',
                  '--disable-quic', '--no-first-run',
                  '--disable-background-networking',
                  '--disable-component-update', '--disable-sync',
                  # Anything but loopback goes to a closed port, so the
                  # page is shown as it would be offline.
                  '--proxy-server=127.0.0.1:9']


def chromium_path():
    for path in (shutil.which('chromium'), '/usr/bin/chromium'):
        if path and os.access(path, os.X_OK):
            return path
    return None


def libconfig_string(s):
    return s.replace('\\', '\\\\').replace('"', '\\"')


class Node:
    """An element of the DOM as chromium serialised it."""

    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []
        self.text_parts = []

    def text(self):
        out = []
        for part in self.text_parts:
            out.append(part if isinstance(part, str) else part.text())
        return ''.join(out)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def classes(self):
        return self.attrs.get('class', '').split()


VOID = {'meta', 'br', 'link', 'img', 'input', 'hr', 'source', 'wbr'}


class DOM(html.parser.HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = Node('#document', [], None)
        self.cur = self.root
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        self.cur.text_parts.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        self.cur.text_parts.append(node)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text_parts.append(data)

    def elements(self):
        return list(self.root.walk())[1:]


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        raise AssertionError('%s is not a PNG' % path)
    return struct.unpack('>II', head[16:24])


def screenshot_path(name):
    d = os.environ.get('KRB5EXP_SCREENSHOT_DIR')
    if not d:
        # The exporter under test lives in the meson build directory.
        d = os.path.join(os.path.dirname(krbtest.exporter_path()),
                         'meson-logs')
    if not os.path.isdir(d):
        d = tempfile.mkdtemp(prefix='krbtest-screenshots-')
    return os.path.join(d, name)


class StatusPageTest(krbtest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.chromium = chromium_path()
        if cls.chromium is None:
            if os.environ.get('CI'):
                raise AssertionError('chromium is not installed (CI is set; '
                                     'scripts/setup installs it)')
            raise unittest.SkipTest('chromium is not installed')
        cls.kdc = krbtest.KDC((GOOD, BAD))
        try:
            for realm in (GOOD, BAD):
                cls.kdc.addprinc('krbmon@' + realm)
                cls.kdc.addprinc('%s@%s' % (SERVICE, realm))
            cls.keytab = cls.kdc.ktadd('krbmon@' + GOOD)
            cls.bad_keytab = cls.kdc.ktadd(
                'krbmon@' + BAD, keytab=os.path.join(cls.kdc.dir, 'bad.kt'))
            cls.kdc.modprinc('krbmon@' + BAD, '-allow_tix')
            cls.kdc.start()
        except BaseException:
            cls.kdc.cleanup()
            raise
        kdcs = ['127.0.0.1:%d' % cls.kdc.port]
        cls.config = krbtest.config_text([
            krbtest.realm_config(GOOD, kdcs, 'krbmon@' + GOOD,
                                 keytab=cls.keytab, services=(SERVICE,)),
            krbtest.realm_config(BAD, kdcs, 'krbmon@' + BAD,
                                 keytab=cls.bad_keytab, services=(SERVICE,)),
            krbtest.realm_config(libconfig_string(EVIL),
                                 ['127.0.0.1:%d' % krbtest.closed_port()],
                                 libconfig_string(EVIL_CLIENT),
                                 keytab=cls.keytab, timeout=2.0)])

    @classmethod
    def tearDownClass(cls):
        cls.kdc.cleanup()

    def as_reqs(self):
        return len(re.findall(r'AS_REQ', self.kdc._log_since(0)))

    def chromium_run(self, *args):
        profile = tempfile.mkdtemp(prefix='krbtest-chromium-')
        self.addCleanup(shutil.rmtree, profile, True)
        r = subprocess.run([self.chromium] + CHROMIUM_FLAGS +
                           ['--user-data-dir=' + profile] + list(args),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=90)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return r.stdout

    def dump_dom(self, exp):
        text = self.chromium_run('--dump-dom', exp.url + '/')
        self.assertIn('<html', text)
        return text, DOM(text)

    def screenshot(self, exp, name):
        path = screenshot_path(name)
        if os.path.exists(path):
            os.unlink(path)
        self.chromium_run('--screenshot=' + path, '--window-size=412,900',
                          exp.url + '/')
        print('status page screenshot (412x900, a phone): %s' % path)
        self.assertEqual(png_size(path), (412, 900))
        return path

    def cards(self, dom):
        """{realm name as shown: card node}"""
        out = {}
        for node in dom.elements():
            if node.tag == 'section' and 'card' in node.classes():
                h2 = [c for c in node.children if c.tag == 'h2']
                self.assertEqual(len(h2), 1)
                badge = ''.join(c.text() for c in h2[0].children
                                if 'badge' in c.classes())
                name = h2[0].text()[:-len(badge)].strip()
                out[name] = node
        return out

    def assertSafePage(self, dom):
        """No script, no asset from elsewhere, no markup from a name."""
        allowed = {'html', 'head', 'meta', 'title', 'style', 'body', 'h1',
                   'h2', 'p', 'a', 'section', 'span', 'ul', 'li', 'code',
                   'dl', 'dt', 'dd', 'details', 'summary', 'br'}
        for node in dom.elements():
            self.assertIn(node.tag, allowed, node.attrs)
            for attr, val in node.attrs.items():
                self.assertFalse(attr.startswith('on'), (node.tag, attr))
                self.assertNotIn(attr, ('src', 'srcset', 'style'),
                                 node.tag)
                if attr == 'href':
                    parsed = urllib.parse.urlsplit(val)
                    self.assertEqual((parsed.scheme, parsed.netloc),
                                     ('', ''), val)
        style = [n for n in dom.elements() if n.tag == 'style']
        self.assertEqual(len(style), 1)
        self.assertNotIn('url(', style[0].text())
        self.assertNotIn('@import', style[0].text())
        metas = [n.attrs for n in dom.elements() if n.tag == 'meta']
        self.assertIn({'name': 'viewport',
                       'content': 'width=device-width, initial-scale=1'},
                      metas)

    def links(self, card, exp):
        """The absolute URLs a card links to, by link text."""
        return {a.text(): urllib.parse.urljoin(exp.url + '/',
                                               a.attrs['href'])
                for a in card.walk() if a.tag == 'a'}

    def once_advice(self):
        """The cause and fix --once gives for BAD's tgt failure."""
        workdir = self.make_workdir()
        path = krbtest.write_private(os.path.join(workdir, 'once.conf'),
                                     self.config)
        r = krbtest.run_exporter(['--config.file=' + path, '--once'],
                                 workdir)
        self.assertEqual(r.returncode, 1, r.stderr)
        m = re.search(r'FAIL  tgt +krbmon@%s: %s.*\n(?:.*\n)*?'
                      r' +cause: +(.*)\n +fix: +(.*)\n'
                      % (re.escape(BAD), REVOKED[1]), r.stderr)
        self.assertIsNotNone(m, r.stderr)
        return m.group(1), m.group(2)

    def test_page_before_and_after_scrapes(self):
        cause, fix = self.once_advice()
        exp = self.start_exporter(self.config)

        # Before any scrape: every realm named, none probed, and loading
        # the page probes nothing.
        before = self.as_reqs()
        _, dom = self.dump_dom(exp)
        self.screenshot(exp, 'statuspage-unprobed-412x900.png')
        self.assertEqual(self.as_reqs(), before)
        self.assertSafePage(dom)
        cards = self.cards(dom)
        self.assertEqual(sorted(cards), sorted([GOOD, BAD, EVIL]))
        for name, card in cards.items():
            self.assertIn('none', card.classes(), name)
            self.assertIn('Not probed yet', card.text(), name)

        # /probe of one realm: that realm only.
        status, _, body = exp.get('/probe?realm=' + GOOD)
        self.assertEqual(status, 200, body)
        _, dom = self.dump_dom(exp)
        cards = self.cards(dom)
        self.assertIn('ok', cards[GOOD].classes())
        self.assertIn('Not probed yet', cards[BAD].text())

        # A scrape of /metrics: then every realm has a result.
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, BAD, 'tgt', 'krbmon@' + BAD, REVOKED)
        before = self.as_reqs()
        text, dom = self.dump_dom(exp)
        self.dump_dom(exp)
        shot = self.screenshot(exp, 'statuspage-412x900.png')
        self.assertEqual(self.as_reqs(), before,
                         'loading the status page sent the KDC a request')
        with open(shot + '.html', 'w') as f:
            f.write(text)
        self.assertSafePage(dom)
        cards = self.cards(dom)
        self.assertEqual(sorted(cards), sorted([GOOD, BAD, EVIL]))

        good = cards[GOOD]
        self.assertIn('ok', good.classes())
        self.assertRegex(good.text(), r'Probed \d+ s ago')
        lines = [li.text() for li in good.walk() if li.tag == 'li']
        self.assertTrue(any(l.startswith('OK tgt krbmon@' + GOOD)
                            for l in lines), lines)
        self.assertTrue(any(l.startswith('OK service %s@%s' % (SERVICE, GOOD))
                            for l in lines), lines)

        bad = cards[BAD]
        self.assertIn('fail', bad.classes())
        failing = [li for li in bad.walk() if li.tag == 'li'
                   and 'fail' in li.classes()]
        # The tgt probe, and the service probe it could not start.
        self.assertEqual([li.text().split(' ')[1] for li in failing],
                         ['tgt', 'service'])
        tgt = failing[0]
        self.assertTrue(tgt.text().startswith('FAIL tgt krbmon@' + BAD))
        items = {}
        for dl in (n for n in tgt.walk() if n.tag == 'dl'):
            terms = [c for c in dl.children if c.tag in ('dt', 'dd')]
            for dt, dd in zip(terms[::2], terms[1::2]):
                items[dt.text()] = dd.text()
        self.assertEqual(items['code'], str(REVOKED[0]))
        self.assertEqual(items['name'], REVOKED[1])
        self.assertEqual(items['cause'], cause)
        self.assertEqual(items['first fix'], fix)
        summary = [n for n in dom.elements() if 'summary' in n.classes()]
        self.assertIn(BAD, summary[0].text())

        # The hostile realm is shown as text, and its links carry it
        # percent-encoded to a page that names it.
        evil = cards[EVIL]
        self.assertIn('fail', evil.classes())
        self.assertIn(EVIL_CLIENT + '@' + EVIL, evil.text())
        for name, card in cards.items():
            links = self.links(card, exp)
            for text, query in (('metrics', [('realm', name)]),
                                ('debug page', [('realm', name),
                                                ('debug', 'true')])):
                parts = urllib.parse.urlsplit(links[text])
                self.assertEqual(parts.path, '/probe', (name, text))
                self.assertEqual(urllib.parse.parse_qsl(parts.query), query)
        # Following them does probe (that is what they are for).
        status, _, body = exp.get(links_path(self.links(bad, exp)
                                             ['debug page']))
        self.assertEqual(status, 200, body)
        self.assertIn('debug probe of realm ' + BAD, body)
        status, _, body = exp.get(links_path(self.links(evil, exp)
                                             ['metrics']))
        self.assertEqual(status, 200, body)
        self.assertIn('krb5_probe_success', body)
    def test_page_while_scrapes_replace_results(self):
        # Pages read the kept results while scrapes replace them: each
        # page holds its own reference, so none sees a result freed under
        # it (AddressSanitizer, under scripts/test, would say so at stop).
        exp = self.start_exporter(self.config)
        errors = []

        def hammer(paths):
            try:
                for _ in range(15):
                    for path in paths:
                        status, _, body = exp.get(path)
                        if status != 200:
                            errors.append((path, status, body[:200]))
            except Exception as e:     # reported below, not lost
                errors.append(repr(e))

        threads = [threading.Thread(target=hammer, args=(paths,))
                   for paths in (['/'], ['/'], ['/metrics', '/'],
                                 ['/probe?realm=' + GOOD, '/'],
                                 ['/probe?realm=%s&debug=true' % GOOD])]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        status, _, body = exp.get('/')
        self.assertEqual(status, 200)
        self.assertNotIn('Not probed yet', body)


def links_path(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + ('?' + parts.query if parts.query else '')


if __name__ == '__main__':
    krbtest.main()
