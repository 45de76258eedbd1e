package io.github.keycloakdpop.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SubjectTokenBindingTest {

    static String jws(String payload) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    @Test
    void theBoundKeyIsReadFromTheSubjectToken() {
        assertEquals("abc", SubjectTokenBinding.cnfJkt(jws("{\"cnf\":{\"jkt\":\"abc\"}}")));
        assertNull(SubjectTokenBinding.cnfJkt(jws("{\"sub\":\"x\"}")));
        assertNull(SubjectTokenBinding.cnfJkt("not-a-jwt"));
        assertNull(SubjectTokenBinding.cnfJkt(null));
    }

    @Test
    void aBoundSubjectTokenNeedsAProof() {
        assertEquals("The subject token is DPoP-bound: send a DPoP proof of its key",
                SubjectTokenBinding.refusal(jws("{\"cnf\":{\"jkt\":\"abc\"}}"), null));
        assertNull(SubjectTokenBinding.refusal(jws("{\"sub\":\"x\"}"), null));
    }
}
