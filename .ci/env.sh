# Sourced by every script: selects JDK 25 (the machine's default java is 17) and quiet Maven options.
# shellcheck shell=bash
find_jdk25() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /opt/java/openjdk; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    if grep -q 'JAVA_VERSION="25' "$candidate/release" 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if ! JAVA_HOME=$(find_jdk25); then
  echo "JDK 25 not found under /usr/lib/jvm; install Temurin 25 or set JAVA_HOME to a JDK 25" >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
