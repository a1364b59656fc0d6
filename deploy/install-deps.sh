#!/usr/bin/env bash
# install-deps: installs the Debian 12 packages cchc needs to build, test and run its dev stack.
# Idempotent: asks dpkg what is already there and only calls apt-get (update + install) when some
# package is missing, so a machine that has everything is left untouched and no network is needed.
set -euo pipefail

# The one list. Build: compiler, CMake, pkg-config, protoc-c and the libraries the code links.
# Run: the PostgreSQL 15 server (the dev stack runs a private cluster of it). Test: cmocka for the
# unit tests, jq for the integration scripts that read `cchc report --format json`. Reports: XLSX,
# DOCX (zip), PDF (cairo + pango) libraries, the Liberation Serif fonts with Vietnamese, and the
# real readers the report tests open the files with (pdftotext, LibreOffice, openpyxl). Fuzzing:
# clang with its libFuzzer runtime. Lint: clang-format and shellcheck (the layout check of the C
# files and the check of the shell scripts, both in `make test`). Console: libmicrohttpd (with
# GnuTLS for HTTPS) serves it; its tests drive a real headless Chromium through Debian's
# chromium-driver and python3-selenium (run by /usr/bin/python3), and curl and openssl (a throwaway
# CA, deploy/make-certs.sh) for its HTTPS.
PACKAGES=(
	build-essential cmake pkg-config
	protobuf-c-compiler libprotobuf-c-dev
	libnng-dev libmbedtls-dev
	libsodium-dev libjansson-dev libyajl-dev libcsv-dev libpq-dev
	postgresql
	libcmocka-dev jq
	libxlsxwriter-dev libzip-dev libcairo2-dev libpango1.0-dev fonts-liberation2
	poppler-utils python3-openpyxl libreoffice-writer-nogui libreoffice-calc-nogui
	clang libclang-rt-14-dev clang-format shellcheck
	libmicrohttpd-dev chromium chromium-driver python3-selenium curl openssl
)

want=("${PACKAGES[@]}")

missing=()
for pkg in "${want[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [[ "$status" != installed ]]; then
		missing+=("$pkg")
	fi
done

if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#want[@]} packages present"
	exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	if ! command -v sudo >/dev/null; then
		echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
		exit 1
	fi
	SUDO=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
