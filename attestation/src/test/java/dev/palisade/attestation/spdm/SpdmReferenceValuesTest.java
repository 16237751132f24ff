package dev.palisade.attestation.spdm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reference values that would check nothing are refused when they are read, not discovered as an AFFIRMING appraisal
 * later: an empty file or mapping, empty measurements without tcb entries, and an empty fwid list.
 */
class SpdmReferenceValuesTest
{
    @ParameterizedTest
    @ValueSource(strings = {"{}", "measurements:", "measurements: {}", "tcb: []", "measurements: {}\ntcb: []",
        "{\"measurements\": {}, \"tcb\": []}"})
    void referencesThatCheckNothingAreRefused(final String text)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SpdmReferenceValues.parse(text));
        assertTrue(e.getMessage().contains("check nothing"), e.getMessage());
    }

    @Test
    void referencesInCodeThatCheckNothingAreRefused()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SpdmReferenceValues.of(Map.of(), List.of()));
        assertTrue(e.getMessage().contains("check nothing"), e.getMessage());
    }

    @Test
    void anEmptyFwidListIsRefusedNotDropped()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SpdmReferenceValues.parse("tcb:\n  - vendor: Palisade\n    model: DPU-RT\n    fwid: []\n"));
        assertTrue(e.getMessage().contains("tcb[0].fwid is an empty list"), e.getMessage());
    }

    @Test
    void oneCheckIsEnough()
    {
        assertEquals(1, SpdmReferenceValues.parse("measurements: {1: \"ab\"}").measurements().size());
        final SpdmReferenceValues tcbOnly = SpdmReferenceValues.parse("tcb:\n  - model: DPU-RT\n    fwid: [\"ab\"]\n");
        assertEquals(1, tcbOnly.tcb().size());
        assertEquals(1, tcbOnly.tcb().getFirst().fwids().size());
        assertEquals(1, SpdmReferenceValues.of(Map.of(), List.of(new SpdmReferenceValues.TcbReference("Palisade",
            null, null, null, List.of()))).tcb().size());
    }
}
