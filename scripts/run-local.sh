#!/usr/bin/env bash
# The embedded default: SQLite and an on-disk Celery broker under ./var, demo data, an admin
# login, then the web server, a Celery worker and Celery beat together. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
HOST=${HYBRIDPLAN_HOST:-127.0.0.1}
PORT=${HYBRIDPLAN_PORT:-8000}

$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0
$PY manage.py load_demo --if-empty --nodes-file var/demo-nodes.yaml
$PY manage.py ensure_admin

pids=()
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
}
trap stop INT TERM EXIT

$PY -m celery -A hybridplan worker --loglevel=INFO --concurrency=2 &
pids+=($!)
$PY -m celery -A hybridplan beat --loglevel=INFO --pidfile= &
pids+=($!)
$PY -m gunicorn hybridplan.wsgi --bind "$HOST:$PORT" --workers 2 --access-logfile - &
pids+=($!)
# A real Kubernetes API server with the Hybridnet CRDs for the demo cluster, when the
# binary has been built (make kube-apiserver); the app runs fine without it.
if $PY -c "from planner.kube.localcluster import apiserver_binary as a, etcd_binary as e; a(); e()" \
    2>/dev/null; then
  $PY manage.py local_cluster --name ack-distro --register --nodes var/demo-nodes.yaml &
  pids+=($!)
else
  echo "No kube-apiserver built (make kube-apiserver): running without a local cluster."
fi

echo "Hybridplan is at http://$HOST:$PORT/admin/ (Ctrl-C stops the web server, worker and beat)"
# Stop everything as soon as any one of them dies, so a crash is never hidden.
wait -n "${pids[@]}"
