package dev.palisade.attestation.tpm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A TCG event log as firmware and the OS write it ({@code /sys/kernel/security/tpm0/binary_bios_measurements}): the
 * list of what was measured into each PCR. Replaying it recomputes the PCRs, so a quote that vouches for those PCRs
 * vouches for every event, and an appraisal can name the measurement that differs instead of only the PCR.
 * <p>
 * Reads the crypto-agile format (TCG PC Client Platform Firmware Profile, section 10: a first SHA-1-format event
 * holding "Spec ID Event03" and the digest sizes, then TCG_PCR_EVENT2 records with one digest per bank) and the older
 * SHA-1-only format. Little-endian, as the spec writes it. Bounded: the log is untrusted until its replay matches a
 * verified quote.
 */
public final class EventLog
{
    public static final int EV_NO_ACTION = 0x0000_0003;
    public static final int MAX_EVENTS = 20_000;
    public static final int MAX_EVENT_DATA = 1 << 20;
    public static final int MAX_LOG_BYTES = 32 << 20;
    private static final byte[] SPEC_ID = "Spec ID Event03\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] STARTUP_LOCALITY =
        "StartupLocality\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** One measurement: into PCR {@code pcr}, of type {@code type}, with a digest per bank. */
    public record Event(int index, int pcr, int type, Map<Integer, byte[]> digests, byte[] data)
    {
    }

    private final List<Event> events;
    private final boolean cryptoAgile;
    private final int startupLocality;

    private EventLog(final List<Event> events, final boolean cryptoAgile, final int startupLocality)
    {
        this.events = events;
        this.cryptoAgile = cryptoAgile;
        this.startupLocality = startupLocality;
    }

    public List<Event> events()
    {
        return events;
    }

    public boolean cryptoAgile()
    {
        return cryptoAgile;
    }

    /** @throws TpmFormatException naming the event, field and byte offset when the log does not decode. */
    public static EventLog parse(final byte[] bytes) throws TpmFormatException
    {
        if (bytes.length > MAX_LOG_BYTES)
        {
            throw new TpmFormatException("event log", 0, bytes.length + " bytes; at most " + MAX_LOG_BYTES);
        }
        final Le in = new Le(bytes);
        final List<Event> events = new ArrayList<>();
        // The first event is always in the SHA-1 format.
        final Event first = sha1Event(in, 0);
        final Map<Integer, Integer> sizes = new LinkedHashMap<>();
        final boolean agile = first.type() == EV_NO_ACTION && first.data().length >= SPEC_ID.length + 12 &&
            Arrays.equals(Arrays.copyOf(first.data(), SPEC_ID.length), SPEC_ID);
        int locality = 0;
        if (agile)
        {
            final Le spec = new Le(first.data());
            spec.skip("Spec ID Event03", SPEC_ID.length + 4 + 4); // signature, platformClass, versions, errata, uintn
            final int count = spec.u32("numberOfAlgorithms");
            if (count < 1 || count > 16)
            {
                throw new TpmFormatException("TCG_EfiSpecIdEvent.numberOfAlgorithms", 0, count + " algorithms");
            }
            for (int i = 0; i < count; i++)
            {
                final int alg = spec.u16("digestSizes.algorithmId");
                final int size = spec.u16("digestSizes.digestSize");
                if (size < 1 || size > 64)
                {
                    throw new TpmFormatException("TCG_EfiSpecIdEvent.digestSizes", 0, "digest size " + size);
                }
                sizes.put(alg, size);
            }
        }
        else
        {
            events.add(first);
        }
        while (in.remaining() > 0)
        {
            if (events.size() >= MAX_EVENTS)
            {
                throw new TpmFormatException("event log", in.position, "more than " + MAX_EVENTS + " events");
            }
            final int index = events.size() + (agile ? 1 : 0);
            final Event e = agile ? agileEvent(in, index, sizes) : sha1Event(in, index);
            if (e.type() == EV_NO_ACTION && e.pcr() == 0 && e.data().length >= STARTUP_LOCALITY.length + 1 &&
                Arrays.equals(Arrays.copyOf(e.data(), STARTUP_LOCALITY.length), STARTUP_LOCALITY))
            {
                locality = e.data()[STARTUP_LOCALITY.length] & 0xFF;
            }
            events.add(e);
        }
        return new EventLog(List.copyOf(events), agile, locality);
    }

    private static Event sha1Event(final Le in, final int index) throws TpmFormatException
    {
        final String at = "event " + index;
        final int pcr = in.u32(at + ".pcrIndex");
        final int type = in.u32(at + ".eventType");
        final byte[] digest = in.bytes(at + ".digest", 20);
        final byte[] data = in.bytes(at + ".event", eventSize(in, at));
        return new Event(index, pcr, type, Map.of(TpmAlgorithm.SHA1, digest), data);
    }

    private static Event agileEvent(final Le in, final int index, final Map<Integer, Integer> sizes)
        throws TpmFormatException
    {
        final String at = "event " + index;
        final int pcrAt = in.position;
        final int pcr = in.u32(at + ".pcrIndex");
        if (pcr < 0 || pcr > 31)
        {
            throw new TpmFormatException(at + ".pcrIndex", pcrAt, "PCR " + Integer.toUnsignedString(pcr));
        }
        final int type = in.u32(at + ".eventType");
        final int countAt = in.position;
        final int count = in.u32(at + ".digests.count");
        if (count < 0 || count > sizes.size())
        {
            throw new TpmFormatException(at + ".digests.count", countAt, Integer.toUnsignedString(count) +
                " digests; the log declares " + sizes.size() + " algorithms");
        }
        final Map<Integer, byte[]> digests = new LinkedHashMap<>();
        for (int i = 0; i < count; i++)
        {
            final int algAt = in.position;
            final int alg = in.u16(at + ".digests.hashAlg");
            final Integer size = sizes.get(alg);
            if (size == null)
            {
                throw new TpmFormatException(at + ".digests.hashAlg", algAt, String.format(
                    "algorithm 0x%04x is not declared in the Spec ID event", alg));
            }
            digests.put(alg, in.bytes(at + ".digests.digest", size));
        }
        final byte[] data = in.bytes(at + ".event", eventSize(in, at));
        return new Event(index, pcr, type, digests, data);
    }

    private static int eventSize(final Le in, final String at) throws TpmFormatException
    {
        final int sizeAt = in.position;
        final int size = in.u32(at + ".eventSize");
        if (size < 0 || size > MAX_EVENT_DATA)
        {
            throw new TpmFormatException(at + ".eventSize", sizeAt, Integer.toUnsignedString(size) + " bytes; at most " +
                MAX_EVENT_DATA);
        }
        return size;
    }

    /**
     * Replays the log: every event but EV_NO_ACTION extends its PCR in each bank it has a digest for. PCR 0 starts
     * at the startup locality when the log records one (an H-CRTM or locality-3 start), else at zero.
     *
     * @return bank → PCR → value.
     */
    public PcrValues replay()
    {
        final Map<Integer, Map<Integer, byte[]>> banks = new TreeMap<>();
        for (final Event e : events)
        {
            if (e.type() == EV_NO_ACTION)
            {
                continue;
            }
            for (final Map.Entry<Integer, byte[]> d : e.digests().entrySet())
            {
                final int size = TpmAlgorithm.digestSize(d.getKey());
                if (size < 0)
                {
                    continue; // a bank this verifier cannot hash is not replayed
                }
                final Map<Integer, byte[]> bank = banks.computeIfAbsent(d.getKey(), k -> new TreeMap<>());
                final byte[] old = bank.computeIfAbsent(e.pcr(), pcr -> initial(pcr, size));
                bank.put(e.pcr(), TpmAlgorithm.hash(d.getKey(), old, d.getValue()));
            }
        }
        return new PcrValues(banks);
    }

    private byte[] initial(final int pcr, final int size)
    {
        final byte[] value = new byte[size];
        if (pcr == 0)
        {
            value[size - 1] = (byte)startupLocality;
        }
        return value;
    }

    /** A little-endian bounded cursor (the event log's byte order). */
    private static final class Le
    {
        private final byte[] b;
        private int position;

        Le(final byte[] b)
        {
            this.b = b;
        }

        int remaining()
        {
            return b.length - position;
        }

        private void need(final String field, final int n) throws TpmFormatException
        {
            if (n > b.length - position)
            {
                throw new TpmFormatException(field, position, "needs " + n + " bytes, " + (b.length - position) +
                    " left");
            }
        }

        int u16(final String field) throws TpmFormatException
        {
            need(field, 2);
            final int v = (b[position] & 0xFF) | ((b[position + 1] & 0xFF) << 8);
            position += 2;
            return v;
        }

        int u32(final String field) throws TpmFormatException
        {
            need(field, 4);
            final int v = (b[position] & 0xFF) | ((b[position + 1] & 0xFF) << 8) | ((b[position + 2] & 0xFF) << 16) |
                ((b[position + 3] & 0xFF) << 24);
            position += 4;
            return v;
        }

        byte[] bytes(final String field, final int n) throws TpmFormatException
        {
            need(field, n);
            final byte[] out = Arrays.copyOfRange(b, position, position + n);
            position += n;
            return out;
        }

        void skip(final String field, final int n) throws TpmFormatException
        {
            need(field, n);
            position += n;
        }
    }
}
