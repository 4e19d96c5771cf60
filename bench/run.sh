#!/usr/bin/env bash
# One command for every benchmark: bench/run.sh [section ...] (default: all sections present).
# Each section bench/<name>.sh prints Markdown; the assembled report goes to bench/results/BENCHMARKS.md
# (docs/BENCHMARKS.md explains the method and holds the current results table).
# Loopback only, every load bounded in time. Run it on a quiet machine: the load generator shares the 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ensure_services
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
bench_build
export BENCH_NO_BUILD=1

sections=("$@")
if [ ${#sections[@]} -eq 0 ]; then
  sections=()
  for s in ingest inbox delivery footprint; do [ -x "bench/$s.sh" ] && sections+=("$s"); done
fi

out="$RESULTS/BENCHMARKS.md.new"
{
  echo "# Benchmarks"
  echo
  echo "Produced by \`bench/run.sh ${sections[*]}\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load generator (wrk) on the same cores, loopback only."
  echo "- Java: $(java -version 2>&1 | head -1); PostgreSQL $(psql -V | awk '{print $3}') (fsync on, synchronous_commit on); Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2)."
  echo "- Server: shipped \`prod\` profile, JAVA_OPTS=\`${BENCH_JAVA_OPTS:-${JAVA_OPTS:-$(jlink/java-opts.sh)}}\`."
  echo
  for s in "${sections[@]}"; do
    echo "running section $s" >&2
    bash "bench/$s.sh"
    echo
  done
} >"$out"
mv "$out" "$RESULTS/BENCHMARKS.md"
echo "wrote $RESULTS/BENCHMARKS.md" >&2
