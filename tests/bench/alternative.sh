#!/usr/bin/env bash
# Today's alternative, for the benchmark: the cron script people run to
# watch Kerberos, writing a file for node_exporter's textfile collector.
# For each realm, one after another: kinit with a keytab into a FILE
# ccache, then kvno for each service (one kvno per service, so each gets
# its own success line), then the file is moved into place atomically.
#
#   alternative.sh SPEC_FILE OUTDIR
#
# SPEC_FILE has one realm per line: REALM CLIENT KEYTAB SERVICE...  (every
# principal with its realm), as for krb5exp_bench_lowerbound.  The KDCs
# come from the krb5.conf that KRB5_CONFIG names.  The exit status is 1
# when any kinit or kvno failed.
set -u

spec=$1
outdir=$2
prom=$outdir/krb5.prom
tmp=$prom.$$
status=0

: >"$tmp"
while read -r realm client keytab services; do
    [ -n "$realm" ] || continue
    export KRB5CCNAME=FILE:$outdir/ccache.$realm
    if kinit -k -t "$keytab" "$client" 2>/dev/null; then
        echo "krb5_probe_success{realm=\"$realm\",probe=\"tgt\",target=\"$client\"} 1" >>"$tmp"
        for service in $services; do
            if kvno -q "$service" 2>/dev/null; then
                ok=1
            else
                ok=0
                status=1
            fi
            echo "krb5_probe_success{realm=\"$realm\",probe=\"service\",target=\"$service\"} $ok" >>"$tmp"
        done
    else
        echo "krb5_probe_success{realm=\"$realm\",probe=\"tgt\",target=\"$client\"} 0" >>"$tmp"
        status=1
    fi
done <"$spec"
mv "$tmp" "$prom"
exit "$status"
