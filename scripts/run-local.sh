#!/usr/bin/env bash
# The embedded default: SQLite and an on-disk Celery broker under ./var, demo data, then the
# web server, a Celery worker and Celery beat together, and last the admin login. Ctrl-C stops
# them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
HOST=${HYBRIDPLAN_HOST:-127.0.0.1}
PORT=${HYBRIDPLAN_PORT:-8000}
VAR_DIR=${HYBRIDPLAN_VAR_DIR:-var}
READY_TRIES=60  # seconds to wait for /healthz before showing the login anyway

# The owner's only: it holds the database (password hashes, API tokens) and the secrets.
mkdir -p -m 700 "$VAR_DIR"
if [ -O "$VAR_DIR" ]; then chmod go-rwx "$VAR_DIR"; fi

$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0
$PY manage.py load_demo --if-empty --nodes-file "$VAR_DIR/demo-nodes.yaml"

pids=()
names=()  # what each of pids runs
STOP_GRACE_TICKS=20  # half-seconds a process gets to stop before it is killed outright
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  # A Celery worker still starting up can ignore SIGTERM: never leave one behind.
  for _ in $(seq "$STOP_GRACE_TICKS"); do
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  exit
}
trap stop INT TERM EXIT
run() {
  names+=("$1")
  shift
  "$@" &
  pids+=($!)
}

# --quiet: no banners (beat's reads "v5.6.3 (recovery)", Celery's release name, not a state).
# Run as root (a container), the worker warns that it is root at every start; it refuses
# outright only with pickle, which it does not accept here. Everything here runs as the one
# who runs it, so the warning tells nothing (C_FORCE_ROOT only allows pickle; it does not
# silence it).
run "The Celery worker" $PY -W "ignore:You're running the worker with superuser privileges" \
  -m celery -A hybridplan --quiet worker --loglevel=INFO --concurrency=2
run "Celery beat" $PY -m celery -A hybridplan --quiet beat --loglevel=INFO --pidfile=
run "The web server" $PY -m gunicorn hybridplan.wsgi --bind "$HOST:$PORT" --workers 2 \
  --access-logfile -
web_pid=$!
# A real Kubernetes API server with the Hybridnet CRDs for the demo cluster, when the
# binary has been built (make kube-apiserver); the app runs fine without it.
if $PY -c "from planner.kube.localcluster import apiserver_binary as a, etcd_binary as e; a(); e()" \
    2>/dev/null; then
  run "The local cluster" $PY manage.py local_cluster --name ack-distro --register --sync \
    --nodes "$VAR_DIR/demo-nodes.yaml"
else
  echo "No kube-apiserver built (make kube-apiserver): running without a local cluster."
fi

# The login last, once everything is up, so that it is not lost in the start-up log.
HEALTHZ_URL="http://$HOST:$PORT/healthz"
for _ in $(seq "$READY_TRIES"); do
  [ "$(jobs -rp | wc -l)" -eq "${#pids[@]}" ] || break  # one has exited: said below
  $PY -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "$HEALTHZ_URL" 2>/dev/null && break
  sleep 1
done
echo "Hybridplan is at http://$HOST:$PORT/ (admin: /admin/, health: $HEALTHZ_URL)"
$PY manage.py ensure_admin
echo "Ctrl-C stops the web server, worker and beat."

# Each exit is said at once. The web server's stops everything; after another's, the web
# server stays up and /healthz tells what is missing until make run starts again.
while true; do
  wait -n "${pids[@]}" || true
  running=" $(jobs -rp | tr '\n' ' ')"
  for i in "${!pids[@]}"; do
    [[ $running == *" ${pids[i]} "* ]] && continue
    echo "${names[i]} (pid ${pids[i]}) has exited."
    [ "${pids[i]}" = "$web_pid" ] && stop
    unset "pids[i]" "names[i]"
  done
done
