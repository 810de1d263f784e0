"""
A demonstration on loopback: one krb5kdc serving two throwaway realms,
DEMO.TEST (healthy: a monitoring client with a keytab and two services) and
LOCKED.DEMO.TEST (its monitoring client revoked), and a krb5_exporter
watching both.  Prints the URL and a sample of /metrics, then keeps
everything up until interrupted (SIGINT/SIGTERM) or --for seconds pass.
Everything lives under temporary directories that are removed at the end.

    python3 demo_realm.py --exporter build/krb5_exporter [--port N] [--for S]
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time

import krbtest

HEALTHY = 'DEMO.TEST'
LOCKED = 'LOCKED.DEMO.TEST'
SERVICES = ('HTTP/www.demo.test', 'host/files.demo.test')


def build_realms():
    kdc = krbtest.KDC((HEALTHY, LOCKED))
    keytabs = kdc.add_monitoring(SERVICES)
    kdc.modprinc('krbmon@' + LOCKED, '-allow_tix')
    kdc.start()
    return kdc, keytabs


def config_for(kdc, keytabs):
    kdcs = ['127.0.0.1:%d' % kdc.port]
    return krbtest.config_text([
        krbtest.realm_config(realm, kdcs, 'krbmon@' + realm,
                             keytab=keytabs[realm], services=SERVICES)
        for realm in kdc.realms])


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument('--exporter', required=True, help='krb5_exporter binary')
    ap.add_argument('--port', type=int, default=0,
                    help='port on 127.0.0.1 (default: a free one)')
    ap.add_argument('--for', dest='seconds', type=float, default=0,
                    help='stop after this many seconds (default: never)')
    args = ap.parse_args()
    os.environ['KRB5_EXPORTER'] = os.path.abspath(args.exporter)

    stop = []

    def on_signal(signum, _frame):
        stop.append(signum)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    kdc = exp = workdir = None
    try:
        kdc, keytabs = build_realms()
        workdir = tempfile.mkdtemp(prefix='krb5exp-demo-')
        exp = krbtest.Exporter(config_for(kdc, keytabs), workdir,
                               log_level='info', port=args.port or None)
        exp.start()
        print('KDC for %s on 127.0.0.1:%d (files in %s)'
              % (' and '.join(kdc.realms), kdc.port, kdc.dir))
        print('krb5_exporter config: %s' % exp.config_path)
        print('krb5_exporter log:    %s' % exp.stderr_path)
        print()
        print('Metrics: %s/metrics' % exp.url)
        print()
        _, body = exp.scrape()
        for line in body.splitlines():
            if line.startswith(('krb5_probe_success', 'krb5_probe_error{',
                                'krb5_service_ticket_kvno')):
                print('  ' + line)
        print()
        print('Try: curl -s %s/metrics | grep krb5_probe' % exp.url)
        print('Press Ctrl-C to stop and remove everything.')
        sys.stdout.flush()
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while not stop:
            if deadline and time.monotonic() >= deadline:
                break
            if exp.proc.poll() is not None:
                print('krb5_exporter exited:\n' + exp.stderr(),
                      file=sys.stderr)
                return 1
            time.sleep(0.2)
        return 0
    except (krbtest.FixtureError, OSError) as e:
        print('demo: %s' % e, file=sys.stderr)
        return 1
    finally:
        print('demo: stopping', file=sys.stderr)
        if exp is not None:
            try:
                exp.stop()
            except (AssertionError, krbtest.FixtureError) as e:
                print('demo: %s' % e, file=sys.stderr)
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        if kdc is not None:
            kdc.cleanup()


if __name__ == '__main__':
    sys.exit(main())
