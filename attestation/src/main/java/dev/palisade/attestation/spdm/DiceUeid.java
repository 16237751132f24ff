package dev.palisade.attestation.spdm;

/**
 * A TCG DICE UEID extension (TCG DICE Attestation Architecture, "TcgUeid" extension, OID 2.23.133.5.4.4:
 * {@code SEQUENCE { ueid OCTET STRING }}): the device's universal entity ID, found in certificate {@code certIndex}
 * of the leaf-first chain.
 */
public record DiceUeid(int certIndex, byte[] ueid)
{
    public DiceUeid
    {
        ueid = ueid.clone();
    }

    @Override
    public byte[] ueid()
    {
        return ueid.clone();
    }
}
