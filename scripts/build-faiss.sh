#!/usr/bin/env bash
# Builds faiss-node's native addon from source against Debian's libfaiss-dev (FAISS 1.7.3).
#
# Why: faiss-node's own install script downloads a prebuilt binary or git-clones FAISS; both
# fail without internet, so the project's .npmrc has ignore-scripts=true and this script
# compiles node_modules/faiss-node/src/faiss.cc itself (node-gyp + node-addon-api), with
# agentor's patch (native/faiss-node/faiss-node.patch: Float32Array input/output,
# addWithIds, setSearchParameter, C++ exceptions as JS errors).
#
# FAISS flavour: on a CPU with AVX2, FMA, F16C and POPCNT the addon links FAISS's AVX2 build of
# the same Debian sources (scripts/build-faiss-avx2.sh: ≈ 3 min once, then cached), since Debian's
# libfaiss.a is generic x86-64 and its PQ fast-scan and distance kernels run several times slower;
# elsewhere, with --generic, or when that build fails (a warning), Debian's libfaiss.a.
#
# Output: node_modules/faiss-node/build/Release/faiss-node.node, where faiss-node's own
# lib/index.js (via `bindings`) finds it. Sources are patched in a COPY
# (node_modules/faiss-node/.agentor-build/); node_modules/faiss-node/src is never edited.
#
# Idempotent: skips the build when the addon's stamp (sha256 of the upstream source, the
# patch, the header, binding.gyp, these scripts, the flavour and the node-addon-api/FAISS
# versions) is unchanged and the addon loads. Installs missing apt packages (libfaiss-dev libblas-dev
# liblapack-dev, and g++ make python3 patch, plus cmake dpkg-dev for the AVX2 flavour, if absent)
# non-interactively; runs
# `apt-get update` only when the package lists are missing or an install fails.
#
# Usage: bash scripts/build-faiss.sh [--force] [--optional] [--no-apt] [--openblas] [--generic]
#   --force     rebuild even if up to date
#   --generic   link Debian's generic libfaiss.a even on a CPU with AVX2
#   --optional  on any failure print a warning and exit 0 (the engine then falls back to its
#               WebAssembly index); without it failures exit 1
#   --no-apt    never run apt-get; fail if a system package is missing
#   --openblas  also install Debian's libopenblas0-openmp: update-alternatives then points
#               libblas.so.3/liblapack.so.3 at OpenBLAS (the addon links -lblas, so no rebuild).
#               Flat search with >= 20 queries per call (FAISS's sgemm path) and IVF training
#               get 15-35x faster than with the reference BLAS (measured: 64 queries on
#               100k x 384, 21 -> 0.6 ms/query). Changes the machine's BLAS for all programs.
# Needs: `npm ci` (or `npm install`) first. Linux only (other systems: notice, exit 0).
set -euo pipefail
SCRIPT=$(readlink -f "$0")
cd "$(dirname "$SCRIPT")/.."
ROOT=$PWD

FORCE=0 OPTIONAL=0 APT=1 OPENBLAS=0 GENERIC=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --optional) OPTIONAL=1 ;;
    --no-apt) APT=0 ;;
    --openblas) OPENBLAS=1 ;;
    --generic) GENERIC=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$SCRIPT" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-faiss: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

START=$(date +%s.%N)
say() { echo "build-faiss: $*"; }
fail() {
  echo "build-faiss: ERROR: $*" >&2
  if [ "$OPTIONAL" = 1 ]; then
    echo "build-faiss: continuing without the native FAISS addon (--optional); the engine will use its WebAssembly index." >&2
    exit 0
  fi
  exit 1
}
elapsed() { awk -v s="$START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f s", e - s }'; }

if [ "$(uname -s)" != Linux ]; then
  say "skipped: this script builds on Debian/Ubuntu Linux only ($(uname -s) here)."
  say "with internet access, 'npm rebuild faiss-node --ignore-scripts=false' fetches faiss-node's prebuilt binary;"
  say "without it the engine falls back to its WebAssembly index."
  exit 0
fi

PKG_DIR=$ROOT/node_modules/faiss-node
NATIVE=$ROOT/native/faiss-node
STAGE=$PKG_DIR/.agentor-build
OUT_DIR=$PKG_DIR/build/Release
OUT=$OUT_DIR/faiss-node.node
STAMP=$OUT_DIR/.agentor-build-stamp

[ -f "$PKG_DIR/src/faiss.cc" ] || fail "node_modules/faiss-node/src/faiss.cc not found: run 'npm ci' first (faiss-node is a dependency in package.json)."
for f in faiss-node.patch faiss_compat.h binding.gyp; do
  [ -f "$NATIVE/$f" ] || fail "missing native/faiss-node/$f"
done
command -v node >/dev/null || fail "node not found on PATH"

# One build at a time (e.g. setup and a test run started together).
if command -v flock >/dev/null; then
  exec 9>"$PKG_DIR/.agentor-build.lock"
  flock 9
fi

# ---- system packages ---------------------------------------------------------------------
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 126
  fi
}
missing=()
wanted=(libfaiss-dev libblas-dev liblapack-dev)
[ "$OPENBLAS" = 1 ] && wanted+=(libopenblas0-openmp)
FLAVOUR=generic
if [ "$GENERIC" = 0 ] && [ "$(grep -m1 -ow -E 'avx2|fma|f16c|popcnt' /proc/cpuinfo 2>/dev/null | sort -u | wc -l)" = 4 ]; then
  FLAVOUR=avx2
  wanted+=(dpkg-dev)
fi
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3)
command -v patch >/dev/null || missing+=(patch)
[ "$FLAVOUR" = avx2 ] && ! command -v cmake >/dev/null && missing+=(cmake)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$APT" = 1 ] || fail "missing system packages: ${missing[*]} (--no-apt given). Install them with: apt-get install ${missing[*]}"
  command -v apt-get >/dev/null || fail "missing system packages: ${missing[*]}, and there is no apt-get here (this script supports Debian/Ubuntu)."
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >"$ROOT/node_modules/.apt-faiss.log" 2>&1; }
  if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    say "apt package lists are empty: running apt-get update"
    as_root apt-get update -q >/dev/null || fail "apt-get update failed (as root? network to the Debian mirror?)"
  fi
  rc=0
  apt_install || rc=$?
  if [ $rc != 0 ]; then
    [ $rc = 126 ] && fail "need root (or passwordless sudo) to run: apt-get install ${missing[*]}"
    say "apt-get install failed; running apt-get update and retrying"
    as_root apt-get update -q >/dev/null || fail "apt-get update failed"
    apt_install || { tail -n 20 "$ROOT/node_modules/.apt-faiss.log" >&2; fail "apt-get install ${missing[*]} failed (log: node_modules/.apt-faiss.log)"; }
  fi
fi
LIBFAISS=$(ls /usr/lib/*/libfaiss.a /usr/lib/libfaiss.a /usr/local/lib/libfaiss.a 2>/dev/null | head -n 1 || true)
[ -n "$LIBFAISS" ] || fail "libfaiss.a not found although libfaiss-dev is installed"
FAISS_VERSION=$(awk '/#define FAISS_VERSION_(MAJOR|MINOR|PATCH)/ { v = v (v == "" ? "" : ".") $3 } END { print v }' /usr/include/faiss/Index.h 2>/dev/null || true)

# ---- tools: node-gyp, node headers, node-addon-api ---------------------------------------
NODE_GYP=
if [ -f "$ROOT/node_modules/node-gyp/bin/node-gyp.js" ]; then
  NODE_GYP=$ROOT/node_modules/node-gyp/bin/node-gyp.js
else
  npm_gyp="$(dirname "$(readlink -f "$(command -v npm 2>/dev/null || echo /nonexistent)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$npm_gyp" ] && NODE_GYP=$npm_gyp
fi
[ -n "$NODE_GYP" ] || fail "node-gyp not found: it is a devDependency, run 'npm ci' (without --omit=dev)."

# node-gyp would otherwise try to download the headers, which fails offline.
NODE_PREFIX=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
NODEDIR=
for d in "${npm_config_nodedir:-}" "$NODE_PREFIX" /usr /usr/local; do
  if [ -n "$d" ] && [ -f "$d/include/node/node_api.h" ] && [ -f "$d/include/node/common.gypi" ]; then NODEDIR=$d; break; fi
done
[ -n "$NODEDIR" ] || fail "Node's C headers (include/node/node_api.h, common.gypi) not found under $NODE_PREFIX; install a Node build that ships them (Debian's nodejs needs libnode-dev) or set npm_config_nodedir."

ADDON_API_VERSION=$(cd "$PKG_DIR" && node -p "require('node-addon-api/package.json').version" 2>/dev/null) \
  || fail "node-addon-api (a dependency of faiss-node) is not installed: run 'npm ci'."

# ---- up to date? --------------------------------------------------------------------------
stamp() { {
  sha256sum "$PKG_DIR/src/faiss.cc" "$NATIVE/faiss-node.patch" "$NATIVE/faiss_compat.h" "$NATIVE/binding.gyp" "$SCRIPT" "$ROOT/scripts/build-faiss-avx2.sh" | awk '{ print $1 }'
  echo "node-addon-api $ADDON_API_VERSION faiss $FAISS_VERSION $(uname -m) $FLAVOUR"
} | sha256sum | awk '{ print $1 }'; }
stamp_now=$(stamp)

probe() {
  # Loads the addon through faiss-node's own entry point and checks the patched API is there.
  (cd "$ROOT" && node -e "
    const f = require('faiss-node');
    const i = f.Index.fromFactory(4, 'HNSW8,Flat');
    i.add(new Float32Array(8)); i.setSearchParameter('efSearch', 8);
    if (!(i.search(new Float32Array(4), 1).labels instanceof Float64Array)) throw new Error('unpatched addon');
  " 2>&1)
}

if [ "$FORCE" = 0 ] && [ -f "$OUT" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$stamp_now" ]; then
  if probe >/dev/null; then
    say "up to date: node_modules/faiss-node/build/Release/faiss-node.node (FAISS $FAISS_VERSION, $FLAVOUR; checked in $(elapsed))"
    exit 0
  fi
  say "the existing addon does not load; rebuilding"
fi

# ---- build -------------------------------------------------------------------------------
FAISS_LIB=-l:libfaiss.a
if [ "$FLAVOUR" = avx2 ]; then
  if AVX2_LIB=$(bash "$ROOT/scripts/build-faiss-avx2.sh"); then
    FAISS_LIB=$AVX2_LIB LIBFAISS=$AVX2_LIB
  else
    say "WARNING: FAISS's AVX2 flavour did not build (above); linking Debian's generic $LIBFAISS instead (PQ fast-scan and flat scans several times slower)"
    FLAVOUR=generic
  fi
fi
say "building faiss-node $(node -p "require('$PKG_DIR/package.json').version") against FAISS $FAISS_VERSION ($LIBFAISS), node-addon-api $ADDON_API_VERSION, Node $(node --version) headers from $NODEDIR"
rm -rf "$STAGE"
mkdir -p "$STAGE/src"
cp "$PKG_DIR/src/faiss.cc" "$STAGE/src/faiss.cc"
cp "$NATIVE/binding.gyp" "$NATIVE/faiss_compat.h" "$STAGE/"
if ! patch -p1 --batch --forward --quiet -d "$STAGE" <"$NATIVE/faiss-node.patch" >"$STAGE/patch.log" 2>&1; then
  cat "$STAGE/patch.log" >&2
  fail "native/faiss-node/faiss-node.patch does not apply to node_modules/faiss-node/src/faiss.cc (faiss-node $(node -p "require('$PKG_DIR/package.json').version"); the patch targets 0.5.1). Update the patch for this faiss-node version or pin faiss-node."
fi

JOBS=$(nproc 2>/dev/null || echo 2)
if ! (cd "$STAGE" && node "$NODE_GYP" rebuild --release --nodedir="$NODEDIR" --jobs="$JOBS" -- -Dfaiss_lib="$FAISS_LIB" >"$STAGE/build.log" 2>&1); then
  grep -E 'error|Error|undefined reference' "$STAGE/build.log" | head -n 20 >&2 || true
  echo "---- last lines of $STAGE/build.log ----" >&2
  tail -n 25 "$STAGE/build.log" >&2
  fail "node-gyp build failed (full log: node_modules/faiss-node/.agentor-build/build.log)"
fi

mkdir -p "$OUT_DIR"
cp "$STAGE/build/Release/faiss-node.node" "$OUT.tmp.$$"
mv -f "$OUT.tmp.$$" "$OUT"
if ! err=$(probe); then
  rm -f "$STAMP"
  echo "$err" >&2
  fail "the built addon does not load (missing runtime libraries? see above)"
fi
stamp >"$STAMP"
say "built node_modules/faiss-node/build/Release/faiss-node.node ($FLAVOUR) in $(elapsed)"
