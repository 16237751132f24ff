package dev.palisade.attestation.ear;

import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

/**
 * Checks an EAR JWT as a relying party must before acting on it: the header says ES256 (and nothing else is accepted,
 * "none" least of all), the signature verifies with the verifier's key, and the result is neither issued in the
 * future nor expired. Returns the claims; the caller reads {@code ear.status} and {@code submods} from them.
 */
public final class EarVerifier
{
    /** Tokens longer than this are refused before parsing. */
    static final int MAX_TOKEN_CHARS = 16 * 1024;
    static final int MAX_HEADER_CHARS = 512;
    /** Clock skew tolerated on iat and exp. */
    static final long SKEW_SECONDS = 30;

    private final ECPublicKeyParameters key;

    public EarVerifier(final ECPublicKeyParameters key)
    {
        this.key = key;
    }

    /** An EAR that cannot be trusted, with the reason. */
    public static final class EarException extends Exception
    {
        private final String code;

        EarException(final String code, final String message)
        {
            super(message);
            this.code = code;
        }

        /** A stable snake_case reason: malformed_token, unsupported_algorithm, bad_signature, expired, not_yet_valid. */
        public String code()
        {
            return code;
        }
    }

    /** @return the verified claims. */
    public Map<String, Object> verify(final String token, final long nowSeconds) throws EarException
    {
        if (token.length() > MAX_TOKEN_CHARS)
        {
            throw new EarException("malformed_token", "token of " + token.length() + " characters; at most " +
                MAX_TOKEN_CHARS);
        }
        final String[] parts = token.split("\\.", -1);
        if (parts.length != 3)
        {
            throw new EarException("malformed_token", "a JWS has 3 dot-separated parts, this has " + parts.length);
        }
        if (parts[0].length() > MAX_HEADER_CHARS)
        {
            throw new EarException("malformed_token", "header of " + parts[0].length() + " characters; at most " +
                MAX_HEADER_CHARS);
        }
        // Only this small header is parsed before the signature is checked; the claims only after.
        final Map<String, Object> header = object(parts[0], "header");
        if (!"ES256".equals(header.get("alg")))
        {
            throw new EarException("unsupported_algorithm", "alg is " + header.get("alg") + "; only ES256 is accepted");
        }
        final byte[] signature = base64url(parts[2], "signature");
        if (signature.length != 64)
        {
            throw new EarException("bad_signature", "an ES256 signature is 64 bytes, this is " + signature.length);
        }
        final ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, key);
        final byte[] digest = EarSigner.sha256((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        if (!verifier.verifySignature(digest, new BigInteger(1, Arrays.copyOfRange(signature, 0, 32)),
            new BigInteger(1, Arrays.copyOfRange(signature, 32, 64))))
        {
            throw new EarException("bad_signature", "the signature does not verify with the verifier's key");
        }
        final Map<String, Object> claims = object(parts[1], "claims");
        final long iat = number(claims, "iat");
        final long exp = number(claims, "exp");
        if (iat > nowSeconds + SKEW_SECONDS)
        {
            throw new EarException("not_yet_valid", "issued at " + iat + ", in the future (now " + nowSeconds + ")");
        }
        if (exp <= nowSeconds - SKEW_SECONDS)
        {
            throw new EarException("expired", "expired at " + exp + " (now " + nowSeconds + "): attestation lapsed");
        }
        return claims;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(final String part, final String what) throws EarException
    {
        final String json = new String(base64url(part, what), StandardCharsets.UTF_8);
        final Object value;
        try
        {
            value = new Load(LoadSettings.builder().setMaxAliasesForCollections(0).build()).loadFromString(json);
        }
        catch (final RuntimeException e)
        {
            throw new EarException("malformed_token", "the " + what + " is not JSON: " + e.getMessage());
        }
        if (!(value instanceof Map<?, ?> map))
        {
            throw new EarException("malformed_token", "the " + what + " is not a JSON object");
        }
        return (Map<String, Object>)map;
    }

    private static long number(final Map<String, Object> claims, final String name) throws EarException
    {
        if (!(claims.get(name) instanceof Number n))
        {
            throw new EarException("malformed_token", "claim " + name + " is missing or not a number");
        }
        return n.longValue();
    }

    private static byte[] base64url(final String part, final String what) throws EarException
    {
        try
        {
            return Base64.getUrlDecoder().decode(part);
        }
        catch (final IllegalArgumentException e)
        {
            throw new EarException("malformed_token", "the " + what + " is not base64url: " + e.getMessage());
        }
    }
}
