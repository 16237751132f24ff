package dev.palisade.attestation.verifier;

import dev.palisade.attestation.spdm.SpdmReferenceValues;
import dev.palisade.attestation.spdm.TcbFlag;
import org.bouncycastle.cert.X509CertificateHolder;

import java.util.List;
import java.util.Set;

/**
 * How the verifier appraises SPDM device evidence beside TPM quotes.
 *
 * @param roots           the device manufacturers' roots; a chain must end in one. Not empty: without a root no
 *                        device evidence could be more than a warning, and a warning is not enough to get policy.
 * @param reference       the expected measurements and DICE TcbInfos; null leaves executables unrecognised (WARNING).
 * @param allowedTcbFlags DICE operational flags tolerated in the chain (a lab board in debug mode); normally empty.
 * @param required        every DPU must present device evidence with each quote; without it, evidence is appraised
 *                        when a DPU presents some, and a DPU with no SPDM responder is appraised on its TPM alone.
 */
public record SpdmPolicy(List<X509CertificateHolder> roots, SpdmReferenceValues reference, Set<TcbFlag> allowedTcbFlags,
    boolean required)
{
    public SpdmPolicy
    {
        roots = List.copyOf(roots);
        if (roots.isEmpty())
        {
            throw new IllegalArgumentException("SPDM appraisal needs at least one device root certificate");
        }
        allowedTcbFlags = Set.copyOf(allowedTcbFlags);
    }
}
