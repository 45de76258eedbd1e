#!/usr/bin/env bash
# Micro-benchmark of DPoP proof verification: builds the bench module, measures OpenSSL's native verify, runs JMH
# on JDK 17 and JDK 25, measures the key cache's footprint, and writes bench/results/<UTC date>/ with report.md
# (table: µs per proof per implementation, ratio to OpenSSL, targets) and report.svg (bar chart), plus raw output.
#
#   bench/run-micro.sh            indicative run (1 fork, 5 × 1 s warm-up, 5 × 1 s measurement)
#   bench/run-micro.sh --final    the measured run for a quiet machine (3 forks, 5 × 2 s warm-up, 10 × 2 s)
#
# Environment: JDK17 and JDK25 (JDK homes), JMH_ARGS (replaces the JMH options), BENCH (JMH include regex).
# Figures are only comparable within one run: OpenSSL is measured in the same run for that reason.
set -euo pipefail
cd "$(dirname "$0")/.."

JDK17=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
BENCH=${BENCH:-'VerifyBench|KeyCacheBench'}
if [[ "${1:-}" == "--final" ]]; then
  JMH_ARGS=${JMH_ARGS:-"-f 3 -wi 5 -w 2s -i 10 -r 2s"}
else
  JMH_ARGS=${JMH_ARGS:-"-f 1 -wi 5 -w 1s -i 5 -r 1s"}
fi

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
CPU="${CPU:-unknown} ($(nproc) cores)"
OUT=bench/results/$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$OUT"
echo "== build"
JAVA_HOME=$JDK17 mvn -B -ntp -q -Pbench -pl bench -am package -DskipTests
JAR=bench/target/benchmarks.jar

echo "== openssl speed (ECDSA P-256, RSA-2048, Ed25519 verify)"
openssl version > "$OUT/openssl.txt"
openssl speed -seconds 3 ecdsap256 rsa2048 >> "$OUT/openssl.txt" 2>&1
openssl speed -seconds 3 ed25519 >> "$OUT/openssl.txt" 2>&1 || echo "(no ed25519 in this openssl)" >> "$OUT/openssl.txt"

for V in 17 25; do
  HOME_VAR=JDK$V
  JAVA=${!HOME_VAR}/bin/java
  if [[ ! -x "$JAVA" ]]; then
    echo "== JDK $V not found at ${!HOME_VAR}: skipped"
    continue
  fi
  "$JAVA" -version 2>&1 | head -1 > "$OUT/jdk$V.version"
  echo "== JMH on $(cat "$OUT/jdk$V.version")"
  # shellcheck disable=SC2086
  "$JAVA" -jar "$JAR" "$BENCH" $JMH_ARGS -rf json -rff "$OUT/jmh-jdk$V.json" > "$OUT/jmh-jdk$V.log" 2>&1 \
    || { echo "JMH failed on JDK $V, see $OUT/jmh-jdk$V.log"; exit 1; }
  grep -E '^(VerifyBench|KeyCacheBench)' "$OUT/jmh-jdk$V.log" || true
  if [[ "${1:-}" != "--final" ]]; then
    echo "== thread CPU time on JDK $V (less sensitive to other load than JMH's wall clock)"
    "$JAVA" -cp "$JAR" io.github.keycloakdpop.bench.CpuTimeProbe 3 2>/dev/null | grep -v SLF4J | tee "$OUT/cpu-time-jdk$V.txt"
  fi
done

echo "== key cache footprint (JOL)"
"$JDK17/bin/java" -Djdk.attach.allowAttachSelf=true -cp "$JAR" io.github.keycloakdpop.bench.KeyCacheFootprint 256 \
  2>/dev/null | grep -v SLF4J > "$OUT/footprint.txt"

echo "== report"
"$JDK17/bin/java" -cp "$JAR" io.github.keycloakdpop.bench.Report "$OUT" "$CPU" "$LOAD"
echo "written: $OUT/report.md $OUT/report.svg"
