package dev.palisade.attestation.verifier;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NonceServiceTest
{
    private long now;
    private final NonceService nonces = new NonceService(1_000, 3, () -> now);

    @Test
    void aNonceIsFreshOnceThenAReplay()
    {
        final byte[] n = nonces.issue();
        assertEquals(NonceService.NONCE_BYTES, n.length);
        assertNotEquals(java.util.HexFormat.of().formatHex(n), java.util.HexFormat.of().formatHex(nonces.issue()));
        assertEquals(NonceService.Redemption.FRESH, nonces.redeem(n));
        assertEquals(NonceService.Redemption.REPLAYED, nonces.redeem(n));
        assertEquals(NonceService.Redemption.UNKNOWN, nonces.redeem(new byte[32]));
    }

    @Test
    void aNonceExpires()
    {
        final byte[] n = nonces.issue();
        now += 1_001;
        assertEquals(NonceService.Redemption.EXPIRED, nonces.redeem(n));
    }

    @Test
    void outstandingChallengesAreBounded()
    {
        nonces.issue();
        nonces.issue();
        nonces.issue();
        assertThrows(IllegalStateException.class, nonces::issue);
        now += 1_001; // the three expire and make room
        nonces.issue();
        assertEquals(1, nonces.outstanding());
    }
}
