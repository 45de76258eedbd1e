package io.github.keycloakdpop.provider.keycloak;

import jakarta.ws.rs.core.MultivaluedMap;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.clientpolicy.ClientPolicyException;

/**
 * The members of Keycloak's API that differ between the supported releases, found once at startup, so that nothing
 * missing surfaces at request time. The plugin compiles against the newest API (and, in the build, against 26.6's);
 * a member that an older release lacks is reached only through this class.
 *
 * <p>Each assumption, with the releases it holds for:
 * <ul>
 *   <li>{@code OAuth2GrantType.preProcess} exists from 26.7 on; before, Keycloak calls no step ahead of client
 *       authentication, and the wrapped grants do without it ({@link #preProcess}).</li>
 *   <li>{@code SignatureProviderFactory.getJwkPrivateKeyClaims} exists from 26.7 on; before, nothing asks for it.</li>
 *   <li>{@code org.keycloak.services.clientpolicy.context.ClientModelContext} exists from 26.6 on: client-policy
 *       conditions then find the client of any event that carries it. Before, they read it from the session's context
 *       for a fixed list of events ({@link #CLIENT_MODEL_CONTEXT}).</li>
 *   <li>{@code JWTAuthorizationGrantTypeFactory} (RFC 7523 JWT authorization grant) exists from 26.5 on.</li>
 * </ul>
 * {@link #missing} lists what the plugin cannot do without, for the version guard.
 */
public final class KeycloakApi {

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.publicLookup();

    /** {@code OAuth2GrantType.preProcess(KeycloakSession, MultivaluedMap)}, or null before 26.7. */
    private static final MethodHandle GRANT_PRE_PROCESS = virtual("org.keycloak.protocol.oidc.grants.OAuth2GrantType",
            "preProcess", MethodType.methodType(void.class, KeycloakSession.class, MultivaluedMap.class));

    /** {@code SignatureProviderFactory.getJwkPrivateKeyClaims()}, or null before 26.7. */
    private static final MethodHandle JWK_PRIVATE_KEY_CLAIMS = virtual("org.keycloak.crypto.SignatureProviderFactory",
            "getJwkPrivateKeyClaims", MethodType.methodType(Set.class));

    /** Whether client-policy conditions understand {@code ClientModelContext} (26.6 on). */
    public static final boolean CLIENT_MODEL_CONTEXT =
            present("org.keycloak.services.clientpolicy.context.ClientModelContext");

    private KeycloakApi() {
    }

    /** Whether Keycloak calls a grant type's {@code preProcess} before client authentication (26.7 on). */
    public static boolean grantPreProcess() {
        return GRANT_PRE_PROCESS != null;
    }

    /** Calls the built-in grant's {@code preProcess}; nothing where Keycloak has none (and never calls it). */
    public static void preProcess(Object builtInGrant, KeycloakSession session, MultivaluedMap<String, String> form)
            throws ClientPolicyException {
        if (GRANT_PRE_PROCESS == null) {
            return;
        }
        try {
            GRANT_PRE_PROCESS.invoke(builtInGrant, session, form);
        } catch (ClientPolicyException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The built-in signature factory's private JWK members; empty where Keycloak has no such method. */
    @SuppressWarnings("unchecked")
    public static Set<String> jwkPrivateKeyClaims(Object builtInSignatureFactory) {
        if (JWK_PRIVATE_KEY_CLAIMS == null) {
            return Set.of();
        }
        try {
            return (Set<String>) JWK_PRIVATE_KEY_CLAIMS.invoke(builtInSignatureFactory);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A built-in provider factory made by its class name, or null where this Keycloak has no such class (the JWT
     * authorization grant before 26.5). Named, not referenced, so that loading the plugin never needs it.
     */
    public static <T> T builtIn(String className, Class<T> type) {
        try {
            Class<?> factory = Class.forName(className, true, KeycloakApi.class.getClassLoader());
            return type.cast(factory.getConstructor().newInstance());
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("keycloak-dpop: cannot make Keycloak's " + className, e);
        }
    }

    /**
     * What the running Keycloak lacks of the classes and members the plugin relies on in every release; empty on
     * the tested ones. Each entry names the class or member.
     */
    public static List<String> missing() {
        List<String> missing = new ArrayList<>();
        requireField(missing, "org.keycloak.services.util.DPoPUtil", "DPOP_SESSION_ATTRIBUTE");
        requireMethod(missing, "org.keycloak.services.util.DPoPUtil", "getDPoPSupportedAlgorithms", KeycloakSession.class);
        requireMethod(missing, "org.keycloak.models.KeycloakContext", "setHttpRequest", "org.keycloak.http.HttpRequest");
        requireMethod(missing, "org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper", "isUseDPoP");
        requireMethod(missing, "org.keycloak.representations.dpop.DPoP", "setThumbprint", String.class);
        requireMethod(missing, "org.keycloak.protocol.oidc.grants.OAuth2GrantType", "process",
                "org.keycloak.protocol.oidc.grants.OAuth2GrantType$Context");
        requireMethod(missing, "org.keycloak.services.cors.DefaultCorsFactory", "create", KeycloakSession.class);
        requireMethod(missing, "org.keycloak.services.clientpolicy.ClientPolicyManager", "triggerOnEvent",
                "org.keycloak.services.clientpolicy.ClientPolicyContext");
        requireMethod(missing, "org.keycloak.models.SingleUseObjectProvider", "putIfAbsent", String.class, long.class);
        for (String wrapper : KEYCLOAK_INTERFACE_IMPLEMENTATIONS) {
            unimplemented(missing, wrapper);
        }
        return missing;
    }

    /**
     * The plugin's classes that Keycloak calls through its own interfaces. A release that adds an abstract method to
     * one of them would fail with {@code AbstractMethodError} at request time; {@link #missing} finds it at startup.
     */
    static final List<String> KEYCLOAK_INTERFACE_IMPLEMENTATIONS = List.of(
            "io.github.keycloakdpop.provider.DPoPGrantTypes$NonceCheckedGrant",
            "io.github.keycloakdpop.provider.DPoPGrantTypes$Factory",
            "io.github.keycloakdpop.provider.ProofSignatures$Provider",
            "io.github.keycloakdpop.provider.ProofSignatures$Verifier",
            "io.github.keycloakdpop.provider.ProofSignatures$Factory",
            "io.github.keycloakdpop.provider.DPoPCorsFactory",
            "io.github.keycloakdpop.provider.DPoPPolicyExecutorFactory",
            "io.github.keycloakdpop.provider.DPoPPolicyExecutorFactory$Executor",
            "io.github.keycloakdpop.provider.NonceSecretProviderFactory",
            "io.github.keycloakdpop.provider.keycloak.RequestView",
            "io.github.keycloakdpop.provider.keycloak.ClientPolicyExecutors$Lookup");

    /** Adds every abstract method of Keycloak's interfaces that {@code className} does not implement. */
    private static void unimplemented(List<String> missing, String className) {
        try {
            Class<?> type = Class.forName(className, false, KeycloakApi.class.getClassLoader());
            for (Method method : type.getMethods()) {
                if (Modifier.isAbstract(method.getModifiers()) && method.getDeclaringClass().isInterface()
                        && method.getDeclaringClass().getName().startsWith("org.keycloak.")) {
                    missing.add(className + " does not implement " + method.getDeclaringClass().getName() + "."
                            + method.getName() + "()");
                }
            }
        } catch (ClassNotFoundException | LinkageError e) {
            missing.add(className + " cannot be loaded (" + e + ")");
        }
    }

    private static void requireField(List<String> missing, String className, String field) {
        try {
            Class.forName(className, false, KeycloakApi.class.getClassLoader()).getField(field);
        } catch (ClassNotFoundException | LinkageError | NoSuchFieldException e) {
            missing.add(className + "." + field);
        }
    }

    private static void requireMethod(List<String> missing, String className, String method, Object... parameters) {
        try {
            ClassLoader loader = KeycloakApi.class.getClassLoader();
            Class<?>[] types = new Class<?>[parameters.length];
            for (int i = 0; i < parameters.length; i++) {
                types[i] = parameters[i] instanceof Class<?> c ? c : Class.forName((String) parameters[i], false, loader);
            }
            Class.forName(className, false, loader).getMethod(method, types);
        } catch (ClassNotFoundException | LinkageError | NoSuchMethodException e) {
            missing.add(className + "." + method + "()");
        }
    }

    /** Whether the class is on the server's class path (Keycloak's, or a library Keycloak ships). */
    public static boolean present(String className) {
        try {
            Class.forName(className, false, KeycloakApi.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static MethodHandle virtual(String className, String name, MethodType type) {
        try {
            return LOOKUP.findVirtual(Class.forName(className, false, KeycloakApi.class.getClassLoader()), name, type);
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException | LinkageError e) {
            return null;
        }
    }
}
