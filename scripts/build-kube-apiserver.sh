#!/usr/bin/env bash
# Build kube-apiserver v1.20.2 once, from Debian bookworm's `kubernetes` source
# package, into a cache outside the repository; the test harness runs it on
# 127.0.0.1 beside Debian's etcd. See docs: /work/shared/design/k8s-test-cluster.md.
#
#   scripts/build-kube-apiserver.sh          # prints the binary's path on its last line
#
# Environment:
#   HYBRIDPLAN_K8S_CACHE  cache directory (default /var/cache/hybridplan)
#
# Idempotent: when the cached binary exists and reports v1.20.2 it only makes
# sure etcd is installed and exits. Concurrent runs serialise on a lock file.
set -euo pipefail

readonly KUBE_VERSION="v1.20.2"
readonly CACHE="${HYBRIDPLAN_K8S_CACHE:-/var/cache/hybridplan}"
readonly BINARY="$CACHE/kube-apiserver-$KUBE_VERSION"
readonly APT_PACKAGES=(golang-go rsync jq make etcd-server)
# Kubernetes 1.20 vendors reflect2 1.0.1, which makes the apiserver segfault
# (aeshashbody in UnsafeMapType.UnsafeIterate) when built with Go 1.19;
# Debian's 1.0.2 sources fix it.
readonly REFLECT2_DEB="golang-github-modern-go-reflect2-dev"
readonly REFLECT2_VENDOR="vendor/github.com/modern-go/reflect2"
WORK=""  # temporary build directory, removed on exit

log() { printf '[build-kube-apiserver] %s\n' "$*" >&2; }

as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

binary_is_current() {
    [[ -x "$BINARY" ]] && "$BINARY" --version 2>/dev/null | grep -qw "$KUBE_VERSION"
}

# Install whichever of the given Debian packages are missing; refresh the
# package index first, since a fresh machine's lists may be stale or absent.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# Fetch the kubernetes source and the reflect2 package into the current
# directory, through a private, fresh index (binary and source) built from the
# machine's own apt sources, so nothing under /etc/apt changes.
download_sources() {
    local work=$1
    mkdir -p "$work/apt/lists/partial" "$work/apt/parts"
    sed 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources \
        >"$work/apt/parts/debian-src.sources"
    local apt_opts=(
        -o Dir::Etc::SourceList=/dev/null
        -o "Dir::Etc::SourceParts=$work/apt/parts"
        -o "Dir::State::Lists=$work/apt/lists"
        # Downloads land in our private 0700 work dir, which apt's sandbox user
        # cannot enter; running them as root avoids a warning per file.
        -o APT::Sandbox::User=root
    )
    log "fetching the package index"
    apt-get "${apt_opts[@]}" update -qq
    # The Debian revision is left open: a security update replaces the old one
    # in the archive, while the upstream orig tarball stays 1.20.2.
    log "downloading the kubernetes source package"
    apt-get "${apt_opts[@]}" source --download-only kubernetes >/dev/null
    apt-get "${apt_opts[@]}" download "$REFLECT2_DEB" >/dev/null
}

build() {
    local work=$1 src
    cd "$work"
    download_sources "$work"
    tar xzf kubernetes_*.orig.tar.gz
    src=$(find . -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)
    [[ -n "$src" ]] || { log "no source tree in the orig tarball"; exit 1; }

    dpkg-deb -x "$REFLECT2_DEB"_*_all.deb reflect2
    rm -f "$src/$REFLECT2_VENDOR"/*.go "$src/$REFLECT2_VENDOR"/*.s
    cp reflect2/usr/share/gocode/src/github.com/modern-go/reflect2/*.{go,s} \
        "$src/$REFLECT2_VENDOR/"

    cd "$src"
    # Module-mode `go build` fails ("updates to go.mod needed"); the Makefile's
    # GOPATH layout is what debian/rules uses too.
    mkdir -p .go/src/k8s.io
    ln -s ../../.. .go/src/k8s.io/kubernetes
    log "compiling (about 4-7 minutes on 2 cores); log: $work/make.log"
    env GOPATH="$PWD/.go" HOME="$work/home" GOCACHE="$work/gocache" CGO_ENABLED=0 \
        make WHAT=cmd/kube-apiserver >"$work/make.log" 2>&1 \
        || { tail -n 40 "$work/make.log" >&2; exit 1; }

    # Copy then rename, so a reader never sees a half-written binary.
    cp _output/bin/kube-apiserver "$BINARY.partial"
    mv "$BINARY.partial" "$BINARY"
}

main() {
    mkdir -p "$CACHE"
    if binary_is_current; then
        ensure_packages etcd-server
        echo "$BINARY"
        return 0
    fi

    exec 9>"$CACHE/.build.lock"
    flock 9
    if ! binary_is_current; then  # another run may have finished it while we waited
        ensure_packages "${APT_PACKAGES[@]}"
        local started=$SECONDS
        WORK=$(mktemp -d "$CACHE/build.XXXXXX")
        trap 'rm -rf "$WORK"' EXIT
        (build "$WORK")
        binary_is_current || { log "built binary does not report $KUBE_VERSION"; exit 1; }
        log "built in $((SECONDS - started)) s"
    fi
    ensure_packages etcd-server
    echo "$BINARY"
}

main "$@"
