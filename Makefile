# Two commands do everything on a fresh Debian machine (both idempotent):
#   make run    set up, load corpus/samples into ./var, serve http://127.0.0.1:5000
#   make test   set up, run the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CONGVAN := $(VENV)/bin/congvan
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-script-viet tesseract-ocr-eng tesseract-ocr-osd \
	fonts-liberation fonts-liberation2 fonts-dejavu-core poppler-utils chromium python3-venv python3-dev ca-certificates
HOST ?= 127.0.0.1
PORT ?= 5000
export CONGVAN_DATA ?= var

.PHONY: run test setup system-packages venv tessdata clean-data

run: setup
	$(CONGVAN) ingest corpus/samples
	@scripts/ensure_admin.sh $(CONGVAN)
	$(CONGVAN) serve --host $(HOST) --port $(PORT)

test: setup
	$(VENV)/bin/pytest -q

setup: system-packages venv

# apt only when a package is missing, so a second run is quick and needs no network
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# Optional: the npm registry's vie data. Measured worse than Debian's script/Vietnamese model on our
# scans (bench/ocr.py), so setup does not fetch it; ingest.ocr uses it only if you put it there.
tessdata:
	scripts/fetch_tessdata.sh $(CURDIR)/var/tessdata

clean-data:
	rm -rf var/congvan.sqlite3* var/files var/derived var/index
