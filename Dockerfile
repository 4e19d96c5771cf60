# Triggers API container: a jlink runtime (~50 MB) + the app jar and its libs + config + a Java 25 AOT cache,
# on debian:bookworm-slim, running as a non-root user with the prod profile.
#
#   docker build -t triggers-api .
#   docker run -p 8080:8080 -e DB_URL=jdbc:postgresql://db:5432/triggers -e DB_PASSWORD=... \
#     -e REDIS_URL=redis://redis:6379 -e ADMIN_TOKEN=<32+ chars> -e KEYS_PEPPER=<32+ chars> triggers-api
#
# The build stage runs exactly what CI runs here (mvn package, then jlink/build.sh). The AOT cache needs a
# training run, and the server will not start without PostgreSQL, so the build stage starts a throwaway
# PostgreSQL and Redis for the few seconds of training; none of that reaches the runtime stage.

FROM maven:3.9-eclipse-temurin-25 AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends unzip curl postgresql redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && sed -ri 's/(scram-sha-256|md5|peer)$/trust/' /etc/postgresql/*/main/pg_hba.conf
# /app mirrors the repository: the runtime stage keeps the same paths, because the AOT cache records the class
# path it was trained with (target/triggers-api.jar + its manifest's libs/) and the runtime image it ran on.
WORKDIR /app
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline -DexcludeArtifactIds=helidon-licensing || true
COPY .ci/ .ci/
COPY jlink/ jlink/
COPY config/ config/
COPY src/ src/
# jlink/java-opts.sh reads JAVA_OPTS from this file: the training run uses the flags the runtime ships.
COPY Dockerfile ./
RUN mvn -B -q package -DskipTests \
 && . .ci/services.sh && ensure_services \
 && status=0 \
 && { DB_URL=jdbc:postgresql://127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
      jlink/build.sh --no-package || status=$?; } \
 && { redis-cli shutdown nosave || true; } \
 && { pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main stop || true; } \
 && exit $status

FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="triggers-api" \
      org.opencontainers.image.description="Durable event ingestion over HTTP with an inbox and signed webhook delivery" \
      org.opencontainers.image.version="1.0.0"
RUN groupadd --system --gid 10001 triggers \
 && useradd --system --uid 10001 --gid triggers --no-create-home --home-dir /app --shell /usr/sbin/nologin triggers
WORKDIR /app
COPY --from=build /app/target/jlink/image/ /app/target/jlink/image/
COPY --from=build /app/target/jlink/triggers-api.aot /app/target/jlink/triggers-api.aot
COPY --from=build /app/target/libs/ /app/target/libs/
COPY --from=build /app/target/triggers-api.jar /app/target/triggers-api.jar
COPY --from=build /app/config/ /app/config/
USER 10001:10001
# Footprint settings (reasoning: docs/OPERATIONS.md, "JVM settings"). Keep on one line:
# jlink/java-opts.sh reads it for the training run, the smoke check and the footprint benchmark.
# glibc gives every thread that mallocs its own arena (up to 8 per core), each growing separately: two bound the
# native heap's RSS (same reading rule as JAVA_OPTS: jlink/java-opts.sh --env).
ENV MALLOC_ARENA_MAX=2
ENV JAVA_OPTS="-XX:+UseSerialGC -Xms16m -Xmx128m -Xss256k -XX:MaxMetaspaceSize=80m -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=32m -XX:TrimNativeHeapInterval=2000 -XX:-UsePerfData"
ENV HELIDON_CONFIG_PROFILE=prod \
    SERVER_PORT=8080
EXPOSE 8080
# The slim image has no curl or wget: bash's /dev/tcp asks GET /health/live. Orchestrators that probe on their own
# (Kubernetes) use /health/live and /health/ready directly.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT:-8080} && printf 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
# exec: the JVM is PID 1 and gets SIGTERM directly (graceful shutdown hook). If the AOT cache does not match
# (other JVM flags), the JVM logs a warning and starts without it.
# Relative paths from WORKDIR /app on purpose: the same command line as the training run and jlink/smoke.sh.
ENTRYPOINT ["/bin/sh", "-c", "exec target/jlink/image/bin/java $JAVA_OPTS -XX:AOTCache=target/jlink/triggers-api.aot -jar target/triggers-api.jar \"$@\"", "triggers-api"]
