"""
promtest: a throwaway Prometheus (and optionally Alertmanager) on loopback,
a webhook receiver for Alertmanager's notifications, and the helpers that
read the shipped rules and Grafana dashboard, for the integration tests.
Standard library only.

A Prometheus object owns one temporary directory (its configuration, a copy
of the rules and its TSDB) and one prometheus process listening on
127.0.0.1.  An Alertmanager object does the same for one alertmanager with
clustering turned off, so that it opens no port beyond its own on
127.0.0.1.  Both go away with stop(); nothing here ever talks to anything but
127.0.0.1.
"""

import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import krbtest

LOOPBACK = krbtest.LOOPBACK
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), '..', '..'))
RULES = os.path.join(ROOT, 'dashboards', 'prometheus', 'alerts.yml')
DASHBOARD = os.path.join(ROOT, 'dashboards', 'grafana', 'krb5-exporter.json')


def find_program(name, env_name):
    """The program from $env_name or the PATH; skip the test without it."""
    path = os.environ.get(env_name) or shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest('%s is not installed' % name)
    return path


def rules_with_for(src, dst, duration):
    """
    Copy the rules file with every alert's `for:` set to `duration`, so that
    a test sees an alert fire in seconds.  Everything else is kept byte for
    byte.  Returns the number of `for:` lines changed, which the caller
    checks against the number of alerts.
    """
    with open(src) as f:
        text = f.read()
    text, changed = re.subn(r'(?m)^(\s+for:\s*)\S+\s*$',
                            lambda m: m.group(1) + duration, text)
    with open(dst, 'w') as f:
        f.write(text)
    return changed


def alert_names(path=RULES):
    """Every `- alert: NAME` of a rules file, in order, with repeats."""
    with open(path) as f:
        return re.findall(r'(?m)^\s*-\s*alert:\s*(\S+)\s*$', f.read())


class _Process:
    """A child process with its output in a file, stopped with SIGTERM."""

    def __init__(self, workdir, name):
        self.workdir = workdir
        self.name = name
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, name + '.log')

    @property
    def url(self):
        return 'http://%s:%d' % (LOOPBACK, self.port)

    def log(self, n=40):
        try:
            with open(self.log_path, 'rb') as f:
                text = f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''
        return '\n'.join(text.splitlines()[-n:])

    def _spawn(self, argv, ready_path, timeout):
        """
        Start argv and wait until GET ready_path answers 200.  Returns True
        when ready, False when the process exited because its port was
        taken (the caller picks another), and raises otherwise.
        """
        out = open(self.log_path, 'ab')
        try:
            self.proc = subprocess.Popen(argv, cwd=self.workdir,
                                         stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=out)
        finally:
            out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                if 'address already in use' in self.log():
                    return False
                raise krbtest.FixtureError('%s exited:\n%s'
                                           % (self.name, self.log()))
            try:
                with urllib.request.urlopen(self.url + ready_path,
                                            timeout=2) as r:
                    if r.status == 200:
                        return True
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        self.stop()
        raise krbtest.FixtureError('%s not ready in %ds:\n%s'
                                   % (self.name, timeout, self.log()))

    def stop(self):
        if self.proc is None:
            return
        krbtest.terminate(self.proc, 15)
        self.proc = None


class Prometheus(_Process):
    """
    One prometheus on 127.0.0.1 that scrapes `targets` ({job: [host:port]})
    every second and evaluates `rules` (a path) every second, sending alerts
    to `alertmanager` (host:port) when given.
    """

    def __init__(self, workdir, targets, rules, alertmanager=None,
                 interval='1s'):
        super().__init__(workdir, 'prometheus')
        self.binary = find_program('prometheus', 'PROMETHEUS')
        self.config_path = os.path.join(workdir, 'prometheus.yml')
        lines = ['global:',
                 '  scrape_interval: %s' % interval,
                 '  scrape_timeout: %s' % interval,
                 '  evaluation_interval: %s' % interval,
                 'rule_files:',
                 '  - %s' % json.dumps(rules),
                 'scrape_configs:']
        for job, hosts in targets.items():
            lines += ['  - job_name: %s' % json.dumps(job),
                      '    static_configs:',
                      '      - targets: %s' % json.dumps(list(hosts))]
        if alertmanager:
            lines += ['alerting:',
                      '  alertmanagers:',
                      '    - static_configs:',
                      '        - targets: %s' % json.dumps([alertmanager])]
        with open(self.config_path, 'w') as f:
            f.write('\n'.join(lines) + '\n')

    def start(self, timeout=30):
        for _ in range(3):
            self.port = krbtest.free_port(udp=False)
            argv = [self.binary,
                    '--config.file=' + self.config_path,
                    '--storage.tsdb.path=' + os.path.join(self.workdir,
                                                          'data'),
                    '--web.listen-address=%s:%d' % (LOOPBACK, self.port),
                    '--log.level=info']
            if self._spawn(argv, '/-/ready', timeout):
                return self
        raise krbtest.FixtureError('prometheus could not bind a port:\n'
                                   + self.log())

    def api(self, path, **params):
        """GET /api/v1/<path>; return its data, raise on any error."""
        url = '%s/api/v1/%s?%s' % (self.url, path,
                                   urllib.parse.urlencode(params))
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            body = json.loads(e.read().decode('utf-8', 'replace') or '{}')
            raise AssertionError('%s: HTTP %d: %s' % (
                path, e.code, body.get('error', body)))
        if body.get('status') != 'success':
            raise AssertionError('%s: %s' % (path, body))
        return body['data']

    def query(self, expr, at=None):
        """An instant query; returns the result list (vector) or value."""
        params = {'query': expr}
        if at is not None:
            params['time'] = '%.3f' % at
        return self.api('query', **params)['result']

    def alerts(self):
        """The pending and firing alerts: a list of {labels, state, ...}."""
        return self.api('alerts')['alerts']

    def firing(self, prefix='Krb5'):
        """{alertname: [labels, ...]} of the firing alerts named prefix*."""
        out = {}
        for a in self.alerts():
            name = a['labels'].get('alertname', '')
            if a['state'] == 'firing' and name.startswith(prefix):
                out.setdefault(name, []).append(a['labels'])
        return out


class Alertmanager(_Process):
    """
    One alertmanager on 127.0.0.1 with clustering off, sending every alert,
    at once, to the webhook at `webhook_url`.
    """

    def __init__(self, workdir, webhook_url):
        super().__init__(workdir, 'alertmanager')
        self.binary = find_program('prometheus-alertmanager', 'ALERTMANAGER')
        self.config_path = os.path.join(workdir, 'alertmanager.yml')
        with open(self.config_path, 'w') as f:
            f.write('\n'.join([
                'route:',
                '  receiver: webhook',
                '  group_by: [alertname, realm]',
                '  group_wait: 0s',
                '  group_interval: 1s',
                '  repeat_interval: 1h',
                'receivers:',
                '  - name: webhook',
                '    webhook_configs:',
                '      - url: %s' % json.dumps(webhook_url),
                '        send_resolved: false',
                '']))

    def start(self, timeout=30):
        for _ in range(3):
            self.port = krbtest.free_port(udp=False)
            argv = [self.binary,
                    '--config.file=' + self.config_path,
                    '--storage.path=' + os.path.join(self.workdir, 'am-data'),
                    '--web.listen-address=%s:%d' % (LOOPBACK, self.port),
                    # No gossip: otherwise it listens on every address.
                    '--cluster.listen-address=',
                    '--log.level=info']
            if self._spawn(argv, '/-/ready', timeout):
                return self
        raise krbtest.FixtureError('alertmanager could not bind a port:\n'
                                   + self.log())


class Webhook:
    """
    An HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it, as
    Alertmanager's webhook receiver sends them.  close() always.
    """

    def __init__(self):
        self.bodies = []
        self.lock = threading.Lock()
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                data = self.rfile.read(length)
                with hook.lock:
                    hook.bodies.append(json.loads(data.decode('utf-8')))
                self.send_response(200)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    @property
    def url(self):
        return 'http://%s:%d/alerts' % (LOOPBACK, self.port)

    def alerts(self):
        """Every alert received so far: a list of {status, labels, ...}."""
        with self.lock:
            return [a for body in self.bodies for a in body.get('alerts', [])]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def wait_for(what, check, timeout, interval=0.25):
    """
    Call check() until it returns something true, and return that; fail
    with `what` and check's last answer when `timeout` seconds pass first.
    check may raise AssertionError to say why it is not yet true.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            result = check()
            if result:
                return result
            last = result
        except AssertionError as e:
            last = e
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ds waiting for %s; last: %s'
                                 % (timeout, what, last))
        time.sleep(interval)


# --- the Grafana dashboard -------------------------------------------------

def load_dashboard(path=DASHBOARD):
    with open(path) as f:
        return json.load(f)


def panels(dashboard):
    """Every panel, including those inside collapsed rows."""
    out = []
    for p in dashboard.get('panels', []):
        out.append(p)
        out.extend(p.get('panels', []))
    return out


def panel_queries(dashboard):
    """[(panel title, refId, PromQL expr)] of every panel target."""
    out = []
    for p in panels(dashboard):
        for t in p.get('targets', []):
            if t.get('expr'):
                out.append((p.get('title', ''), t.get('refId', ''), t['expr']))
    return out


_LABEL_VALUES = re.compile(r'^\s*label_values\((.*),\s*([A-Za-z_]\w*)\s*\)\s*$',
                           re.S)


def variable_queries(dashboard):
    """
    [(variable name, PromQL)] for every query variable: label_values(S, L)
    becomes `count by (L) (S)`, which has a series for each value Grafana
    would offer.
    """
    out = []
    for v in dashboard.get('templating', {}).get('list', []):
        if v.get('type') != 'query':
            continue
        q = v.get('query')
        if isinstance(q, dict):
            q = q.get('query')
        m = _LABEL_VALUES.match(q or '')
        if not m:
            raise AssertionError('variable %s: not label_values(...): %r'
                                 % (v.get('name'), q))
        out.append((v['name'], 'count by (%s) (%s)' % (m.group(2),
                                                        m.group(1))))
    return out


_VARIABLE = re.compile(r'\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)')


def regex_value(text):
    """
    A value as Grafana writes a template variable into a =~ matcher of a
    PromQL string: regex-escaped, each backslash doubled for the string.
    """
    return re.escape(text).replace('\\', '\\\\')


def substitute(expr, values):
    """
    Replace Grafana's template variables ($name, ${name}, ${name:fmt},
    [[name]]) with values[name].  `$1`-style references (label_replace)
    are left alone; any other unknown variable raises KeyError.
    """
    def sub(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name.isdigit():
            return m.group(0)
        if name not in values:
            raise KeyError('unknown template variable $%s in %r'
                           % (name, expr))
        return values[name]
    return _VARIABLE.sub(sub, expr)


def make_workdir(testcase, prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    testcase.addCleanup(shutil.rmtree, d, True)
    return d
