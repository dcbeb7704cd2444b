# What scripts/test and scripts/bench share: steps, root, Debian packages and PostgreSQL.
# shellcheck shell=bash

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    if [ -z "${APT_UPDATED:-}" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# A fresh database NAME (with pg_trgm) on a local PostgreSQL server on 127.0.0.1:5432, installed
# from Debian packages and started when missing; sets PG_URL to it.
fresh_postgres_database() {
    local name="$1"
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        step "installing PostgreSQL from Debian packages"
        apt_install postgresql
    fi
    local version
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version main"; then
        as_root pg_createcluster "$version" main >/dev/null
    fi
    if ! pg_lsclusters -h | grep "^$version main" | grep -q online; then
        step "starting PostgreSQL $version"
        as_root pg_ctlcluster "$version" main start
    fi
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p 5432 && break
        sleep 1
    done
    as_root su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sherpa') THEN CREATE ROLE sherpa LOGIN SUPERUSER PASSWORD 'sherpa'; END IF; END \\\$\\\$;\"" >/dev/null
    as_root su postgres -c "dropdb --if-exists $name && createdb -O sherpa $name"
    # Once, before tests migrate their schemas in parallel (CREATE EXTENSION races with itself).
    as_root su postgres -c "psql -q -d $name -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public'"
    PG_URL="postgres://sherpa:sherpa@127.0.0.1:5432/$name"
}
