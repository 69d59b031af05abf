#!/bin/sh
# Proves "on a machine without Chromium, `npm test` as root installs it and passes" without touching
# this machine's Chromium: in a private mount namespace /usr, /etc and /var become overlays whose
# writes go to a scratch folder, Chromium is removed there (dpkg -r, so dpkg and apt agree it is
# missing; its .deb is dropped from the apt cache so it must be downloaded), then
#   1. as an unprivileged user, the setup must refuse and print the exact command, installing nothing;
#   2. as root, `npm test -- integration` (one suite) must install Chromium itself and pass.
# Everything ends with the namespace; the scratch folder is removed. Needs root, overlayfs, and
# Debian's package mirror (about 80 MB). Run from the repository: sudo sh test/host/fresh-chromium.sh
set -e
if [ "$(id -u)" != 0 ]; then echo "run as root" >&2; exit 2; fi
if [ -z "$TANDEM_FRESH_CHROMIUM_INSIDE" ]; then
  TANDEM_FRESH_CHROMIUM_INSIDE=1 exec unshare -m --propagation private sh "$0" "$@"
fi
repo=$(pwd)
scratch=$(mktemp -d /tmp/tandem-fresh-chromium-XXXXXX)
trap 'cd /; umount /usr /etc /var 2>/dev/null || true; rm -rf "$scratch"' EXIT
for d in usr etc var; do
  mkdir -p "$scratch/$d/up" "$scratch/$d/work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$scratch/$d/up,workdir=$scratch/$d/work" "/$d"
done
DEBIAN_FRONTEND=noninteractive dpkg -r --force-depends chromium >/dev/null
rm -f /var/cache/apt/archives/chromium_*.deb
test ! -e /usr/bin/chromium
echo "== Chromium removed (in this namespace only)"
cd "$repo"
echo "== as nobody: the exact command, nothing installed"
setpriv --reuid=65534 --regid=65534 --clear-groups node -e \
  "import('./test/host/browser.mjs').then((m) => m.chromiumPath()).then(() => process.exit(1), (e) => console.log(e.message))"
test ! -e /usr/bin/chromium
echo "== as root: npm test -- integration (${TANDEM_TEST_GREP:=first run: finding models})"
TANDEM_TEST_GREP="$TANDEM_TEST_GREP" npm test -- integration
test -x /usr/bin/chromium
echo "== Chromium installed by the run, and the run passed"
