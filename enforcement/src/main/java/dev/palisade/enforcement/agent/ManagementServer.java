package dev.palisade.enforcement.agent;

import dev.palisade.attestation.pki.Pki;
import dev.palisade.policy.Addresses;
import dev.palisade.policy.model.Cidr;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The DPU's management API: the incident responder's way in (DESIGN.md: "OOB address only, mTLS"). HTTPS on the
 * configured management address and port only, mutual TLS with client certificates from the configured client CA
 * and no other, roles from the client certificate's subjectAltName URIs {@code urn:palisade:role:<role>}.
 * <p>
 * Routes (JSON; errors are RFC 9457 {@code application/problem+json} whose {@code detail} says what to do):
 * <table>
 * <tr><th>route</th><th>roles</th><th>answer</th></tr>
 * <tr><td>{@code GET /v1/status}</td><td>viewer, responder</td><td>the agent's status</td></tr>
 * <tr><td>{@code GET /v1/flows?limit=N}</td><td>viewer</td><td>{@code {"flows": [...]}}, at most N (default
 *     {@value #DEFAULT_FLOW_LIMIT}, 1 to {@value #MAX_FLOW_LIMIT})</td></tr>
 * <tr><td>{@code PUT /v1/quarantine}</td><td>responder</td><td>body {@code {"targets": [...], "reason": "..."}}: the
 *     new quarantine</td></tr>
 * <tr><td>{@code DELETE /v1/quarantine}</td><td>responder</td><td>optional body {@code {"reason": "..."}}: lifts
 *     it</td></tr>
 * </table>
 * A certificate with no known role gets 401 whatever it asks; a known role that is not enough gets 403; an unknown
 * path 404; a wrong method 405 (with {@code Allow}). Bodies are at most {@value #MAX_BODY_BYTES} bytes (413 beyond),
 * JSON objects with known fields only (400 naming the others).
 * <p>
 * Routing is by hand (vertx-core only; four routes do not need a router). The status, flows and quarantine calls run
 * on worker threads, never on the event loop.
 */
public final class ManagementServer
{
    /** Reads status and flows. */
    public static final String VIEWER = "viewer";
    /** Sets and lifts quarantines (and reads status). */
    public static final String RESPONDER = "responder";
    public static final int MAX_BODY_BYTES = 64 * 1024;
    public static final int DEFAULT_FLOW_LIMIT = 100;
    public static final int MAX_FLOW_LIMIT = 10_000;
    static final int MAX_TARGETS = 256;
    static final int MAX_TARGET_CHARS = 256;
    static final int MAX_REASON_CHARS = 1024;
    static final String PROBLEM_JSON = "application/problem+json";
    private static final String TYPE_BASE = "https://palisade.dev/problems/";
    private static final Set<String> KNOWN_ROLES = Set.of(VIEWER, RESPONDER);
    private static final System.Logger LOG = System.getLogger(ManagementServer.class.getName());

    /**
     * Where the API listens and with which keys.
     *
     * @param host           the management address to bind: an IP address literal (a name could resolve to anything).
     * @param port           the port (0 for any free one, in tests).
     * @param certificatePem the server's certificate chain (PEM), for the management address.
     * @param keyPem         its private key (PKCS#8 PEM).
     * @param clientCaPem    the CA whose client certificates are accepted (PEM), and no other.
     * @param allowWildcard  whether a wildcard address (0.0.0.0, ::) may be bound: it would listen host-side too,
     *                       so it is refused unless asked for by name.
     */
    public record Config(String host, int port, String certificatePem, String keyPem, String clientCaPem,
        boolean allowWildcard)
    {
        public Config
        {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(certificatePem, "certificatePem");
            Objects.requireNonNull(keyPem, "keyPem");
            Objects.requireNonNull(clientCaPem, "clientCaPem");
            if (port < 0 || port > 0xFFFF)
            {
                throw new IllegalArgumentException("management port must be 0..65535, was " + port);
            }
            final InetAddress address = literal(host);
            if (address.isAnyLocalAddress() && !allowWildcard)
            {
                throw new IllegalArgumentException("management address " + host + " is a wildcard: the API would " +
                    "listen on every interface, the host-facing one included. Configure the DPU's management " +
                    "address (or allow the wildcard explicitly)");
            }
        }

        /** @return the address a literal names, without asking DNS. */
        private static InetAddress literal(final String host)
        {
            final Cidr cidr;
            try
            {
                cidr = Addresses.parseCidr(host.strip());
            }
            catch (final IllegalArgumentException e)
            {
                throw new IllegalArgumentException("management address '" + host + "' is not an IP address: " +
                    e.getMessage() + "; configure the address itself (such as 192.0.2.10 or 2001:db8::10), not a " +
                    "name", e);
            }
            if (host.indexOf('/') >= 0)
            {
                throw new IllegalArgumentException("management address '" + host + "' is a prefix; configure one " +
                    "address (such as 192.0.2.10)");
            }
            try
            {
                return InetAddress.getByName(cidr.text().strip()); // a literal: parsed, not looked up
            }
            catch (final UnknownHostException e)
            {
                throw new IllegalArgumentException("management address '" + host + "' is not an IP address; " +
                    "configure the address itself", e);
            }
        }
    }

    /** A refusal on its way to the client: status, type, title, and a detail saying what to do. */
    static final class Problem extends RuntimeException
    {
        final int status;
        final String type;
        final String title;
        final String allow;

        Problem(final int status, final String type, final String title, final String detail, final String allow)
        {
            super(detail, null, false, false);
            this.status = status;
            this.type = type;
            this.title = title;
            this.allow = allow;
        }

        Problem(final int status, final String type, final String title, final String detail)
        {
            this(status, type, title, detail, null);
        }

        static Problem badRequest(final String detail)
        {
            return new Problem(400, "invalid-request", "The request is not valid", detail);
        }
    }

    private enum Route
    {
        STATUS("/v1/status", EnumSet.of(Method.GET)),
        FLOWS("/v1/flows", EnumSet.of(Method.GET)),
        QUARANTINE("/v1/quarantine", EnumSet.of(Method.PUT, Method.DELETE));

        final String path;
        final Set<Method> methods;

        Route(final String path, final Set<Method> methods)
        {
            this.path = path;
            this.methods = methods;
        }
    }

    /** The methods routes answer (HttpMethod is not an enum in Vert.x 5). */
    private enum Method
    {
        GET, PUT, DELETE
    }

    private final Vertx vertx;
    private final Config config;
    private final Supplier<JsonObject> status;
    private final FlowSource flows;
    private final QuarantineControl quarantine;
    private HttpServer server;

    /**
     * @param status     the agent's status (called off the event loop for each {@code GET /v1/status}).
     * @param flows      the flows {@code GET /v1/flows} lists ({@link FlowSource#NONE} until the data plane has a
     *                   snapshot).
     * @param quarantine what {@code PUT} and {@code DELETE /v1/quarantine} change.
     * @throws IllegalArgumentException when a PEM does not read.
     */
    public ManagementServer(final Vertx vertx, final Config config, final Supplier<JsonObject> status,
        final FlowSource flows, final QuarantineControl quarantine)
    {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.config = Objects.requireNonNull(config, "config");
        this.status = Objects.requireNonNull(status, "status");
        this.flows = Objects.requireNonNull(flows, "flows");
        this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
        Pki.certificateFromPem(config.clientCaPem()); // a wrong file is an error now, not a failed handshake later
        Pki.certificateFromPem(config.certificatePem());
    }

    /** Binds the management address and starts answering. @return the port bound. */
    public Future<Integer> start()
    {
        final HttpServerOptions options = new HttpServerOptions()
            .setHost(config.host().strip())
            .setPort(config.port())
            .setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(config.certificatePem()))
                .setKeyValue(Buffer.buffer(config.keyPem())))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(config.clientCaPem())))
            .setClientAuth(ClientAuth.REQUIRED)
            .setEnabledSecureTransportProtocols(Set.of("TLSv1.3", "TLSv1.2"))
            .setSslHandshakeTimeout(10)
            .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
            .setIdleTimeout(120)
            .setIdleTimeoutUnit(TimeUnit.SECONDS)
            .setMaxInitialLineLength(4096)
            .setMaxHeaderSize(16 * 1024);
        final HttpServer created = vertx.createHttpServer(options).requestHandler(this::handle);
        return created.listen().map(bound ->
        {
            server = bound;
            return bound.actualPort();
        });
    }

    /** Stops listening (connections in progress are closed). */
    public Future<Void> close()
    {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void handle(final HttpServerRequest request)
    {
        try
        {
            final Set<String> roles = roles(request);
            if (roles.isEmpty())
            {
                throw new Problem(401, "unauthenticated", "No role", "the client certificate carries no role " +
                    "this API knows; ask for a certificate with a subjectAltName URI " + Pki.ROLE_URI_PREFIX + VIEWER +
                    " or " + Pki.ROLE_URI_PREFIX + RESPONDER);
            }
            final Route route = route(request.path());
            final Method method = method(request, route);
            switch (route)
            {
                case STATUS ->
                {
                    require(roles, route, VIEWER, RESPONDER);
                    reply(request, vertx.executeBlocking(status::get, false).map(body ->
                        Objects.requireNonNull(body, "the status supplier returned null")));
                }
                case FLOWS ->
                {
                    require(roles, route, VIEWER);
                    final int limit = limit(request);
                    reply(request, vertx.executeBlocking(() -> new JsonObject().put("flows",
                        Objects.requireNonNullElseGet(flows.flows(limit), JsonArray::new)), false));
                }
                case QUARANTINE ->
                {
                    require(roles, route, RESPONDER);
                    final Future<Buffer> body = body(request);
                    reply(request, method == Method.PUT ?
                        body.map(ManagementServer::quarantineRequest).compose(parsed -> vertx.executeBlocking(() ->
                            toJson(setQuarantine(parsed)), false)) :
                        body.map(ManagementServer::liftRequest).compose(reason -> vertx.executeBlocking(() ->
                            toJson(quarantine.lift(reason)), false)));
                }
            }
        }
        catch (final Problem problem)
        {
            fail(request, problem);
        }
        catch (final RuntimeException e)
        {
            fail(request, e);
        }
    }

    private QuarantineControl.State setQuarantine(final QuarantineRequest parsed)
    {
        try
        {
            return quarantine.quarantine(parsed.targets(), parsed.reason());
        }
        catch (final IllegalArgumentException e)
        {
            throw Problem.badRequest(e.getMessage() + "; nothing was changed");
        }
    }

    /** The roles this API knows among those the client certificate names. */
    private static Set<String> roles(final HttpServerRequest request)
    {
        final List<Certificate> chain;
        try
        {
            chain = request.connection().peerCertificates();
        }
        catch (final Exception e)
        {
            return Set.of(); // cannot happen with client authentication required; refused all the same
        }
        if (chain == null || chain.isEmpty() || !(chain.getFirst() instanceof X509Certificate leaf))
        {
            return Set.of();
        }
        final Set<String> roles = new TreeSet<>();
        for (final String role : Pki.uriValues(leaf, Pki.ROLE_URI_PREFIX))
        {
            if (KNOWN_ROLES.contains(role))
            {
                roles.add(role);
            }
        }
        return roles;
    }

    private static Route route(final String path)
    {
        for (final Route route : Route.values())
        {
            if (route.path.equals(path))
            {
                return route;
            }
        }
        throw new Problem(404, "not-found", "Not found", "no such resource: " + truncate(path, 200) + "; this API " +
            "has GET /v1/status, GET /v1/flows and PUT or DELETE /v1/quarantine");
    }

    private static Method method(final HttpServerRequest request, final Route route)
    {
        final String name = request.method().name();
        for (final Method method : route.methods)
        {
            if (method.name().equals(name))
            {
                return method;
            }
        }
        final List<String> allowed = new ArrayList<>();
        route.methods.forEach(m -> allowed.add(m.name()));
        final String allow = String.join(", ", allowed);
        throw new Problem(405, "method-not-allowed", "Method not allowed", route.path + " does not answer " +
            truncate(name, 20) + "; use " + allow, allow);
    }

    private static void require(final Set<String> roles, final Route route, final String... any)
    {
        for (final String role : any)
        {
            if (roles.contains(role))
            {
                return;
            }
        }
        throw new Problem(403, "forbidden", "Forbidden", route.path + " needs the role " + String.join(" or ", any) +
            ", and the client certificate has " + String.join(", ", roles) + "; use a certificate with that role");
    }

    private static int limit(final HttpServerRequest request)
    {
        final String text = request.getParam("limit");
        if (text == null)
        {
            return DEFAULT_FLOW_LIMIT;
        }
        try
        {
            final int limit = Integer.parseInt(text.strip());
            if (limit >= 1 && limit <= MAX_FLOW_LIMIT)
            {
                return limit;
            }
        }
        catch (final NumberFormatException e)
        {
            // falls through to the refusal
        }
        throw Problem.badRequest("limit must be a whole number from 1 to " + MAX_FLOW_LIMIT + ", was '" +
            truncate(text, 40) + "'");
    }

    /** The body, up to {@value #MAX_BODY_BYTES} bytes; a longer one fails with 413 as soon as it is known. */
    private static Future<Buffer> body(final HttpServerRequest request)
    {
        final String declared = request.getHeader("Content-Length");
        if (declared != null)
        {
            final long length;
            try
            {
                length = Long.parseLong(declared.strip());
            }
            catch (final NumberFormatException e)
            {
                return Future.failedFuture(Problem.badRequest("Content-Length is not a number"));
            }
            if (length > MAX_BODY_BYTES)
            {
                return Future.failedFuture(tooLarge());
            }
        }
        final Promise<Buffer> promise = Promise.promise();
        final Buffer body = Buffer.buffer();
        request.handler(chunk ->
        {
            if (promise.future().isComplete())
            {
                return;
            }
            if (body.length() + chunk.length() > MAX_BODY_BYTES)
            {
                promise.tryFail(tooLarge());
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(ended -> promise.tryComplete(body));
        request.exceptionHandler(promise::tryFail);
        return promise.future();
    }

    private static Problem tooLarge()
    {
        return new Problem(413, "body-too-large", "The body is too large", "a body may be at most " + MAX_BODY_BYTES +
            " bytes; send fewer targets or a shorter reason");
    }

    /** A {@code PUT /v1/quarantine} body, checked. */
    record QuarantineRequest(List<String> targets, String reason)
    {
    }

    static QuarantineRequest quarantineRequest(final Buffer body)
    {
        final JsonObject json = object(body, Set.of("targets", "reason"), true);
        final Object value = json.getValue("targets");
        if (!(value instanceof JsonArray array) || array.isEmpty())
        {
            throw Problem.badRequest("targets must be a non-empty array of strings: workload names, " +
                "label=value selectors or addresses, such as [\"web-1\", \"app=web\", \"10.0.1.0/24\"]");
        }
        if (array.size() > MAX_TARGETS)
        {
            throw Problem.badRequest("at most " + MAX_TARGETS + " targets, got " + array.size() + "; quarantine by " +
                "label or prefix instead");
        }
        final List<String> targets = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++)
        {
            final Object target = array.getValue(i);
            if (!(target instanceof String text) || text.isBlank() || text.length() > MAX_TARGET_CHARS)
            {
                throw Problem.badRequest("targets[" + i + "] must be a non-blank string of at most " +
                    MAX_TARGET_CHARS + " characters: a workload name, label=value, or an address or prefix");
            }
            targets.add(text.strip());
        }
        return new QuarantineRequest(List.copyOf(targets), reason(json, true));
    }

    /** The reason of a {@code DELETE /v1/quarantine} (an empty body is no reason). */
    static String liftRequest(final Buffer body)
    {
        if (body.length() == 0)
        {
            return null;
        }
        return reason(object(body, Set.of("reason"), false), false);
    }

    private static String reason(final JsonObject json, final boolean required)
    {
        final Object value = json.getValue("reason");
        if (value == null && !required)
        {
            return null;
        }
        if (!(value instanceof String text) || text.isBlank() || text.length() > MAX_REASON_CHARS)
        {
            throw Problem.badRequest("reason must be a non-blank string of at most " + MAX_REASON_CHARS +
                " characters saying why (it is kept with the quarantine)");
        }
        return text.strip();
    }

    private static JsonObject object(final Buffer body, final Set<String> allowed, final boolean required)
    {
        final String expected = "a JSON object with " + String.join(" and ", new TreeSet<>(allowed));
        if (body.length() == 0)
        {
            throw Problem.badRequest("the body is empty; send " + expected);
        }
        final JsonObject json;
        try
        {
            json = body.toJsonObject();
        }
        catch (final RuntimeException e)
        {
            throw Problem.badRequest("the body is not " + expected + " (" + truncate(String.valueOf(
                e.getMessage()), 200) + ")");
        }
        if (json == null)
        {
            throw Problem.badRequest("the body is not " + expected);
        }
        final Set<String> unknown = new TreeSet<>();
        for (final String field : json.fieldNames())
        {
            if (!allowed.contains(field))
            {
                unknown.add(truncate(field, 40));
            }
        }
        if (!unknown.isEmpty())
        {
            throw Problem.badRequest("unknown fields " + unknown + "; the body is " + expected);
        }
        return json;
    }

    private static JsonObject toJson(final QuarantineControl.State state)
    {
        return new JsonObject()
            .put("active", state.active())
            .put("targets", new JsonArray(new ArrayList<>(state.targets())))
            .put("addresses", new JsonArray(new ArrayList<>(state.addresses())))
            .put("reason", state.reason())
            .put("since", state.since().toString())
            .put("generation", state.generation());
    }

    private static String truncate(final String text, final int maxChars)
    {
        return text.length() <= maxChars ? text : text.substring(0, maxChars) + "…";
    }

    private void reply(final HttpServerRequest request, final Future<JsonObject> answer)
    {
        answer.onComplete(done ->
        {
            if (done.succeeded())
            {
                final HttpServerResponse response = request.response();
                if (!response.ended() && !response.closed())
                {
                    response.setStatusCode(200).putHeader("Content-Type", "application/json")
                        .putHeader("Cache-Control", "no-store").end(done.result().encode());
                }
            }
            else
            {
                fail(request, done.cause());
            }
        });
    }

    private void fail(final HttpServerRequest request, final Throwable cause)
    {
        final Problem problem;
        if (cause instanceof Problem known)
        {
            problem = known;
        }
        else
        {
            LOG.log(System.Logger.Level.ERROR, "management API: " + request.method() + " " + request.path() +
                " failed", cause);
            problem = new Problem(500, "internal", "Internal error", "the agent could not answer; its log has " +
                "the error. Try again, and report it if it persists");
        }
        final HttpServerResponse response = request.response();
        if (response.ended() || response.closed())
        {
            return;
        }
        response.setStatusCode(problem.status).putHeader("Content-Type", PROBLEM_JSON)
            .putHeader("Cache-Control", "no-store");
        if (problem.allow != null)
        {
            response.putHeader("Allow", problem.allow);
        }
        if (problem.status == 401)
        {
            response.putHeader("WWW-Authenticate", "Mutual-TLS realm=\"palisade-dpu\"");
        }
        final boolean close = problem.status == 413; // the rest of the body is not worth reading
        if (close)
        {
            response.putHeader("Connection", "close");
        }
        final JsonObject body = new JsonObject()
            .put("type", TYPE_BASE + problem.type)
            .put("title", problem.title)
            .put("status", problem.status)
            .put("detail", problem.getMessage())
            .put("instance", truncate(request.path() == null ? "" : request.path(), 200));
        response.end(body.encode()).onComplete(sent ->
        {
            if (close)
            {
                request.connection().close();
            }
        });
    }
}
