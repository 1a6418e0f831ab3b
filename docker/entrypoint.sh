#!/bin/sh
# Migrates the database first when PMF_MIGRATE_ON_START=1, then runs the given command.
set -e
if [ "${PMF_MIGRATE_ON_START:-0}" = "1" ]; then
  pmf-api migrate
fi
exec "$@"
