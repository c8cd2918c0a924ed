#!/bin/bash
# WAL breakdown of N user creations with one matching registration (PostgreSQL).
# usage (from the repository, as root on the PostgreSQL host: pg_waldump reads pg_wal):
#   cargo build --release && docs/walprobe.sh 1000 8   # N creations, C concurrent clients
# LOGSQL=1 logs every statement with its duration (ALTER DATABASE … log_min_duration_statement);
# LAT=1 adds sequential latencies.
set -e
N=${1:-1000}; C=${2:-8}; BIN=${3:-target/release/collabkit}
P="psql -h 127.0.0.1 -U postgres -Atq"
$P -c "drop database if exists walprobe with (force)"; $P -c "create database walprobe"
export COLLABKIT_DATABASE=postgres://postgres@127.0.0.1:5432/walprobe
export COLLABKIT_SECRET_KEY=$(head -c32 /dev/urandom | base64)
$BIN migrate >/dev/null 2>&1
[ -n "$LOGSQL" ] && $P -c "alter database walprobe set log_min_duration_statement = 0"
ACC=$($BIN accounts create --name probe 2>/dev/null)
AID=$(echo "$ACC" | python3 -c 'import json,sys;print(json.load(sys.stdin)["account_id"])')
KEY=$(echo "$ACC" | python3 -c 'import json,sys;print(json.load(sys.stdin)["api_key"])')
TOK=$(printf '%s:%s' "$AID" "$KEY" | base64 -w0)
python3 - <<'PY' &
import http.server, threading
n=0; lock=threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version="HTTP/1.1"
    def do_POST(self):
        global n
        self.rfile.read(int(self.headers.get('content-length',0)))
        with lock: n+=1
        self.send_response(200); self.send_header('content-length','0'); self.end_headers()
    def do_GET(self):
        b=str(n).encode(); self.send_response(200); self.send_header('content-length',str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self,*a): pass
http.server.ThreadingHTTPServer(('127.0.0.1',18099),H).serve_forever()
PY
RPID=$!
$BIN serve --listen 127.0.0.1:18080 --allow-private-destinations >/tmp/walprobe-server.log 2>&1 &
SPID=$!
trap "kill $RPID $SPID 2>/dev/null" EXIT
sleep 1.5
API=http://127.0.0.1:18080/v1/accounts/$AID
H="Authorization: Bearer $TOK"
ROOM=$(curl -s -H "$H" -H 'content-type: application/json' -d '{"name":"r","customId":"r"}' $API/rooms | python3 -c 'import json,sys;print(json.load(sys.stdin)["data"]["room"]["id"])')
curl -s -o /dev/null -H "$H" -H 'content-type: application/json' -d '{"url":"http://127.0.0.1:18099/","events":["user.created"]}' $API/webhooks
mk() { seq $1 $2 | xargs -P $C -I{} curl -s -o /dev/null -H "$H" -H 'content-type: application/json' -d "{\"name\":\"u\",\"roomId\":\"$ROOM\",\"customId\":\"u{}\"}" $API/users; }
waitrx() { for i in $(seq 600); do [ "$(curl -s http://127.0.0.1:18099/)" -ge "$1" ] && return; sleep 0.1; done; echo "receiver stuck at $(curl -s http://127.0.0.1:18099/)"; }
mk 1 300; waitrx 300
$P -c checkpoint
mk 301 400; waitrx 400; sleep 0.5
L1=$($P -c "select pg_current_wal_lsn()")
S1=$($P -c "select xact_commit||' '||tup_inserted||' '||tup_updated||' '||blks_hit from pg_stat_database where datname='walprobe'")
mk 401 $((400+N)); waitrx $((400+N)); sleep 1
L2=$($P -c "select pg_current_wal_lsn()")
S2=$($P -c "select xact_commit||' '||tup_inserted||' '||tup_updated||' '||blks_hit from pg_stat_database where datname='walprobe'")
echo "stats before: $S1 after: $S2 (commits inserted updated hits)"
python3 -c "a='$S1'.split();b='$S2'.split();print('per event: commits %.2f ins %.2f upd %.2f hits %.1f'%tuple((int(y)-int(x))/$N for x,y in zip(a,b)))"
WD=/usr/lib/postgresql/15/bin/pg_waldump
$WD -p /var/lib/postgresql/15/main/pg_wal -s $L1 -e $L2 --stats=record 2>/dev/null | awk -v n=$N 'NR<=2 || $2+0>0 {print}' | head -40
$WD -p /var/lib/postgresql/15/main/pg_wal -s $L1 -e $L2 2>/dev/null > /tmp/walprobe.dump
$P -d walprobe -F' ' -c "select relfilenode, relname from pg_class where relfilenode<>0" > /tmp/walprobe.rels
python3 - $N <<'PY'
import re,sys,collections
n=int(sys.argv[1])
rels=dict(l.split() for l in open('/tmp/walprobe.rels') if len(l.split())==2)
c=collections.Counter(); b=collections.Counter()
for l in open('/tmp/walprobe.dump'):
    m=re.search(r'rmgr: (\w+)\s+len \(rec/tot\):\s+\d+/\s*(\d+).*?desc: (\w+)',l)
    if not m: continue
    r=re.search(r'rel \d+/\d+/(\d+)',l)
    name=rels.get(r.group(1),'?'+r.group(1)) if r else '-'
    k=(m.group(1)+':'+m.group(3),name); c[k]+=1; b[k]+=int(m.group(2))
print("per event: records %.1f bytes %.0f"%(sum(c.values())/n,sum(b.values())/n))
for k,v in c.most_common(40): print("%6.2f rec %6.0f B  %-28s %s"%(v/n,b[k]/n,k[0],k[1]))
PY
if [ -n "$LAT" ]; then
  for i in $(seq 5001 5200); do curl -s -o /dev/null -w '%{time_total}\n' -H "$H" -H 'content-type: application/json' -d "{\"name\":\"u\",\"roomId\":\"$ROOM\",\"customId\":\"u$i\"}" $API/users; done | sort -n | awk '{a[NR]=$1} END {print "sequential creation latency p50", a[int(NR/2)]*1000, "ms p90", a[int(NR*0.9)]*1000, "ms"}'
  for i in $(seq 1 200); do curl -s -o /dev/null -w '%{time_total}\n' -H "$H" $API/rooms/$ROOM; done | sort -n | awk '{a[NR]=$1} END {print "sequential room read p50", a[int(NR/2)]*1000, "ms"}'
fi
if [ -n "$LAT" ]; then curl -s http://127.0.0.1:18080/metrics | grep -E 'http_request_duration_seconds_(sum|count)' | grep -E 'rooms/\{room_id\}"|/users"' ; fi
