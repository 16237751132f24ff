package dev.palisade.attestation.spdm;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reference values for SPDM evidence (the RATS "reference values" role, RFC 9334 section 3.3), read from YAML or JSON:
 * <pre>
 *   measurements:            # index -&gt; expected DMTFSpecMeasurementValue, hex
 *     1: "5f3c..."
 *     "2": "0x9a71..."
 *   tcb:                     # DICE TcbInfo expectations
 *     - vendor: "NVIDIA"     # vendor and model select TcbInfos (both optional; neither selects every TcbInfo)
 *       model: "BlueField-3"
 *       version: "1.2.0"     # optional, exact
 *       svn_min: 3           # optional, svn &gt;= svn_min
 *       fwid: "ab12..."      # optional, one digest or a non-empty list; one of them must be among the TcbInfo's fwids
 * </pre>
 * Every TcbInfo in the chain that an entry selects must satisfy it (a chain may carry several with the same vendor and
 * model, and one that passes must not hide one that does not), and an entry that selects none fails.
 * <p>
 * Unknown keys are refused rather than ignored, so that a misspelt {@code svn_min} cannot silently drop a check; so
 * are references that check nothing (no measurement and no tcb entry, which would affirm any device) and an empty
 * {@code fwid} list (which would drop the FWID check).
 */
public final class SpdmReferenceValues
{
    /**
     * One TcbInfo expectation: {@code vendor} and {@code model} select TcbInfos (null selects any), the other fields
     * are checked on each selected one; null fields and an empty {@code fwids} are not checked.
     */
    public record TcbReference(String vendor, String model, String version, BigInteger svnMin, List<byte[]> fwids)
    {
        public TcbReference
        {
            fwids = fwids.stream().map(byte[]::clone).toList();
        }

        @Override
        public List<byte[]> fwids()
        {
            return fwids.stream().map(byte[]::clone).toList();
        }
    }

    private static final Set<String> TOP_KEYS = Set.of("measurements", "tcb");
    private static final Set<String> TCB_KEYS = Set.of("vendor", "model", "version", "svn_min", "fwid");

    private final Map<Integer, byte[]> measurements;
    private final List<TcbReference> tcb;

    private SpdmReferenceValues(final Map<Integer, byte[]> measurements, final List<TcbReference> tcb)
    {
        if (measurements.isEmpty() && tcb.isEmpty())
        {
            throw new IllegalArgumentException("the reference values check nothing: give at least one measurement " +
                "or tcb entry (references without any would affirm every device)");
        }
        final Map<Integer, byte[]> copy = new TreeMap<>();
        measurements.forEach((index, value) -> copy.put(index, value.clone()));
        this.measurements = copy;
        this.tcb = List.copyOf(tcb);
    }

    /**
     * Reference values given in code: measurement index to expected value, and TcbInfo expectations.
     *
     * @throws IllegalArgumentException when an index is outside 1..254, or both are empty.
     */
    public static SpdmReferenceValues of(final Map<Integer, byte[]> measurements, final List<TcbReference> tcb)
    {
        for (final Integer index : measurements.keySet())
        {
            checkIndex(index);
        }
        return new SpdmReferenceValues(measurements, tcb);
    }

    /** Index to expected value, in index order. */
    public Map<Integer, byte[]> measurements()
    {
        final Map<Integer, byte[]> copy = new TreeMap<>();
        measurements.forEach((index, value) -> copy.put(index, value.clone()));
        return copy;
    }

    public List<TcbReference> tcb()
    {
        return tcb;
    }

    /** @throws IllegalArgumentException naming the entry that is wrong and why. */
    public static SpdmReferenceValues load(final Path path) throws IOException
    {
        return parse(Files.readString(path, StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException naming the entry that is wrong and why. */
    public static SpdmReferenceValues parse(final String text)
    {
        final Object document;
        try
        {
            document = new Load(LoadSettings.builder().setLabel("reference values").build()).loadFromString(text);
        }
        catch (final YamlEngineException e)
        {
            throw new IllegalArgumentException("reference values are not YAML/JSON: " + e.getMessage());
        }
        if (!(document instanceof Map<?, ?> top))
        {
            throw new IllegalArgumentException("reference values must be a mapping with 'measurements' and/or 'tcb'");
        }
        checkKeys(top, TOP_KEYS, "top level");
        final Map<Integer, byte[]> measurements = new TreeMap<>();
        final Object measurementNode = top.get("measurements");
        if (measurementNode != null)
        {
            if (!(measurementNode instanceof Map<?, ?> map))
            {
                throw new IllegalArgumentException("'measurements' must map an index to a hex value");
            }
            for (final Map.Entry<?, ?> entry : map.entrySet())
            {
                final int index = index(entry.getKey());
                measurements.put(index, hex("measurements." + index, entry.getValue()));
            }
        }
        final List<TcbReference> tcb = new ArrayList<>();
        final Object tcbNode = top.get("tcb");
        if (tcbNode != null)
        {
            if (!(tcbNode instanceof List<?> list))
            {
                throw new IllegalArgumentException("'tcb' must be a list of {vendor, model, version, svn_min, fwid}");
            }
            for (int i = 0; i < list.size(); i++)
            {
                tcb.add(tcbReference("tcb[" + i + "]", list.get(i)));
            }
        }
        return new SpdmReferenceValues(measurements, tcb);
    }

    private static TcbReference tcbReference(final String where, final Object node)
    {
        if (!(node instanceof Map<?, ?> map))
        {
            throw new IllegalArgumentException(where + " must be a mapping");
        }
        checkKeys(map, TCB_KEYS, where);
        BigInteger svnMin = null;
        final Object svn = map.get("svn_min");
        if (svn != null)
        {
            if (svn instanceof Integer || svn instanceof Long || svn instanceof BigInteger)
            {
                svnMin = new BigInteger(svn.toString());
            }
            else
            {
                throw new IllegalArgumentException(where + ".svn_min must be an integer, not '" + svn + "'");
            }
        }
        final List<byte[]> fwids = new ArrayList<>();
        final Object fwid = map.get("fwid");
        if (fwid instanceof List<?> list)
        {
            if (list.isEmpty())
            {
                throw new IllegalArgumentException(where + ".fwid is an empty list: give at least one digest, or " +
                    "leave fwid out to not check FWIDs");
            }
            for (int i = 0; i < list.size(); i++)
            {
                fwids.add(hex(where + ".fwid[" + i + "]", list.get(i)));
            }
        }
        else if (fwid != null)
        {
            fwids.add(hex(where + ".fwid", fwid));
        }
        return new TcbReference(string(where, map, "vendor"), string(where, map, "model"),
            string(where, map, "version"), svnMin, fwids);
    }

    private static String string(final String where, final Map<?, ?> map, final String key)
    {
        final Object value = map.get(key);
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof String s))
        {
            throw new IllegalArgumentException(where + "." + key + " must be a string, not '" + value + "'");
        }
        return s;
    }

    private static void checkKeys(final Map<?, ?> map, final Set<String> allowed, final String where)
    {
        for (final Object key : map.keySet())
        {
            if (!(key instanceof String s) || !allowed.contains(s))
            {
                throw new IllegalArgumentException("unknown key '" + key + "' at " + where + " (allowed: " +
                    String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static int index(final Object key)
    {
        final int index;
        try
        {
            index = Integer.parseInt(key.toString().strip());
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException("measurement index '" + key + "' is not a number");
        }
        checkIndex(index);
        return index;
    }

    private static void checkIndex(final int index)
    {
        if (index < 1 || index > 0xFE)
        {
            throw new IllegalArgumentException("measurement index " + index + " is outside 1..254");
        }
    }

    private static byte[] hex(final String where, final Object value)
    {
        if (!(value instanceof String text))
        {
            throw new IllegalArgumentException(where + " must be a hex string (quote it), not '" + value + "'");
        }
        try
        {
            return SpdmVerifier.parseHex(text);
        }
        catch (final SpdmFormatException e)
        {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    /** For messages: a value as hex. */
    static String hex(final byte[] value)
    {
        return HexFormat.of().formatHex(value);
    }
}
