package dev.palisade.attestation.ear;

import dev.palisade.policy.Json;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.util.BigIntegers;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs attestation results as JWTs with ES256 (RFC 7518 section 3.4: ECDSA P-256 with SHA-256, the signature as the
 * 64-byte R ‖ S), deterministic nonces (RFC 6979) so no random source is trusted at signing time.
 */
public final class EarSigner
{
    static final X9ECParameters P256 = ECNamedCurveTable.getByName("P-256");
    static final ECDomainParameters DOMAIN = new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN(),
        P256.getH());
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final ECPrivateKeyParameters key;
    private final ECPublicKeyParameters publicKey;
    private final String keyId;

    public EarSigner(final ECPrivateKeyParameters key, final String keyId)
    {
        if (!key.getParameters().getCurve().equals(DOMAIN.getCurve()))
        {
            throw new IllegalArgumentException("ES256 needs a P-256 key");
        }
        this.key = key;
        this.publicKey = new ECPublicKeyParameters(DOMAIN.getG().multiply(key.getD()).normalize(), DOMAIN);
        this.keyId = keyId;
    }

    /** A signer with a fresh P-256 key (a verifier that has no configured key yet, tests). */
    public static EarSigner generate(final String keyId)
    {
        final ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(DOMAIN, new SecureRandom()));
        final AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        return new EarSigner((ECPrivateKeyParameters)pair.getPrivate(), keyId);
    }

    /** The key relying parties verify results with. */
    public ECPublicKeyParameters publicKey()
    {
        return publicKey;
    }

    public String keyId()
    {
        return keyId;
    }

    /** @return the compact JWS of {@code ear}'s claims. */
    public String sign(final Ear ear)
    {
        final Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("typ", "JWT");
        header.put("kid", keyId);
        final String signingInput = encode(Json.write(header)) + "." + encode(Json.write(ear.claims()));
        final byte[] digest = sha256(signingInput.getBytes(StandardCharsets.US_ASCII));
        final ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, key);
        final BigInteger[] rs = signer.generateSignature(digest);
        final byte[] signature = new byte[64];
        BigIntegers.asUnsignedByteArray(rs[0], signature, 0, 32);
        BigIntegers.asUnsignedByteArray(rs[1], signature, 32, 32);
        return signingInput + "." + BASE64URL.encodeToString(signature);
    }

    private static String encode(final String json)
    {
        return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(final byte[] data)
    {
        final SHA256Digest d = new SHA256Digest();
        d.update(data, 0, data.length);
        final byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }
}
