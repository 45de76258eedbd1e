package io.github.keycloakdpop.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import io.github.keycloakdpop.bench.Contenders.Contender;
import io.github.keycloakdpop.bench.Contenders.MemoryReplayStore;
import io.github.keycloakdpop.core.ProofKeyCache;

/**
 * The complete RFC 9449 check of one fresh proof, per implementation and algorithm ({@code alg}). Each invocation
 * verifies the next proof of a pre-signed pool (a different jti each time); the in-memory replay store is cleared
 * whenever the pool starts over, so it never refuses, and the pool is larger than Spring's fixed 1000-entry jti
 * cache.
 *
 * <p>JMH runs every value of a state's {@code alg} parameter, so the algorithms a contender cannot verify are left
 * out of its state's parameter list rather than failed at run time: Nimbus and Spring get {@link RsaOrEcKeys}
 * (no EdDSA, see {@link Contenders#supports}). The jose4j reference path, ours but not the product's, runs for
 * ES256 only ({@link Es256Keys}), to keep the run short.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VerifyBench {

    static final int POOL = 2048;
    /** Keys behind the "seen before" pool: few enough to all stay cached, enough not to be one hot key. */
    static final int KNOWN_KEYS = 16;

    /** A proof pool, a replay store and a cursor; the replay store is cleared when the cursor wraps. */
    @State(Scope.Thread)
    public abstract static class Pool {
        final MemoryReplayStore replay = new MemoryReplayStore();
        List<String> proofs;
        int next;

        String nextProof() {
            if (next == proofs.size()) {
                next = 0;
                replay.clear();
            }
            return proofs.get(next++);
        }
    }

    /**
     * Proofs of one algorithm from {@link #KNOWN_KEYS} keys, which the verifier has seen before the measurement
     * starts (in the warm-up), and the one contender the benchmark method measures: nothing else is built in its
     * JVM, so no other contender's setup (BouncyCastle registered as a JCA provider, say) touches its figures.
     */
    public abstract static class KnownKeys extends Pool {
        Contender contender;

        void setUp(String alg, BenchmarkParams benchmark) {
            proofs = ProofPool.proofs(alg, POOL, KNOWN_KEYS);
            String method = benchmark.getBenchmark().substring(benchmark.getBenchmark().lastIndexOf('.') + 1);
            contender = Contenders.named(method, replay);
        }
    }

    /** Every algorithm. */
    public static class AnyKeys extends KnownKeys {
        @Param({"ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"})
        public String alg;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams benchmark) {
            setUp(alg, benchmark);
        }
    }

    /** The RSA and EC families only: what Nimbus's and Spring's DPoP verifiers accept. */
    public static class RsaOrEcKeys extends KnownKeys {
        @Param({"ES256", "ES384", "ES512", "RS256", "PS256"})
        public String alg;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams benchmark) {
            setUp(alg, benchmark);
        }
    }

    /** ES256 only. */
    public static class Es256Keys extends KnownKeys {
        @Param({"ES256"})
        public String alg;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams benchmark) {
            setUp(alg, benchmark);
        }
    }

    /**
     * Every proof with a key the verifier has not seen. EC and Ed25519: every proof has its own key and the key
     * cache (256) is far smaller than the pool (2048), so every key is new. RSA: generating 2048 keys would take
     * minutes, so the pool has {@link #KNOWN_KEYS} keys and the key cache no room at all: every key is decoded and
     * checked as new, which is what a never-seen key costs.
     */
    public static class NewKeys extends Pool {
        @Param({"ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"})
        public String alg;
        Contender oursFast;

        @Setup(Level.Trial)
        public void setUp() {
            boolean rsa = alg.startsWith("RS") || alg.startsWith("PS");
            proofs = ProofPool.proofs(alg, POOL, rsa ? KNOWN_KEYS : POOL);
            oursFast = Contenders.ours(replay, new ProofKeyCache(rsa ? 0 : 256, ProofKeyCache.DEFAULT_MAX_AGE));
        }
    }

    @Benchmark
    public String oursFastKeySeenBefore(AnyKeys pool) throws Exception {
        return pool.contender.verify(pool.nextProof());
    }

    @Benchmark
    public String oursFastKeyNeverSeen(NewKeys pool) throws Exception {
        return pool.oursFast.verify(pool.nextProof());
    }

    @Benchmark
    public String oursJose4jReference(Es256Keys pool) throws Exception {
        return pool.contender.verify(pool.nextProof());
    }

    @Benchmark
    public String jose4jJwtConsumer(AnyKeys pool) throws Exception {
        return pool.contender.verify(pool.nextProof());
    }

    @Benchmark
    public String nimbusDPoPVerifier(RsaOrEcKeys pool) throws Exception {
        return pool.contender.verify(pool.nextProof());
    }

    @Benchmark
    public String springDPoPDecoder(RsaOrEcKeys pool) throws Exception {
        return pool.contender.verify(pool.nextProof());
    }

    @Benchmark
    public String keycloakBcJca(AnyKeys pool) throws Exception {
        return pool.contender.verify(pool.nextProof());
    }
}
