package dev.palisade.attestation.tpm;

import dev.palisade.attestation.KeyFiles;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reference values for PCRs: what a known-good DPU's firmware, boot chain and software measure to, by bank and index.
 * Read from YAML or JSON:
 * <pre>
 * pcrs:
 *   sha256:
 *     0: 3d458cfe55cc03ea1f443f1562beec8df51c75e14a9fcf9a7234a13f198e7969
 *     16: 93d5799edf61f53913abca90eefc9548a3969e0dd49e52fbe8ed1f185917bbde
 * </pre>
 * Other top-level keys are left to other appraisers (SPDM measurements share the file).
 */
public final class PcrReference
{
    private static final int MAX_CHARS = 1 << 20;

    private final PcrValues values;

    public PcrReference(final PcrValues values)
    {
        this.values = values;
    }

    public PcrValues values()
    {
        return values;
    }

    /**
     * @throws IllegalArgumentException naming the entry that is wrong (an unknown bank, an index out of 0..31, a value
     *                                  that is not hex of the bank's digest size).
     */
    public static PcrReference parse(final String text)
    {
        if (text.length() > MAX_CHARS)
        {
            throw new IllegalArgumentException("reference file of " + text.length() + " characters; at most " +
                MAX_CHARS);
        }
        final Object root;
        try
        {
            root = new Load(LoadSettings.builder().setMaxAliasesForCollections(10).build()).loadFromString(text);
        }
        catch (final RuntimeException e)
        {
            throw new IllegalArgumentException("not YAML or JSON: " + e.getMessage());
        }
        final Map<Integer, Map<Integer, byte[]>> banks = new TreeMap<>();
        if (!(root instanceof Map<?, ?> top))
        {
            throw new IllegalArgumentException("expected a mapping with a 'pcrs' key at the top");
        }
        final Object pcrs = top.get("pcrs");
        if (pcrs == null)
        {
            return new PcrReference(new PcrValues(banks));
        }
        if (!(pcrs instanceof Map<?, ?> byBank))
        {
            throw new IllegalArgumentException("pcrs: expected a mapping of banks (sha256: {index: hex})");
        }
        for (final Map.Entry<?, ?> bank : byBank.entrySet())
        {
            final String bankName = String.valueOf(bank.getKey()).toLowerCase(Locale.ROOT);
            final int alg = TpmAlgorithm.hashByName(bankName);
            if (alg < 0)
            {
                throw new IllegalArgumentException("pcrs." + bankName + ": unknown bank (sha1, sha256, sha384, sha512)");
            }
            if (!(bank.getValue() instanceof Map<?, ?> entries))
            {
                throw new IllegalArgumentException("pcrs." + bankName + ": expected a mapping of PCR index to hex");
            }
            final Map<Integer, byte[]> values = new TreeMap<>();
            for (final Map.Entry<?, ?> e : entries.entrySet())
            {
                final String where = "pcrs." + bankName + "." + e.getKey();
                final int index;
                try
                {
                    index = Integer.parseInt(String.valueOf(e.getKey()).strip());
                }
                catch (final NumberFormatException ex)
                {
                    throw new IllegalArgumentException(where + ": the PCR index is not a number");
                }
                if (index < 0 || index > 31)
                {
                    throw new IllegalArgumentException(where + ": PCR index out of 0..31");
                }
                final byte[] value;
                try
                {
                    value = KeyFiles.hex(String.valueOf(e.getValue()));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new IllegalArgumentException(where + ": " + ex.getMessage());
                }
                if (value.length != TpmAlgorithm.digestSize(alg))
                {
                    throw new IllegalArgumentException(where + ": " + value.length + " bytes, a " + bankName +
                        " PCR holds " + TpmAlgorithm.digestSize(alg));
                }
                values.put(index, value);
            }
            banks.put(alg, values);
        }
        return new PcrReference(new PcrValues(banks));
    }
}
