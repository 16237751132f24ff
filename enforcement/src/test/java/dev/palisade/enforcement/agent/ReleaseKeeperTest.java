package dev.palisade.enforcement.agent;

import dev.palisade.enforcement.agent.channel.PolicyClient;
import dev.palisade.policy.bundle.Bundle;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReleaseKeeperTest
{
    private final Releases releases = new Releases();
    private final List<String> enforced = new ArrayList<>();
    private final List<String> heard = new ArrayList<>();

    @TempDir
    Path dir;

    /** Records what it enforces; refuses versions in {@code refuse}. */
    private ReleaseKeeper.Enforcement recording(final long refuse)
    {
        return new ReleaseKeeper.Enforcement()
        {
            @Override
            public void enforce(final Bundle bundle) throws Enforcer.EnforcementException
            {
                if (bundle.manifest().version() == refuse)
                {
                    throw new Enforcer.EnforcementException(Enforcer.Reason.RULES_INVALID, "rule 2 does not load");
                }
                enforced.add("v" + bundle.manifest().version());
            }

            @Override
            public void failClosed()
            {
                enforced.add("fail-closed");
            }
        };
    }

    private ReleaseKeeper keeper(final ReleaseKeeper.Enforcement enforcement, final BundleStore store)
    {
        return new ReleaseKeeper(Releases.DPU, Releases.LABELS, releases.root.publicKey(),
            InstantSource.fixed(Releases.NOW), enforcement, store, () -> new JsonObject().put("packets", 7),
            new ReleaseKeeper.Listener()
            {
                @Override
                public void accepted(final long releaseId, final Bundle bundle)
                {
                    heard.add("accepted " + releaseId);
                }

                @Override
                public void refused(final long releaseId, final long version, final String reason,
                    final String detail)
                {
                    heard.add("refused " + releaseId + " " + reason);
                }

                @Override
                public void quarantine(final String reason)
                {
                    heard.add("quarantine " + reason);
                }
            });
    }

    private static PolicyClient.Nack nack(final PolicyClient.Outcome outcome)
    {
        return assertInstanceOf(PolicyClient.Nack.class, outcome);
    }

    @Test
    void acksAVerifiedReleaseEnforcesAndKeepsIt() throws Exception
    {
        final BundleStore store = new BundleStore(dir);
        final ReleaseKeeper keeper = keeper(recording(-1), store);
        final Bundle v1 = releases.release(1);
        final PolicyClient.Ack ack = assertInstanceOf(PolicyClient.Ack.class, keeper.offer(11, v1.encode()));
        assertEquals(1, ack.version());
        assertEquals(v1.digestHex(), ack.digest());
        assertEquals(1, keeper.activeVersion());
        assertEquals(v1.digestHex(), keeper.activeDigest());
        assertEquals(List.of("v1"), enforced);
        assertEquals(List.of("accepted 11"), heard);
        assertArrayEquals(v1.encode(), Files.readAllBytes(dir.resolve(BundleStore.CURRENT)));
        assertEquals(7, keeper.counters().getInteger("packets"));
    }

    @Test
    void refusesAnOlderOrEqualVersionAndKeepsTheActiveOne() throws Exception
    {
        final ReleaseKeeper keeper = keeper(recording(-1), new BundleStore(dir));
        final Bundle v1 = releases.release(1);
        final Bundle v2 = releases.next(v1);
        keeper.offer(1, v1.encode());
        keeper.offer(2, v2.encode());
        final PolicyClient.Nack again = nack(keeper.offer(1, v1.encode()));
        assertEquals("version_not_newer", again.reason());
        assertTrue(again.detail().contains("not newer"), again.detail());
        final PolicyClient.Nack same = nack(keeper.offer(2, v2.encode()));
        assertEquals("version_not_newer", same.reason());
        assertEquals(2, keeper.activeVersion());
        assertEquals(List.of("v1", "v2"), enforced);
        assertEquals(List.of("accepted 1", "accepted 2", "refused 1 version_not_newer", "refused 2 version_not_newer"),
            heard);
    }

    @Test
    void refusesAReleaseForAnotherDpuAnExpiredOneAndAModifiedOne() throws Exception
    {
        final ReleaseKeeper keeper = keeper(recording(-1), new BundleStore(dir));
        final Bundle elsewhere = releases.release(1, Releases.compile(Releases.POLICY).encoded(), Releases.RULES, 2,
            "labels:site=ams1", Releases.NOW.plus(Duration.ofDays(7)));
        assertEquals("not_targeted", nack(keeper.offer(1, elsewhere.encode())).reason());
        final Bundle expired = releases.release(1, Releases.compile(Releases.POLICY).encoded(), Releases.RULES, 2,
            "labels:site=fra1", Releases.NOW.minusSeconds(1));
        assertEquals("expired", nack(keeper.offer(1, expired.encode())).reason());
        final byte[] modified = releases.release(1).encode();
        modified[modified.length / 2] ^= 1;
        final String reason = nack(keeper.offer(1, modified)).reason();
        assertTrue(reason.equals("payload_digest_mismatch") || reason.equals("signature_invalid") ||
            reason.equals("malformed_bundle"), reason);
        final PolicyClient.Nack other = nack(keeper.offer(1, new Releases(2).release(1).encode()));
        assertEquals("unknown_root", other.reason(), other.detail());
        assertEquals(0, keeper.activeVersion());
        assertNull(keeper.activeDigest());
        assertTrue(enforced.isEmpty(), enforced.toString());
        assertTrue(Files.notExists(dir.resolve(BundleStore.CURRENT)), "nothing refused is kept");
    }

    @Test
    void aReleaseThatCannotBeEnforcedIsNackedWithTheReasonAndNotKept() throws Exception
    {
        final ReleaseKeeper keeper = keeper(recording(2), new BundleStore(dir));
        final Bundle v1 = releases.release(1);
        keeper.offer(1, v1.encode());
        final PolicyClient.Nack nack = nack(keeper.offer(2, releases.next(v1).encode()));
        assertEquals("rules_invalid", nack.reason());
        assertEquals(2, nack.version());
        assertEquals(1, keeper.activeVersion());
        assertArrayEquals(releases.release(1).encode(), Files.readAllBytes(dir.resolve(BundleStore.CURRENT)));
    }

    @Test
    void aReleaseThatCannotBeKeptIsTakenBackAndNacked() throws Exception
    {
        final Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        final ReleaseKeeper first = keeper(recording(-1), new BundleStore(notADirectory));
        final PolicyClient.Nack nothingBefore = nack(first.offer(1, releases.release(1).encode()));
        assertEquals(ReleaseKeeper.STORAGE_FAILED, nothingBefore.reason());
        assertTrue(nothingBefore.detail().contains("fail-closed"), nothingBefore.detail());
        assertEquals(List.of("v1", "fail-closed"), enforced);
        assertEquals(0, first.activeVersion());

        final ReleaseKeeper failing = new ReleaseKeeper(Releases.DPU, Releases.LABELS, releases.root.publicKey(),
            InstantSource.fixed(Releases.NOW), recording(-1), new BundleStore(notADirectory), JsonObject::new,
            ReleaseKeeper.Listener.NONE);
        final Bundle v1 = releases.release(1);
        failing.booted(v1);
        enforced.clear();
        final PolicyClient.Nack restored = nack(failing.offer(2, releases.next(v1).encode()));
        assertEquals(ReleaseKeeper.STORAGE_FAILED, restored.reason());
        assertTrue(restored.detail().contains("release 1 is enforced again"), restored.detail());
        assertEquals(List.of("v2", "v1"), enforced);
        assertEquals(1, failing.activeVersion());
    }

    @Test
    void whatIsKeptVerifiesAtBootAndRunsAgain() throws Exception
    {
        final BundleStore store = new BundleStore(dir);
        final Bundle v1 = releases.release(1);
        keeper(recording(-1), store).offer(1, v1.encode());
        final ReleaseKeeper restarted = keeper(recording(-1), store);
        final BundleStore.Loaded loaded = assertInstanceOf(BundleStore.Loaded.class,
            store.load(restarted.bootVerifier()));
        restarted.booted(loaded.bundle());
        assertEquals(1, restarted.activeVersion());
        assertEquals("version_not_newer", nack(restarted.offer(1, v1.encode())).reason());
        assertEquals("previous_mismatch", nack(restarted.offer(2, releases.release(2).encode())).reason(),
            "the next version must chain to what runs");
        assertInstanceOf(PolicyClient.Ack.class, restarted.offer(2, releases.next(v1).encode()));
    }

    @Test
    void verifyOnlyKeepsNothingButChecksEverything()
    {
        final ReleaseKeeper keeper = ReleaseKeeper.verifyOnly(Releases.DPU, Releases.LABELS,
            releases.root.publicKey());
        // The system clock: Releases' fixed time is in the past, so only the target and root checks are certain.
        final PolicyClient.Outcome outcome = keeper.offer(1, new Releases(3).release(1).encode());
        assertEquals("unknown_root", nack(outcome).reason());
        keeper.quarantine("IR-1"); // verify-only agents have no data plane: nothing to do, nothing thrown
    }

    @Test
    void theServiceQuarantineReachesTheListener()
    {
        final ReleaseKeeper keeper = keeper(recording(-1), null);
        keeper.quarantine("IR-7");
        keeper.quarantine(null);
        assertEquals(List.of("quarantine IR-7", "quarantine null"), heard);
    }
}
