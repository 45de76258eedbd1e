package io.github.keycloakdpop.bench;

import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.jose4j.jwk.PublicJsonWebKey;
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

import io.github.keycloakdpop.core.Thumbprints;

/**
 * The key comparison {@code ProofSignatures} makes when Keycloak's re-check verifies the proof's signature again: the
 * RFC 7638 thumbprint of the key Keycloak decoded (RSA with the JDK's key factory, EC with BouncyCastle's, as
 * Keycloak 26.7.3 decodes them), through a jose4j key as before, and directly from the JCA key as now.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ThumbprintBench {

    @Param({"RS256", "ES256"})
    public String alg;

    private PublicKey key;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        KeyPairGenerator generator;
        if (alg.startsWith("RS")) {
            generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
        } else {
            generator = KeyPairGenerator.getInstance("EC", new BouncyCastleProvider());
            generator.initialize(new ECGenParameterSpec("secp256r1"));
        }
        key = generator.generateKeyPair().getPublic();
        if (!jose4jKey().equals(direct())) {
            throw new IllegalStateException("the two thumbprints differ");
        }
    }

    @Benchmark
    public String jose4jKey() throws Exception {
        return Thumbprints.jkt(PublicJsonWebKey.Factory.newPublicJwk(key));
    }

    @Benchmark
    public String direct() {
        return Thumbprints.jkt(key);
    }
}
