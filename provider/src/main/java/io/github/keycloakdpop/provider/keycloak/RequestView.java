package io.github.keycloakdpop.provider.keycloak;

import jakarta.ws.rs.core.AbstractMultivaluedMap;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.keycloak.http.FormPartValue;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.KeycloakSession;

/**
 * Keycloak's view of the request with some header values changed: installed with the public
 * {@link org.keycloak.models.KeycloakContext#setHttpRequest}, as Keycloak's brute-force protector does, it is what
 * every later reader of {@code session.getContext().getHttpRequest()} and {@code getRequestHeaders()} sees (Keycloak
 * 26.4 to 26.7 read headers only through these two). Everything but the headers a subclass changes is the original
 * request. Header names compare case-insensitively, as HTTP says.
 */
public abstract class RequestView implements HttpRequest {

    private final HttpRequest request;
    private final HttpHeaders headers;

    protected RequestView(HttpRequest request) {
        this.request = request;
        this.headers = new Headers(request.getHttpHeaders());
    }

    /** Puts {@code view} in place of Keycloak's view of the request for the rest of this request. */
    public static void install(KeycloakSession session, RequestView view) {
        session.getContext().setHttpRequest(view);
    }

    /**
     * The values Keycloak is shown for header {@code name}: {@code values} itself (the same list) to leave it, another
     * list to change it, or null to hide it. Asked each time Keycloak reads, so the answer may change in the request.
     */
    protected abstract List<String> shown(String name, List<String> values);

    @Override
    public HttpHeaders getHttpHeaders() {
        return headers;
    }

    private final class Headers implements HttpHeaders {

        private final HttpHeaders original;

        Headers(HttpHeaders original) {
            this.original = original;
        }

        @Override
        public List<String> getRequestHeader(String name) {
            return shown(name, original.getRequestHeader(name));
        }

        @Override
        public String getHeaderString(String name) {
            List<String> values = original.getRequestHeader(name);
            List<String> shown = shown(name, values);
            return shown == values ? original.getHeaderString(name) : shown == null ? null : String.join(",", shown);
        }

        @Override
        public MultivaluedMap<String, String> getRequestHeaders() {
            MultivaluedMap<String, String> all = original.getRequestHeaders();
            if (all.entrySet().stream().allMatch(e -> shown(e.getKey(), e.getValue()) == e.getValue())) {
                return all;
            }
            MultivaluedMap<String, String> changed =
                    new AbstractMultivaluedMap<>(new TreeMap<>(String.CASE_INSENSITIVE_ORDER)) { };
            all.forEach((name, values) -> {
                List<String> shown = shown(name, values);
                if (shown != null) {
                    changed.put(name, shown);
                }
            });
            return changed;
        }

        @Override
        public List<MediaType> getAcceptableMediaTypes() {
            return original.getAcceptableMediaTypes();
        }

        @Override
        public List<Locale> getAcceptableLanguages() {
            return original.getAcceptableLanguages();
        }

        @Override
        public MediaType getMediaType() {
            return original.getMediaType();
        }

        @Override
        public Locale getLanguage() {
            return original.getLanguage();
        }

        @Override
        public Map<String, Cookie> getCookies() {
            return original.getCookies();
        }

        @Override
        public Date getDate() {
            return original.getDate();
        }

        @Override
        public int getLength() {
            return original.getLength();
        }
    }

    @Override
    public String getHttpMethod() {
        return request.getHttpMethod();
    }

    @Override
    public MultivaluedMap<String, String> getDecodedFormParameters() {
        return request.getDecodedFormParameters();
    }

    @Override
    public MultivaluedMap<String, FormPartValue> getMultiPartFormParameters() {
        return request.getMultiPartFormParameters();
    }

    @Override
    public X509Certificate[] getClientCertificateChain() {
        return request.getClientCertificateChain();
    }

    @Override
    public UriInfo getUri() {
        return request.getUri();
    }

    @Override
    public boolean isProxyTrusted() {
        return request.isProxyTrusted();
    }
}
