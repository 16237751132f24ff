package dev.palisade.policy.bundle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.palisade.policy.bundle.BundleFixture.NOW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signed releases: they read back, are deterministic, and every check of {@link BundleVerifier} refuses what it must
 * with its own reason, for both signature algorithms. Every single-byte change and every truncation of a bundle is
 * refused.
 */
class BundleVerifierTest
{
    private static BundleVerifier.Rejected rejected(final BundleVerifier.Result result)
    {
        return assertInstanceOf(BundleVerifier.Rejected.class, result);
    }

    private static BundleVerifier.Reason reason(final BundleVerifier.Result result)
    {
        return rejected(result).reason();
    }

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void aSignedReleaseVerifiesAndReadsBack(final SignatureAlgorithm algorithm) throws Exception
    {
        final BundleFixture fixture = new BundleFixture(algorithm);
        final Bundle bundle = fixture.release(1, null);
        final byte[] encoded = bundle.encode();
        final BundleVerifier.Verified verified = assertInstanceOf(BundleVerifier.Verified.class,
            fixture.verifier().target("dpu-7", Map.of("site", "fra1", "rack", "r2")).build().verify(encoded));
        final Manifest manifest = verified.bundle().manifest();
        assertEquals(1, manifest.version());
        assertEquals("test", manifest.policyName());
        assertEquals("labels:site=fra1", manifest.target().toString());
        assertTrue(manifest.isFirst());
        assertArrayEquals(BundleFixture.POLICY, verified.bundle().policy());
        assertArrayEquals(BundleFixture.RULES, verified.bundle().rules());
        assertEquals(2, manifest.ruleCount());
        assertArrayEquals(encoded, Bundle.decode(encoded).encode(), "decode and encode are inverse");
        assertEquals(64, bundle.digestHex().length());
    }

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void theSameInputsMakeTheSameBytes(final SignatureAlgorithm algorithm)
    {
        final BundleFixture fixture = new BundleFixture(algorithm);
        assertArrayEquals(fixture.release(3, new byte[32]).encode(), fixture.release(3, new byte[32]).encode());
        assertNotEquals(Arrays.toString(fixture.release(3, null).encode()),
            Arrays.toString(fixture.release(4, null).encode()));
    }

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void everyChangedByteAndEveryTruncationIsRefused(final SignatureAlgorithm algorithm)
    {
        final BundleFixture fixture = new BundleFixture(algorithm);
        final byte[] encoded = fixture.release(1, null).encode();
        final BundleVerifier verifier = fixture.verifier().build();
        for (int i = 0; i < encoded.length; i++)
        {
            final byte[] changed = encoded.clone();
            changed[i] ^= 0x01;
            assertInstanceOf(BundleVerifier.Rejected.class, verifier.verify(changed), "bit 0 of byte " + i);
            changed[i] ^= (byte)0x81;
            assertInstanceOf(BundleVerifier.Rejected.class, verifier.verify(changed), "bit 7 of byte " + i);
        }
        for (int length = 0; length < encoded.length; length++)
        {
            assertEquals(BundleVerifier.Reason.MALFORMED_BUNDLE,
                reason(verifier.verify(Arrays.copyOf(encoded, length))), "truncated to " + length);
        }
        final byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);
        assertTrue(rejected(verifier.verify(longer)).detail().contains("1 bytes after the end of the bundle"));
    }

    @Test
    void aBundleFromAnotherRootIsRefused()
    {
        final BundleFixture ours = new BundleFixture(SignatureAlgorithm.ED25519);
        final BundleFixture theirs = new BundleFixture(SignatureAlgorithm.ECDSA_P256);
        final BundleVerifier.Rejected rejected = rejected(ours.verifier().build().verify(theirs.release(1, null)
            .encode()));
        assertEquals(BundleVerifier.Reason.UNKNOWN_ROOT, rejected.reason());
        assertTrue(rejected.detail().contains(ours.root.publicKey().keyIdHex().substring(0, 16)), rejected.detail());
    }

    @Test
    void aCertificateTheRootDidNotSignIsRefused()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        // An impostor claims the root's key id in a certificate it signed itself.
        final SigningKey impostor = SigningKey.generate(SignatureAlgorithm.ED25519, BundleFixture.seeded(9));
        final KeyStatement.Signed forged = KeyStatement.certify(impostor, impostor.publicKey(), NOW.minusSeconds(10),
            NOW.plusSeconds(86_400), 1, "");
        final byte[] body = forged.body().clone();
        System.arraycopy(fixture.root.publicKey().keyId(), 0, body, 17, 32);
        final KeyStatement.Signed claimed = new KeyStatement.Signed(parse(body), body, forged.signature());
        final Bundle bundle = Bundle.sign(BundleFixture.content(1, null), impostor, claimed, List.of());
        assertEquals(BundleVerifier.Reason.CERTIFICATE_INVALID, reason(fixture.verifier().build().verify(bundle)));
    }

    private static KeyStatement parse(final byte[] body)
    {
        try
        {
            return KeyStatement.decode(new WireWriter(body.length + 4).bytes16(body).bytes16(new byte[0])
                .toByteArray()).statement();
        }
        catch (final BundleFormatException e)
        {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSignatureByAnotherKeyIsRefused()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final Bundle genuine = fixture.release(1, null);
        final SigningKey other = SigningKey.generate(SignatureAlgorithm.ED25519, BundleFixture.seeded(5));
        final Bundle resigned = new Bundle(genuine.manifest(), genuine.manifestBytes(), genuine.policy(),
            genuine.rules(), List.of(), List.of(new Bundle.Signature(fixture.certificate,
            other.sign(Bundle.signingInput(genuine.manifestBytes())))));
        assertEquals(BundleVerifier.Reason.SIGNATURE_INVALID, reason(fixture.verifier().build().verify(resigned
            .encode())));
        // A second signature that does not hold spoils a good one: every signature must hold.
        final Bundle twice = new Bundle(genuine.manifest(), genuine.manifestBytes(), genuine.policy(),
            genuine.rules(), List.of(), List.of(genuine.signatures().getFirst(), resigned.signatures().getFirst()));
        final BundleVerifier.Rejected rejected = rejected(fixture.verifier().build().verify(twice.encode()));
        assertEquals(BundleVerifier.Reason.SIGNATURE_INVALID, rejected.reason());
        assertTrue(rejected.detail().startsWith("signature 2 "), rejected.detail());
    }

    @Test
    void aBundleBuiltInCodeWithoutSignaturesIsRefused()
    {
        // decode() never yields one, but a Bundle made by hand must not verify for want of a signature to check.
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final Bundle genuine = fixture.release(1, null);
        final Bundle unsigned = new Bundle(genuine.manifest(), genuine.manifestBytes(), genuine.policy(),
            genuine.rules(), List.of(), List.of());
        assertEquals(BundleVerifier.Reason.MALFORMED_BUNDLE, reason(fixture.verifier().build().verify(unsigned)));
        final Bundle revocationAsSignature = new Bundle(genuine.manifest(), genuine.manifestBytes(), genuine.policy(),
            genuine.rules(), List.of(), List.of(new Bundle.Signature(KeyStatement.revoke(fixture.root, new byte[32],
            NOW, 9, ""), new byte[64])));
        assertEquals(BundleVerifier.Reason.MALFORMED_BUNDLE, reason(fixture.verifier().build()
            .verify(revocationAsSignature)));
    }

    @Test
    void aPayloadThatIsNotTheSignedOneIsRefused()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final Bundle genuine = fixture.release(1, null);
        final byte[] policy = genuine.policy();
        policy[policy.length - 2] = 'X';
        final Bundle swapped = new Bundle(genuine.manifest(), genuine.manifestBytes(), policy, genuine.rules(),
            List.of(), genuine.signatures());
        final BundleVerifier.Rejected rejected = rejected(fixture.verifier().build().verify(swapped.encode()));
        assertEquals(BundleVerifier.Reason.PAYLOAD_DIGEST_MISMATCH, rejected.reason());
        assertTrue(rejected.detail().startsWith("the policy's"), rejected.detail());
        final byte[] rules = genuine.rules();
        rules[0] = 'd';
        final Bundle otherRules = new Bundle(genuine.manifest(), genuine.manifestBytes(), genuine.policy(), rules,
            List.of(), genuine.signatures());
        assertTrue(rejected(fixture.verifier().build().verify(otherRules.encode())).detail().startsWith("the rules'"));
    }

    @Test
    void aReleaseIssuedOutsideItsKeysCertificateIsRefused()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final KeyStatement.Signed lapsed = KeyStatement.certify(fixture.root, fixture.signer.publicKey(),
            NOW.minusSeconds(7200), NOW.minusSeconds(3600), 2, "lapsed");
        final Bundle bundle = Bundle.sign(BundleFixture.content(1, null), fixture.signer, lapsed, List.of());
        final BundleVerifier.Rejected rejected = rejected(fixture.verifier().build().verify(bundle));
        assertEquals(BundleVerifier.Reason.SIGNING_KEY_NOT_VALID, rejected.reason());
        assertTrue(rejected.detail().contains("lapsed"), rejected.detail());
    }

    @Test
    void aRevokedSigningKeySignsNothingFromItsRevocationOn()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final Instant issued = BundleFixture.content(1, null).issuedAt();
        final KeyStatement.Signed before = KeyStatement.revoke(fixture.root, fixture.signer.publicKey().keyId(),
            issued.minusSeconds(1), 2, "key leaked");
        final KeyStatement.Signed after = KeyStatement.revoke(fixture.root, fixture.signer.publicKey().keyId(),
            issued.plusSeconds(1), 3, "retired");

        // Carried in the bundle.
        final Bundle carrying = Bundle.sign(BundleFixture.content(1, null), fixture.signer, fixture.certificate,
            List.of(before));
        final BundleVerifier.Rejected rejected = rejected(fixture.verifier().build().verify(carrying.encode()));
        assertEquals(BundleVerifier.Reason.SIGNING_KEY_REVOKED, rejected.reason());
        assertTrue(rejected.detail().contains("key leaked"), rejected.detail());
        // Known from before.
        assertEquals(BundleVerifier.Reason.SIGNING_KEY_REVOKED, reason(fixture.verifier()
            .knownRevocations(List.of(before)).build().verify(fixture.release(1, null))));
        // A release issued before the revocation still stands.
        assertInstanceOf(BundleVerifier.Verified.class, fixture.verifier().knownRevocations(List.of(after)).build()
            .verify(fixture.release(1, null)));
    }

    @Test
    void aRevocationTheRootDidNotSignIsRefused()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final SigningKey other = SigningKey.generate(SignatureAlgorithm.ED25519, BundleFixture.seeded(7));
        // Carried revocations must be genuine too: a forged one is tampering, not something to skip.
        final KeyStatement.Signed forged = KeyStatement.revoke(other, new byte[32], NOW, 1, "forged");
        final Bundle bundle = Bundle.sign(BundleFixture.content(1, null), fixture.signer, fixture.certificate,
            List.of(forged));
        assertEquals(BundleVerifier.Reason.REVOCATION_INVALID, reason(fixture.verifier().build().verify(bundle)));
    }

    @Test
    void rotationANewCertifiedKeySignsAndTheOldOneCanBeRevoked()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final SigningKey next = SigningKey.generate(SignatureAlgorithm.ED25519, BundleFixture.seeded(3));
        final KeyStatement.Signed nextCertificate = KeyStatement.certify(fixture.root, next.publicKey(),
            NOW.minusSeconds(3600), NOW.plusSeconds(86_400 * 365L), 2, "policy signing 2027");
        final KeyStatement.Signed retired = KeyStatement.revoke(fixture.root, fixture.signer.publicKey().keyId(),
            NOW.minusSeconds(1800), 3, "rotated");
        final Bundle rotated = Bundle.sign(BundleFixture.content(2, null), next, nextCertificate, List.of(retired));
        assertInstanceOf(BundleVerifier.Verified.class, fixture.verifier().build().verify(rotated.encode()));
        final Bundle byOld = Bundle.sign(BundleFixture.content(2, null), fixture.signer, fixture.certificate,
            List.of(retired));
        assertEquals(BundleVerifier.Reason.SIGNING_KEY_REVOKED, reason(fixture.verifier().build().verify(byOld)));
    }

    @Test
    void freshness()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final Bundle bundle = fixture.release(1, null);
        final Instant expires = bundle.manifest().expiresAt();
        assertEquals(BundleVerifier.Reason.EXPIRED, reason(fixture.verifier().now(expires).build().verify(bundle)));
        assertInstanceOf(BundleVerifier.Verified.class, fixture.verifier().now(expires.minusMillis(1)).build()
            .verify(bundle));
        final Instant issued = bundle.manifest().issuedAt();
        assertEquals(BundleVerifier.Reason.ISSUED_IN_FUTURE, reason(fixture.verifier()
            .now(issued.minus(Duration.ofMinutes(5)).minusMillis(1)).build().verify(bundle)));
        assertInstanceOf(BundleVerifier.Verified.class, fixture.verifier().now(issued.minus(Duration.ofMinutes(5)))
            .build().verify(bundle));
    }

    @Test
    void targetsVersionsAndTheChain()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final Bundle first = fixture.release(1, null);
        final Bundle second = fixture.release(2, first.digest());
        final Bundle unchained = fixture.release(2, new byte[32]);
        final Bundle fifth = fixture.release(5, new byte[32]);

        final BundleVerifier.Rejected elsewhere = rejected(fixture.verifier().target("dpu-1", Map.of("site", "ams2"))
            .build().verify(first));
        assertEquals(BundleVerifier.Reason.NOT_TARGETED, elsewhere.reason());
        assertTrue(elsewhere.detail().contains("labels:site=fra1"), elsewhere.detail());

        final BundleVerifier runningFirst = fixture.verifier().running(1, first.digest()).build();
        assertEquals(BundleVerifier.Reason.VERSION_NOT_NEWER, reason(runningFirst.verify(first)), "a replay");
        assertInstanceOf(BundleVerifier.Verified.class, runningFirst.verify(second));
        assertEquals(BundleVerifier.Reason.PREVIOUS_MISMATCH, reason(runningFirst.verify(unchained)));
        // A DPU that missed releases 2 to 4 catches up.
        assertInstanceOf(BundleVerifier.Verified.class, runningFirst.verify(fifth));
        assertEquals(BundleVerifier.Reason.VERSION_NOT_NEWER, reason(fixture.verifier().running(5, null).build()
            .verify(second)), "a rollback to an older release");
    }

    @Test
    void contentThatCannotBeAReleaseIsRefusedWhenSigning()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        assertThrows(IllegalArgumentException.class, () -> BundleFixture.content(0, null));
        assertThrows(IllegalArgumentException.class, () -> new Bundle.Content("x", 1, TargetSelector.all(), NOW, NOW,
            null, new byte[0], new byte[0], 0));
        final SigningKey other = SigningKey.generate(SignatureAlgorithm.ED25519, BundleFixture.seeded(4));
        final IllegalArgumentException notForIt = assertThrows(IllegalArgumentException.class, () ->
            Bundle.sign(BundleFixture.content(1, null), other, fixture.certificate, List.of()));
        assertTrue(notForIt.getMessage().startsWith("the certificate is not for"), notForIt.getMessage());
    }

    @Test
    void malformedBundlesSayWhatAndWhere()
    {
        final BundleFixture fixture = new BundleFixture(SignatureAlgorithm.ED25519);
        final BundleVerifier verifier = fixture.verifier().build();
        assertEquals("malformed_bundle: not a Palisade policy bundle (wrong magic) (at byte 0)",
            rejected(verifier.verify("PK\3\4 a zip file".getBytes())).toString());
        final byte[] encoded = fixture.release(1, null).encode();
        final byte[] noSignatures = Arrays.copyOf(encoded, indexOfSignatureCount(fixture) + 1);
        noSignatures[noSignatures.length - 1] = 0;
        assertTrue(rejected(verifier.verify(noSignatures)).detail().startsWith("0 signatures (1 to 4 are allowed)"));
    }

    private static int indexOfSignatureCount(final BundleFixture fixture)
    {
        final Bundle bundle = fixture.release(1, null);
        return 8 + 4 + bundle.manifestBytes().length + 4 + bundle.policy().length + 4 + bundle.rules().length + 1;
    }
}
