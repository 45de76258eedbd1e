package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.Thumbprints;
import io.github.keycloakdpop.core.VerifiedProof;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import io.github.keycloakdpop.provider.keycloak.KeycloakApi;
import io.github.keycloakdpop.provider.keycloak.VersionGuard;
import org.keycloak.Config;
import org.keycloak.common.VerificationException;
import org.keycloak.crypto.ES256SignatureProviderFactory;
import org.keycloak.crypto.ES384SignatureProviderFactory;
import org.keycloak.crypto.ES512SignatureProviderFactory;
import org.keycloak.crypto.EdDSASignatureProviderFactory;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.crypto.PS256SignatureProviderFactory;
import org.keycloak.crypto.PS384SignatureProviderFactory;
import org.keycloak.crypto.PS512SignatureProviderFactory;
import org.keycloak.crypto.RS256SignatureProviderFactory;
import org.keycloak.crypto.RS384SignatureProviderFactory;
import org.keycloak.crypto.RS512SignatureProviderFactory;
import org.keycloak.crypto.SignatureException;
import org.keycloak.crypto.SignatureProvider;
import org.keycloak.crypto.SignatureProviderFactory;
import org.keycloak.crypto.SignatureSignerContext;
import org.keycloak.crypto.SignatureVerifierContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/**
 * Where Keycloak still verifies a proof a second time after the plugin ({@code DPoPUtil.handleDPoPHeader}: for
 * clients flagged "DPoP bound access tokens", at PAR, and wherever {@link ProofHandOff} cannot hand the proof over), it
 * does so with a key it decodes again and BouncyCastle through JCA: about a tenth of a token request's CPU
 * spent on a signature the plugin has just checked. Each built-in asymmetric signature provider is registered again
 * under its own algorithm id; within one request, its verifier answers from the plugin's result for exactly the proof
 * the plugin verified (same algorithm, signing input, signature bytes and key thumbprint) and hands everything else,
 * and every other request, to the built-in verifier.
 */
final class ProofSignatures {

    private static final String VERIFIED = "keycloak-dpop.verified-signature";

    /** A signature the plugin verified in this request, and the key (RFC 7638 thumbprint) it verified it with. */
    record Verified(String alg, byte[] signingInput, byte[] signature, String jkt) {

        static Verified of(String compactProof, VerifiedProof proof) {
            int lastDot = compactProof.lastIndexOf('.');
            return new Verified(proof.alg(), compactProof.substring(0, lastDot).getBytes(StandardCharsets.US_ASCII),
                    Base64.getUrlDecoder().decode(compactProof.substring(lastDot + 1)), proof.jkt());
        }
    }

    private ProofSignatures() {
    }

    /** Called with the single DPoP header value once the plugin has accepted it. */
    static void remember(KeycloakSession session, String compactProof, VerifiedProof proof) {
        session.setAttribute(VERIFIED, Verified.of(compactProof, proof));
    }

    static boolean alreadyVerified(Verified verified, String alg, KeyWrapper key, byte[] data, byte[] signature) {
        // Arrays.equals: nothing here is secret (a timing-safe comparison would only be slower)
        if (!verified.alg.equals(alg) || !Arrays.equals(verified.signingInput, data)
                || !Arrays.equals(verified.signature, signature)
                || !(key.getPublicKey() instanceof PublicKey publicKey)) {
            return false;
        }
        // Keycloak decoded this key from the same header: a cheap thumbprint, not a jose4j key (a tenth of Keycloak's
        // whole re-check in a load profile). A key with no thumbprint goes to the built-in verifier.
        try {
            return verified.jkt.equals(Thumbprints.jkt(publicKey));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The built-in provider, with verifiers that know what the plugin verified in this request. */
    private record Provider(SignatureProvider builtIn, KeycloakSession session, String alg) implements SignatureProvider {

        @Override
        public SignatureSignerContext signer() throws SignatureException {
            return builtIn.signer();
        }

        @Override
        public SignatureSignerContext signer(KeyWrapper key) throws SignatureException {
            return builtIn.signer(key);
        }

        @Override
        public SignatureVerifierContext verifier(String kid) throws VerificationException {
            return builtIn.verifier(kid);
        }

        @Override
        public SignatureVerifierContext verifier(KeyWrapper key) throws VerificationException {
            SignatureVerifierContext verifier = builtIn.verifier(key);
            Object verified = session.getAttribute(VERIFIED);
            return verified == null ? verifier : new Verifier(verifier, (Verified) verified, alg, key);
        }

        @Override
        public boolean isAsymmetricAlgorithm() {
            return builtIn.isAsymmetricAlgorithm();
        }
    }

    private record Verifier(SignatureVerifierContext builtIn, Verified verified, String alg, KeyWrapper key)
            implements SignatureVerifierContext {

        @Override
        public String getKid() {
            return builtIn.getKid();
        }

        @Override
        public String getAlgorithm() {
            return builtIn.getAlgorithm();
        }

        @Override
        public boolean verify(byte[] data, byte[] signature) throws VerificationException {
            return alreadyVerified(verified, alg, key, data, signature) || builtIn.verify(data, signature);
        }
    }

    /**
     * A built-in signature provider factory, registered again under its own id; where the version guard steps the
     * plugin aside, it hands out the built-in provider itself.
     */
    abstract static class Factory implements SignatureProviderFactory {

        private final SignatureProviderFactory builtIn;

        Factory(SignatureProviderFactory builtIn) {
            this.builtIn = builtIn;
        }

        @Override
        public SignatureProvider create(KeycloakSession session) {
            SignatureProvider provider = builtIn.create(session);
            return VersionGuard.active() ? new Provider(provider, session, builtIn.getId()) : provider;
        }

        @Override
        public String getId() {
            return builtIn.getId();
        }

        /** Keycloak 26.7's list of private JWK members (no {@code @Override}: older releases have none). */
        public Set<String> getJwkPrivateKeyClaims() {
            return KeycloakApi.jwkPrivateKeyClaims(builtIn);
        }

        @Override
        public void init(Config.Scope config) {
            builtIn.init(config);
        }

        @Override
        public void postInit(KeycloakSessionFactory factory) {
            builtIn.postInit(factory);
        }

        @Override
        public void close() {
            builtIn.close();
        }
    }

    public static final class ES256 extends Factory {
        public ES256() {
            super(new ES256SignatureProviderFactory());
        }
    }

    public static final class ES384 extends Factory {
        public ES384() {
            super(new ES384SignatureProviderFactory());
        }
    }

    public static final class ES512 extends Factory {
        public ES512() {
            super(new ES512SignatureProviderFactory());
        }
    }

    public static final class RS256 extends Factory {
        public RS256() {
            super(new RS256SignatureProviderFactory());
        }
    }

    public static final class RS384 extends Factory {
        public RS384() {
            super(new RS384SignatureProviderFactory());
        }
    }

    public static final class RS512 extends Factory {
        public RS512() {
            super(new RS512SignatureProviderFactory());
        }
    }

    public static final class PS256 extends Factory {
        public PS256() {
            super(new PS256SignatureProviderFactory());
        }
    }

    public static final class PS384 extends Factory {
        public PS384() {
            super(new PS384SignatureProviderFactory());
        }
    }

    public static final class PS512 extends Factory {
        public PS512() {
            super(new PS512SignatureProviderFactory());
        }
    }

    public static final class EdDSA extends Factory {
        public EdDSA() {
            super(new EdDSASignatureProviderFactory());
        }
    }
}
