package dev.palisade.attestation;

import org.bouncycastle.asn1.x500.X500Name;

import java.util.HexFormat;

/**
 * Distinguished names for messages. Names come from untrusted certificates, and Bouncy Castle's printing throws on
 * some (a UTF8String that is not UTF-8, say): a name that does not print is shown as its DER, never thrown.
 */
public final class Names
{
    private Names()
    {
    }

    public static String print(final X500Name name)
    {
        try
        {
            return name.toString();
        }
        catch (final RuntimeException e)
        {
            try
            {
                final String hex = HexFormat.of().formatHex(name.getEncoded());
                return "(a name that does not print, DER " + (hex.length() > 64 ? hex.substring(0, 64) + "…" : hex) +
                    ")";
            }
            catch (final java.io.IOException | RuntimeException again)
            {
                return "(a name that does not print)";
            }
        }
    }
}
