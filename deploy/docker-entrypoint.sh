#!/bin/sh
# The image's entry point: the first argument picks the process. Each role is exactly the npm script CI runs on the
# production path. Anything else is run as given (e.g. `sh` to look around).
set -eu

role="${1:-web}"
# The health check (deploy/healthcheck.mjs) reads this to know what to probe.
record_role() { printf '%s\n' "$1" > /tmp/ai-call-agent.role; }

case "$role" in
  web)
    record_role web
    exec npm run --silent start:web
    ;;
  voice)
    record_role voice
    exec npm run --silent start:voice
    ;;
  worker)
    record_role worker
    exec npm run --silent start:worker
    ;;
  migrate)
    record_role migrate
    exec npm run --silent db:migrate
    ;;
  *)
    exec "$@"
    ;;
esac
