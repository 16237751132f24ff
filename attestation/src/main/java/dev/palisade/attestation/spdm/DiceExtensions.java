package dev.palisade.attestation.spdm;

import dev.palisade.attestation.Names;
import dev.palisade.attestation.DerNesting;
import dev.palisade.attestation.Reason;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the TCG DICE extensions (TCG DICE Attestation Architecture, "DICE certificate extensions")
 * from the certificates of a chain. The extensions are signed by the issuer, but the decoder still treats them as
 * untrusted bytes: anything that does not decode is a {@link SpdmReasons#DICE_EXTENSION_MALFORMED} reason.
 */
final class DiceExtensions
{
    /** tcg-dice-TcbInfo. */
    static final ASN1ObjectIdentifier TCB_INFO = new ASN1ObjectIdentifier("2.23.133.5.4.1");
    /** tcg-dice-Ueid. */
    static final ASN1ObjectIdentifier UEID = new ASN1ObjectIdentifier("2.23.133.5.4.4");
    /** tcg-dice-MultiTcbInfo. */
    static final ASN1ObjectIdentifier MULTI_TCB_INFO = new ASN1ObjectIdentifier("2.23.133.5.4.5");

    /** OperationalFlags bit names, by bit number (TCG DICE Attestation Architecture, OperationalFlags). */
    private static final String[] FLAG_NAMES = {"notConfigured", "notSecure", "recovery", "debug",
        "notReplayProtected", "notIntegrityProtected", "notRuntimeMeasured", "notImmutable", "notTcb"};
    private static final int FIXED_WIDTH_BIT = 31;

    private DiceExtensions()
    {
    }

    static void read(final int certIndex, final X509CertificateHolder certificate, final List<DiceTcbInfo> tcbInfos,
        final List<DiceUeid> ueids, final List<Reason> reasons)
    {
        final String where = "certificate " + certIndex + " (" + Names.print(certificate.getSubject()) + ")";
        readExtension(certificate, TCB_INFO, where, reasons, value ->
        {
            final ASN1Sequence sequence = ASN1Sequence.getInstance(value);
            if (sequence.size() > 0 && sequence.getObjectAt(0) instanceof ASN1Integer)
            {
                tcbInfos.add(compositeDeviceId(certIndex, sequence));
            }
            else
            {
                tcbInfos.add(tcbInfo(certIndex, "tcb_info", sequence));
            }
        });
        readExtension(certificate, MULTI_TCB_INFO, where, reasons, value ->
        {
            for (final ASN1Encodable element : ASN1Sequence.getInstance(value))
            {
                tcbInfos.add(tcbInfo(certIndex, "multi_tcb_info", ASN1Sequence.getInstance(element)));
            }
        });
        readExtension(certificate, UEID, where, reasons, value ->
        {
            final ASN1Sequence sequence = ASN1Sequence.getInstance(value);
            ueids.add(new DiceUeid(certIndex, ASN1OctetString.getInstance(sequence.getObjectAt(0)).getOctets()));
        });
    }

    private interface ExtensionReader
    {
        void read(ASN1Primitive value);
    }

    private static void readExtension(final X509CertificateHolder certificate, final ASN1ObjectIdentifier oid,
        final String where, final List<Reason> reasons, final ExtensionReader reader)
    {
        final Extension extension = certificate.getExtension(oid);
        if (extension == null)
        {
            return;
        }
        try
        {
            // Bounded first: Bouncy Castle's parser recurses per nesting level, and a deep value would overflow the
            // stack (an Error, which the catch below would not see).
            DerNesting.check(extension.getExtnValue().getOctets(), "the value");
            reader.read(extension.getParsedValue().toASN1Primitive());
        }
        catch (final RuntimeException e)
        {
            // Bouncy Castle's ASN.1 getInstance methods report a wrong type or structure this way.
            reasons.add(new Reason(SpdmReasons.DICE_EXTENSION_MALFORMED, "the " + oid + " extension of " + where +
                " does not decode: " + e.getMessage()));
        }
    }

    private static DiceTcbInfo tcbInfo(final int certIndex, final String source, final ASN1Sequence sequence)
    {
        String vendor = null;
        String model = null;
        String version = null;
        java.math.BigInteger svn = null;
        java.math.BigInteger layer = null;
        java.math.BigInteger index = null;
        final List<DiceTcbInfo.Fwid> fwids = new ArrayList<>();
        final List<String> flags = new ArrayList<>();
        byte[] vendorInfo = null;
        byte[] type = null;
        for (final ASN1Encodable element : sequence)
        {
            final ASN1TaggedObject tagged = ASN1TaggedObject.getInstance(element, BERTags.CONTEXT_SPECIFIC);
            switch (tagged.getTagNo())
            {
                case 0 -> vendor = ASN1UTF8String.getInstance(tagged, false).getString();
                case 1 -> model = ASN1UTF8String.getInstance(tagged, false).getString();
                case 2 -> version = ASN1UTF8String.getInstance(tagged, false).getString();
                case 3 -> svn = ASN1Integer.getInstance(tagged, false).getValue();
                case 4 -> layer = ASN1Integer.getInstance(tagged, false).getValue();
                case 5 -> index = ASN1Integer.getInstance(tagged, false).getValue();
                case 6 ->
                {
                    for (final ASN1Encodable fwid : ASN1Sequence.getInstance(tagged, false))
                    {
                        fwids.add(fwid(ASN1Sequence.getInstance(fwid)));
                    }
                }
                case 7 -> flags.addAll(flagNames(ASN1BitString.getInstance(tagged, false)));
                case 8 -> vendorInfo = ASN1OctetString.getInstance(tagged, false).getOctets();
                case 9 -> type = ASN1OctetString.getInstance(tagged, false).getOctets();
                default ->
                {
                    // flagsMask [10], integrityRegisters [11] (TcbInfo 1.1) and later additions are not reported.
                }
            }
        }
        return new DiceTcbInfo(certIndex, source, vendor, model, version, svn, layer, index, fwids, flags, vendorInfo,
            type);
    }

    /** RIoT CompositeDeviceID: SEQUENCE { version INTEGER, deviceIdPublicKey SubjectPublicKeyInfo, fwid FWID }. */
    private static DiceTcbInfo compositeDeviceId(final int certIndex, final ASN1Sequence sequence)
    {
        if (sequence.size() != 3)
        {
            throw new IllegalArgumentException("CompositeDeviceID has " + sequence.size() + " elements, 3 expected");
        }
        ASN1Sequence.getInstance(sequence.getObjectAt(1));
        return new DiceTcbInfo(certIndex, "riot_composite_device_id", null, null, null, null, null, null,
            List.of(fwid(ASN1Sequence.getInstance(sequence.getObjectAt(2)))), List.of(), null, null);
    }

    private static DiceTcbInfo.Fwid fwid(final ASN1Sequence fwid)
    {
        if (fwid.size() != 2)
        {
            throw new IllegalArgumentException("FWID has " + fwid.size() + " elements, 2 expected");
        }
        return new DiceTcbInfo.Fwid(ASN1ObjectIdentifier.getInstance(fwid.getObjectAt(0)).getId(),
            ASN1OctetString.getInstance(fwid.getObjectAt(1)).getOctets());
    }

    private static List<String> flagNames(final ASN1BitString bits)
    {
        final byte[] bytes = bits.getBytes();
        final int length = bytes.length * 8 - bits.getPadBits();
        final List<String> names = new ArrayList<>();
        for (int bit = 0; bit < length; bit++)
        {
            // DER BIT STRING: bit 0 is the most significant bit of the first byte.
            if ((bytes[bit >>> 3] & (0x80 >>> (bit & 7))) != 0)
            {
                names.add(bit < FLAG_NAMES.length ? FLAG_NAMES[bit] : bit == FIXED_WIDTH_BIT ? "fixedWidth" :
                    "bit" + bit);
            }
        }
        return names;
    }
}
