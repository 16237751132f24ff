package dev.palisade.api.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.api.ApiLauncher;
import dev.palisade.api.fleet.AgentCa;
import dev.palisade.attestation.pki.Pki;
import io.vertx.core.json.JsonObject;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary enrolment bodies on the agent listener (TLS, no client certificate): step 1, and step 2 against a fresh,
 * valid step 1 of a registered DPU, with SPDM device evidence appraised (seeds carry a real NVIDIA transcript). The answer is never a 500 and always JSON. The first byte chooses the step. In
 * {@code mvn test} only the seeds run; {@code JAZZER_FUZZ=1} fuzzes.
 */
class AgentEnrolFuzzTest
{
    private static final HttpClient HTTPS;
    private static final String BASE;
    private static final String TLS_KEY = Base64.getEncoder().encodeToString(Pki.newKeyPair().getPublic()
        .getEncoded());
    private static final String AK = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(
        Pki.newKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";

    static
    {
        try
        {
            final Path dir = Files.createTempDirectory("palisade-agent-fuzz");
            // Device evidence is appraised (NVIDIA's Hopper chain as the root, so the seed from nvtrust anchors):
            // step 2 reaches the SPDM verifier with whatever the fuzzer makes of the spdm field.
            final Path spdmRoot = dir.resolve("spdm-root.pem");
            try (java.io.InputStream chain = AgentEnrolFuzzTest.class.getResourceAsStream(
                "/dev/palisade/attestation/spdm/nvtrust/hopperCertChain.pem"))
            {
                Files.write(spdmRoot, chain.readAllBytes());
            }
            final ApiLauncher.Running api = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dir, true, null,
                null, null, 60, null, null, List.of(), new ApiLauncher.Agents("127.0.0.1", 0, Duration.ofSeconds(60),
                    null, List.of(), null, null, null, null, true, false, List.of(spdmRoot), null, false)),
                new PrintStream(OutputStream.nullOutputStream())).toCompletionStage().toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
            api.store().registerDpu("dpu-1", "{}", new dev.palisade.api.store.Store.Actor("fuzz", ""))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            final KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", Pki.toX509(Pki.certificateFromPem(Files.readString(dir.resolve(
                AgentCa.CA_CERT_FILE)))));
            final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory
                .getDefaultAlgorithm());
            factory.init(trust);
            final SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            HTTPS = HttpClient.newBuilder().sslContext(tls).build();
            BASE = "https://127.0.0.1:" + api.fleet().port();
        }
        catch (final Exception e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static HttpResponse<String> post(final String path, final byte[] body) throws Exception
    {
        return HTTPS.send(HttpRequest.newBuilder(URI.create(BASE + path)).POST(HttpRequest.BodyPublishers
            .ofByteArray(body)).header("Content-Type", "application/json").build(),
            HttpResponse.BodyHandlers.ofString());
    }

    @FuzzTest(maxDuration = "30s")
    void fuzzEnrolment(final byte[] input) throws Exception
    {
        if (input.length == 0)
        {
            return;
        }
        final byte[] body = Arrays.copyOfRange(input, 1, input.length);
        final String path;
        if ((input[0] & 1) == 0)
        {
            path = "/v1/agent/enrol";
        }
        else
        {
            final HttpResponse<String> begun = post("/v1/agent/enrol", new JsonObject().put("dpu", "dpu-1")
                .put("attester", "software").put("ak", AK).put("tls_key", TLS_KEY).toBuffer().getBytes());
            path = "/v1/agent/enrol/" + new JsonObject(begun.body()).getString("enrolment");
        }
        final HttpResponse<String> response = post(path, body);
        assertNotEquals(500, response.statusCode(), path + " with " + new String(body, StandardCharsets.UTF_8) +
            ": " + response.body());
        final String type = response.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith("application/json") || type.startsWith("application/problem+json"), type);
        new JsonObject(response.body());
    }
}
