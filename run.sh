#!/usr/bin/env bash
# featuresvc set-up and launcher; re-runnable (a second run reuses what exists).
#   ./run.sh serve [featuresvc serve options]   set up, then serve http://127.0.0.1:8080/api/
#   ./run.sh test  [pytest options]             set up, then run the whole test suite
# As root it installs missing Debian packages with apt-get; PostgreSQL itself then runs as
# Debian's unprivileged 'postgres' user (PostgreSQL refuses to run as root), and the server's
# web workers as the unprivileged 'featuresvc' system user (created if missing).
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-}"
case "$mode" in
  serve|test) shift ;;
  *) echo "usage: $0 serve|test [options]" >&2; exit 2 ;;
esac

packages=(postgresql-15 postgresql-15-postgis-3 python3-venv curl)
if [ "$mode" = test ]; then
  packages+=(gdal-bin python3-gdal)
fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.featuresvc-installed
want="$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  echo "$want" > "$stamp"
fi

if [ "$mode" = serve ]; then
  exec .venv/bin/featuresvc serve "$@"
fi
exec .venv/bin/python -m pytest "$@"
