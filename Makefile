# OpenKommune — every target installs what it needs on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
# Python caches compiled modules (__pycache__, git-ignored) even where the environment says
# otherwise (PYTHONDONTWRITEBYTECODE=1 on the shared CI machine): without the cache every
# test process and every Python process a test starts compiles Django, hypothesis,
# schemathesis and our modules from source again, and pytest rewrites the asserts of every
# test module anew (docs/benchmarks.md, "CI time").
export PYTHONDONTWRITEBYTECODE :=
# The project-local uv: a pyenv shim named `uv` may exist without working for Python 3.12.
UV ?= .tools/bin/uv
RUN := $(UV) run --frozen
CHROMIUM ?= /usr/bin/chromium
CLAMD ?= /usr/sbin/clamd

# `make run` serves the demo as a citizen meets it: debug off (German error pages), static
# files from var/static through WhiteNoise, gunicorn; only the secret is a development-only
# one. `make dev` is the developer's variant: Django's runserver with debug and auto-reload.
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's Bezahldienst: the Bezahldienst-Simulator (tools/paysim, kein echtes Geld), a process
# of its own that `make run` and `make dev` start beside the platform and stop with it.
# Like an ePayBL connector it takes only TLS client certificates (mutual TLS): `setup-dev` makes
# a test CA, its server certificate and the demo's client certificate in var/paysim
# (tools/paysim/pki.py; never committed). Its pay pages are on PAYSIM_PAGES_PORT (plain HTTP).
PAYSIM_PORT ?= 8790
PAYSIM_PAGES_PORT ?= 8791
PAYSIM_SECRET ?= demo-simulator-kein-echtes-geld
PAYSIM_PKI := var/paysim
PAYSIM := $(RUN) python tools/paysim/server.py --host $(HOST) --port $(PAYSIM_PORT) \
	--pages-port $(PAYSIM_PAGES_PORT) --merchant DEMO-MANDANT=$(PAYSIM_SECRET) --auth mtls \
	--tls-cert $(PAYSIM_PKI)/server.pem --tls-key $(PAYSIM_PKI)/server-key.pem \
	--client-ca $(PAYSIM_PKI)/ca.pem
DEV_ENV := OPENKOMMUNE_DEMO=true \
	OPENKOMMUNE_SECRET_KEY=$${OPENKOMMUNE_SECRET_KEY:-development-only-not-secret} \
	OPENKOMMUNE_SECURE_SSL_REDIRECT=false OPENKOMMUNE_SECURE_COOKIES=false \
	OPENKOMMUNE_EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend \
	OPENKOMMUNE_TASKS_BACKEND=django.tasks.backends.immediate.ImmediateBackend \
	OPENKOMMUNE_DEMO_PAYMENT_URL=https://$(HOST):$(PAYSIM_PORT) \
	OPENKOMMUNE_DEMO_PAYMENT_TLS_DIR=$(PAYSIM_PKI) \
	OPENKOMMUNE_PAYMENT_SECRET_DEMO=$(PAYSIM_SECRET)

# The Test-Identitätsanbieter for company accounts (tools/oidc_provider: npm oidc-provider, test
# identities only) next to `make run` / `make dev`; ended with the server.
OIDC_PORT ?= 8701
DEMO_OIDC_ENV := OPENKOMMUNE_COMPANY_OIDC_ISSUER=http://127.0.0.1:$(OIDC_PORT) \
	OPENKOMMUNE_COMPANY_OIDC_CLIENT_ID=openkommune-demo \
	OPENKOMMUNE_COMPANY_OIDC_CLIENT_SECRET=demo-only-not-secret \
	OPENKOMMUNE_COMPANY_OIDC_LABEL="Test-Identitätsanbieter"
# Started beside the server by `make run` / `make dev` (the shell kills them when it ends).
OIDC_PROVIDER := node tools/oidc_provider/server.mjs --port $(OIDC_PORT) \
	--client-id openkommune-demo --client-secret demo-only-not-secret \
	--redirect-uri http://$(HOST):$(PORT)/konto/unternehmenskonto/rueckkehr/
# The demo member Magdeburg's own staff directory (issue 15, staff single sign-on): the same
# provider with the invented staff people of staff_identities.json; `load_demo` points
# Magdeburg's staff login at it (OPENKOMMUNE_DEMO_STAFF_OIDC_*).
STAFF_OIDC_PORT ?= 8702
DEMO_STAFF_OIDC_ENV := OPENKOMMUNE_DEMO_STAFF_OIDC_ISSUER=http://127.0.0.1:$(STAFF_OIDC_PORT) \
	OPENKOMMUNE_DEMO_STAFF_OIDC_CLIENT_ID=openkommune-demo-staff \
	OPENKOMMUNE_DEMO_STAFF_OIDC_CLIENT_SECRET=demo-only-not-secret
STAFF_OIDC_PROVIDER := node tools/oidc_provider/server.mjs --port $(STAFF_OIDC_PORT) \
	--client-id openkommune-demo-staff --client-secret demo-only-not-secret \
	--redirect-uri http://$(HOST):$(PORT)/konto/beschaeftigte/rueckkehr/ \
	--identities tools/oidc_provider/staff_identities.json
define test_services
	$(PAYSIM) & paysim=$$!; $(OIDC_PROVIDER) > var/oidc_provider.log 2>&1 & idp=$$!; \
	$(STAFF_OIDC_PROVIDER) > var/staff_oidc_provider.log 2>&1 & staffidp=$$!; \
	trap 'kill $$paysim $$idp $$staffidp 2>/dev/null' EXIT INT TERM; \
	echo "Test-Identitätsanbieter (nur Test/Demo) auf http://127.0.0.1:$(OIDC_PORT): Anmeldename anna-mueller oder jens-schmidt, beliebiges Passwort."; \
	echo "Test-Verzeichnis der Beschäftigten Magdeburg (nur Test/Demo) auf http://127.0.0.1:$(STAFF_OIDC_PORT): Anmeldename petra-sachbearbeitung oder max-verwaltung, beliebiges Passwort."; \
	$(1)
endef

# `make serve` is the production profile (ADR 0011) on PostgreSQL: `openkommune serve` runs
# gunicorn (OPENKOMMUNE_WEB_WORKERS × OPENKOMMUNE_WEB_THREADS) and OPENKOMMUNE_JOB_WORKERS job
# workers, JSON logs, sessions and cache in Redis. Only plain HTTP on this machine is a local
# choice (behind a TLS proxy leave the two SECURE variables at their default, true); the
# secret key comes from the environment or, on a developer machine, from var/secret_key
# (generated on the first run).
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/openkommune
OPENKOMMUNE_REDIS_URL ?= redis://127.0.0.1:6379/0
SERVE_ENV := DATABASE_URL=$(DATABASE_URL) OPENKOMMUNE_REDIS_URL=$(OPENKOMMUNE_REDIS_URL) \
	OPENKOMMUNE_LOG_FORMAT=$${OPENKOMMUNE_LOG_FORMAT:-json} OPENKOMMUNE_BIND=$(HOST):$(PORT) \
	OPENKOMMUNE_SECURE_SSL_REDIRECT=$${OPENKOMMUNE_SECURE_SSL_REDIRECT:-false} \
	OPENKOMMUNE_SECURE_COOKIES=$${OPENKOMMUNE_SECURE_COOKIES:-false}
# Services the profile needs started first: the ClamAV daemon with the project's signature
# database (in production: Debian's clamav-daemon with freshclam, docs/security.md), and
# nginx, the front of the split layout (ADR 0016).
SERVE_PREREQUISITES ?= clamav-start nginx

.PHONY: help deps run dev serve setup-serve setup-dev test pytest lint openapi bench bench-load \
	chromium thesaurus clamav clamav-start clamav-stop nginx dovecot clean-db gettext messages simplesamlphp

help:
	@echo "make run      – install, migrate, load official data and demo, serve on http://127.0.0.1:8000"
	@echo "make dev      – the same with debug on and auto-reload (Django's runserver), for developers"
	@echo "make serve    – the production profile: nginx, reader and writer pools, job workers, Redis"
	@echo "make test     – install (incl. Chromium, axe-core, ClamAV) and run the whole test suite"
	@echo "make clamav-start / clamav-stop – the ClamAV daemon with the project's EICAR signature"
	@echo "make nginx    – nginx-light from Debian, the front of make serve's split layout"
	@echo "make dovecot  – dovecot-imapd from Debian, the IMAP mailbox of the support desk tests"
	@echo "make lint     – ruff, import-linter, migrations check"
	@echo "make openapi  – regenerate docs/api/openapi.json"
	@echo "make messages – update the English catalogue from the German texts, compile it, count what is untranslated"
	@echo "make bench    – run the benchmarks in bench/"
	@echo "make bench-load – load benchmark of the production profile on PostgreSQL (~8 min)"

$(UV):
	@echo "→ Installing uv into .tools/"
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm fehlt: bitte Node.js installieren (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

deps: .venv/.synced node_modules/.installed pdf-libs
	@mkdir -p var/static

# WeasyPrint subsets the PDFs' fonts with HarfBuzz when libharfbuzz-subset is there, else
# with fontTools in Python, which makes a receipt PDF several times slower (ADR 0013).
.PHONY: pdf-libs
pdf-libs:
	@if ! /sbin/ldconfig -p | grep -q libharfbuzz-subset.so.0; then \
		echo "→ Installing HarfBuzz' subsetter (libharfbuzz-subset0) from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0; \
	fi

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "→ Installing Chromium from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# OpenThesaurus (LGPL) from Debian: `rebuild_search_index` reads its reviewed synonyms
# (src/openkommune/search/thesaurus.py); nothing is downloaded while the site runs.
THESAURUS ?= /usr/share/openthesaurus-de/openthesaurus.txt
thesaurus:
	@if [ ! -f "$(THESAURUS)" ]; then \
		echo "→ Installing OpenThesaurus from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			openthesaurus-de-text; \
	fi

# The message catalogues (docs/translation.md). `messages` collects every German msgid of the
# templates and Python code into locale/en/LC_MESSAGES/django.po (new ones empty, changed ones
# marked fuzzy with the previous msgid), compiles django.mo (committed, so that an installation
# needs no gettext tools) and prints how many are still untranslated; the tests
# (tests/core/test_translations.py) fail until every one is translated.
gettext:
	@if ! command -v msgfmt >/dev/null || ! command -v msgmerge >/dev/null; then \
		echo "→ Installing GNU gettext from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; \
	fi

MESSAGES_ENV := OPENKOMMUNE_SECRET_KEY=messages
messages: deps gettext
	cd src/openkommune && $(MESSAGES_ENV) $(CURDIR)/.venv/bin/openkommune makemessages \
		--locale en --add-location file --no-obsolete
	cd src/openkommune && $(MESSAGES_ENV) $(CURDIR)/.venv/bin/openkommune compilemessages --locale en
	$(RUN) python -m tools.po stats

# ClamAV's daemon from Debian. Signature downloads are impossible here, so freshclam is not
# used: `clamav-start` builds the project's own database (the EICAR test signature) and
# clamd.conf under var/clamav/ and starts clamd there as the invoking user, unless it
# answers already; it keeps running until `make clamav-stop` (tools/clamd.py).
clamav:
	@if [ ! -x "$(CLAMD)" ]; then \
		echo "→ Installing ClamAV's daemon from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends clamav-daemon; \
	fi

# SimpleSAMLphp as the local BundID stand-in (tests and `make run`, tools/simplesamlphp.py):
# Debian's simplesamlphp served by PHP's built-in server; xmlsec1 for pysaml2's signatures.
SAML_PACKAGES := simplesamlphp php-cli php-xml php-mbstring xmlsec1
simplesamlphp:
	@if ! dpkg -s $(SAML_PACKAGES) >/dev/null 2>&1; then \
		echo "→ Installing SimpleSAMLphp, PHP and xmlsec1 from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(SAML_PACKAGES); \
	fi

clamav-start: deps clamav
	$(RUN) python -m tools.clamd start

# The environment that makes a process scan uploads with that clamd (`make serve`
# uses it after `clamav-start`).
CLAMAV_ENV := OPENKOMMUNE_VIRUS_SCANNER=openkommune.submissions.virus_scan.ClamdScanner \
	OPENKOMMUNE_CLAMD_SOCKET=$${OPENKOMMUNE_CLAMAV_DIR:-$(CURDIR)/var/clamav}/clamd.sock

clamav-stop:
	$(RUN) python -m tools.clamd stop

# Dovecot from Debian (dovecot-imapd) as the IMAP mailbox the support desk reads in tests
# (tests/servicedesk/imap_server.py runs it as the invoking user with a private configuration
# in a temporary directory); the system service is neither configured nor started.
DOVECOT ?= /usr/sbin/dovecot
dovecot:
	@if [ ! -x "$(DOVECOT)" ]; then \
		echo "→ Installing dovecot-imapd from Debian's packages"; \
		made=; if [ ! -e /usr/sbin/policy-rc.d ]; then made=1; \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends dovecot-imapd; status=$$?; \
		if [ -n "$$made" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	fi

# nginx from Debian (nginx-light) as the front of `openkommune serve --layout split`
# (ADR 0016): serve renders its configuration from src/openkommune/core/nginx.conf.template
# and runs nginx as its own child, so the system service is neither configured nor started;
# package scripts are told not to start it (policy-rc.d answers 101 during the install).
NGINX ?= /usr/sbin/nginx
nginx:
	@if [ ! -x "$(NGINX)" ]; then \
		echo "→ Installing nginx-light from Debian's packages"; \
		made=; if [ ! -e /usr/sbin/policy-rc.d ]; then made=1; \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends nginx-light; status=$$?; \
		if [ -n "$$made" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	fi

# Migrations, official data, forms and static files, with the environment $(1) of a profile.
define prepare
	$(1) $(RUN) openkommune migrate --noinput
	$(1) $(RUN) openkommune import_regions
	$(1) $(RUN) openkommune import_catalog
	$(1) $(RUN) openkommune rebuild_search_index
	$(1) $(RUN) openkommune load_forms
	$(1) $(RUN) openkommune collectstatic --noinput --verbosity 0
endef

setup-dev: deps thesaurus
	$(call prepare,$(DEV_ENV))
	$(RUN) python -m tools.paysim.pki $(PAYSIM_PKI)
	$(DEV_ENV) $(DEMO_STAFF_OIDC_ENV) $(RUN) openkommune load_demo
	$(DEV_ENV) $(RUN) openkommune load_procurement_demo

# With the local SimpleSAMLphp as "Mit BundID anmelden" (Test-Identitätsanbieter — keine echte
# BundID; tools/bundid_dev.py).
run: setup-dev simplesamlphp
	@echo ""
	@echo "OpenKommune läuft auf http://$(HOST):$(PORT)  (API: http://$(HOST):$(PORT)/api/v1/openapi.json)"
	@echo "Bezahldienst-Simulator — kein echtes Geld: https://$(HOST):$(PAYSIM_PORT) (mTLS), Bezahlseiten http://$(HOST):$(PAYSIM_PAGES_PORT)"
	@echo "Die Demo-Zugänge stehen oben in der Tabelle. Beenden mit Strg+C."
	$(call test_services,$(DEV_ENV) $(DEMO_OIDC_ENV) $(RUN) python -m tools.bundid_dev \
		--base-url http://$(HOST):$(PORT) -- $(UV) run --frozen gunicorn openkommune.wsgi:application \
		--bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile - --graceful-timeout 5)

dev: setup-dev
	@echo ""
	@echo "OpenKommune läuft mit Debug-Modus auf http://$(HOST):$(PORT) – nur für die Entwicklung."
	@echo "Bezahldienst-Simulator — kein echtes Geld: https://$(HOST):$(PAYSIM_PORT) (mTLS), Bezahlseiten http://$(HOST):$(PAYSIM_PAGES_PORT)"
	$(call test_services,OPENKOMMUNE_DEBUG=true $(DEV_ENV) $(DEMO_OIDC_ENV) $(RUN) openkommune runserver $(HOST):$(PORT))

# Chromium: the publish gate's axe-core run on the job workers (ADR 0036, ADR 0044); Playwright
# and axe-core are production dependencies (pyproject.toml, package.json), installed by `deps`.
setup-serve: deps thesaurus chromium $(SERVE_PREREQUISITES)
	$(SERVE_ENV) $(RUN) openkommune ensure_database --create
	$(call prepare,$(SERVE_ENV))

serve: setup-serve
	@echo ""
	@echo "OpenKommune (Produktionsprofil) auf http://$(HOST):$(PORT) – /healthz, /readyz, /metrics"
	$(SERVE_ENV) $(CLAMAV_ENV) $(RUN) openkommune serve --secret-key-file var/secret_key

# The whole suite on the embedded SQLite database (DATABASE_URL selects PostgreSQL instead);
# uploads in the virus-scanning tests go to the real clamd of `clamav-start`.
test: deps gettext chromium thesaurus clamav-start nginx simplesamlphp dovecot pytest

# In parallel (pytest-xdist): each worker has its own test database and private-file folder.
# `--dist load` hands out tests by position; the scope-based modes (loadscope, loadfile,
# loadgroup) key tests by node id and would silently run only one of the 33 schemathesis
# API tests, which share one node id. One file or folder:
# `make pytest PYTEST_ARGS=tests/core/test_env.py` (then in one process).
PYTEST_ARGS ?=
PYTEST_WORKERS ?= $(if $(PYTEST_ARGS),0,2)
pytest:
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

lint: deps
	$(RUN) ruff check src tests bench tools
	$(RUN) ruff format --check src tests bench tools
	$(RUN) lint-imports
	OPENKOMMUNE_SECRET_KEY=lint $(RUN) openkommune makemigrations --check --dry-run

openapi: deps
	OPENKOMMUNE_SECRET_KEY=openapi $(RUN) openkommune export_openapi --output docs/api/openapi.json

bench: deps thesaurus
	$(RUN) python bench/import_regions.py
	$(RUN) python bench/search_quality.py
	$(RUN) python bench/search_speed.py
	$(RUN) python bench/submit.py
	$(RUN) python bench/receipt.py
	$(RUN) python bench/bundling.py
	$(RUN) python bench/tables.py
	# The form studio: saving and previewing a 200-field form against a 10-field one.
	$(RUN) python bench/studio_form.py
	# FIM rules taken over as executed conditions, per real schema in the data folder.
	$(RUN) python bench/fim_rules.py
	# PostgreSQL at 127.0.0.1:5432; audit appends, one authority against many (about 1 minute).
	$(RUN) python bench/audit_chains.py
	# PostgreSQL at 127.0.0.1:5432 and Redis database 14: CPU per submission and per e-mail
	# job against the bare view (about 1 minute; robust to a busy machine).
	$(RUN) python bench/submit_cpu.py
	# PostgreSQL at 127.0.0.1:5432; builds a million cases (about 5 minutes).
	$(RUN) python bench/inbox.py

# The production profile under load on PostgreSQL at 127.0.0.1:5432 (database
# openkommune_bench_load, dropped at the end) with a bare-view baseline in the same run;
# about 8 minutes. `make bench-load BENCH_LOAD_ARGS=--quick` takes about 3.
BENCH_LOAD_ARGS ?=
bench-load: deps thesaurus
	$(RUN) python bench/load.py $(BENCH_LOAD_ARGS)

clean-db:
	@read -r -p "Die lokale Datenbank var/openkommune.sqlite3 wirklich löschen? [j/N] " answer; \
	if [ "$$answer" = "j" ]; then rm -f var/openkommune.sqlite3*; echo "gelöscht"; else echo "abgebrochen"; fi
