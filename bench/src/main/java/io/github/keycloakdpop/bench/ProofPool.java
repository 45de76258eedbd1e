package io.github.keycloakdpop.bench;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.JWTID;

/**
 * Proofs signed before the measured window, all for one request (POST to {@link #HTU}) at one instant
 * ({@link #NOW}): every verifier is given a clock fixed at that instant (or a wide enough window), so the pool stays
 * valid however long a run lasts. Every proof has its own jti.
 */
final class ProofPool {

    static final String HTM = "POST";
    static final URI HTU = URI.create("https://server.example.com/realms/bench/protocol/openid-connect/token");
    static final Instant NOW = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private ProofPool() {
    }

    /** {@code size} ES256 proofs spread round-robin over {@code keys} distinct P-256 keys. */
    static List<String> es256(int size, int keys) {
        return proofs(size, keys, Curve.P_256, JWSAlgorithm.ES256);
    }

    /** {@code size} proofs spread round-robin over {@code keys} distinct keys; RSA (2048 bits) when curve is null. */
    static List<String> proofs(int size, int keys, Curve curve, JWSAlgorithm alg) {
        List<JWK> pairs = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            pairs.add(newKey(curve));
        }
        List<String> proofs = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            proofs.add(sign(pairs.get(i % keys), alg));
        }
        return proofs;
    }

    private static JWK newKey(Curve curve) {
        try {
            return curve == null ? new RSAKeyGenerator(2048).generate() : new ECKeyGenerator(curve).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(JWK key, JWSAlgorithm alg) {
        try {
            return new DefaultDPoPProofFactory(key, alg)
                    .createDPoPJWT(new JWTID(), HTM, HTU, Date.from(NOW), null).serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
