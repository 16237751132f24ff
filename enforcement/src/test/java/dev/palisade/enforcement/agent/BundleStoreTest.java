package dev.palisade.enforcement.agent;

import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stored release: it reads back and verifies; a file that was changed, has expired or is for another DPU is
 * refused with the verifier's reason rather than thrown on; nothing stored is missing; and a store interrupted at
 * any point leaves the old release or the new one.
 */
class BundleStoreTest
{
    private final Releases releases = new Releases();

    @TempDir
    Path temp;

    private BundleStore store()
    {
        return new BundleStore(temp.resolve("bundles"));
    }

    private static BundleStore.Refused refused(final BundleStore.Result result)
    {
        return assertInstanceOf(BundleStore.Refused.class, result);
    }

    @Test
    void aStoredReleaseLoadsAndVerifies() throws Exception
    {
        final BundleStore store = store();
        final byte[] encoded = releases.release(1).encode();
        store.store(encoded);
        final BundleStore.Loaded loaded = assertInstanceOf(BundleStore.Loaded.class,
            store.load(releases.verifier()));
        assertArrayEquals(encoded, loaded.encoded());
        assertEquals(1, loaded.bundle().manifest().version());
        assertArrayEquals(Bundle.decode(encoded).digest(), loaded.bundle().digest());
        final Path current = store.directory().resolve(BundleStore.CURRENT);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(current)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.directory())));
        assertFalse(Files.exists(store.directory().resolve(BundleStore.PREVIOUS)), "nothing was replaced");
    }

    @Test
    void theReplacedReleaseIsKeptAsPrevious() throws Exception
    {
        final BundleStore store = store();
        final byte[] first = releases.release(1).encode();
        final byte[] second = releases.release(2).encode();
        store.store(first);
        store.store(second);
        assertArrayEquals(second, Files.readAllBytes(store.directory().resolve(BundleStore.CURRENT)));
        assertArrayEquals(first, Files.readAllBytes(store.directory().resolve(BundleStore.PREVIOUS)));
        assertEquals(2, assertInstanceOf(BundleStore.Loaded.class, store.load(releases.verifier())).bundle()
            .manifest().version());
        try (Stream<Path> files = Files.list(store.directory()))
        {
            assertEquals(2, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void aChangedByteIsRefusedWithWhatItBroke() throws Exception
    {
        final BundleStore store = store();
        final Bundle bundle = releases.release(1);
        final byte[] encoded = bundle.encode();
        final Path current = store.directory().resolve(BundleStore.CURRENT);

        // A byte of the policy payload: the manifest's digest of it no longer holds.
        store.store(encoded);
        final byte[] inPolicy = encoded.clone();
        final int policyAt = indexOf(encoded, bundle.policy());
        inPolicy[policyAt + 40] ^= 0x01;
        Files.write(current, inPolicy);
        final BundleStore.Refused digest = refused(store.load(releases.verifier()));
        assertEquals(BundleVerifier.Reason.PAYLOAD_DIGEST_MISMATCH, digest.reason());
        assertEquals(current, digest.file());
        assertTrue(digest.detail().contains("runs fail-closed until the policy service sends a valid one"),
            digest.detail());

        // The last byte is the signature's: it no longer holds over the manifest.
        final byte[] inSignature = encoded.clone();
        inSignature[inSignature.length - 1] ^= 0x01;
        Files.write(current, inSignature);
        assertEquals(BundleVerifier.Reason.SIGNATURE_INVALID, refused(store.load(releases.verifier())).reason());

        Files.write(current, Arrays.copyOf(encoded, encoded.length / 2));
        assertEquals(BundleVerifier.Reason.MALFORMED_BUNDLE, refused(store.load(releases.verifier())).reason(),
            "a torn file");
    }

    @Test
    void anExpiredReleaseIsRefused() throws Exception
    {
        final BundleStore store = store();
        store.store(releases.release(1).encode());
        final BundleStore.Refused expired = refused(store.load(releases.verifier(Releases.NOW.plus(Duration.ofDays(8)))));
        assertEquals(BundleVerifier.Reason.EXPIRED, expired.reason());
        assertInstanceOf(BundleStore.Loaded.class, store.load(releases.verifier()), "the same file, a week earlier");
    }

    @Test
    void anotherDpusReleaseIsRefused() throws Exception
    {
        final BundleStore store = store();
        store.store(releases.release(1, Releases.compile(Releases.POLICY).encoded(), Releases.RULES, 2,
            "dpus:dpu-9", Releases.NOW.plus(Duration.ofDays(7))).encode());
        assertEquals(BundleVerifier.Reason.NOT_TARGETED, refused(store.load(releases.verifier())).reason());
    }

    @Test
    void aReleaseSignedUnderAnotherRootIsRefused() throws Exception
    {
        final BundleStore store = store();
        store.store(new Releases(7).release(1).encode());
        assertEquals(BundleVerifier.Reason.UNKNOWN_ROOT, refused(store.load(releases.verifier())).reason());
    }

    @Test
    void nothingStoredIsMissing() throws Exception
    {
        final BundleStore.Missing missing = assertInstanceOf(BundleStore.Missing.class,
            store().load(releases.verifier()));
        assertEquals(temp.resolve("bundles").resolve(BundleStore.CURRENT), missing.file(),
            "not even the directory");
        Files.createDirectories(temp.resolve("bundles"));
        assertInstanceOf(BundleStore.Missing.class, store().load(releases.verifier()));
    }

    @Test
    void aTemporaryFileACrashLeftIsNeverReadAndTheNextStoreRemovesIt() throws Exception
    {
        final BundleStore store = store();
        Files.createDirectories(store.directory());
        // A crash while writing release 2: its temporary file is there, half written; no current release yet.
        final byte[] second = releases.release(2).encode();
        final Path leftover = store.directory().resolve("." + BundleStore.CURRENT + ".8812345.tmp");
        Files.write(leftover, Arrays.copyOf(second, second.length / 2));
        assertInstanceOf(BundleStore.Missing.class, store.load(releases.verifier()));

        final byte[] first = releases.release(1).encode();
        store.store(first);
        assertFalse(Files.exists(leftover), "removed by the next store");
        // And again, with a current release in place: the leftover beside it changes nothing.
        Files.write(leftover, second);
        assertEquals(1, assertInstanceOf(BundleStore.Loaded.class, store.load(releases.verifier())).bundle()
            .manifest().version());
    }

    @Test
    void whatIsNotAFileIsRefusedNotThrownOn() throws Exception
    {
        final BundleStore store = store();
        Files.createDirectories(store.directory().resolve(BundleStore.CURRENT));
        final BundleStore.Refused directory = refused(store.load(releases.verifier()));
        assertEquals(BundleVerifier.Reason.MALFORMED_BUNDLE, directory.reason());
        assertTrue(directory.detail().contains("not a regular file"), directory.detail());
        Files.delete(store.directory().resolve(BundleStore.CURRENT));

        final Path elsewhere = temp.resolve("elsewhere.bundle");
        Files.write(elsewhere, releases.release(1).encode());
        Files.createSymbolicLink(store.directory().resolve(BundleStore.CURRENT), elsewhere);
        assertEquals(BundleVerifier.Reason.MALFORMED_BUNDLE, refused(store.load(releases.verifier())).reason(),
            "a symbolic link is not followed");
    }

    @Test
    void bytesThatAreNotABundleAreNotStored() throws Exception
    {
        final BundleStore store = store();
        store.store(releases.release(1).encode());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> store.store("not a bundle".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("not a release bundle, so not stored"), e.getMessage());
        assertInstanceOf(BundleStore.Loaded.class, store.load(releases.verifier()));
        assertFalse(Files.exists(store.directory().resolve(BundleStore.PREVIOUS)));
    }

    private static int indexOf(final byte[] haystack, final byte[] needle)
    {
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length))
            {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
