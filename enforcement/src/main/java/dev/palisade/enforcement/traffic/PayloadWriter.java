package dev.palisade.enforcement.traffic;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes the application payloads: HTTP/1.1 requests and response headers (RFC 9112), TLS ClientHello and server
 * flights (RFC 8446 section 4.1, RFC 5246 section 7.4), DNS queries and responses (RFC 1035 section 4.1, EDNS RFC
 * 6891), and filler for bodies and encrypted records. Everything is built from tables made once, so writing a payload
 * allocates nothing.
 */
final class PayloadWriter
{
    static final byte[][] HOST_PREFIXES = ascii(
        "www", "api", "cdn", "static", "img", "login", "auth", "app", "m", "assets", "edge", "media", "telemetry",
        "update", "mail", "docs");
    static final byte[][] HOST_DOMAINS = ascii(
        "acme-corp", "northwind", "contoso", "fabrikam", "globex", "initech", "umbrella", "hooli", "piedpiper",
        "stark-industries", "wayne-enterprises", "tyrell", "cyberdyne", "soylent", "wonka", "aperture", "blackmesa",
        "vandelay", "dunder-mifflin", "oceanic-air", "monarch", "gringotts", "bluth", "prestige-worldwide", "sterling",
        "massive-dynamic", "oscorp", "nakatomi", "weyland-yutani", "initrode");
    static final byte[][] HOST_TLDS = ascii("com", "net", "org", "io", "dev", "cloud", "co.uk", "de");

    static final byte[][] HTTP_PATHS = ascii(
        "/", "/index.html", "/about", "/docs/getting-started", "/static/css/main.4f1c2b.css", "/robots.txt",
        "/healthz", "/metrics", "/download/agent-2.7.1.bin", "/v1/objects/4c8a9e2f");
    /** Content types of {@link #HTTP_PATHS}, by index; bodies are text filler, so no type a dissector would decode. */
    static final byte[][] HTTP_CONTENT_TYPES = ascii(
        "text/html; charset=utf-8", "text/html; charset=utf-8", "text/html; charset=utf-8", "text/html; charset=utf-8",
        "text/css", "text/plain", "text/plain", "text/plain; version=0.0.4", "application/octet-stream",
        "application/octet-stream");
    static final byte[][] HTTP_USER_AGENTS = ascii(
        "curl/8.5.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 " +
            "Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "python-requests/2.31.0",
        "Go-http-client/1.1",
        "okhttp/4.12.0",
        "Wget/1.21.4");
    static final byte[][] HTTP_SERVERS = ascii("nginx/1.24.0", "Apache/2.4.58 (Unix)", "envoy", "cloudflare");

    private static final byte[] REQUEST_GET = ascii("GET ")[0];
    private static final byte[] REQUEST_HOST = ascii(" HTTP/1.1\r\nHost: ")[0];
    private static final byte[] REQUEST_USER_AGENT = ascii("\r\nUser-Agent: ")[0];
    private static final byte[] REQUEST_END = ascii("\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n")[0];
    private static final byte[] RESPONSE_SERVER = ascii("HTTP/1.1 200 OK\r\nServer: ")[0];
    private static final byte[] RESPONSE_CONTENT_TYPE = ascii("\r\nContent-Type: ")[0];
    private static final byte[] RESPONSE_CONTENT_LENGTH = ascii("\r\nContent-Length: ")[0];
    private static final byte[] RESPONSE_END = ascii("\r\nConnection: keep-alive\r\n\r\n")[0];

    static final int TLS_RECORD_HEADER_LENGTH = 5;
    /** A record header and one byte: the smallest application data record worth sending. */
    static final int TLS_MIN_RECORD_LENGTH = TLS_RECORD_HEADER_LENGTH + 1;
    private static final int TLS_CONTENT_CHANGE_CIPHER_SPEC = 20;
    private static final int TLS_CONTENT_HANDSHAKE = 22;
    private static final int TLS_CONTENT_APPLICATION_DATA = 23;
    private static final int TLS_HANDSHAKE_CLIENT_HELLO = 1;
    private static final int TLS_HANDSHAKE_SERVER_HELLO = 2;
    private static final int TLS_HANDSHAKE_SERVER_HELLO_DONE = 14;
    private static final int TLS_VERSION_1_0 = 0x0301;
    private static final int TLS_VERSION_1_2 = 0x0303;
    private static final int TLS_RANDOM_LENGTH = 32;
    private static final int TLS_SESSION_ID_LENGTH = 32;
    private static final int TLS_KEY_SHARE_LENGTH = 32;

    private static final byte[] CIPHER_SUITES_TLS13 = bytes(
        0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9, 0xcc, 0xa8,
        0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35);
    private static final byte[] CIPHER_SUITES_TLS12 = bytes(
        0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c,
        0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35);
    /** After server_name: EMS, renegotiation_info, groups, ec_point_formats, session_ticket, ALPN, sig_algs. */
    private static final byte[] CLIENT_EXTENSIONS = bytes(
        0x00, 0x17, 0x00, 0x00,
        0xff, 0x01, 0x00, 0x01, 0x00,
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
        0x00, 0x23, 0x00, 0x00,
        0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',
        0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01,
        0x08, 0x06, 0x06, 0x01);
    /** supported_versions (1.3, 1.2), psk_key_exchange_modes (psk_dhe_ke), then key_share's x25519 header. */
    private static final byte[] CLIENT_EXTENSIONS_TLS13 = bytes(
        0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,
        0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,
        0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20);
    /** TLS_AES_128_GCM_SHA256, null compression, supported_versions (1.3), key_share's x25519 header. */
    private static final byte[] SERVER_HELLO_TAIL_TLS13 = bytes(
        0x13, 0x01, 0x00, 0x00, 0x2e,
        0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
        0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20);
    /** ECDHE_RSA_WITH_AES_128_GCM_SHA256, null compression, renegotiation_info, EMS, ec_point_formats. */
    private static final byte[] SERVER_HELLO_TAIL_TLS12 = bytes(
        0xc0, 0x2f, 0x00, 0x00, 0x0f,
        0xff, 0x01, 0x00, 0x01, 0x00,
        0x00, 0x17, 0x00, 0x00,
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00);
    private static final byte[] CHANGE_CIPHER_SPEC =
        bytes(TLS_CONTENT_CHANGE_CIPHER_SPEC, 0x03, 0x03, 0x00, 0x01, 0x01);
    private static final int SERVER_HELLO_BODY_FIXED = 2 + TLS_RANDOM_LENGTH + 1 + TLS_SESSION_ID_LENGTH;
    private static final int SERVER_FLIGHT_LENGTH_TLS13 = TLS_RECORD_HEADER_LENGTH + 4 + SERVER_HELLO_BODY_FIXED +
        SERVER_HELLO_TAIL_TLS13.length + TLS_KEY_SHARE_LENGTH + CHANGE_CIPHER_SPEC.length;
    private static final int SERVER_FLIGHT_LENGTH_TLS12 = TLS_RECORD_HEADER_LENGTH + 4 + SERVER_HELLO_BODY_FIXED +
        SERVER_HELLO_TAIL_TLS12.length + 4;

    // Offsets from a flow's randomBase of its handshake's random material.
    private static final int CLIENT_RANDOM_AT = 0;
    private static final int SESSION_ID_AT = 32;
    private static final int CLIENT_KEY_AT = 64;
    private static final int SERVER_RANDOM_AT = 96;
    private static final int SERVER_KEY_AT = 128;

    static final int DNS_HEADER_LENGTH = 12;
    private static final int DNS_FLAGS_QUERY = 0x0100; // RD
    private static final int DNS_FLAGS_RESPONSE = 0x8180; // QR, RD, RA, NOERROR
    private static final int DNS_TYPE_A = 1;
    private static final int DNS_TYPE_AAAA = 28;
    private static final int DNS_CLASS_IN = 1;
    private static final int DNS_NAME_POINTER_TO_QUESTION = 0xC000 | DNS_HEADER_LENGTH;
    /** OPT pseudo-record: root name, type 41, 1232-byte UDP payload (the DNS Flag Day 2020 value), no flags. */
    private static final byte[] DNS_OPT_RECORD =
        bytes(0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);

    /**
     * Random bytes for keys, randoms and encrypted records. A window starts anywhere in the first RANDOM_WINDOWS bytes;
     * the frame-sized slack after them holds a whole payload or a flow's 160 bytes of handshake material.
     */
    static final int RANDOM_WINDOWS = 16384;
    private static final int RANDOM_BLOCK_BYTES = RANDOM_WINDOWS + FrameBuilder.FRAME_CAPACITY;
    private static final int FILLER_BYTES = 4096;
    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;

    private final byte[] random = new byte[RANDOM_BLOCK_BYTES];
    private final byte[] filler = new byte[FILLER_BYTES];
    private final SplitMix64 answerRng = new SplitMix64(0);

    PayloadWriter(final long seed)
    {
        final SplitMix64 rng = new SplitMix64(SplitMix64.mix(seed ^ 0x52414E444F4D0000L));
        for (int i = 0; i < random.length; i++)
        {
            random[i] = (byte)rng.nextLong();
        }
        final byte[] text = ascii("<p>Palisade synthetic traffic: the quick brown fox jumps over the lazy dog " +
            "while packets flow through the data plane.</p>\n")[0];
        for (int i = 0; i < filler.length; i++)
        {
            filler[i] = text[i % text.length];
        }
    }

    int hostnameLength(final Flow flow)
    {
        return HOST_PREFIXES[flow.hostPrefix].length + 1 + HOST_DOMAINS[flow.hostDomain].length + 1 +
            HOST_TLDS[flow.hostTld].length;
    }

    /** Writes the flow's hostname, dotted, and returns its length. */
    int putHostname(final UnsafeBuffer buffer, final int at, final Flow flow)
    {
        int p = at;
        p = put(buffer, p, HOST_PREFIXES[flow.hostPrefix]);
        buffer.putByte(p++, (byte)'.');
        p = put(buffer, p, HOST_DOMAINS[flow.hostDomain]);
        buffer.putByte(p++, (byte)'.');
        p = put(buffer, p, HOST_TLDS[flow.hostTld]);
        return p - at;
    }

    int httpRequest(final UnsafeBuffer buffer, final int at, final Flow flow)
    {
        int p = put(buffer, at, REQUEST_GET);
        p = put(buffer, p, HTTP_PATHS[flow.httpPath]);
        p = put(buffer, p, REQUEST_HOST);
        p += putHostname(buffer, p, flow);
        p = put(buffer, p, REQUEST_USER_AGENT);
        p = put(buffer, p, HTTP_USER_AGENTS[flow.httpUserAgent]);
        p = put(buffer, p, REQUEST_END);
        return p - at;
    }

    /** @return the response header's length, less the Content-Length digits and padding. */
    int httpResponseHeaderBaseLength(final Flow flow)
    {
        return RESPONSE_SERVER.length + HTTP_SERVERS[flow.httpServer].length + RESPONSE_CONTENT_TYPE.length +
            HTTP_CONTENT_TYPES[flow.httpPath].length + RESPONSE_CONTENT_LENGTH.length + RESPONSE_END.length;
    }

    /** Writes the status line and header fields; a padding of 1 is a trailing space, which RFC 9110 5.5 allows. */
    int httpResponseHeader(final UnsafeBuffer buffer, final int at, final Flow flow)
    {
        int p = put(buffer, at, RESPONSE_SERVER);
        p = put(buffer, p, HTTP_SERVERS[flow.httpServer]);
        p = put(buffer, p, RESPONSE_CONTENT_TYPE);
        p = put(buffer, p, HTTP_CONTENT_TYPES[flow.httpPath]);
        p = put(buffer, p, RESPONSE_CONTENT_LENGTH);
        p += buffer.putLongAscii(p, flow.contentLength);
        if (flow.contentLengthPadding != 0)
        {
            buffer.putByte(p++, (byte)' ');
        }
        p = put(buffer, p, RESPONSE_END);
        return p - at;
    }

    /** Writes the next {@code length} bytes of the flow's response body. */
    void httpBody(final UnsafeBuffer buffer, final int at, final Flow flow, final int length)
    {
        int p = at;
        int remaining = length;
        while (remaining > 0)
        {
            final int from = (int)(flow.bodySent % FILLER_BYTES);
            final int chunk = Math.min(remaining, FILLER_BYTES - from);
            buffer.putBytes(p, filler, from, chunk);
            p += chunk;
            remaining -= chunk;
            flow.bodySent += chunk;
        }
    }

    /** A ClientHello offering TLS 1.3 and 1.2 (or only 1.2), with the flow's hostname in server_name (RFC 6066). */
    int tlsClientHello(final UnsafeBuffer buffer, final int at, final Flow flow)
    {
        buffer.putByte(at, (byte)TLS_CONTENT_HANDSHAKE);
        buffer.putShort(at + 1, (short)TLS_VERSION_1_0, NETWORK); // the record version clients send for compatibility
        final int handshake = at + TLS_RECORD_HEADER_LENGTH;
        buffer.putByte(handshake, (byte)TLS_HANDSHAKE_CLIENT_HELLO);
        int p = handshake + 4;
        buffer.putShort(p, (short)TLS_VERSION_1_2, NETWORK);
        p += 2;
        p = putRandom(buffer, p, flow.randomBase + CLIENT_RANDOM_AT, TLS_RANDOM_LENGTH);
        buffer.putByte(p++, (byte)TLS_SESSION_ID_LENGTH);
        p = putRandom(buffer, p, flow.randomBase + SESSION_ID_AT, TLS_SESSION_ID_LENGTH);
        final byte[] suites = flow.tls13 ? CIPHER_SUITES_TLS13 : CIPHER_SUITES_TLS12;
        buffer.putShort(p, (short)suites.length, NETWORK);
        p = put(buffer, p + 2, suites);
        buffer.putByte(p++, (byte)1);
        buffer.putByte(p++, (byte)0); // null compression only

        final int extensionsLengthAt = p;
        p += 2;
        final int nameLength = hostnameLength(flow);
        buffer.putShort(p, (short)0, NETWORK); // server_name
        buffer.putShort(p + 2, (short)(nameLength + 5), NETWORK);
        buffer.putShort(p + 4, (short)(nameLength + 3), NETWORK);
        buffer.putByte(p + 6, (byte)0); // host_name
        buffer.putShort(p + 7, (short)nameLength, NETWORK);
        p += 9;
        p += putHostname(buffer, p, flow);
        p = put(buffer, p, CLIENT_EXTENSIONS);
        if (flow.tls13)
        {
            p = put(buffer, p, CLIENT_EXTENSIONS_TLS13);
            p = putRandom(buffer, p, flow.randomBase + CLIENT_KEY_AT, TLS_KEY_SHARE_LENGTH);
        }
        buffer.putShort(extensionsLengthAt, (short)(p - extensionsLengthAt - 2), NETWORK);
        putHandshakeLength(buffer, handshake, p - handshake - 4);
        buffer.putShort(at + 3, (short)(p - handshake), NETWORK);
        return p - at;
    }

    int tlsServerFlightLength(final Flow flow)
    {
        return flow.tls13 ? SERVER_FLIGHT_LENGTH_TLS13 : SERVER_FLIGHT_LENGTH_TLS12;
    }

    /**
     * The server's first records: for TLS 1.3 a ServerHello and the middlebox-compatibility ChangeCipherSpec (RFC 8446
     * appendix D.4), after which everything is encrypted; for TLS 1.2 a ServerHello and ServerHelloDone. The 1.2
     * Certificate is left out: it would only add bulk, and what inspection needs (version, cipher) is in the hello.
     */
    int tlsServerFlight(final UnsafeBuffer buffer, final int at, final Flow flow)
    {
        buffer.putByte(at, (byte)TLS_CONTENT_HANDSHAKE);
        buffer.putShort(at + 1, (short)TLS_VERSION_1_2, NETWORK);
        final int handshake = at + TLS_RECORD_HEADER_LENGTH;
        buffer.putByte(handshake, (byte)TLS_HANDSHAKE_SERVER_HELLO);
        int p = handshake + 4;
        buffer.putShort(p, (short)TLS_VERSION_1_2, NETWORK);
        p += 2;
        p = putRandom(buffer, p, flow.randomBase + SERVER_RANDOM_AT, TLS_RANDOM_LENGTH);
        buffer.putByte(p++, (byte)TLS_SESSION_ID_LENGTH);
        // TLS 1.3 echoes the client's session id; a TLS 1.2 server issues its own.
        p = putRandom(buffer, p, flow.randomBase + (flow.tls13 ? SESSION_ID_AT : SERVER_KEY_AT), TLS_SESSION_ID_LENGTH);
        if (flow.tls13)
        {
            p = put(buffer, p, SERVER_HELLO_TAIL_TLS13);
            p = putRandom(buffer, p, flow.randomBase + SERVER_KEY_AT, TLS_KEY_SHARE_LENGTH);
            putHandshakeLength(buffer, handshake, p - handshake - 4);
            buffer.putShort(at + 3, (short)(p - handshake), NETWORK);
            p = put(buffer, p, CHANGE_CIPHER_SPEC);
        }
        else
        {
            p = put(buffer, p, SERVER_HELLO_TAIL_TLS12);
            putHandshakeLength(buffer, handshake, p - handshake - 4);
            buffer.putByte(p, (byte)TLS_HANDSHAKE_SERVER_HELLO_DONE);
            putHandshakeLength(buffer, p, 0);
            p += 4;
            buffer.putShort(at + 3, (short)(p - handshake), NETWORK);
        }
        return p - at;
    }

    /** One application data record of {@code length} bytes in all, its content random-looking as ciphertext is. */
    void tlsApplicationData(final UnsafeBuffer buffer, final int at, final int length, final long salt)
    {
        buffer.putByte(at, (byte)TLS_CONTENT_APPLICATION_DATA);
        buffer.putShort(at + 1, (short)TLS_VERSION_1_2, NETWORK);
        buffer.putShort(at + 3, (short)(length - TLS_RECORD_HEADER_LENGTH), NETWORK);
        randomBytes(buffer, at + TLS_RECORD_HEADER_LENGTH, length - TLS_RECORD_HEADER_LENGTH, salt);
    }

    /** Random-looking bytes from a window of the block chosen by {@code salt}. */
    void randomBytes(final UnsafeBuffer buffer, final int at, final int length, final long salt)
    {
        buffer.putBytes(at, random, (int)(SplitMix64.mix(salt) & (RANDOM_WINDOWS - 1)), length);
    }

    int dnsQuery(final UnsafeBuffer buffer, final int at, final Flow flow)
    {
        putDnsHeader(buffer, at, flow.dnsId, DNS_FLAGS_QUERY, 0);
        int p = putQuestion(buffer, at + DNS_HEADER_LENGTH, flow);
        p = put(buffer, p, DNS_OPT_RECORD);
        return p - at;
    }

    /** The answer: one or two A or AAAA records, named by a pointer to the question (RFC 1035 section 4.1.4). */
    int dnsResponse(final UnsafeBuffer buffer, final int at, final Flow flow)
    {
        putDnsHeader(buffer, at, flow.dnsId, DNS_FLAGS_RESPONSE, flow.dnsAnswers);
        int p = putQuestion(buffer, at + DNS_HEADER_LENGTH, flow);
        for (int i = 0; i < flow.dnsAnswers; i++)
        {
            answerRng.reset(flow.answerSeed + i);
            buffer.putShort(p, (short)DNS_NAME_POINTER_TO_QUESTION, NETWORK);
            buffer.putShort(p + 2, (short)(flow.dnsAaaa ? DNS_TYPE_AAAA : DNS_TYPE_A), NETWORK);
            buffer.putShort(p + 4, (short)DNS_CLASS_IN, NETWORK);
            buffer.putInt(p + 6, 30 + answerRng.nextInt(3600), NETWORK);
            p += 10;
            if (flow.dnsAaaa)
            {
                buffer.putShort(p, (short)16, NETWORK);
                buffer.putLong(p + 2, Flow.randomServerV6High(answerRng), NETWORK);
                buffer.putLong(p + 10, answerRng.nextLong() & 0xFFFF_FFFFL, NETWORK);
                p += 18;
            }
            else
            {
                buffer.putShort(p, (short)4, NETWORK);
                buffer.putInt(p + 2, Flow.randomServerV4(answerRng), NETWORK);
                p += 6;
            }
        }
        p = put(buffer, p, DNS_OPT_RECORD);
        return p - at;
    }

    private static void putDnsHeader(
        final UnsafeBuffer buffer, final int at, final int id, final int flags, final int answers)
    {
        buffer.putShort(at, (short)id, NETWORK);
        buffer.putShort(at + 2, (short)flags, NETWORK);
        buffer.putShort(at + 4, (short)1, NETWORK); // QDCOUNT
        buffer.putShort(at + 6, (short)answers, NETWORK); // ANCOUNT
        buffer.putShort(at + 8, (short)0, NETWORK); // NSCOUNT
        buffer.putShort(at + 10, (short)1, NETWORK); // ARCOUNT: the OPT record
    }

    private int putQuestion(final UnsafeBuffer buffer, final int at, final Flow flow)
    {
        // Write the dotted name one byte on, then turn each dot into the length of the label after it.
        final int nameLength = putHostname(buffer, at + 1, flow);
        int lengthAt = at;
        int labelLength = 0;
        for (int i = at + 1, end = at + 1 + nameLength; i < end; i++)
        {
            if (buffer.getByte(i) == '.')
            {
                buffer.putByte(lengthAt, (byte)labelLength);
                lengthAt = i;
                labelLength = 0;
            }
            else
            {
                labelLength++;
            }
        }
        buffer.putByte(lengthAt, (byte)labelLength);
        int p = at + 1 + nameLength;
        buffer.putByte(p++, (byte)0); // root
        buffer.putShort(p, (short)(flow.dnsAaaa ? DNS_TYPE_AAAA : DNS_TYPE_A), NETWORK);
        buffer.putShort(p + 2, (short)DNS_CLASS_IN, NETWORK);
        return p + 4;
    }

    private int putRandom(final UnsafeBuffer buffer, final int at, final int from, final int length)
    {
        buffer.putBytes(at, random, from, length);
        return at + length;
    }

    private static void putHandshakeLength(final UnsafeBuffer buffer, final int handshake, final int length)
    {
        buffer.putByte(handshake + 1, (byte)(length >>> 16));
        buffer.putShort(handshake + 2, (short)length, NETWORK);
    }

    private static int put(final UnsafeBuffer buffer, final int at, final byte[] bytes)
    {
        buffer.putBytes(at, bytes);
        return at + bytes.length;
    }

    private static byte[][] ascii(final String... values)
    {
        final byte[][] bytes = new byte[values.length][];
        for (int i = 0; i < values.length; i++)
        {
            bytes[i] = values[i].getBytes(StandardCharsets.US_ASCII);
        }
        return bytes;
    }

    private static byte[] bytes(final int... values)
    {
        final byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++)
        {
            bytes[i] = (byte)values[i];
        }
        return bytes;
    }
}
