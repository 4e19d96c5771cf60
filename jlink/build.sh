#!/usr/bin/env bash
# Builds the minimal runtime image and the AOT cache:
#   target/jlink/image/          jlink runtime (only the modules jdeps proves necessary, java.desktop cut — see below)
#   target/jlink/modules.txt     the module list linked
#   target/jlink/triggers-api.aot  Java 25 AOT cache from a short training run (needs PostgreSQL + Redis)
#
# Usage: jlink/build.sh [--no-package] [--no-aot]
#   --no-package  reuse target/triggers-api.jar + target/libs/ (default: mvn -B -q package -DskipTests)
#   --no-aot      skip the training run (image only)
# The training run uses the test profile (config/test.yaml), so DB_URL / REDIS_URL point it elsewhere; it listens
# on TRAIN_PORT (default 18099). JAVA_OPTS (and JAVA_ENV, NAME=value pairs such as MALLOC_ARENA_MAX=2; empty for
# none) for the training run default to the ones the Dockerfile ships: the
# AOT cache is only used by a JVM started with compatible flags (same GC, same heap-size class of compressed oops).
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh

package=1 aot=1
for arg in "$@"; do
  case "$arg" in
    --no-package) package=0 ;;
    --no-aot) aot=0 ;;
    *) echo "usage: jlink/build.sh [--no-package] [--no-aot]" >&2; exit 2 ;;
  esac
done

out=target/jlink
image=$out/image
cache=$out/triggers-api.aot

if [ "$package" = 1 ]; then
  mvn -B -q package -DskipTests
fi
[ -f target/triggers-api.jar ] || { echo "target/triggers-api.jar missing; run without --no-package" >&2; exit 1; }

# jdeps cannot analyse the jars directly (split packages and multi-release entries make it fail), so analyse one
# flat folder of every class the server can load.
rm -rf "$out" && mkdir -p "$out/classes"
for jar in target/triggers-api.jar target/libs/*.jar; do
  unzip -qo "$jar" -d "$out/classes"
done
find "$out/classes" -name module-info.class -delete
found=$(jdeps --ignore-missing-deps --multi-release 25 --print-module-deps "$out/classes")

# Cut: jdeps lists these only because of code paths the server never takes (verified by jlink/smoke.sh, which
# exercises keys, the database, Redis and /metrics on the image):
#   java.desktop  — java.beans in SnakeYAML's bean introspector (Helidon only loads YAML into maps), Jackson's
#                   optional @Transient/@ConstructorProperties support (loaded reflectively, absence tolerated),
#                   Micrometer's logback/log4j binders (unused), pgjdbc's PGpoint(java.awt.Point) overload.
#   java.compiler — javax.lang.model enums inside Error Prone's compile-time annotations; never loaded.
# Kept: java.naming (HikariCP's config and pgjdbc's DataSource classes link against it), java.security.jgss
# (pgjdbc's connection factory links its GSS/Kerberos path), jdk.jfr (Helidon system meters), jdk.management.
cut="java.desktop java.compiler"
modules=$(echo "$found" | tr ',' '\n' | grep -vxF -f <(echo "$cut" | tr ' ' '\n') | paste -sd, -)
echo "$modules" | tr ',' '\n' >"$out/modules.txt"
rm -rf "$out/classes"

# Temurin 25 ships no jmods/: jlink links from the running JDK's own runtime image.
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output "$image"
echo "jlink image: $(du -sm "$image" | cut -f1) MB, modules: $modules" >&2

if [ "$aot" = 0 ]; then
  exit 0
fi

# Training run: start the image with -XX:AOTCacheOutput, drive the requests a server sees in its first seconds
# and its hot paths (health, keys, single and batch ingest with a duplicate, event lookup, inbox pages and acks,
# webhook configuration, metrics, error pages), stop it with SIGTERM so the JVM writes the cache on exit.
# JDK 25 stores the loaded and linked classes and the method profiles of the run (JEP 515); the default
# -XX:AOTMode=auto at start uses the cache when it matches and starts without it (with a warning) when not.
. .ci/services.sh
ensure_services
port=${TRAIN_PORT:-18099}
opts=${JAVA_OPTS:-$(jlink/java-opts.sh)}
jvm_env=${JAVA_ENV-$(jlink/java-opts.sh --env)}
log=$out/training.log
(
  # Delivery on (the test profile turns it off): a shipped server builds the delivery engine before it is ready,
  # and classes the training run never loaded are parsed and verified from the jars at every start.
  export HELIDON_CONFIG_PROFILE=test SERVER_PORT="$port" DELIVERY_ENABLED=true
  # shellcheck disable=SC2086
  [ -z "$jvm_env" ] || export $jvm_env
  # shellcheck disable=SC2086
  exec "$image/bin/java" $opts -XX:AOTCacheOutput="$cache" -jar target/triggers-api.jar
) >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 1 300); do
  curl -fs "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "training server died; see $log" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 0.1
done
event='{"type":"aot.training","payload":{"order_id":12345,"amount":99.5,"items":[1,2,3],"tags":{"a":"b"}}}'
for i in $(seq 1 20); do
  key=$(curl -fs -X POST "$base/api/keys/generate" -H 'Content-Type: application/json' \
    -d '{"organization_name":"aot training","tier":"enterprise"}' | sed -E 's/.*"api_key":"([^"]+)".*/\1/')
  as=(-H "X-API-Key: $key" -H 'Content-Type: application/json')
  curl -fs "$base/api/keys" -H "X-API-Key: $key" >/dev/null
  curl -fs "$base/api/keys" -H "Authorization: Bearer $key" >/dev/null
  # Configured and removed again: no event of this run is ever pushed to the dead target.
  curl -fs -X POST "$base/api/webhook/config" "${as[@]}" -d '{"webhook_url":"http://127.0.0.1:9/aot"}' >/dev/null
  curl -fs -X POST "$base/api/webhook/rotate-secret" "${as[@]}" >/dev/null
  curl -fs -X DELETE "$base/api/webhook/config" -H "X-API-Key: $key" >/dev/null
  id=$(curl -fs -X POST "$base/api/events" "${as[@]}" -d "$event" | sed -E 's/.*"id":"([^"]+)".*/\1/')
  curl -fs -X POST "$base/api/events" "${as[@]}" -d "${event%\}},\"dedup_id\":\"aot-$i\"}" >/dev/null
  curl -s -X POST "$base/api/events" "${as[@]}" -d "${event%\}},\"dedup_id\":\"aot-$i\"}" >/dev/null   # 409
  curl -s -X POST "$base/api/events" "${as[@]}" -d '{"type":"bad type!","payload":[]}' >/dev/null      # 400
  curl -fs -X POST "$base/api/events/batch" "${as[@]}" -d "{\"events\":[$event,$event,$event]}" >/dev/null
  curl -fs "$base/api/events/$id" -H "X-API-Key: $key" >/dev/null
  curl -fs "$base/api/inbox?limit=2" -H "X-API-Key: $key" >/dev/null
  curl -fs "$base/api/inbox?limit=10&order=asc&type=aot.training&status=all" -H "X-API-Key: $key" >/dev/null
  curl -fs -X POST "$base/api/inbox/ack" "${as[@]}" -d "{\"event_ids\":[\"$id\"]}" >/dev/null
  curl -fs -X POST "$base/api/inbox/ack/$id" -H "X-API-Key: $key" >/dev/null
  curl -fs "$base/health" >/dev/null
  curl -fs "$base/health/ready" >/dev/null
  curl -fs "$base/metrics" >/dev/null
  curl -fs "$base/openapi" >/dev/null
  curl -s "$base/api/keys" >/dev/null                     # 401 problem document
  curl -s "$base/no-such-route" >/dev/null                 # 404 problem document
done
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
[ -s "$cache" ] || { echo "no AOT cache written; see $log" >&2; tail -20 "$log" >&2; exit 1; }
echo "AOT cache: $(du -sm "$cache" | cut -f1) MB ($cache)" >&2
