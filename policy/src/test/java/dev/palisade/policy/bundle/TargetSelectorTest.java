package dev.palisade.policy.bundle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetSelectorTest
{
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "all|all",
        "dpus:b,a,c|dpus:a,b,c",
        "labels:site=fra1,env=prod|labels:env=prod,site=fra1",
    })
    void theTextFormIsCanonical(final String text, final String canonical)
    {
        assertEquals(canonical, TargetSelector.parse(text).toString());
        assertEquals(TargetSelector.parse(text), TargetSelector.parse(canonical));
    }

    @Test
    void matching()
    {
        assertTrue(TargetSelector.all().matches("x", Map.of()));
        assertTrue(TargetSelector.parse("dpus:a,b").matches("b", Map.of()));
        assertFalse(TargetSelector.parse("dpus:a,b").matches("c", Map.of()));
        final TargetSelector labels = TargetSelector.parse("labels:env=prod,site=fra1");
        assertTrue(labels.matches("x", Map.of("env", "prod", "site", "fra1", "rack", "7")));
        assertFalse(labels.matches("x", Map.of("env", "prod")));
        assertFalse(labels.matches("x", Map.of("env", "prod", "site", "ams2")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "some|is not one of: all, dpus:ID[,ID…], labels:KEY=VALUE[,KEY=VALUE…]",
        "dpus:|DPU id '' must be 1 to 63",
        "dpus:a,a|names DPU 'a' twice",
        "dpus:a b|DPU id 'a b' must be",
        "labels:env|'env' is not KEY=VALUE",
        "labels:env=a,env=b|gives label 'env' twice",
        "labels:=x|label key '' must be",
    })
    void badSelectorsSayWhy(final String text, final String message)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TargetSelector.parse(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
