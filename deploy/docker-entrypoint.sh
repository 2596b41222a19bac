#!/bin/sh
# The image's entry point: the first argument picks the process, and each role runs exactly the command line of
# its npm script in package.json, the one CI runs. Anything else is run as given (e.g. `sh` to look around).
#
# Not through `npm run`: npm starts the script under a shell, and on SIGTERM npm and that shell exit while node
# never sees the signal (tried: the voice server kept running, undrained, until the kill). Here node replaces
# this shell, so Docker's SIGTERM reaches it and a voice replica drains its calls.
set -eu

# The health check (deploy/healthcheck.mjs) reads this to know what to probe.
record_role() { printf '%s\n' "$1" > /tmp/ai-call-agent.role; }

run_script() {
  cmd=$(node -e '
    const s = JSON.parse(require("node:fs").readFileSync("package.json", "utf8")).scripts?.[process.argv[1]];
    if (!s) process.exit(1);
    process.stdout.write(s);' "$1") || { echo "docker-entrypoint: package.json has no script \"$1\"" >&2; exit 1; }
  # Only "[NAME=value ...] command args": anything a shell would interpret cannot be run safely this way.
  case "$cmd" in
    *[\;\&\|\<\>\`\$\(\)\"\'\\]*)
      echo "docker-entrypoint: npm script \"$1\" is not a plain command line: $cmd" >&2
      exit 1
      ;;
  esac
  # As under npm, the dependencies' binaries (tsx) come first on PATH.
  PATH="$(pwd)/node_modules/.bin:$PATH"
  export PATH
  # Word splitting intended: a plain command line. env applies NAME=value prefixes, then execs the command.
  # shellcheck disable=SC2086
  exec env $cmd
}

role="${1:-web}"
case "$role" in
  web)
    record_role web
    run_script start:web
    ;;
  voice)
    record_role voice
    run_script start:voice
    ;;
  worker)
    record_role worker
    run_script start:worker
    ;;
  migrate)
    record_role migrate
    run_script db:migrate
    ;;
  *)
    exec "$@"
    ;;
esac
