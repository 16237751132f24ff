package dev.palisade.policy;

import dev.palisade.policy.model.Cidr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Address prefixes from text (no resolver): the 128-bit form with IPv4 mapped, host bits, and every malformation. */
class CidrParserTest
{
    private static Cidr parsed(final String text)
    {
        final CidrParser.Result result = CidrParser.parse(text);
        return assertInstanceOf(CidrParser.Parsed.class, result, () -> text + ": " + result).cidr();
    }

    private static String invalid(final String text)
    {
        final CidrParser.Result result = CidrParser.parse(text);
        return assertInstanceOf(CidrParser.Invalid.class, result, () -> text + " parsed as " + result).reason();
    }

    @Test
    void ipv4IsMappedIntoTheLow32BitsOfFfff96()
    {
        final Cidr host = parsed("10.0.1.10");
        assertEquals(0L, host.hi());
        assertEquals(0x0000_FFFF_0A00_010AL, host.lo());
        assertEquals(128, host.prefix(), "a bare IPv4 address is a /32, which is /128 mapped");
        assertTrue(host.ipv4());
        assertEquals("10.0.1.10", host.text());

        final Cidr net = parsed("192.168.0.0/16");
        assertEquals(Cidr.IPV4_MAPPED | 0xC0A8_0000L, net.lo());
        assertEquals(Cidr.IPV4_BASE + 16, net.prefix());

        final Cidr all = parsed("0.0.0.0/0");
        assertEquals(Cidr.IPV4_MAPPED, all.lo());
        assertEquals(Cidr.IPV4_BASE, all.prefix());

        assertEquals(Cidr.IPV4_MAPPED | 0xFFFF_FFFFL, parsed("255.255.255.255/32").lo());
    }

    @Test
    void ipv6TextForms()
    {
        final Cidr host = parsed("2001:db8::10");
        assertEquals(0x2001_0db8_0000_0000L, host.hi());
        assertEquals(0x10L, host.lo());
        assertEquals(128, host.prefix());
        assertFalse(host.ipv4());

        final Cidr ula = parsed("fd00::/8");
        assertEquals(0xfd00_0000_0000_0000L, ula.hi());
        assertEquals(0L, ula.lo());
        assertEquals(8, ula.prefix());

        final Cidr full = parsed("1:2:3:4:5:6:7:8");
        assertEquals(0x0001_0002_0003_0004L, full.hi());
        assertEquals(0x0005_0006_0007_0008L, full.lo());

        assertEquals(0L, parsed("::/0").hi());
        assertEquals(1L, parsed("::1").lo());
        assertEquals(0xFFFF_0000_0000_0000L, parsed("FFFF::/16").hi(), "hex digits of either case");
        assertEquals(0x0001_0000_0000_0000L, parsed("1::").hi());
        assertEquals(0x0000_0000_0000_0002L, parsed("1::2").lo());
        assertEquals(0x0000_0000_0000_0002L, parsed("1:0:0:0:0:0:0:2").lo());
        assertEquals(0x0005_0006_0000_0000L, parsed("1:2:3:4:5:6::/96").lo());

        final Cidr mapped = parsed("::ffff:10.0.0.1");
        assertEquals(0x0000_FFFF_0A00_0001L, mapped.lo());
        assertEquals(128, mapped.prefix());
        assertFalse(mapped.ipv4(), "written as IPv6; the same 128 bits as 10.0.0.1");
        assertEquals(parsed("10.0.0.1").lo(), mapped.lo());
        assertEquals(0x0005_0006_0102_0304L, parsed("1:2:3:4:5:6:1.2.3.4").lo(), "a trailing dotted quad");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        10.0.1.5/24          | '10.0.1.5/24' has host bits set; did you mean 10.0.1.0/24?
        10.255.255.255/8     | did you mean 10.0.0.0/8?
        0.0.0.1/0            | did you mean 0.0.0.0/0?
        2001:db8::1/32       | '2001:db8::1/32' has host bits set; did you mean 2001:db8::/32?
        2001:db8:0:1::5/64   | did you mean 2001:db8:0:1::/64?
        fd12:3456::/8        | did you mean fd00::/8?
        1:2:3:4:5:6:7:8/112  | did you mean 1:2:3:4:5:6:7:0/112?
        1:0:0:2:0:0:0:3/64   | did you mean 1:0:0:2::/64?
        """)
    void hostBitsAreRejectedWithTheNetworkSuggested(final String text, final String reason)
    {
        assertTrue(invalid(text).contains(reason), () -> invalid(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.004", "256.0.0.0", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/08",
        "1.2.3.4/33", "1.2.3.4/1x", "1.2.3.4//8", "1..2.3", ".1.2.3", "1.2.3.4.", " 1.2.3.4", "1.2.3.4 ",
        "١.٢.٣.٤", "example.com", "localhost", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "12345::", "g::",
        "fe80::1%eth0",
        ":1::", "1::2:", "1:2:3:4:5:6:7::8", "1::2:3:4:5:6:7:8", "1:2:3:4:5:6:7", "::1.2.3", "1.2.3.4::",
        "::1.2.3.4:5", "::256.0.0.1", "2001:db8::/129", "2001:db8::/", "::/-0", "0x0a000001", "10.0.0.0/8/8",
        "１０.0.0.1", "::ｆ", "2001:db8::/0032"})
    void malformedTextIsInvalid(final String text)
    {
        final String reason = invalid(text);
        assertFalse(reason.isBlank());
    }

    @Test
    void reasonsSayWhatIsExpected()
    {
        assertEquals("invalid IPv4 address '01.2.3.4': leading zeros are not allowed ('01')", invalid("01.2.3.4"));
        assertEquals("invalid IPv4 address '1.2.3': expected four numbers 0..255 separated by dots", invalid("1.2.3"));
        assertEquals("invalid prefix length in '10.0.0.0/33'; expected /0../32 for IPv4", invalid("10.0.0.0/33"));
        assertEquals("invalid prefix length in '::/129'; expected /0../128 for IPv6", invalid("::/129"));
        assertEquals("invalid IPv6 address 'fe80::1%eth0': zone indexes (%...) are not allowed",
            invalid("fe80::1%eth0"));
        assertTrue(invalid("example.com").startsWith("invalid address 'example.com'; expected an IPv4 or IPv6"));
        assertTrue(invalid("x".repeat(100)).contains("too long"));
    }

    @Test
    void formatsIpv6AsRfc5952()
    {
        assertEquals("::", CidrParser.formatIpv6(0, 0));
        assertEquals("::1", CidrParser.formatIpv6(0, 1));
        assertEquals("2001:db8::", CidrParser.formatIpv6(0x2001_0db8_0000_0000L, 0));
        assertEquals("1:0:0:2::3", CidrParser.formatIpv6(0x0001_0000_0000_0002L, 0x0000_0000_0000_0003L),
            "the longest run of zeros is compressed");
        assertEquals("1::2:0:0:3:4", CidrParser.formatIpv6(0x0001_0000_0000_0002L, 0x0000_0000_0003_0004L),
            "of two equal runs, the first is compressed");
        assertEquals("1:2:3:4:5:6:7:8", CidrParser.formatIpv6(0x0001_0002_0003_0004L, 0x0005_0006_0007_0008L));
        assertEquals("1:0:2:3:4:5:6:7", CidrParser.formatIpv6(0x0001_0000_0002_0003L, 0x0004_0005_0006_0007L),
            "a single zero group is not compressed");
        assertEquals("ffff::", CidrParser.formatIpv6(0xFFFF_0000_0000_0000L, 0));
    }

    @Test
    void masks()
    {
        assertEquals(0L, CidrParser.maskHi(0));
        assertEquals(0xFF00_0000_0000_0000L, CidrParser.maskHi(8));
        assertEquals(-1L, CidrParser.maskHi(64));
        assertEquals(0L, CidrParser.maskLo(64));
        assertEquals(0xFFFF_FFFF_FFFF_FF00L, CidrParser.maskLo(120));
        assertEquals(-1L, CidrParser.maskLo(128));
    }
}
