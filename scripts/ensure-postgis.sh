#!/usr/bin/env bash
# Make sure a PostgreSQL 15 server with PostGIS 3 runs locally (what `make test` and `make bench` need).
# Installs Debian's postgresql-15-postgis-3 when missing and starts the cluster when it is down.
set -euo pipefail
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
  echo "installing PostGIS (postgresql-15-postgis-3) from Debian"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q postgresql-15-postgis-3
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "starting PostgreSQL 15"
  $sudo pg_ctlcluster --skip-systemctl-redirect 15 main start
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
  done
fi
pg_isready -h 127.0.0.1 -p 5432
