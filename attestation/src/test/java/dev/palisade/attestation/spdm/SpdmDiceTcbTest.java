package dev.palisade.attestation.spdm;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.spdm.SpdmTestResponder.Device;
import dev.palisade.attestation.spdm.SpdmTestResponder.KeyKind;
import dev.palisade.attestation.spdm.SpdmTestResponder.Variant;
import dev.palisade.attestation.spdm.SpdmTestResponder.Vector;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigInteger;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.palisade.attestation.spdm.SpdmTestResponder.fwid;
import static dev.palisade.attestation.spdm.SpdmTestResponder.tcbInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DICE TcbInfo appraisal (TCG DICE Attestation Architecture): every TcbInfo a reference selects must satisfy it, so a
 * good one cannot hide a forged one; and a TcbInfo that says its layer is unconfigured, not secure, in recovery or in
 * debug contraindicates unless that flag is allowed by name. A fixed clock throughout (the responder's vectors).
 */
class SpdmDiceTcbTest
{
    /** The standard leaf's measurements, so that only the TcbInfo checks decide. */
    private static final Map<Integer, byte[]> MEASUREMENTS = Map.of(1, SpdmTestResponder.VALUE_1,
        2, SpdmTestResponder.VALUE_2, 3, SpdmTestResponder.VALUE_3);

    private static SpdmAppraisal appraise(final Device device, final SpdmVerifier.Builder builder)
    {
        final Vector vector = SpdmTestResponder.vector(device, SpdmAsymAlgorithm.ECDSA_P384,
            SpdmHashAlgorithm.SHA_384, 0x12, false);
        return builder.roots(List.of(device.root())).expectedNonce(SpdmTestResponder.NONCE)
            .validationTime(SpdmTestResponder.VALIDATION_TIME).build().verify(vector.transcript(), device.chain());
    }

    private static SpdmVerifier.Builder withTcb(final SpdmReferenceValues.TcbReference... references)
    {
        return SpdmVerifier.builder().referenceValues(SpdmReferenceValues.of(MEASUREMENTS, List.of(references)));
    }

    private static SpdmReferenceValues.TcbReference svnAtLeast(final String model, final int svn)
    {
        return new SpdmReferenceValues.TcbReference("Palisade", model, null, BigInteger.valueOf(svn),
            List.of());
    }

    @Test
    void aGoodTcbInfoDoesNotHideAForgedOneWithTheSameVendorAndModel()
    {
        // The device CA's MultiTcbInfo also claims to describe the runtime layer, with an older svn: the runtime
        // TcbInfo of the leaf passes svn_min 7, the other does not, and both are selected.
        final Device device = SpdmTestResponder.newDevice(KeyKind.P384, "Palisade Forged",
            Variant.intermediate(builder -> builder.replaceExtension(DiceExtensions.MULTI_TCB_INFO, false,
                new DERSequence(new ASN1Encodable[] {
                    tcbInfo("Palisade", "DPU-ROM", "1.0.0", 1, 0, fwid(0x11), SpdmTestResponder.NO_FLAGS),
                    tcbInfo("Palisade", "DPU-RT", "3.1.4", 1, 2, fwid(0x33), SpdmTestResponder.NO_FLAGS)}))));
        final SpdmAppraisal appraisal = appraise(device, withTcb(svnAtLeast("DPU-RT", 7)));
        assertEquals(List.of(SpdmReasons.TCB_SVN_TOO_LOW), codes(appraisal));
        assertTrue(appraisal.reasons().getFirst().message().contains("certificate 1"), appraisal.reasons()::toString);
        assertEquals(Status.CONTRAINDICATED, appraisal.status());

        // The standard device has one runtime TcbInfo, which passes.
        final Device standard = SpdmTestResponder.device(KeyKind.P384);
        assertEquals(Status.AFFIRMING, appraise(standard, withTcb(svnAtLeast("DPU-RT", 7))).status());
    }

    @Test
    void aReferenceWithoutVendorOrModelAppliesToEveryTcbInfo()
    {
        // ROM svn 1, FMC svn 5, RT svn 7: svn_min 1 holds for all three, svn_min 5 fails on the ROM alone.
        final Device device = SpdmTestResponder.device(KeyKind.P384);
        final SpdmReferenceValues.TcbReference all1 = new SpdmReferenceValues.TcbReference(null, null, null,
            BigInteger.ONE, List.of());
        assertEquals(Status.AFFIRMING, appraise(device, withTcb(all1)).status());
        final SpdmReferenceValues.TcbReference all5 = new SpdmReferenceValues.TcbReference(null, null, null,
            BigInteger.valueOf(5), List.of());
        final SpdmAppraisal appraisal = appraise(device, withTcb(all5));
        assertEquals(List.of(SpdmReasons.TCB_SVN_TOO_LOW), codes(appraisal));
        assertTrue(appraisal.reasons().getFirst().message().contains("has svn 1"), appraisal.reasons()::toString);
    }

    @Test
    void aReferenceThatSelectsNoTcbInfoIsMissing()
    {
        final SpdmAppraisal appraisal = appraise(SpdmTestResponder.device(KeyKind.P384),
            withTcb(svnAtLeast("DPU-NONE", 0)));
        assertEquals(List.of(SpdmReasons.TCB_MISSING), codes(appraisal));
    }

    @ParameterizedTest
    @EnumSource(TcbFlag.class)
    void eachInsecureOperationalFlagContraindicatesUnlessAllowed(final TcbFlag flag)
    {
        final Device device = deviceWithLeafFlags(bitOf(flag));
        final SpdmAppraisal refused = appraise(device, withTcb(svnAtLeast("DPU-RT", 7)));
        assertEquals(List.of(SpdmReasons.TCB_OPERATIONAL_FLAGS), codes(refused));
        assertTrue(refused.reasons().getFirst().message().contains(flag.label()), refused.reasons()::toString);
        assertEquals(Status.CONTRAINDICATED, refused.status());

        // Even without reference values: the device itself says it is not in a secure state.
        final SpdmAppraisal noReferences = appraise(device, SpdmVerifier.builder());
        assertTrue(noReferences.hasReason(SpdmReasons.TCB_OPERATIONAL_FLAGS), noReferences.reasons()::toString);
        assertEquals(Status.CONTRAINDICATED, noReferences.status());

        // Allowing that one flag by name affirms; allowing every other flag does not.
        assertEquals(Status.AFFIRMING, appraise(device, withTcb(svnAtLeast("DPU-RT", 7))
            .allowTcbFlags(Set.of(flag))).status());
        final Set<TcbFlag> others = EnumSet.complementOf(EnumSet.of(flag));
        assertEquals(List.of(SpdmReasons.TCB_OPERATIONAL_FLAGS), codes(appraise(device,
            withTcb(svnAtLeast("DPU-RT", 7)).allowTcbFlags(others))));
    }

    @Test
    void flagsOnALayerNoReferenceSelectsStillCount()
    {
        // Debug on the ROM layer, in the device CA's MultiTcbInfo; the reference only names the runtime layer.
        final Device device = SpdmTestResponder.newDevice(KeyKind.P384, "Palisade Debug ROM",
            Variant.intermediate(builder -> builder.replaceExtension(DiceExtensions.MULTI_TCB_INFO, false,
                new DERSequence(new ASN1Encodable[] {
                    tcbInfo("Palisade", "DPU-ROM", "1.0.0", 1, 0, fwid(0x11), SpdmTestResponder.DEBUG),
                    tcbInfo("Palisade", "DPU-FMC", "2.3.1", 5, 1, fwid(0x22), SpdmTestResponder.NO_FLAGS)}))));
        final SpdmAppraisal appraisal = appraise(device, withTcb(svnAtLeast("DPU-RT", 7)));
        assertEquals(List.of(SpdmReasons.TCB_OPERATIONAL_FLAGS), codes(appraisal));
        assertTrue(appraisal.reasons().getFirst().message().contains("certificate 1 (vendor=Palisade " +
            "model=DPU-ROM) has OperationalFlags debug"), appraisal.reasons()::toString);
    }

    @Test
    void descriptiveFlagsAreOnlyReported()
    {
        // notImmutable (bit 7) on the standard leaf, and notReplayProtected .. notTcb (bits 4 to 8) here: they say
        // what a layer is, not a state it should not be in.
        final Device device = deviceWithLeafFlags(4, 5, 6, 7, 8);
        final SpdmAppraisal appraisal = appraise(device, withTcb(svnAtLeast("DPU-RT", 7)));
        assertEquals(Status.AFFIRMING, appraisal.status(), appraisal.reasons()::toString);
        assertEquals(List.of("notReplayProtected", "notIntegrityProtected", "notRuntimeMeasured", "notImmutable",
            "notTcb"), appraisal.tcbInfos().getFirst().flags());
    }

    /** The flag's bit in OperationalFlags (TCG DICE Attestation Architecture). */
    private static int bitOf(final TcbFlag flag)
    {
        return switch (flag)
        {
            case NOT_CONFIGURED -> 0;
            case NOT_SECURE -> 1;
            case RECOVERY -> 2;
            case DEBUG -> 3;
        };
    }

    /** A device whose leaf TcbInfo (DPU-RT, svn 7) has exactly these OperationalFlags bits set. */
    private static Device deviceWithLeafFlags(final int... bits)
    {
        final byte[] flags = new byte[4];
        for (final int bit : bits)
        {
            flags[bit >>> 3] |= (byte)(0x80 >>> (bit & 7));
        }
        return SpdmTestResponder.newDevice(KeyKind.P384, "Palisade Flags", Variant.leaf(builder ->
            builder.replaceExtension(DiceExtensions.TCB_INFO, true, tcbInfo("Palisade", "DPU-RT", "3.1.4", 7, 2,
                fwid(0x33), flags))));
    }

    static List<String> codes(final SpdmAppraisal appraisal)
    {
        return appraisal.reasons().stream().map(Reason::code).toList();
    }
}
