package dev.palisade.policy.bundle;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What the offline root key says about policy-signing keys: a {@link Certificate} ("this key may sign releases
 * between these times") or a {@link Revocation} ("this key signs nothing from this time on"). Rotation is a new
 * certificate; revocation ends an old one early. Each is signed by the root over its exact bytes (no
 * canonicalisation):
 *
 * <pre>
 *   body := "PLSDKEY1" kind:u8 serial:i64 rootKeyId[32] subjectKeyId[32] ( certificate | revocation )
 *   certificate (kind 1) := spki:bytes16 notBeforeMs:i64 notAfterMs:i64 label:string16
 *   revocation  (kind 2) := revokedAtMs:i64 reason:string16
 *   signed      := root signature over "palisade key statement v1\0" ‖ body
 *   encoded     := body:bytes16 signature:bytes16
 * </pre>
 */
public sealed interface KeyStatement
{
    byte[] MAGIC = "PLSDKEY1".getBytes(StandardCharsets.US_ASCII);
    byte[] SIGNING_CONTEXT = "palisade key statement v1\0".getBytes(StandardCharsets.US_ASCII);
    int KIND_CERTIFICATE = 1;
    int KIND_REVOCATION = 2;

    /** @return the root's sequence number for this statement (unique per root; audit trails sort by it). */
    long serial();

    /** @return the key id (SHA-256 of SubjectPublicKeyInfo) of the root key that made this statement. */
    byte[] rootKeyId();

    /** @return the key id of the signing key this statement is about. */
    byte[] subjectKeyId();

    /** The root certifies {@code key} to sign releases issued in [notBefore, notAfter]. */
    record Certificate(long serial, byte[] rootKeyId, VerificationKey key, Instant notBefore, Instant notAfter,
        String label) implements KeyStatement
    {
        @Override
        public byte[] subjectKeyId()
        {
            return key.keyId();
        }

        /** @return whether a release issued at {@code issuedAt} falls in this certificate's validity. */
        public boolean covers(final Instant issuedAt)
        {
            return !issuedAt.isBefore(notBefore) && !issuedAt.isAfter(notAfter);
        }
    }

    /** The root revokes the key {@code subjectKeyId}: releases issued at or after {@code revokedAt} are refused. */
    record Revocation(long serial, byte[] rootKeyId, byte[] subjectKeyId, Instant revokedAt, String reason)
        implements KeyStatement
    {
    }

    /** A statement with the exact bytes the root signed and the root's signature. */
    record Signed(KeyStatement statement, byte[] body, byte[] signature)
    {
        public Signed
        {
            body = body.clone();
            signature = signature.clone();
        }

        @Override
        public byte[] body()
        {
            return body.clone();
        }

        @Override
        public byte[] signature()
        {
            return signature.clone();
        }

        /** @return whether {@code root} made this statement: its key id is the one named, and the signature holds. */
        public boolean signedBy(final VerificationKey root)
        {
            return root.hasKeyId(statement.rootKeyId()) && root.verify(signingInput(body), signature);
        }

        public byte[] encode()
        {
            return new WireWriter(body.length + signature.length + 4).bytes16(body).bytes16(signature).toByteArray();
        }

        /** @return what this statement says, in a line. */
        public String describe()
        {
            final String subject = HexFormat.of().formatHex(statement.subjectKeyId()).substring(0, 16);
            return switch (statement)
            {
                case Certificate c -> "certificate #" + c.serial() + ": " + c.key().algorithm().label() + " key " +
                    subject + " may sign releases issued " + c.notBefore() + " to " + c.notAfter() +
                    (c.label().isEmpty() ? "" : " (" + c.label() + ")");
                case Revocation r -> "revocation #" + r.serial() + ": key " + subject + " revoked from " +
                    r.revokedAt() + (r.reason().isEmpty() ? "" : " (" + r.reason() + ")");
            };
        }
    }

    /** The root certifies {@code subject}. */
    static Signed certify(final SigningKey root, final VerificationKey subject, final Instant notBefore,
        final Instant notAfter, final long serial, final String label)
    {
        if (notAfter.toEpochMilli() < notBefore.toEpochMilli())
        {
            throw new IllegalArgumentException("the certificate would end (" + notAfter + ") before it starts (" +
                notBefore + ")");
        }
        if (serial < 0)
        {
            throw new IllegalArgumentException("serial " + serial + " is negative");
        }
        final byte[] body = new WireWriter(256).raw(MAGIC).u8(KIND_CERTIFICATE).i64(serial)
            .raw(root.publicKey().keyId()).raw(subject.keyId()).bytes16(subject.spki())
            .i64(notBefore.toEpochMilli()).i64(notAfter.toEpochMilli()).string(label).toByteArray();
        return sign(root, body);
    }

    /** The root revokes the key with id {@code subjectKeyId} from {@code revokedAt} on. */
    static Signed revoke(final SigningKey root, final byte[] subjectKeyId, final Instant revokedAt, final long serial,
        final String reason)
    {
        if (subjectKeyId.length != 32)
        {
            throw new IllegalArgumentException("a key id is 32 bytes, not " + subjectKeyId.length);
        }
        final byte[] body = new WireWriter(128).raw(MAGIC).u8(KIND_REVOCATION).i64(serial)
            .raw(root.publicKey().keyId()).raw(subjectKeyId).i64(revokedAt.toEpochMilli()).string(reason)
            .toByteArray();
        return sign(root, body);
    }

    private static Signed sign(final SigningKey root, final byte[] body)
    {
        try
        {
            return new Signed(parseBody(body), body, root.sign(signingInput(body)));
        }
        catch (final BundleFormatException e)
        {
            throw new IllegalStateException("a statement we wrote does not read back", e);
        }
    }

    private static byte[] signingInput(final byte[] body)
    {
        return WireWriter.signingInput(SIGNING_CONTEXT, body);
    }

    /** Reads an encoded statement (body and signature); does not check the signature. */
    static Signed decode(final byte[] encoded) throws BundleFormatException
    {
        final WireReader reader = new WireReader(encoded);
        final Signed signed = read(reader);
        reader.expectEnd("key statement");
        return signed;
    }

    static Signed read(final WireReader reader) throws BundleFormatException
    {
        final int start = reader.position();
        final byte[] body = reader.bytes16("key statement");
        final byte[] signature = reader.bytes16("key statement signature");
        try
        {
            return new Signed(parseBody(body), body, signature);
        }
        catch (final BundleFormatException e)
        {
            throw new BundleFormatException(start + 2 + e.offset(), "key statement: " + e.detail());
        }
    }

    private static KeyStatement parseBody(final byte[] body) throws BundleFormatException
    {
        final WireReader reader = new WireReader(body);
        reader.expectMagic(MAGIC, "key statement");
        final int kind = reader.u8("kind");
        final long serial = reader.i64("serial");
        if (serial < 0)
        {
            throw new BundleFormatException(reader.position() - 8, "negative serial");
        }
        final byte[] rootKeyId = reader.fixed(32, "root key id");
        final byte[] subjectKeyId = reader.fixed(32, "subject key id");
        final KeyStatement statement;
        if (kind == KIND_CERTIFICATE)
        {
            final int spkiAt = reader.position();
            final byte[] spki = reader.bytes16("public key");
            final VerificationKey key;
            try
            {
                key = VerificationKey.fromSpki(spki);
            }
            catch (final IllegalArgumentException e)
            {
                throw new BundleFormatException(spkiAt, e.getMessage());
            }
            if (!key.hasKeyId(subjectKeyId))
            {
                throw new BundleFormatException(spkiAt, "the public key is not the one its key id names");
            }
            final Instant notBefore = instant(reader, "not-before");
            final Instant notAfter = instant(reader, "not-after");
            if (notAfter.isBefore(notBefore))
            {
                throw new BundleFormatException(reader.position() - 8, "not-after is before not-before");
            }
            statement = new Certificate(serial, rootKeyId, key, notBefore, notAfter, reader.string("label"));
        }
        else if (kind == KIND_REVOCATION)
        {
            statement = new Revocation(serial, rootKeyId, subjectKeyId, instant(reader, "revoked-at"),
                reader.string("reason"));
        }
        else
        {
            throw new BundleFormatException(MAGIC.length, "unknown statement kind " + kind);
        }
        reader.expectEnd("key statement");
        return statement;
    }

    private static Instant instant(final WireReader reader, final String what) throws BundleFormatException
    {
        final long ms = reader.i64(what);
        if (ms < 0 || ms > Instant.parse("9999-12-31T23:59:59Z").toEpochMilli())
        {
            throw new BundleFormatException(reader.position() - 8, what + " " + ms + " ms is out of range");
        }
        return Instant.ofEpochMilli(ms);
    }
}
