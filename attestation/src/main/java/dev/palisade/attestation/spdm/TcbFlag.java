package dev.palisade.attestation.spdm;

/**
 * The DICE TcbInfo OperationalFlags that say a layer is not in a secure production state (TCG DICE Attestation
 * Architecture, "OperationalFlags": notConfigured (0), notSecure (1), recovery (2), debug (3)). A TcbInfo with any of
 * them set contraindicates the evidence unless the verifier allows that flag explicitly
 * ({@link SpdmVerifier.Builder#allowTcbFlags}). The other flags (notReplayProtected, notIntegrityProtected,
 * notRuntimeMeasured, notImmutable, notTcb) describe what a layer is, not a state it is wrongly in, and are only
 * reported.
 */
public enum TcbFlag
{
    NOT_CONFIGURED("notConfigured"),
    NOT_SECURE("notSecure"),
    RECOVERY("recovery"),
    DEBUG("debug");

    private final String label;

    TcbFlag(final String label)
    {
        this.label = label;
    }

    /** The flag's name in the ASN.1 definition, as {@link DiceTcbInfo#flags()} lists it. */
    public String label()
    {
        return label;
    }

    /** @return the flag named {@code label} in {@link DiceTcbInfo#flags()}, or null when it is not one of these. */
    public static TcbFlag ofLabel(final String label)
    {
        for (final TcbFlag flag : values())
        {
            if (flag.label.equals(label))
            {
                return flag;
            }
        }
        return null;
    }
}
