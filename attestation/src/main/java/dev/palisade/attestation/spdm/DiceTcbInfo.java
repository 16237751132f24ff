package dev.palisade.attestation.spdm;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TCG DICE TcbInfo found in a certificate of the chain (TCG DICE Attestation Architecture, the "DiceTcbInfo"
 * extension, OID 2.23.133.5.4.1; MultiTcbInfo 2.23.133.5.4.5 is a sequence of them):
 * <pre>
 *   DiceTcbInfo ::= SEQUENCE {
 *     vendor [0] IMPLICIT UTF8String OPTIONAL,     model [1] IMPLICIT UTF8String OPTIONAL,
 *     version [2] IMPLICIT UTF8String OPTIONAL,    svn [3] IMPLICIT INTEGER OPTIONAL,
 *     layer [4] IMPLICIT INTEGER OPTIONAL,         index [5] IMPLICIT INTEGER OPTIONAL,
 *     fwids [6] IMPLICIT FWIDLIST OPTIONAL,        flags [7] IMPLICIT OperationalFlags OPTIONAL,
 *     vendorInfo [8] IMPLICIT OCTET STRING OPTIONAL, type [9] IMPLICIT OCTET STRING OPTIONAL, ... }
 *   FWID ::= SEQUENCE { hashAlg OBJECT IDENTIFIER, digest OCTET STRING }
 * </pre>
 * Some devices (NVIDIA Hopper's GSP firmware certificate among them) use OID 2.23.133.5.4.1 for the older RIoT/DICE
 * CompositeDeviceID, {@code SEQUENCE { version INTEGER, deviceIdPublicKey SubjectPublicKeyInfo, fwid FWID }}; it is
 * read as a TcbInfo with only its FWID, {@code source} saying which form it was.
 *
 * @param certIndex position of the certificate in the leaf-first chain (0 = leaf).
 * @param source    {@code tcb_info}, {@code multi_tcb_info} or {@code riot_composite_device_id}.
 * @param flags     names of the OperationalFlags bits set (notConfigured, notSecure, recovery, debug, ...).
 * @param vendorInfo null when absent; {@code type} likewise.
 */
public record DiceTcbInfo(int certIndex, String source, String vendor, String model, String version, BigInteger svn,
    BigInteger layer, BigInteger index, List<Fwid> fwids, List<String> flags, byte[] vendorInfo, byte[] type)
{
    /** A firmware identifier: a digest and the OID of its hash algorithm. */
    public record Fwid(String hashAlgorithm, byte[] digest)
    {
        public Fwid
        {
            digest = digest.clone();
        }

        @Override
        public byte[] digest()
        {
            return digest.clone();
        }
    }

    public DiceTcbInfo
    {
        fwids = List.copyOf(fwids);
        flags = List.copyOf(flags);
        vendorInfo = vendorInfo == null ? null : vendorInfo.clone();
        type = type == null ? null : type.clone();
    }

    @Override
    public byte[] vendorInfo()
    {
        return vendorInfo == null ? null : vendorInfo.clone();
    }

    @Override
    public byte[] type()
    {
        return type == null ? null : type.clone();
    }

    /** A JSON-ready view: absent fields are left out, bytes are hex. */
    public Map<String, Object> toJson()
    {
        final HexFormat hex = HexFormat.of();
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("cert_index", certIndex);
        json.put("source", source);
        putIfPresent(json, "vendor", vendor);
        putIfPresent(json, "model", model);
        putIfPresent(json, "version", version);
        putIfPresent(json, "svn", svn);
        putIfPresent(json, "layer", layer);
        putIfPresent(json, "index", index);
        final List<Map<String, Object>> fwidList = new ArrayList<>();
        for (final Fwid fwid : fwids)
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("hash_alg", fwid.hashAlgorithm());
            entry.put("digest", hex.formatHex(fwid.digest));
            fwidList.add(entry);
        }
        json.put("fwids", fwidList);
        json.put("flags", flags);
        putIfPresent(json, "vendor_info", vendorInfo == null ? null : hex.formatHex(vendorInfo));
        putIfPresent(json, "type", type == null ? null : hex.formatHex(type));
        return json;
    }

    private static void putIfPresent(final Map<String, Object> json, final String key, final Object value)
    {
        if (value != null)
        {
            json.put(key, value);
        }
    }
}
