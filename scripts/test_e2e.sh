#!/usr/bin/env bash
# End-to-end tests of the demo page and the bookmarks extension in headless Debian Chromium
# (Playwright via playwright-core, node's test runner). Installs what it needs, builds the
# page and the extension with the real package and model, then runs tests/e2e/*.test.mjs.
# Screenshots go to tests/e2e/artifacts/ (git-ignored; NOOK_E2E_ARTIFACTS moves them).
#
#   scripts/test_e2e.sh                 everything
#   scripts/test_e2e.sh demo            only the demo page (or: extension, sync)
#   NOOK_SKIP_WASM=1 scripts/test_e2e.sh   reuse the package already built in pkg/
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/tests/e2e"
say() { echo "test_e2e: $*" >&2; }
die() { say "error: $*"; exit 1; }

apt_install() {
    [[ "$(id -u)" == 0 ]] || die "$* missing and not root: apt-get install $*"
    say "installing $* (apt)"
    if [[ -z "${NOOK_APT_UPDATED:-}" ]]; then apt-get update -qq >&2; export NOOK_APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
[[ -x "${CHROMIUM:-/usr/bin/chromium}" ]] || apt_install chromium
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
command -v zip >/dev/null || apt_install zip

(cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error >&2)

what="${1:-all}"
files=(sync.test.mjs highlight.test.mjs)
if [[ "$what" == all || "$what" == demo || "$what" == extension ]]; then
    "$ROOT/scripts/build_demo.sh"
    [[ "$what" == demo ]] || NOOK_SKIP_WASM=1 "$ROOT/scripts/build_extension.sh"
    [[ "$what" == extension ]] || files+=(demo.test.mjs)
    [[ "$what" == demo ]] || files+=(extension.test.mjs)
fi
say "running ${files[*]} (artifacts in ${NOOK_E2E_ARTIFACTS:-$E2E/artifacts})"
cd "$E2E"
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
