#!/usr/bin/env bash
# Micro-benchmark of DPoP proof verification: builds the bench module, measures OpenSSL's native verify, runs JMH
# on JDK 17 and JDK 25 (every algorithm, the resource-server check, the key cache), measures the key cache's
# footprint, optionally runs the scale run, and writes bench/results/<UTC date>/ with report.md (tables per
# algorithm: µs per proof per implementation, ratio to OpenSSL, the issue's targets) and report.svg, plus raw output.
#
#   bench/run-micro.sh                 indicative: 1 fork, 5 × 1 s warm-up, 5 × 1 s measurement (~10 min per JDK)
#   bench/run-micro.sh --final         the measured run for a quiet machine: 1 fork, 3 × 2 s warm-up, 5 × 2 s
#                                      measurement (~14 min per JDK, see bench/README.md for the arithmetic)
#   bench/run-micro.sh --smoke         does everything run? 1 × 100 ms per benchmark, tiny scale run (~4 min)
#   ... --forks N --wi N --w TIME --i N --r TIME   override the mode's JMH settings (e.g. --forks 3 --i 10)
#   ... --scale                        also run bench/run-scale.sh into the same results directory
#
# Environment: JDK17 and JDK25 (JDK homes), JDKS (which to run, default "17 25"), BENCH (JMH include regex),
# JMH_ARGS (replaces every JMH option above), KEYCLOAK_SIGNATURE (keycloak, the default, or bc: see
# Contenders.keycloak). Figures are only comparable within one run: OpenSSL is measured in the same run for that reason.
set -euo pipefail
cd "$(dirname "$0")/.."

JDK17=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
JDKS=${JDKS:-17 25}
BENCH=${BENCH:-'VerifyBench|KeyCacheBench|ResourceBench'}
MODE=indicative
SCALE=0
declare -A SET=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --final) MODE=final ;;
    --smoke) MODE=smoke ;;
    --scale) SCALE=1 ;;
    --forks|--wi|--w|--i|--r) SET[$1]=$2; shift ;;
    *) echo "unknown option $1 (see the comment at the top of $0)"; exit 2 ;;
  esac
  shift
done
case "$MODE" in
  final) FORKS=1 WI=3 W=2s I=5 R=2s ;;
  smoke) FORKS=1 WI=0 W=100ms I=1 R=100ms ;;
  *) FORKS=1 WI=5 W=1s I=5 R=1s ;;
esac
FORKS=${SET[--forks]:-$FORKS} WI=${SET[--wi]:-$WI} W=${SET[--w]:-$W} I=${SET[--i]:-$I} R=${SET[--r]:-$R}
JMH_ARGS=${JMH_ARGS:-"-f $FORKS -wi $WI -w $W -i $I -r $R"}
KC_PROP="-Dbench.keycloak.signature=${KEYCLOAK_SIGNATURE:-keycloak}"
if [[ "${KEYCLOAK_SIGNATURE:-keycloak}" != keycloak ]]; then
  JMH_ARGS="$JMH_ARGS -jvmArgsAppend -Dbench.keycloak.signature=$KEYCLOAK_SIGNATURE"
fi

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
CPU="${CPU:-unknown} ($(nproc) cores)"
OUT=bench/results/$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$OUT"
printf 'mode %s\nJMH %s\nbenchmarks %s\nKeycloak signature %s\n' "$MODE" "$JMH_ARGS" "$BENCH" "${KEYCLOAK_SIGNATURE:-keycloak}" > "$OUT/run.txt"
echo "== build"
JAVA_HOME=$JDK17 mvn -B -ntp -q -Pbench -pl bench -am package -DskipTests
JAR=bench/target/benchmarks.jar

SSL_SECONDS=3
[[ "$MODE" == smoke ]] && SSL_SECONDS=1
echo "== openssl speed (ECDSA P-256, P-384, P-521, RSA-2048, Ed25519 verify)"
openssl version > "$OUT/openssl.txt"
openssl speed -seconds $SSL_SECONDS ecdsap256 ecdsap384 ecdsap521 rsa2048 >> "$OUT/openssl.txt" 2>&1
openssl speed -seconds $SSL_SECONDS ed25519 >> "$OUT/openssl.txt" 2>&1 || echo "(no ed25519 in this openssl)" >> "$OUT/openssl.txt"

for V in $JDKS; do
  HOME_VAR=JDK$V
  JAVA=${!HOME_VAR}/bin/java
  if [[ ! -x "$JAVA" ]]; then
    echo "== JDK $V not found at ${!HOME_VAR}: skipped"
    continue
  fi
  "$JAVA" -version 2>&1 | head -1 > "$OUT/jdk$V.version"
  echo "== contender check on JDK $V (each accepts a good proof, refuses a replay and a tampered signature)"
  "$JAVA" "$KC_PROP" -cp "$JAR" io.github.keycloakdpop.bench.ContenderCheck 2>&1 \
    | grep -v SLF4J > "$OUT/contender-check-jdk$V.txt" || { cat "$OUT/contender-check-jdk$V.txt"; echo "contender check failed on JDK $V"; exit 1; }
  tail -1 "$OUT/contender-check-jdk$V.txt"
  echo "== JMH on $(cat "$OUT/jdk$V.version") ($JMH_ARGS)"
  # shellcheck disable=SC2086
  "$JAVA" -jar "$JAR" "$BENCH" $JMH_ARGS -rf json -rff "$OUT/jmh-jdk$V.json" > "$OUT/jmh-jdk$V.log" 2>&1 \
    || { echo "JMH failed on JDK $V, see $OUT/jmh-jdk$V.log"; exit 1; }
  grep -E '^(VerifyBench|KeyCacheBench|ResourceBench)' "$OUT/jmh-jdk$V.log" || true
  if [[ "$MODE" != final ]]; then
    echo "== thread CPU time on JDK $V (less sensitive to other load than JMH's wall clock)"
    PROBE_SECONDS=3
    [[ "$MODE" == smoke ]] && PROBE_SECONDS=0.2
    "$JAVA" "$KC_PROP" -cp "$JAR" io.github.keycloakdpop.bench.CpuTimeProbe $PROBE_SECONDS 2>/dev/null | grep -v SLF4J | tee "$OUT/cpu-time-jdk$V.txt"
  fi
done

echo "== key cache footprint (JOL)"
FOOTPRINT_KEYS=256
[[ "$MODE" == smoke ]] && FOOTPRINT_KEYS=32
"$JDK17/bin/java" -Djdk.attach.allowAttachSelf=true -cp "$JAR" io.github.keycloakdpop.bench.KeyCacheFootprint $FOOTPRINT_KEYS \
  2>/dev/null | grep -v SLF4J > "$OUT/footprint.txt"

if [[ "$SCALE" == 1 || "$MODE" == smoke ]]; then
  if [[ "$MODE" == smoke ]]; then
    NO_BUILD=1 JDKS="$JDKS" PROOFS=${PROOFS:-20000} RATE=${RATE:-200} bench/run-scale.sh "$OUT"
  else
    NO_BUILD=1 JDKS="$JDKS" bench/run-scale.sh "$OUT"
  fi
fi

echo "== report"
"$JDK17/bin/java" -cp "$JAR" io.github.keycloakdpop.bench.Report "$OUT" "$CPU" "$LOAD"
echo "written: $OUT/report.md $OUT/report.svg"
