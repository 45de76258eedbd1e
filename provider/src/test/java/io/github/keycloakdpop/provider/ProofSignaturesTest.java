package io.github.keycloakdpop.provider;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import io.github.keycloakdpop.core.DPoPProofVerifier;
import io.github.keycloakdpop.core.ProofPolicy;
import io.github.keycloakdpop.core.ProofRequest;
import io.github.keycloakdpop.core.VerifiedProof;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.keycloak.crypto.KeyWrapper;

/**
 * The plugin answers Keycloak's second signature check from its own result only for the very proof it verified:
 * same algorithm, same signing input, same signature, and a key with the same RFC 7638 thumbprint. Anything else goes
 * to Keycloak's own verifier.
 */
class ProofSignaturesTest {

    static final URI TOKEN = URI.create("https://as.example/realms/r/protocol/openid-connect/token");

    final ECKey key = generate();
    final String proof = sign(key);
    final ProofSignatures.Verified verified = ProofSignatures.Verified.of(proof, verify(proof));
    final byte[] signingInput = proof.substring(0, proof.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
    final byte[] signature = Base64.getUrlDecoder().decode(proof.substring(proof.lastIndexOf('.') + 1));

    @Test
    void theProofThePluginVerifiedIsAnsweredFromItsResult() throws Exception {
        assertTrue(ProofSignatures.alreadyVerified(verified, "ES256", wrapper(key), signingInput, signature));
    }

    @Test
    void anotherKeyIsLeftToKeycloak() throws Exception {
        assertFalse(ProofSignatures.alreadyVerified(verified, "ES256", wrapper(generate()), signingInput, signature));
    }

    @Test
    void anotherSigningInputIsLeftToKeycloak() throws Exception {
        byte[] changed = signingInput.clone();
        changed[changed.length - 1] ^= 1;
        assertFalse(ProofSignatures.alreadyVerified(verified, "ES256", wrapper(key), changed, signature));
    }

    @Test
    void anotherSignatureIsLeftToKeycloak() throws Exception {
        byte[] changed = signature.clone();
        changed[0] ^= 1;
        assertFalse(ProofSignatures.alreadyVerified(verified, "ES256", wrapper(key), signingInput, changed));
        assertFalse(ProofSignatures.alreadyVerified(verified, "ES256", wrapper(key), signingInput,
                Arrays.copyOf(signature, signature.length - 1)));
    }

    @Test
    void anotherAlgorithmIsLeftToKeycloak() throws Exception {
        assertFalse(ProofSignatures.alreadyVerified(verified, "ES384", wrapper(key), signingInput, signature));
    }

    @Test
    void aKeyWithoutPublicPartIsLeftToKeycloak() {
        assertFalse(ProofSignatures.alreadyVerified(verified, "ES256", new KeyWrapper(), signingInput, signature));
    }

    static KeyWrapper wrapper(ECKey key) throws Exception {
        KeyWrapper wrapper = new KeyWrapper();
        wrapper.setPublicKey(key.toECPublicKey());
        return wrapper;
    }

    static ECKey generate() {
        try {
            return new ECKeyGenerator(Curve.P_256).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sign(ECKey key) {
        try {
            return new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256).createDPoPJWT("POST", TOKEN).serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static VerifiedProof verify(String proof) {
        try {
            return new DPoPProofVerifier(ProofPolicy.defaults(), Clock.systemUTC(), (k, ttl) -> true)
                    .verify(new ProofRequest(List.of(proof), "POST", TOKEN, null, "r"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
