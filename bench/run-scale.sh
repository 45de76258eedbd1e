#!/usr/bin/env bash
# Scale run (ScaleRun): a million fresh ES256 proofs through one verifier with the default key cache and a replay
# store that forgets expired entries, on simulated time; prints, per interval, proofs done, heap after System.gc(),
# replay-store and key-cache entries and µs per proof. Writes scale-jdkNN.txt into the results directory.
#
#   bench/run-scale.sh                     into a new bench/results/<UTC date>-scale/ (about 4 min per JDK)
#   bench/run-scale.sh bench/results/X     into an existing results directory (run-micro.sh --scale does this)
#   PROOFS=20000 RATE=200 bench/run-scale.sh   a quick look (TTLs still expire: 100 simulated seconds)
#
# Environment: JDK17, JDK25 (JDK homes), JDKS (default "17 25"), PROOFS (1000000), INTERVALS (20),
# RATE (simulated proofs per second, 2000), HEAP (JVM heap options, -Xmx512m: a store or cache that grew without
# bound would run out), NO_BUILD=1 (use the bench jar as it is).
set -euo pipefail
cd "$(dirname "$0")/.."

JDK17=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
JDKS=${JDKS:-17 25}
PROOFS=${PROOFS:-1000000}
INTERVALS=${INTERVALS:-20}
RATE=${RATE:-2000}
HEAP=${HEAP:--Xmx512m}
OUT=${1:-bench/results/$(date -u +%Y-%m-%dT%H%M%SZ)-scale}
mkdir -p "$OUT"
if [[ "${NO_BUILD:-0}" != 1 ]]; then
  echo "== build"
  JAVA_HOME=$JDK17 mvn -B -ntp -q -Pbench -pl bench -am package -DskipTests
fi
JAR=bench/target/benchmarks.jar

for V in $JDKS; do
  HOME_VAR=JDK$V
  JAVA=${!HOME_VAR}/bin/java
  if [[ ! -x "$JAVA" ]]; then
    echo "== JDK $V not found at ${!HOME_VAR}: skipped"
    continue
  fi
  echo "== scale run on JDK $V: $PROOFS proofs, $INTERVALS intervals, $RATE proofs per simulated second"
  # shellcheck disable=SC2086
  "$JAVA" $HEAP -cp "$JAR" io.github.keycloakdpop.bench.ScaleRun "$PROOFS" "$INTERVALS" "$RATE" 2>&1 \
    | grep -v SLF4J | tee "$OUT/scale-jdk$V.txt"
done
echo "written: $OUT/scale-jdk*.txt"
