package dev.palisade.dpi.hyperscan;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binding against the real libhs.so of the com.gliwka.hyperscan:native artifact. */
class HyperscanTest
{
    private final List<long[]> found = new ArrayList<>();
    private final MatchListener record = (id, from, to) -> found.add(new long[] {id, from, to});
    private Database block;
    private Scanner scanner;

    @BeforeEach
    void compile()
    {
        block = Database.compile(List.of(
            new Expression("evil", Expression.CASELESS, 10),
            new Expression("GET /[a-z]+\\.php", 0, 20),
            new Expression("\\x00\\x01\\x02", Expression.SINGLEMATCH, 30)), Database.MODE_BLOCK);
        scanner = new Scanner(Scratch.allocate(block));
    }

    @AfterEach
    void free()
    {
        scanner.close();
        block.close();
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private String found()
    {
        final StringBuilder out = new StringBuilder();
        for (final long[] m : found)
        {
            out.append(m[0]).append('@').append(m[2]).append(' ');
        }
        return out.toString().trim();
    }

    @Test
    void versionAndPlatform()
    {
        assertTrue(Hyperscan.version().startsWith("5."), Hyperscan.version());
        assertTrue(Hyperscan.validPlatform());
        assertTrue(block.info().contains("Version:"), block.info());
        assertTrue(block.sizeBytes() > 0);
    }

    @Test
    void blockScanReportsEveryMatchWithItsIdAndEnd()
    {
        final byte[] data = bytes("xx EVIL GET /index.php \u0000\u0001\u0002 evil \u0000\u0001\u0002");
        assertTrue(scanner.scan(block, data, 0, data.length, record));
        assertEquals("10@7 20@22 30@26 10@31", found(), "single-match reports id 30 once");
        assertEquals(4, scanner.matches());
    }

    @Test
    void theListenerCanStopTheScan()
    {
        final byte[] data = bytes("evil evil evil");
        assertFalse(scanner.scan(block, data, 0, data.length, (id, from, to) -> found.add(new long[] {id, from, to})
            && false));
        assertEquals(1, found.size());
    }

    @Test
    void streamModeFindsAMatchSplitAcrossPiecesAndCopiesAndResets()
    {
        try (Database stream = Database.compile(List.of(new Expression("attack", 0, 1),
            new Expression("end$", 0, 2)), Database.MODE_STREAM))
        {
            scanner.scratch().grow(stream);
            final Scanner.Stream s = scanner.open(stream);
            scanner.scan(s, bytes("..att"), 0, 5, record);
            assertEquals("", found());
            final Scanner.Stream copy = scanner.copy(s);
            scanner.scan(s, bytes("ack.."), 0, 5, record);
            assertEquals("1@8", found(), "offsets count from the start of the stream");
            found.clear();
            scanner.scan(copy, bytes("ACK"), 0, 3, record);
            assertEquals("", found(), "the copy went on from the split, on other data");
            scanner.scan(copy, bytes(" end"), 0, 4, record);
            scanner.close(copy, record);
            assertEquals("2@12", found(), "end$ needs the end of the stream: reported at close");
            assertFalse(copy.isOpen());
            found.clear();
            scanner.reset(s, null);
            scanner.scan(s, bytes("ack"), 0, 3, record);
            assertEquals("", found(), "after a reset, the earlier 'att' is forgotten");
            scanner.close(s, null);
            assertTrue(stream.streamSizeBytes() > 0);
        }
    }

    @Test
    void vectoredModeScansPiecesAsOneBuffer()
    {
        try (Database vectored = Database.compile(List.of(new Expression("needle", 0, 7)), Database.MODE_VECTORED);
            com.sun.jna.Memory a = new com.sun.jna.Memory(4);
            com.sun.jna.Memory b = new com.sun.jna.Memory(4);
            com.sun.jna.Memory addresses = new com.sun.jna.Memory(16);
            com.sun.jna.Memory lengths = new com.sun.jna.Memory(8))
        {
            scanner.scratch().grow(vectored);
            a.write(0, bytes("xnee"), 0, 4);
            b.write(0, bytes("dlex"), 0, 4);
            addresses.setLong(0, com.sun.jna.Pointer.nativeValue(a));
            addresses.setLong(8, com.sun.jna.Pointer.nativeValue(b));
            lengths.setInt(0, 4);
            lengths.setInt(4, 4);
            scanner.scanVector(vectored, com.sun.jna.Pointer.nativeValue(addresses),
                com.sun.jna.Pointer.nativeValue(lengths), 2, record);
            assertEquals("7@7", found());
        }
    }

    @Test
    void serializedDatabasesScanTheSame()
    {
        final byte[] image = block.serialize();
        try (Database copy = Database.deserialize(image, Database.MODE_BLOCK, 3))
        {
            final byte[] data = bytes("GET /a.php evil");
            scanner.scan(copy, data, 0, data.length, record);
            assertEquals("20@10 10@15", found());
        }
        image[image.length / 2] ^= 0x55;
        image[8] ^= 0x55;
        final HyperscanException e = assertThrows(HyperscanException.class,
            () -> Database.deserialize(image, Database.MODE_BLOCK, 3).close());
        assertTrue(e.getMessage().startsWith("hs_deserialize_database failed"), e.getMessage());
    }

    @Test
    void aBadPatternNamesItsIndexAndReason()
    {
        final CompileException e = assertThrows(CompileException.class, () -> Database.compile(List.of(
            new Expression("fine", 0, 1), new Expression("(unclosed", 0, 2)), Database.MODE_BLOCK));
        assertEquals(1, e.expression());
        assertTrue(e.getMessage().startsWith("expression 1 /(unclosed/ does not compile: "), e.getMessage());
        assertTrue(e.reason().toLowerCase().contains("parenthes"), e.reason());
        assertThrows(IllegalArgumentException.class, () -> Database.compile(List.of(), Database.MODE_BLOCK));
    }

    @Test
    void extendedParametersBoundWhereAMatchMayEnd()
    {
        try (Database bounded = Database.compile(List.of(new Expression("abc", 0, 1,
            new Expression.Extension(0, 5, 0, 0, 0))), Database.MODE_BLOCK))
        {
            scanner.scratch().grow(bounded);
            final byte[] data = bytes("abc...abc");
            scanner.scan(bounded, data, 0, data.length, record);
            assertEquals("1@3", found(), "the second abc ends at 9, beyond max_offset 5");
        }
    }

    @Test
    void oneScratchPerThreadClonesWork() throws Exception
    {
        try (Scratch clone = scanner.scratch().cloneScratch(); Scanner other = new Scanner(clone.cloneScratch()))
        {
            assertTrue(clone.sizeBytes() > 0);
            final int[] count = {0};
            final Thread thread = new Thread(() ->
            {
                final byte[] data = bytes("evil evil");
                other.scan(block, data, 0, data.length, (id, from, to) -> ++count[0] > 0);
            });
            thread.start();
            thread.join();
            assertEquals(2, count[0]);
        }
    }

    @Test
    void closedObjectsAreErrorsNotCrashes()
    {
        final Database db = Database.compile(List.of(new Expression("x", 0, 1)), Database.MODE_BLOCK);
        db.close();
        db.close();
        final IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> scanner.scan(db, bytes("x"), 0, 1, record));
        assertEquals("database is closed", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> scanner.scan(block, bytes("x"), 0, 2, record));
    }

    @Test
    void aStreamDatabaseInABlockScanIsAModeError()
    {
        try (Database stream = Database.compile(List.of(new Expression("x", 0, 1)), Database.MODE_STREAM))
        {
            scanner.scratch().grow(stream);
            final HyperscanException e = assertThrows(HyperscanException.class,
                () -> scanner.scan(stream, bytes("x"), 0, 1, record));
            assertEquals(-7, e.code());
            assertTrue(e.getMessage().contains("HS_DB_MODE_ERROR"), e.getMessage());
        }
    }
}
